package tools

import (
	"context"
	"testing"

	"github.com/atomtelecom/atomic-mcp/internal/auth"
)

// TestConfirmationBoundToPrincipal: a confirmation_token minted for Alice
// deletes nothing when Bob presents it, and says why; Alice's own token
// still works afterwards (Bob's attempt did not spend it).
func TestConfirmationBoundToPrincipal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "alice", Name: "Alice", Via: auth.ViaOAuth, Scopes: auth.All})
	bob := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "bob", Email: "bob@example.com", Via: auth.ViaOAuth, Scopes: auth.All})
	first := ok[DeleteCustomerOutput](t, "delete_customer", h.callCtx(t, alice, "delete_customer", map[string]any{"customer_id": 6}))
	if first.ConfirmationToken == "" {
		t.Fatalf("no confirmation_token: %+v", first)
	}
	for _, who := range []context.Context{bob, context.Background()} {
		res := h.callCtx(t, who, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": first.ConfirmationToken})
		failed(t, "delete_customer", res, "issued to another person")
	}
	if h.deletes() != 0 {
		t.Fatalf("%d DELETE after another person's confirmation", h.deletes())
	}
	res := h.callCtx(t, alice, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": first.ConfirmationToken})
	if out := ok[DeleteCustomerOutput](t, "delete_customer", res); out.Status != "deleted" {
		t.Fatalf("Alice's own token: %+v", out)
	}
}
