package e2e

// Graceful shutdown of the network transports: SIGTERM stops accepting
// connections, lets the tool call in flight finish, and exits 0 within the
// 10-second grace. (stdio's clean exit on stdin EOF is covered by
// TestStdoutPurity and TestEveryToolCallIsLogged; SIGTERM on stdio by
// TestSignalExit.)

import (
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

// shutdownGrace is the documented time in-flight calls get after SIGTERM.
const shutdownGrace = 10 * time.Second

// upstreamDelay is how long the in-flight call waits on the upstream API.
const upstreamDelay = time.Second

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	forEachNet(t, func(t *testing.T, v netVariant, c combo) {
		var slow atomic.Bool
		arrived := make(chan struct{}, 1)
		ns := startNet(t, netOpts{transport: v.transport, args: v.args, wrap: func(sb *sandbox.Server) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if slow.Load() && r.Method == http.MethodGet && r.URL.Path == atomicapi.PathListCustomers {
					select {
					case arrived <- struct{}{}:
					default:
					}
					time.Sleep(upstreamDelay)
				}
				sb.ServeHTTP(w, r)
			})
		}})
		ts := ns.connect(t, netClient{combo: c})
		ts.callOK(t, "list_service_plans", nil)

		slow.Store(true)
		type outcome struct {
			res toolResult
			err error
			at  time.Time
		}
		done := make(chan outcome, 1)
		go func() {
			ctx, cancel := callContext()
			defer cancel()
			raw, err := ts.sess.callTool(ctx, "list_customers", nil)
			o := outcome{err: err, at: time.Now()}
			if err == nil {
				o.res = decodeResult(t, raw)
			}
			done <- o
		}()
		select {
		case <-arrived:
		case <-time.After(callTimeout):
			t.Fatal("the tool call never reached the upstream API")
		}

		sigterm := time.Now()
		if err := ns.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		// New connections are refused while the call is still running.
		refusedAt, refused := waitRefused(ns, upstreamDelay)
		if !refused {
			t.Errorf("GET /healthz still answered %s after SIGTERM", upstreamDelay)
		}

		var o outcome
		select {
		case o = <-done:
		case <-time.After(callTimeout):
			t.Fatal("the in-flight call never completed")
		}
		if o.err != nil {
			t.Fatalf("the in-flight call failed after SIGTERM: %v\nstderr:\n%s", o.err, ns.stderr)
		}
		if o.res.IsError || o.res.Structured == nil || num(t, o.res.Structured, "total") != 4 {
			t.Fatalf("the in-flight call answered isError=%v %v %s, want the 4 customers", o.res.IsError, o.res.Structured, o.res.Text)
		}
		if refused && !refusedAt.Before(o.at) {
			t.Errorf("new connections were refused only after the in-flight call ended")
		}

		code, _, err := ns.terminate(shutdownGrace + 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(sigterm); took > shutdownGrace {
			t.Errorf("exit took %s after SIGTERM, want within the %s grace", took.Round(time.Millisecond), shutdownGrace)
		}
		if code != 0 {
			t.Errorf("exit code %d after SIGTERM, want 0\nstderr:\n%s", code, ns.stderr)
		}
	})
}

// waitRefused polls /healthz until a connection is refused, for up to limit.
func waitRefused(ns *netServer, limit time.Duration) (time.Time, bool) {
	client := &http.Client{Timeout: 200 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := client.Get(ns.base + "/healthz")
		if err != nil {
			return time.Now(), true
		}
		resp.Body.Close()
		time.Sleep(10 * time.Millisecond)
	}
	return time.Time{}, false
}
