package e2e

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

// deletes counts DELETE requests that reached the API.
func (ts *testServer) deletes() int {
	return ts.sb.CountRequests("DELETE", atomicapi.PathDeleteCustomer)
}

// deleteBodies returns the JSON body of every DELETE sent.
func (ts *testServer) deleteBodies() []string {
	var out []string
	for _, r := range ts.sb.Requests() {
		if r.Method == "DELETE" {
			out = append(out, string(r.Body))
		}
	}
	return out
}

// deleteDate is the sandbox's delete_date for a customer, "" if active.
func (ts *testServer) deleteDate(t *testing.T, id int64) string {
	t.Helper()
	for _, c := range ts.sb.Customers() {
		if c.CustomerID == id {
			if c.DeleteDate == nil {
				return ""
			}
			return *c.DeleteDate
		}
	}
	t.Fatalf("customer %d is not in the sandbox", id)
	return ""
}

func (ts *testServer) wantDeletes(t *testing.T, n int, when string) {
	t.Helper()
	if got := ts.deletes(); got != n {
		t.Fatalf("%s: %d DELETE requests upstream, want %d (bodies %v)", when, got, n, ts.deleteBodies())
	}
}

// TestDeleteWithToken: a client that cannot elicit gets a confirmation
// token first, and only the token deletes.
func TestDeleteWithToken(t *testing.T) {
	t.Parallel()
	forEachCombo(t, func(t *testing.T, c combo) {
		ts := startServer(t, serverOpts{combo: c})

		// First call: nothing deleted, a token to show the user.
		res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
		if res.Structured["status"] != "confirmation_required" {
			t.Fatalf("first call status = %v, want confirmation_required", res.Structured["status"])
		}
		token, _ := res.Structured["confirmation_token"].(string)
		if token == "" {
			t.Fatalf("no confirmation_token in %v", res.Structured)
		}
		expires, err := time.Parse(time.RFC3339, res.Structured["expires_at"].(string))
		if err != nil {
			t.Errorf("expires_at: %v", err)
		} else if d := time.Until(expires); d <= 0 || d > 10*time.Minute {
			t.Errorf("expires_at is %s away, want a few minutes", d.Round(time.Second))
		}
		if cu := res.Structured["customer"].(map[string]any); cu["customer_name"] != "Redfern Print Co Pty Ltd" {
			t.Errorf("confirmation shows customer %v, want Redfern Print Co Pty Ltd", cu)
		}
		assertContainsAll(t, "confirmation text", res.Text, "Redfern Print Co Pty Ltd", "12346", "cannot be undone")
		ts.wantDeletes(t, 0, "after the first call")
		if ts.deleteDate(t, 6) != "" {
			t.Fatal("customer 6 was deleted by the first call")
		}

		// A token for 6 does not delete 7, and a tampered token deletes nothing.
		res = ts.callErr(t, "delete_customer", map[string]any{"customer_id": 7, "confirmation_token": token})
		assertContainsAll(t, "wrong-customer refusal", res.Text, "nothing was deleted", "customer_id 7")
		res = ts.callErr(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": tamper(token)})
		assertContainsAll(t, "tampered-token refusal", res.Text, "nothing was deleted")
		ts.wantDeletes(t, 0, "after wrong-customer and tampered tokens")

		// Second call with the token: exactly one DELETE for 6.
		res = ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": token})
		if res.Structured["status"] != "deleted" || res.Structured["confirmed_via"] != "token" {
			t.Fatalf("second call status/confirmed_via = %v/%v, want deleted/token", res.Structured["status"], res.Structured["confirmed_via"])
		}
		ts.wantDeletes(t, 1, "after the confirmed call")
		if body := ts.deleteBodies()[0]; body != `{"customer_id":6}` {
			t.Errorf("DELETE body = %s, want {\"customer_id\":6}", body)
		}
		if ts.deleteDate(t, 6) == "" {
			t.Error("customer 6 has no delete_date after the delete")
		}
		if ts.deleteDate(t, 7) != "" {
			t.Error("customer 7 was deleted")
		}

		// Reusing the token is refused. (The customer is gone by now, so the
		// lookup refuses first; TestDeleteTokenSingleUse reuses a token while
		// the customer still exists.)
		ts.callErr(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": token})
		ts.wantDeletes(t, 1, "after reusing the token")

		// The listing now hides 6.
		res = ts.callOK(t, "list_customers", nil)
		if num(t, res.Structured, "deleted_hidden") != 2 {
			t.Errorf("after the delete deleted_hidden = %v, want 2", res.Structured["deleted_hidden"])
		}

		// Unknown and already-deleted customers stop before any DELETE.
		res = ts.callErr(t, "delete_customer", map[string]any{"customer_id": 999})
		assertContainsAll(t, "unknown-id refusal", res.Text, "999")
		res = ts.callErr(t, "delete_customer", map[string]any{"customer_id": 8})
		assertContainsAll(t, "already-deleted refusal", res.Text, "already deleted")
		ts.callErr(t, "delete_customer", map[string]any{"customer_id": 8, "confirmation_token": token})
		ts.wantDeletes(t, 1, "after unknown and already-deleted ids")
	})
}

// tamper flips one character of the token's signature.
func tamper(token string) string {
	i := strings.LastIndexByte(token, '.') + 3
	b := []byte(token)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestDeleteWithElicitation: a client that can elicit is asked directly, on
// 2025-11-25 through elicitation/create and on 2026-07-28 through an
// input_required round trip, and only an accepted, ticked answer deletes.
func TestDeleteWithElicitation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		answer     answer
		wantStatus string
		wantDel    int
	}{
		{"accept", answer{Action: "accept", Content: map[string]any{"confirm": true}}, "deleted", 1},
		{"decline", answer{Action: "decline"}, "declined", 0},
		{"cancel", answer{Action: "cancel"}, "cancelled", 0},
		{"accept-unticked", answer{Action: "accept", Content: map[string]any{"confirm": false}}, "declined", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forEachCombo(t, func(t *testing.T, c combo) {
				ts := startServer(t, serverOpts{combo: c, elicit: func(elicitation) answer { return tc.answer }})

				res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
				if res.Structured["status"] != tc.wantStatus {
					t.Fatalf("status = %v, want %s (text: %s)", res.Structured["status"], tc.wantStatus, res.Text)
				}
				if _, leaked := res.Structured["confirmation_token"]; leaked {
					t.Errorf("an elicited delete handed out a confirmation_token: %v", res.Structured)
				}
				asked := ts.elicitations()
				if len(asked) != 1 {
					t.Fatalf("the user was asked %d times, want once", len(asked))
				}
				assertContainsAll(t, "elicitation message", asked[0].Message,
					"Redfern Print Co Pty Ltd", "customer_id 6", "12346", "cannot be undone")
				props, _ := asked[0].Schema["properties"].(map[string]any)
				if confirm, _ := props["confirm"].(map[string]any); confirm["type"] != "boolean" {
					t.Errorf("requested schema has no boolean confirm: %v", asked[0].Schema)
				}

				ts.wantDeletes(t, tc.wantDel, tc.name)
				deleted := ts.deleteDate(t, 6) != ""
				if deleted != (tc.wantDel == 1) {
					t.Errorf("customer 6 deleted = %v, want %v", deleted, tc.wantDel == 1)
				}
				if tc.wantDel == 1 {
					if body := ts.deleteBodies()[0]; body != `{"customer_id":6}` {
						t.Errorf("DELETE body = %s, want {\"customer_id\":6}", body)
					}
					if res.Structured["confirmed_via"] != "elicitation" {
						t.Errorf("confirmed_via = %v, want elicitation", res.Structured["confirmed_via"])
					}
					// Deleting again stops at the lookup: nothing more is sent.
					ts.callErr(t, "delete_customer", map[string]any{"customer_id": 6})
					ts.wantDeletes(t, 1, "after deleting again")
					if n := len(ts.elicitations()); n != 1 {
						t.Errorf("the user was asked again about an already-deleted customer (%d questions)", n)
					}
				} else {
					assertContainsAll(t, "refusal text", res.Text, "nothing was deleted")
				}
			})
		})
	}
}

// TestDeleteTokenRedeemedOnce: a host that fires the approved call several
// times at once (a retry, a double click) deletes once.
func TestDeleteTokenRedeemedOnce(t *testing.T) {
	t.Parallel()
	forEachCombo(t, func(t *testing.T, c combo) {
		// A slow lookup lines the calls up: all of them have found the
		// customer active before any of them redeems the token.
		ts := startServer(t, serverOpts{combo: c, wrap: func(sb *sandbox.Server) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					time.Sleep(200 * time.Millisecond)
				}
				sb.ServeHTTP(w, r)
			})
		}})
		res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 7})
		token, _ := res.Structured["confirmation_token"].(string)
		if token == "" {
			t.Fatalf("no confirmation_token in %v", res.Structured)
		}
		const n = 6
		results := make(chan json.RawMessage, n)
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				ctx, cancel := callContext()
				defer cancel()
				raw, err := ts.sess.callTool(ctx, "delete_customer", map[string]any{"customer_id": 7, "confirmation_token": token})
				if err != nil {
					errs <- err
					return
				}
				results <- raw
			})
		}
		wg.Wait()
		close(results)
		close(errs)
		for err := range errs {
			t.Errorf("protocol error: %v", err)
		}
		deleted := 0
		for raw := range results {
			r := decodeResult(t, raw)
			if !r.IsError && r.Structured["status"] == "deleted" {
				deleted++
			} else if !r.IsError {
				t.Errorf("concurrent redeem answered %v", r.Structured)
			}
		}
		if deleted != 1 {
			t.Errorf("%d of %d concurrent calls reported deleted, want 1", deleted, n)
		}
		ts.wantDeletes(t, 1, "after concurrent redemption")
	})
}

// TestDeleteTokenSingleUse: an approval is spent by the attempt it
// authorised, even when that attempt fails upstream; the DELETE itself is
// never retried.
func TestDeleteTokenSingleUse(t *testing.T) {
	t.Parallel()
	forEachCombo(t, func(t *testing.T, c combo) {
		var deleteAttempts atomic.Int32
		ts := startServer(t, serverOpts{combo: c, wrap: func(sb *sandbox.Server) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodDelete && deleteAttempts.Add(1) == 1 {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				sb.ServeHTTP(w, r)
			})
		}})
		token := func() string {
			res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
			tok, _ := res.Structured["confirmation_token"].(string)
			if tok == "" {
				t.Fatalf("no confirmation_token in %v", res.Structured)
			}
			return tok
		}
		first := token()
		res := ts.callErr(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": first})
		assertContainsAll(t, "failed delete", res.Text, "unavailable")
		if n := deleteAttempts.Load(); n != 1 {
			t.Fatalf("%d DELETE attempts after a 503, want 1 (a DELETE is never retried)", n)
		}
		// The customer is still there, but the approval is spent.
		res = ts.callErr(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": first})
		assertContainsAll(t, "reused token", res.Text, "already used", "nothing was deleted")
		if n := deleteAttempts.Load(); n != 1 {
			t.Fatalf("%d DELETE attempts after reusing the token, want 1", n)
		}
		if ts.deleteDate(t, 6) != "" {
			t.Fatal("customer 6 deleted")
		}
		// A fresh approval works.
		res = ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": token()})
		if res.Structured["status"] != "deleted" {
			t.Errorf("fresh token status = %v, want deleted", res.Structured["status"])
		}
		ts.wantDeletes(t, 1, "after the fresh token")
	})
}

// TestDeleteElicitationFails: when the client cannot put the question to
// the user (its dialog fails), nothing is deleted and the call fails.
func TestDeleteElicitationFails(t *testing.T) {
	t.Parallel()
	forEachCombo(t, func(t *testing.T, c combo) {
		ts := startServer(t, serverOpts{combo: c, elicit: func(elicitation) answer {
			return answer{Err: errors.New("the confirmation dialog crashed")}
		}})
		ctx, cancel := callContext()
		defer cancel()
		raw, err := ts.sess.callTool(ctx, "delete_customer", map[string]any{"customer_id": 6})
		if err == nil {
			if res := decodeResult(t, raw); !res.IsError {
				t.Errorf("a failed confirmation answered %v, want an error", res.Structured)
			}
		}
		ts.wantDeletes(t, 0, "after a failed confirmation")
		if ts.deleteDate(t, 6) != "" {
			t.Error("customer 6 deleted")
		}
	})
}

// TestDeleteURLOnlyElicitation: a client that can elicit only in URL mode
// cannot show the confirmation form, so it gets the token flow instead of a
// question it cannot answer.
func TestDeleteURLOnlyElicitation(t *testing.T) {
	t.Parallel()
	for _, version := range []string{v20251125, v20260728} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOpts{
				combo:   combo{goSDK, version},
				sdkCaps: &sdk.ClientCapabilities{Elicitation: &sdk.ElicitationCapabilities{URL: &sdk.URLElicitationCapabilities{}}},
				elicit:  func(elicitation) answer { return answer{Action: "cancel"} },
			})
			res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
			if res.Structured["status"] != "confirmation_required" {
				t.Errorf("status = %v, want confirmation_required", res.Structured["status"])
			}
			if n := len(ts.elicitations()); n != 0 {
				t.Errorf("a URL-only client was sent %d form elicitation(s)", n)
			}
			ts.wantDeletes(t, 0, "URL-only client")
		})
	}
}

// TestDeleteForgedElicitationAnswer: a client cannot skip the question by
// sending an "accept" it was never asked for, nor by passing a confirmation
// token off as the sealed elicitation state.
func TestDeleteForgedElicitationAnswer(t *testing.T) {
	t.Parallel()
	sb, url := newSandbox(t)
	p := startRaw(t, upstreamEnv(url))
	p.request(1, "initialize", initializeParams())
	p.awaitReplies(1)
	p.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	accept := map[string]any{"confirm_delete": map[string]any{"action": "accept", "content": map[string]any{"confirm": true}}}
	p.request(2, "tools/call", map[string]any{"name": "delete_customer", "arguments": map[string]any{"customer_id": 6}, "inputResponses": accept})
	p.request(3, "tools/call", map[string]any{"name": "delete_customer", "arguments": map[string]any{"customer_id": 6}})
	p.awaitReplies(2, 3)
	if r := resultOf(t, p, 2); r.IsError != true {
		t.Errorf("an unasked-for accept answered %+v, want isError", r)
	}
	token, _ := resultOf(t, p, 3).Structured["confirmation_token"].(string)
	if token == "" {
		t.Fatal("no confirmation_token")
	}
	p.request(4, "tools/call", map[string]any{"name": "delete_customer", "arguments": map[string]any{"customer_id": 6}, "inputResponses": accept, "requestState": token})
	p.awaitReplies(4)
	if r := resultOf(t, p, 4); r.IsError != true {
		t.Errorf("a confirmation token used as elicitation state answered %+v, want isError", r)
	}
	if n := sb.CountRequests("DELETE", atomicapi.PathDeleteCustomer); n != 0 {
		t.Fatalf("%d DELETE requests after forged answers, want 0", n)
	}
	// The refused forgery did not burn the genuine token.
	p.request(5, "tools/call", map[string]any{"name": "delete_customer", "arguments": map[string]any{"customer_id": 6, "confirmation_token": token}})
	p.awaitReplies(5)
	if r := resultOf(t, p, 5); r.IsError || r.Structured["status"] != "deleted" {
		t.Errorf("the genuine token answered %+v, want deleted", r)
	}
	if n := sb.CountRequests("DELETE", atomicapi.PathDeleteCustomer); n != 1 {
		t.Errorf("%d DELETE requests, want 1", n)
	}
}

// resultOf decodes the tools/call result with this id from raw stdout.
func resultOf(t *testing.T, p *rawProcess, id int) toolResult {
	t.Helper()
	msg := p.reply(id)
	if msg["error"] != nil {
		t.Fatalf("id %d: protocol error %v, want a tool result", id, msg["error"])
	}
	raw, err := json.Marshal(msg["result"])
	if err != nil {
		t.Fatal(err)
	}
	return decodeResult(t, raw)
}
