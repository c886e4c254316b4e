package e2e

// The binary served over the network (--transport http, with and without
// --stateless, and --transport sse), driven by both clients on both
// protocol eras: the tools work, and delete confirmation takes the path the
// transport allows.

import (
	"strings"
	"testing"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

// netVariant is one way of serving over the network.
type netVariant struct {
	name      string
	transport string
	args      []string
}

var netVariants = []netVariant{
	{"http", "http", nil},
	{"http-stateless", "http", []string{"--stateless"}},
	{"sse", "sse", nil},
}

// forEachNet runs f as a parallel subtest per transport × client × version.
// Both clients speak 2026-07-28 over legacy SSE too (server/discover and
// per-request metadata travel as ordinary messages), so every combination
// applies.
func forEachNet(t *testing.T, f func(t *testing.T, v netVariant, c combo)) {
	t.Helper()
	for _, v := range netVariants {
		for _, c := range combos {
			t.Run(v.name+"/"+c.String(), func(t *testing.T) {
				t.Parallel()
				f(t, v, c)
			})
		}
	}
}

// TestNetTools: listing and creating work over every network transport, and
// a create sends exactly one POST upstream.
func TestNetTools(t *testing.T) {
	t.Parallel()
	forEachNet(t, func(t *testing.T, v netVariant, c combo) {
		ns := startNet(t, netOpts{transport: v.transport, args: v.args})
		ts := ns.connect(t, netClient{combo: c})

		ctx, cancel := callContext()
		defer cancel()
		tools, err := ts.sess.listTools(ctx)
		if err != nil {
			t.Fatalf("tools/list: %v", err)
		}
		if len(tools) != 4 {
			t.Errorf("tools/list has %d tools, want 4", len(tools))
		}

		res := ts.callOK(t, "list_customers", nil)
		if num(t, res.Structured, "total") != 4 || num(t, res.Structured, "deleted_hidden") != 1 {
			t.Errorf("list_customers total/deleted_hidden = %v/%v, want 4/1", res.Structured["total"], res.Structured["deleted_hidden"])
		}
		if n := ns.sb.CountRequests("GET", atomicapi.PathListCustomers); n != 1 {
			t.Errorf("%d list requests upstream, want 1", n)
		}
		res = ts.callOK(t, "list_service_plans", nil)
		if plans, _ := res.Structured["plans"].([]any); len(plans) != 2 {
			t.Errorf("list_service_plans answered %v, want 2 plans", res.Structured["plans"])
		}

		res = ts.callOK(t, "create_customer", harbour())
		if res.Structured["status"] != "created" {
			t.Fatalf("create status = %v, want created (%s)", res.Structured["status"], res.Text)
		}
		id := num(t, res.Structured["customer"].(map[string]any), "customer_id")
		if body := onlyPost(t, ts, 1); body["customer_name"] != "Harbour Plumbing" {
			t.Errorf("POST body = %v, want Harbour Plumbing", body)
		}
		if !sandboxHas(ts, int64(id), "Harbour Plumbing") {
			t.Errorf("customer %d is not upstream after create", id)
		}
		res = ts.callOK(t, "list_customers", map[string]any{"customer_name": "Harbour"})
		if ids := customerIDs(t, res.Structured); len(ids) != 1 || ids[0] != id {
			t.Errorf("listing Harbour found %v, want [%d]", ids, id)
		}
	})
}

// Confirmation paths a delete can take.
const (
	viaSessionElicitation = "elicitation/create on the session"
	viaRoundTrip          = "multi-round-trip elicitation"
	viaToken              = "confirmation token"
)

// confirmationPath is the path the README promises: elicitation where the
// session can answer it (streamable HTTP with sessions), a round trip for
// 2026-07-28 clients anywhere, the token everywhere else (legacy SSE,
// --stateless with older clients).
func confirmationPath(v netVariant, version string) string {
	switch {
	case version == v20260728:
		return viaRoundTrip
	case v.name == "http":
		return viaSessionElicitation
	default:
		return viaToken
	}
}

// TestNetDelete: every client declares elicitation; each transport takes
// its confirmation path, and only an approval deletes. Every call is bound
// by callTimeout, so a server that asks a client it cannot reach (the
// --stateless trap) fails fast instead of hanging.
func TestNetDelete(t *testing.T) {
	t.Parallel()
	forEachNet(t, func(t *testing.T, v netVariant, c combo) {
		path := confirmationPath(v, c.version)
		ns := startNet(t, netOpts{transport: v.transport, args: v.args})
		log := &rpcLog{}
		// The user declines deleting Brisbane Valley (7) and approves the rest.
		ts := ns.connect(t, netClient{combo: c, log: log, elicit: func(e elicitation) answer {
			if strings.Contains(e.Message, "Brisbane Valley") {
				return answer{Action: "decline"}
			}
			return answer{Action: "accept", Content: map[string]any{"confirm": true}}
		}})
		t.Logf("confirmation path: %s", path)

		if path == viaToken {
			res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
			if res.Structured["status"] != "confirmation_required" {
				t.Fatalf("first call status = %v, want confirmation_required (%s)", res.Structured["status"], res.Text)
			}
			if n := len(ts.elicitations()); n != 0 {
				t.Fatalf("the client was sent %d elicitation(s) on a transport that cannot carry them", n)
			}
			ts.wantDeletes(t, 0, "after the first call")
			token, _ := res.Structured["confirmation_token"].(string)
			res = ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": token})
			if res.Structured["status"] != "deleted" || res.Structured["confirmed_via"] != "token" {
				t.Fatalf("second call status/confirmed_via = %v/%v, want deleted/token", res.Structured["status"], res.Structured["confirmed_via"])
			}
			ts.wantDeletes(t, 1, "after the confirmed call")
			if body := ts.deleteBodies()[0]; body != `{"customer_id":6}` {
				t.Errorf("DELETE body = %s, want {\"customer_id\":6}", body)
			}
			return
		}

		// wantCalls is how many tools/call requests one elicited delete
		// takes: one on a session (the answer is a JSON-RPC response), two
		// in a round trip (the retry carries the answer).
		wantCalls, wantResponses := 1, 1
		if path == viaRoundTrip {
			wantCalls, wantResponses = 2, 0
		}
		checkRoundTrips := func(when string) {
			t.Helper()
			if calls, resps := log.count("tools/call"), log.count("response"); calls != wantCalls || resps != wantResponses {
				t.Errorf("%s: the client sent %d tools/call and %d responses, want %d and %d for %s (sent: %s)",
					when, calls, resps, wantCalls, wantResponses, path, log)
			}
		}

		log.reset()
		res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 7})
		if res.Structured["status"] != "declined" {
			t.Fatalf("declined delete status = %v, want declined (%s)", res.Structured["status"], res.Text)
		}
		checkRoundTrips("declined delete")
		ts.wantDeletes(t, 0, "after the user declined")
		if ts.deleteDate(t, 7) != "" {
			t.Fatal("customer 7 was deleted after the user declined")
		}

		log.reset()
		res = ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
		if res.Structured["status"] != "deleted" || res.Structured["confirmed_via"] != "elicitation" {
			t.Fatalf("approved delete status/confirmed_via = %v/%v, want deleted/elicitation (%s)", res.Structured["status"], res.Structured["confirmed_via"], res.Text)
		}
		checkRoundTrips("approved delete")
		ts.wantDeletes(t, 1, "after the user approved")
		if body := ts.deleteBodies()[0]; body != `{"customer_id":6}` {
			t.Errorf("DELETE body = %s, want {\"customer_id\":6}", body)
		}
		asked := ts.elicitations()
		if len(asked) != 2 {
			t.Fatalf("the user was asked %d times, want twice", len(asked))
		}
		assertContainsAll(t, "elicitation message", asked[1].Message, "Redfern Print Co Pty Ltd", "customer_id 6", "cannot be undone")
	})
}
