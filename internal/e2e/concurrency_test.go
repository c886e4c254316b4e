package e2e

// Nothing lost: many sessions creating customers at the same moment on one
// server each get their own customer, each create reaches the API exactly
// once, and the audit trail has one line per attempt.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

// concurrentSessions is how many clients create at once.
const concurrentSessions = 50

// concurrentCustomer is the customer session i creates.
func concurrentCustomer(i int) map[string]any {
	return map[string]any{
		"customer_name": fmt.Sprintf("Concurrent Customer %02d Pty Ltd", i),
		"nickname":      fmt.Sprintf("Concurrent %02d", i),
		"addr_1":        fmt.Sprintf("%d George Street", i+1),
		"postcode":      "2000",
		"country":       "Australia",
		"city":          "Sydney",
	}
}

// TestConcurrentCreatesLoseNothing: 50 sessions on one streamable HTTP
// server (all four client × protocol combinations, in turn) create 50
// distinct customers at once, against an upstream slow enough that the
// calls overlap. Every create reaches the API exactly once, every caller
// gets back its own customer (its name, an id no one else got, the id the
// API recorded for that name), and the audit trail holds exactly one
// "created" line per create, naming the same id.
func TestConcurrentCreatesLoseNothing(t *testing.T) {
	t.Parallel()
	up := newSharedUpstream(t, func(sb *sandbox.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(20 * time.Millisecond) // so that the calls overlap
			sb.ServeHTTP(w, r)
		})
	})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	// The client-side rate limit (10/s) would pace 50 duplicate checks and
	// 50 creates over ten seconds; this test is about losing nothing.
	ns := startNet(t, netOpts{transport: "http", up: up, args: []string{"--audit-log", auditPath, "--rate-limit", "-1"}})

	// Connect everyone first, then release the creates together.
	sessions := make([]*testServer, concurrentSessions)
	{
		var wg sync.WaitGroup
		errs := make([]error, concurrentSessions)
		for i := range sessions {
			wg.Go(func() {
				ctx, cancel := callContext()
				defer cancel()
				sessions[i], errs[i] = ns.dial(ctx, netClient{combo: combos[i%len(combos)]})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("session %d (%s): connect: %v\nstderr:\n%s", i, combos[i%len(combos)], err, ns.stderr)
			}
		}
		t.Cleanup(func() {
			for _, ts := range sessions {
				_ = ts.sess.close()
			}
		})
	}

	type outcome struct {
		raw json.RawMessage
		err error
	}
	outcomes := make([]outcome, concurrentSessions)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, ts := range sessions {
		wg.Go(func() {
			ctx, cancel := callContext()
			defer cancel()
			<-start
			outcomes[i].raw, outcomes[i].err = ts.sess.callTool(ctx, "create_customer", concurrentCustomer(i))
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("%d concurrent creates took %s", concurrentSessions, time.Since(began).Round(time.Millisecond))

	// Every caller got its own customer.
	idOf := map[string]int{} // customer name -> id returned to its caller
	byID := map[int]int{}    // id -> session
	for i, o := range outcomes {
		name := concurrentCustomer(i)["customer_name"].(string)
		if o.err != nil {
			t.Errorf("session %d (%s): protocol error: %v", i, combos[i%len(combos)], o.err)
			continue
		}
		res := decodeResult(t, o.raw)
		if res.IsError || res.Structured["status"] != "created" {
			t.Errorf("session %d (%s): want created, got isError=%v %s", i, combos[i%len(combos)], res.IsError, res.Text)
			continue
		}
		cu, _ := res.Structured["customer"].(map[string]any)
		if cu["customer_name"] != name {
			t.Errorf("session %d asked for %q and got back %q", i, name, cu["customer_name"])
		}
		id := num(t, cu, "customer_id")
		if other, dup := byID[id]; dup {
			t.Errorf("sessions %d and %d both got customer_id %d", other, i, id)
		}
		byID[id] = i
		idOf[name] = id
	}

	// The API saw each create exactly once, and recorded what the callers
	// were told.
	posted := map[string]int{}
	for _, r := range up.sb.Requests() {
		if r.Method != http.MethodPost {
			continue
		}
		if r.Path != atomicapi.PathCreateCustomer {
			t.Errorf("POST to %s", r.Path)
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Errorf("POST body %s: %v", r.Body, err)
			continue
		}
		name, _ := body["customer_name"].(string)
		posted[name]++
	}
	for i := range concurrentSessions {
		name := concurrentCustomer(i)["customer_name"].(string)
		if posted[name] != 1 {
			t.Errorf("%q was POSTed %d times, want exactly once", name, posted[name])
		}
	}
	if len(posted) != concurrentSessions {
		t.Errorf("POSTs for %d distinct names, want %d: %v", len(posted), concurrentSessions, posted)
	}
	recorded := map[string]int{}
	for _, c := range up.sb.Customers() {
		recorded[c.CustomerName] = int(c.CustomerID)
	}
	for name, id := range idOf {
		if recorded[name] != id {
			t.Errorf("%q: the caller was told customer_id %d, the API recorded %d", name, id, recorded[name])
		}
	}

	// The audit trail: one line per attempt, each a create of one of the
	// customers with the id its caller got.
	data, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) != concurrentSessions {
		t.Errorf("audit trail has %d lines, want %d (one per create)", len(lines), concurrentSessions)
	}
	audited := map[string]int{}
	for n, line := range lines {
		var e struct {
			Tool           string `json:"tool"`
			Outcome        string `json:"outcome"`
			CustomerID     int    `json:"customer_id"`
			CustomerName   string `json:"customer_name"`
			ClientName     string `json:"client_name"`
			UpstreamStatus int    `json:"upstream_status"`
		}
		if err := json.Unmarshal(line, &e); err != nil {
			t.Errorf("audit line %d is not JSON: %q", n+1, line)
			continue
		}
		if e.Tool != "create_customer" || e.Outcome != "created" {
			t.Errorf("audit line %d: tool %q outcome %q, want create_customer created: %s", n+1, e.Tool, e.Outcome, line)
		}
		if id, ok := idOf[e.CustomerName]; !ok || id != e.CustomerID {
			t.Errorf("audit line %d: %q customer_id %d, but its caller got %d: %s", n+1, e.CustomerName, e.CustomerID, id, line)
		}
		if e.ClientName == "" {
			t.Errorf("audit line %d names no client: %s", n+1, line)
		}
		if e.UpstreamStatus/100 != 2 {
			t.Errorf("audit line %d: upstream_status %d, want the create's 2xx: %s", n+1, e.UpstreamStatus, line)
		}
		audited[e.CustomerName]++
	}
	for name, n := range audited {
		if n != 1 {
			t.Errorf("%q has %d audit lines, want 1", name, n)
		}
	}
}
