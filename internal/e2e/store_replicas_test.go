package e2e

// Replicas sharing one Redis store: three --stateless processes of the
// built binary behind a round-robin reverse proxy, against one recording
// upstream. Every guard must hold across them: duplicates, single use, the
// rate budget and the customer cache.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/redistest"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

// gate stands between the replicas and the sandbox: it records every
// request that reached upstream, with its time, slows creates, and can fail
// DELETEs.
type gate struct {
	failDeletes atomic.Int32 // the next n DELETEs are answered 503
	deleteDelay atomic.Int64 // nanoseconds each DELETE is held

	mu   sync.Mutex
	seen []gateRequest
}

type gateRequest struct {
	method, path, body string
	at                 time.Time
}

func (g *gate) wrap(sb *sandbox.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		g.mu.Lock()
		g.seen = append(g.seen, gateRequest{r.Method, r.URL.Path, string(body), time.Now()})
		g.mu.Unlock()
		if r.Method == http.MethodPost {
			// Slow enough that creates on different replicas overlap
			// unless something makes them wait for each other.
			time.Sleep(150 * time.Millisecond)
		}
		if r.Method == http.MethodDelete {
			time.Sleep(time.Duration(g.deleteDelay.Load()))
		}
		if r.Method == http.MethodDelete && g.failDeletes.Add(-1) >= 0 {
			http.Error(w, `{"error":"service unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		g.failDeletes.Store(max(g.failDeletes.Load(), 0))
		sb.ServeHTTP(w, r)
	})
}

// count is how many requests with method reached upstream whose body
// contains substr.
func (g *gate) count(method, substr string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, r := range g.seen {
		if r.method == method && strings.Contains(r.body, substr) {
			n++
		}
	}
	return n
}

// since is the times of the requests that reached upstream after t.
func (g *gate) since(t time.Time) []time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []time.Time
	for _, r := range g.seen {
		if !r.at.Before(t) {
			out = append(out, r.at)
		}
	}
	return out
}

// roundRobin is a load balancer written for the test: each request goes to
// the next replica.
func roundRobin(t *testing.T, up upstream, replicas ...*netServer) *netServer {
	t.Helper()
	var next atomic.Uint64
	targets := make([]*url.URL, len(replicas))
	for i, r := range replicas {
		targets[i], _ = url.Parse(r.base)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(targets[next.Add(1)%uint64(len(targets))])
			pr.Out.Host = pr.In.Host
		},
		FlushInterval: -1,
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return &netServer{t: t, transport: "http", sb: up.sb, stderr: &syncBuffer{}, base: srv.URL}
}

// replicaRate is the replicas' --rate-limit: with the default burst of 10,
// 40 requests take at least (40-10)/20 = 1.5 s on one shared budget, and
// about 0.2 s on three budgets of their own.
const replicaRate = 20

func TestReplicasShareRedisStore(t *testing.T) {
	t.Parallel()
	redis := redistest.Start(t)
	g := &gate{}
	up := newSharedUpstream(t, g.wrap)
	var replicas []*netServer
	for range 3 {
		replicas = append(replicas, startNet(t, netOpts{transport: "http", up: up,
			args: []string{"--stateless", "--rate-limit", fmt.Sprint(replicaRate)},
			env:  []string{"ATOMIC_MCP_CONFIRM_SECRET=" + confirmSecret, "ATOMIC_MCP_STORE=" + redis.URL}}))
	}
	lb := roundRobin(t, up, replicas...)
	client := func(ns *netServer, i int) *testServer {
		return ns.connect(t, netClient{combo: combos[i%len(combos)]})
	}
	direct := []*testServer{client(replicas[0], 0), client(replicas[1], 1), client(replicas[2], 2)}

	t.Run("one rate budget for all replicas", func(t *testing.T) {
		var sessions []*testServer
		for i := range 4 {
			sessions = append(sessions, client(lb, i))
		}
		time.Sleep(time.Second) // a full burst, whatever came before
		start := time.Now()
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Go(func() {
				// Distinct filters: no cache or shared flight saves a request.
				sessions[i%4].callOK(t, "list_customers", map[string]any{"customer_name": fmt.Sprintf("budget-%d", i)})
			})
		}
		wg.Wait()
		times := g.since(start)
		if len(times) != 40 {
			t.Fatalf("%d upstream requests for 40 distinct lists, want 40", len(times))
		}
		took := times[len(times)-1].Sub(start)
		early := 0
		for _, at := range times {
			if at.Sub(start) < 500*time.Millisecond {
				early++
			}
		}
		// Burst 10, then 20/s: at most 10+10 in the first half second (a
		// little slack for timing), and the last no sooner than 1.5 s.
		if early > 23 || took < 1200*time.Millisecond {
			t.Fatalf("40 lists over 3 replicas: %d reached upstream in the first 500ms (want <= 23) and the last after %s (want >= 1.2s): "+
				"each replica spends a budget of its own", early, took.Round(time.Millisecond))
		}
	})

	t.Run("20 concurrent same-name creates over 20 sessions", func(t *testing.T) {
		const name = "Harbour Plumbing Pty Ltd"
		var sessions []*testServer
		for i := range 20 {
			sessions = append(sessions, client(lb, i))
		}
		results := make([]toolResult, 20)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() { results[i] = sessions[i].call(t, "create_customer", createArgs(name)) })
		}
		wg.Wait()
		if n := g.count(http.MethodPost, name); n != 1 {
			t.Fatalf("%d POSTs reached upstream for 20 concurrent creates of one name over 3 replicas, want 1", n)
		}
		var id any
		for _, r := range results {
			if !r.IsError {
				id = asMap(r.Structured["customer"])["customer_id"]
			}
		}
		refused := 0
		for _, r := range results {
			if r.IsError {
				assertContainsAll(t, "duplicate refusal", r.Text, "already exists", fmt.Sprintf("customer_id %v", id))
				refused++
			}
		}
		if refused != 19 {
			t.Fatalf("%d refusals, want 19", refused)
		}
	})

	mint := func(t *testing.T, ts *testServer, id int) string {
		t.Helper()
		res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": id})
		token, _ := res.Structured["confirmation_token"].(string)
		if token == "" {
			t.Fatalf("no confirmation token: %v", res.Structured)
		}
		return token
	}
	deleteAttempts := func(id int) int { return g.count(http.MethodDelete, fmt.Sprintf(`"customer_id":%d`, id)) }

	t.Run("one token redeemed on all three at once", func(t *testing.T) {
		const id = 5
		token := mint(t, direct[0], id)
		var deleted atomic.Int32
		var wg sync.WaitGroup
		for _, ts := range direct {
			wg.Go(func() {
				if res := ts.call(t, "delete_customer", map[string]any{"customer_id": id, "confirmation_token": token}); !res.IsError {
					deleted.Add(1)
				}
			})
		}
		wg.Wait()
		if n := deleteAttempts(id); n != 1 || deleted.Load() != 1 {
			t.Fatalf("one token redeemed on 3 replicas at once: %d DELETEs reached upstream, %d calls deleted; want 1 and 1", n, deleted.Load())
		}
	})

	t.Run("a token whose DELETE failed is spent on every replica", func(t *testing.T) {
		const id = 6
		token := mint(t, direct[0], id)
		g.failDeletes.Store(1)
		res := direct[0].callErr(t, "delete_customer", map[string]any{"customer_id": id, "confirmation_token": token})
		assertContainsAll(t, "failed delete", res.Text, "503")
		res = direct[1].callErr(t, "delete_customer", map[string]any{"customer_id": id, "confirmation_token": token})
		assertContainsAll(t, "replayed token on replica 2", res.Text, "already used", "nothing was deleted")
		if n := deleteAttempts(id); n != 1 {
			t.Fatalf("%d DELETEs reached upstream for a token whose DELETE failed and was replayed on another replica, want 1", n)
		}
	})

	t.Run("a create on one replica shows on another at once", func(t *testing.T) {
		const name = "Cache Coherence Pty Ltd"
		direct[1].callOK(t, "list_customers", map[string]any{}) // fills replica 2's cache
		direct[0].callOK(t, "create_customer", createArgs(name))
		res := direct[1].callOK(t, "list_customers", map[string]any{})
		if !strings.Contains(string(res.RawStructured), name) {
			t.Fatalf("replica 2 lists without %q right after replica 1 created it: a stale cache", name)
		}
	})

	t.Run("Redis down: writes refused clearly, lists go on; back: all works", func(t *testing.T) {
		const id = 7
		token := mint(t, direct[0], id)
		redis.Stop()
		store := fmt.Sprintf("redis://127.0.0.1:%d/0", redis.Port)

		res := direct[0].callErr(t, "create_customer", createArgs("Store Down Pty Ltd"))
		assertContainsAll(t, "create with Redis down", res.Text, "was not sent", "shared state store", store)
		res = direct[1].callErr(t, "delete_customer", map[string]any{"customer_id": id, "confirmation_token": token})
		assertContainsAll(t, "delete with Redis down", res.Text, "nothing was deleted", "shared state store", store)
		if g.count(http.MethodPost, "Store Down") != 0 || deleteAttempts(id) != 0 {
			t.Fatal("a write reached upstream while the store was down")
		}
		direct[2].callOK(t, "list_customers", map[string]any{"customer_name": "Redfern"})
		lb.connect(t, netClient{combo: combos[0]}).callOK(t, "list_service_plans", map[string]any{})

		redis.Restart()
		// The token was never spent: it works once the store is back.
		deadline := time.Now().Add(10 * time.Second)
		for {
			res = direct[1].call(t, "delete_customer", map[string]any{"customer_id": id, "confirmation_token": token})
			if !res.IsError || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if res.IsError || deleteAttempts(id) != 1 {
			t.Fatalf("delete after Redis came back: %s (%d DELETEs), want deleted with 1", res.Text, deleteAttempts(id))
		}
		direct[0].callOK(t, "create_customer", createArgs("Store Down Pty Ltd"))
		direct[2].callErr(t, "create_customer", createArgs("Store Down Pty Ltd"))
		if n := g.count(http.MethodPost, "Store Down"); n != 1 {
			t.Fatalf("%d POSTs after Redis came back, want 1", n)
		}
	})
}

// createArgs is a valid create_customer call for name.
func createArgs(name string) map[string]any {
	return map[string]any{"customer_name": name, "nickname": "Harbour", "addr_1": "1 Circular Quay", "postcode": "2000", "country": "Australia", "city": "Sydney"}
}
