package server

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atomtelecom/atomic-mcp/internal/auth"
)

// TestSSEOwners: an SSE session id is its opener's alone, and no edit of
// it, nor an id from another server, passes for anyone.
func TestSSEOwners(t *testing.T) {
	o, other := newSSEOwners(), newSSEOwners()
	open := func(o *sseOwners, p auth.Principal) string {
		r := httptest.NewRequest("GET", "/sse", nil)
		id, err := o.generate(r.Context(), r.WithContext(auth.WithPrincipal(r.Context(), p)))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	alice, bob := auth.Principal{Subject: "alice", Via: auth.ViaKey}, auth.Principal{Subject: "bob", Via: auth.ViaKey}
	aliceSession := open(o, alice)
	anonymous := open(o, auth.Principal{})
	for _, tc := range []struct {
		name, id string
		owner    auth.Principal
		want     bool
	}{
		{"Alice's own", aliceSession, alice, true},
		{"Alice's, for Bob", aliceSession, bob, false},
		{"Alice's, without sign-in", aliceSession, auth.Principal{}, false},
		{"without sign-in, for nobody", anonymous, auth.Principal{}, true},
		{"without sign-in, for Alice", anonymous, alice, false},
		{"tag cut off", strings.Split(aliceSession, ".")[0], alice, false},
		{"tag of another id", "00000000-0000-0000-0000-000000000000." + strings.Split(aliceSession, ".")[1], alice, false},
		{"another server's", open(other, alice), alice, false},
		{"empty", "", alice, false},
	} {
		if got := o.owns(tc.id, tc.owner.ID()); got != tc.want {
			t.Errorf("%s: owns = %v, want %v", tc.name, got, tc.want)
		}
	}
}
