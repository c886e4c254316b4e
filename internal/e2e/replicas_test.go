package e2e

// Stateless replicas behind a load balancer: a confirmation token minted by
// one replica is redeemed on another when they share
// ATOMIC_MCP_CONFIRM_SECRET, and only then.

import (
	"fmt"
	"testing"
)

// TestStatelessReplicas runs three --stateless replicas against one
// upstream: A and B share a secret, C has its own. Each client × version
// deletes its own customer, so they can share the replicas.
func TestStatelessReplicas(t *testing.T) {
	t.Parallel()
	up := newSharedUpstream(t, nil)
	replica := func(secret string) *netServer {
		return startNet(t, netOpts{transport: "http", args: []string{"--stateless"}, up: up,
			env: []string{"ATOMIC_MCP_CONFIRM_SECRET=" + secret}})
	}
	a, b := replica(confirmSecret), replica(confirmSecret)
	c := replica("another-secret-of-at-least-32-characters-!")

	// The active customers, one per client × version.
	targets := []int{5, 6, 7, 9}
	for i, cb := range combos {
		id := targets[i]
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			// No elicitation: the token path, whatever the version.
			onA, onB, onC := a.connect(t, netClient{combo: cb}), b.connect(t, netClient{combo: cb}), c.connect(t, netClient{combo: cb})
			deletes := func() int { return countDeletes(up, id) }
			mint := func(ts *testServer, on string) string {
				t.Helper()
				res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": id})
				token, _ := res.Structured["confirmation_token"].(string)
				if res.Structured["status"] != "confirmation_required" || token == "" {
					t.Fatalf("first call on %s answered %v, want confirmation_required with a token", on, res.Structured)
				}
				return token
			}

			// A token from a replica with another secret is refused on B.
			res := onB.callErr(t, "delete_customer", map[string]any{"customer_id": id, "confirmation_token": mint(onC, "C")})
			assertContainsAll(t, "foreign-secret refusal", res.Text, "nothing was deleted")
			if n := deletes(); n != 0 {
				t.Fatalf("%d DELETEs for customer %d after a token from another secret, want 0", n, id)
			}

			// A token from A is redeemed on B: exactly one DELETE.
			token := mint(onA, "A")
			if n := deletes(); n != 0 {
				t.Fatalf("%d DELETEs for customer %d after the first call, want 0", n, id)
			}
			res = onB.callOK(t, "delete_customer", map[string]any{"customer_id": id, "confirmation_token": token})
			if res.Structured["status"] != "deleted" || res.Structured["confirmed_via"] != "token" {
				t.Fatalf("redeeming A's token on B answered %v, want deleted via token", res.Structured)
			}
			if n := deletes(); n != 1 {
				t.Fatalf("%d DELETEs for customer %d, want 1", n, id)
			}

			// Redeeming it again sends nothing more: on B the token is spent;
			// on A, which never saw it redeemed, the lookup must find the
			// customer already deleted (README, "Replicas").
			onB.callErr(t, "delete_customer", map[string]any{"customer_id": id, "confirmation_token": token})
			if n := deletes(); n != 1 {
				t.Fatalf("%d DELETEs for customer %d after reusing the token on B, want 1", n, id)
			}
			onA.callErr(t, "delete_customer", map[string]any{"customer_id": id, "confirmation_token": token})
			if n := deletes(); n != 1 {
				t.Fatalf("%d DELETEs for customer %d after reusing the token on A, want 1: A sent a DELETE for a customer "+
					"B had already deleted (a stale customer list? the lookup before a delete must see the API's current state)", n, id)
			}
		})
	}
}

// countDeletes is how many DELETE requests for customer id reached up.
func countDeletes(up upstream, id int) int {
	want := fmt.Sprintf(`{"customer_id":%d}`, id)
	n := 0
	for _, r := range up.sb.Requests() {
		if r.Method == "DELETE" && string(r.Body) == want {
			n++
		}
	}
	return n
}
