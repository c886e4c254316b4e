package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	syncatomic "sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/confirm"
)

func TestDeleteWithToken(t *testing.T) {
	h := newHarness(t)

	res := h.call(t, "delete_customer", map[string]any{"customer_id": 6})
	first := ok[DeleteCustomerOutput](t, "delete_customer", res)
	if first.Status != "confirmation_required" || first.ConfirmationToken == "" || first.Customer.CustomerID != 6 || first.ConfirmedVia != "" {
		t.Fatalf("first call: %+v", first)
	}
	if first.Customer.CustomerName != "Redfern Print Co Pty Ltd" || first.Customer.AccountNumber != "12346" {
		t.Errorf("first call shows %+v, want the customer to approve", first.Customer)
	}
	expires, err := time.Parse(time.RFC3339, first.ExpiresAt)
	if err != nil || !expires.Equal(start.Add(confirm.DefaultTTL)) {
		t.Errorf("expires_at = %q (%v), want %s", first.ExpiresAt, err, start.Add(confirm.DefaultTTL).Format(time.RFC3339))
	}
	for _, s := range []string{"Nothing has been deleted", first.ConfirmationToken, "customer_id 6"} {
		if !strings.Contains(res.text(), s) {
			t.Errorf("text lacks %q: %s", s, res.text())
		}
	}
	if h.deletes() != 0 || !h.active(t, 6) {
		t.Fatalf("first call deleted: %d DELETE", h.deletes())
	}

	h.clock.Advance(4*time.Minute + 59*time.Second)
	res = h.call(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": first.ConfirmationToken})
	second := ok[DeleteCustomerOutput](t, "delete_customer", res)
	if second.Status != "deleted" || second.ConfirmedVia != "token" || second.Customer.CustomerID != 6 || second.ConfirmationToken != "" {
		t.Fatalf("second call: %+v", second)
	}
	if h.deletes() != 1 || h.active(t, 6) {
		t.Fatalf("after approval: %d DELETE, active %v", h.deletes(), h.active(t, 6))
	}

	// The same token again: nothing more is sent.
	failed(t, "delete_customer", h.call(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": first.ConfirmationToken}), "already deleted")
	if h.deletes() != 1 {
		t.Fatalf("token replay sent a DELETE: %d", h.deletes())
	}
	out := ok[ListCustomersOutput](t, "list_customers", h.call(t, "list_customers", nil))
	if out.DeletedHidden != 2 || out.Total != 3 {
		t.Errorf("after delete: total %d hidden %d, want 3 2", out.Total, out.DeletedHidden)
	}
}

func TestDeleteRefusesBadTokens(t *testing.T) {
	subject := func(h *harness, id int64) confirm.Subject {
		for _, c := range h.sb.Customers() {
			if c.CustomerID == id {
				return confirm.Subject{CustomerID: id, CustomerName: c.CustomerName, AccountNumber: fmt.Sprint(c.AccountNumber)}
			}
		}
		panic(id)
	}
	issue := func(t *testing.T, h *harness, id int64) string {
		t.Helper()
		out := ok[DeleteCustomerOutput](t, "delete_customer", h.call(t, "delete_customer", map[string]any{"customer_id": id}))
		if out.Status != "confirmation_required" {
			t.Fatalf("status %q", out.Status)
		}
		return out.ConfirmationToken
	}
	// flip changes one base64 character in the middle of part i.
	flip := func(token string, i int) string {
		parts := strings.Split(token, ".")
		b := []byte(parts[i])
		m := len(b) / 2
		if b[m] == 'A' {
			b[m] = 'B'
		} else {
			b[m] = 'A'
		}
		parts[i] = string(b)
		return strings.Join(parts, ".")
	}
	other, err := confirm.New([]byte("another server"), 0, nil)
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		// setup returns the arguments of the refused call.
		setup func(t *testing.T, h *harness) map[string]any
		want  string
	}{
		{"tampered signature", func(t *testing.T, h *harness) map[string]any {
			return map[string]any{"customer_id": 6, "confirmation_token": flip(issue(t, h, 6), 2)}
		}, "not valid"},
		{"tampered payload", func(t *testing.T, h *harness) map[string]any {
			return map[string]any{"customer_id": 6, "confirmation_token": flip(issue(t, h, 6), 1)}
		}, "not valid"},
		{"garbage", func(t *testing.T, h *harness) map[string]any {
			return map[string]any{"customer_id": 6, "confirmation_token": "yes, delete it"}
		}, "not valid"},
		{"expired", func(t *testing.T, h *harness) map[string]any {
			tok := issue(t, h, 6)
			h.clock.Advance(confirm.DefaultTTL)
			return map[string]any{"customer_id": 6, "confirmation_token": tok}
		}, "expired"},
		{"long expired", func(t *testing.T, h *harness) map[string]any {
			tok := issue(t, h, 6)
			h.clock.Advance(24 * time.Hour)
			return map[string]any{"customer_id": 6, "confirmation_token": tok}
		}, "expired"},
		{"already used", func(t *testing.T, h *harness) map[string]any {
			tok := issue(t, h, 7)
			// Another call redeemed it first.
			if err := h.deps.Confirmer.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, subject(h, 7)); err != nil {
				t.Fatal(err)
			}
			return map[string]any{"customer_id": 7, "confirmation_token": tok}
		}, "already used"},
		{"issued for another customer", func(t *testing.T, h *harness) map[string]any {
			return map[string]any{"customer_id": 7, "confirmation_token": issue(t, h, 6)}
			// The signature binds the customer's name and account too.
		}, "nothing was deleted"},
		{"from another server", func(t *testing.T, h *harness) map[string]any {
			tok, _ := other.Issue(confirm.PurposeDeleteToken, subject(h, 6))
			return map[string]any{"customer_id": 6, "confirmation_token": tok}
		}, "not valid"},
		{"elicitation state passed off as a token", func(t *testing.T, h *harness) map[string]any {
			tok, _ := h.deps.Confirmer.Issue(confirm.PurposeDeleteElicitation, subject(h, 6))
			return map[string]any{"customer_id": 6, "confirmation_token": tok}
		}, "not valid"},
		{"customer changed since", func(t *testing.T, h *harness) map[string]any {
			s := subject(h, 6)
			s.CustomerName = "Redfern Print Co"
			tok, _ := h.deps.Confirmer.Issue(confirm.PurposeDeleteToken, s)
			return map[string]any{"customer_id": 6, "confirmation_token": tok}
		}, "customer changed since"},
		{"unknown customer", func(t *testing.T, h *harness) map[string]any {
			return map[string]any{"customer_id": 999, "confirmation_token": issue(t, h, 6)}
		}, "no customer has customer_id 999"},
		{"already deleted customer", func(t *testing.T, h *harness) map[string]any {
			tok, _ := h.deps.Confirmer.Issue(confirm.PurposeDeleteToken, subject(h, 8))
			return map[string]any{"customer_id": 8, "confirmation_token": tok}
		}, "already deleted"},
		// Schema checks, before the handler.
		{"zero id", func(*testing.T, *harness) map[string]any { return map[string]any{"customer_id": 0} }, "customer_id"},
		{"negative id", func(*testing.T, *harness) map[string]any { return map[string]any{"customer_id": -6} }, "customer_id"},
		{"fractional id", func(*testing.T, *harness) map[string]any { return map[string]any{"customer_id": 6.5} }, "customer_id"},
		{"string id", func(*testing.T, *harness) map[string]any { return map[string]any{"customer_id": "6"} }, "customer_id"},
		{"missing id", func(*testing.T, *harness) map[string]any { return map[string]any{"confirmation_token": "x"} }, "customer_id"},
		{"oversized token", func(*testing.T, *harness) map[string]any {
			return map[string]any{"customer_id": 6, "confirmation_token": strings.Repeat("a", 201)}
		}, "confirmation_token"},
		{"unknown argument", func(*testing.T, *harness) map[string]any {
			return map[string]any{"customer_id": 6, "confirm": true}
		}, "confirm"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			args := c.setup(t, h)
			failed(t, "delete_customer", h.call(t, "delete_customer", args), c.want)
			if h.deletes() != 0 {
				t.Fatalf("%d DELETE sent", h.deletes())
			}
			for _, id := range []int64{5, 6, 7, 9} {
				if !h.active(t, id) {
					t.Errorf("customer %d was deleted", id)
				}
			}
		})
	}
}

// Two calls racing with one token delete once.
func TestDeleteTokenRedeemedOnce(t *testing.T) {
	h := newHarness(t)
	tok := ok[DeleteCustomerOutput](t, "delete_customer", h.call(t, "delete_customer", map[string]any{"customer_id": 9})).ConfirmationToken
	const n = 8
	results := make([]json.RawMessage, n)
	var wg sync.WaitGroup
	for i := range n {
		msg := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"delete_customer","arguments":{"customer_id":9,"confirmation_token":%q}}}`, 1000+i, tok)
		// No t.Fatal off the test goroutine: collect, then check.
		wg.Go(func() { results[i], _ = json.Marshal(h.srv.HandleMessage(context.Background(), json.RawMessage(msg))) })
	}
	wg.Wait()
	succeeded := 0
	for _, raw := range results {
		var env struct {
			Result *toolResult `json:"result"`
		}
		if err := json.Unmarshal(raw, &env); err != nil || env.Result == nil {
			t.Fatalf("response %s: %v", raw, err)
		}
		if !env.Result.IsError {
			succeeded++
		}
	}
	if succeeded != 1 || h.deletes() != 1 {
		t.Fatalf("%d calls succeeded and %d DELETE sent, want 1 and 1", succeeded, h.deletes())
	}
}

// legacySession is a pre-2026 session: capabilities from initialize, and
// elicitation/create answered by answer.
type legacySession struct {
	caps   mcp.ClientCapabilities
	answer func(mcp.ElicitationRequest) (*mcp.ElicitationResult, error)
	asked  syncatomic.Int32
	last   syncatomic.Pointer[mcp.ElicitationRequest]
}

func (s *legacySession) Initialize() {}

func (s *legacySession) Initialized() bool { return true }

func (s *legacySession) NotificationChannel() chan<- mcp.JSONRPCNotification {
	return make(chan mcp.JSONRPCNotification, 8)
}

func (s *legacySession) SessionID() string { return "legacy-test" }

func (s *legacySession) GetClientInfo() mcp.Implementation { return mcp.Implementation{Name: "legacy"} }

func (s *legacySession) SetClientInfo(mcp.Implementation) {}

func (s *legacySession) GetClientCapabilities() mcp.ClientCapabilities { return s.caps }

func (s *legacySession) SetClientCapabilities(c mcp.ClientCapabilities) { s.caps = c }

func (s *legacySession) RequestElicitation(_ context.Context, r mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	s.asked.Add(1)
	s.last.Store(&r)
	if s.answer == nil {
		return nil, fmt.Errorf("test session: no answer configured")
	}
	return s.answer(r)
}

// infoOnlySession knows the client's capabilities but cannot send requests
// (like legacy SSE).
type infoOnlySession struct{ legacySession }

func (s *infoOnlySession) RequestElicitation() {} // hides the promoted method

func TestCanElicit(t *testing.T) {
	form := &struct{}{}
	for _, c := range []struct {
		name string
		ctx  context.Context
		want bool
	}{
		{"no protocol info, no session", context.Background(), false},
		{"modern, empty elicitation capability (form)", modernCtx(&mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}}), true},
		{"modern, form", modernCtx(&mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{Form: form}}), true},
		{"modern, form and url", modernCtx(&mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{Form: form, URL: form}}), true},
		{"modern, url only", modernCtx(&mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{URL: form}}), false},
		{"modern, no elicitation", modernCtx(&mcp.ClientCapabilities{}), false},
		{"modern, nil capabilities", modernCtx(nil), false},
		{"legacy info, no session", server.WithRequestProtocolInfo(context.Background(), &server.RequestProtocolInfo{
			ClientCapabilities: &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}}}), false},
		{"legacy session with elicitation", withSession(&legacySession{caps: mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}}}), true},
		{"legacy session, url only", withSession(&legacySession{caps: mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{URL: form}}}), false},
		{"legacy session without elicitation", withSession(&legacySession{}), false},
		{"session that cannot send requests", withSession(&infoOnlySession{legacySession{caps: mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}}}}), false},
		// A modern request is judged by its own capabilities, not a session's.
		{"modern request on an eliciting session, no caps", server.WithRequestProtocolInfo(
			withSession(&legacySession{caps: mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}}}),
			&server.RequestProtocolInfo{Modern: true, ClientCapabilities: &mcp.ClientCapabilities{}}), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := canElicit(c.ctx); got != c.want {
				t.Errorf("canElicit = %v, want %v", got, c.want)
			}
		})
	}
}

func withSession(s server.ClientSession) context.Context {
	return server.NewMCPServer("t", "1").WithContext(context.Background(), s)
}

func TestDeleteElicitationAsks(t *testing.T) {
	h := newHarness(t)
	caps := &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}}
	res, err := h.handler(t, "delete_customer")(modernCtx(caps), deleteRequest(6, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(res)
	var wire struct {
		ResultType    string `json:"resultType"`
		RequestState  string `json:"requestState"`
		InputRequests map[string]struct {
			Method string `json:"method"`
			Params struct {
				Mode            string `json:"mode"`
				Message         string `json:"message"`
				RequestedSchema struct {
					Type       string `json:"type"`
					Properties map[string]struct {
						Type string `json:"type"`
					} `json:"properties"`
					Required []string `json:"required"`
				} `json:"requestedSchema"`
			} `json:"params"`
		} `json:"inputRequests"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	q, found := wire.InputRequests[elicitationID]
	if wire.ResultType != "input_required" || wire.RequestState == "" || !found || q.Method != "elicitation/create" {
		t.Fatalf("wire result %s", raw)
	}
	p := q.Params
	for _, s := range []string{`"Redfern Print Co Pty Ltd"`, "customer_id 6", "account 12346", "cannot be undone"} {
		if !strings.Contains(p.Message, s) {
			t.Errorf("question %q lacks %q", p.Message, s)
		}
	}
	if p.Mode != "form" || p.RequestedSchema.Type != "object" || p.RequestedSchema.Properties["confirm"].Type != "boolean" ||
		!slices.Equal(p.RequestedSchema.Required, []string{"confirm"}) || len(p.RequestedSchema.Properties) != 1 {
		t.Errorf("form %+v, want one required boolean confirm", p)
	}
	if h.deletes() != 0 {
		t.Errorf("%d DELETE", h.deletes())
	}
}

func TestDeleteElicitationAnswers(t *testing.T) {
	accept := mcp.ElicitationResponseActionAccept
	for _, c := range []struct {
		name string
		// setup returns the forged retry for customer 6.
		setup   func(t *testing.T, h *harness) mcp.CallToolRequest
		status  string // structured status on success
		wantErr string // isError text otherwise
		deletes int
	}{
		{"accept, confirm true", func(t *testing.T, h *harness) mcp.CallToolRequest {
			return deleteRequest(6, h.asked(t, 6), answer(accept, map[string]any{"confirm": true}))
		}, "deleted", "", 1},
		{"accept from the wire", func(t *testing.T, h *harness) mcp.CallToolRequest {
			var responses mcp.InputResponses
			if err := json.Unmarshal([]byte(`{"confirm_delete":{"action":"accept","content":{"confirm":true}}}`), &responses); err != nil {
				t.Fatal(err)
			}
			return deleteRequest(6, h.asked(t, 6), responses)
		}, "deleted", "", 1},
		{"accept, confirm false", func(t *testing.T, h *harness) mcp.CallToolRequest {
			return deleteRequest(6, h.asked(t, 6), answer(accept, map[string]any{"confirm": false}))
		}, "declined", "", 0},
		{"accept, no content", func(t *testing.T, h *harness) mcp.CallToolRequest {
			return deleteRequest(6, h.asked(t, 6), answer(accept, nil))
		}, "declined", "", 0},
		{"accept, confirm as a string", func(t *testing.T, h *harness) mcp.CallToolRequest {
			return deleteRequest(6, h.asked(t, 6), answer(accept, map[string]any{"confirm": "true"}))
		}, "declined", "", 0},
		{"accept, other field", func(t *testing.T, h *harness) mcp.CallToolRequest {
			return deleteRequest(6, h.asked(t, 6), answer(accept, map[string]any{"delete": true}))
		}, "declined", "", 0},
		{"decline", func(t *testing.T, h *harness) mcp.CallToolRequest {
			return deleteRequest(6, h.asked(t, 6), answer(mcp.ElicitationResponseActionDecline, nil))
		}, "declined", "", 0},
		{"decline with confirm true", func(t *testing.T, h *harness) mcp.CallToolRequest {
			return deleteRequest(6, h.asked(t, 6), answer(mcp.ElicitationResponseActionDecline, map[string]any{"confirm": true}))
		}, "declined", "", 0},
		{"cancel", func(t *testing.T, h *harness) mcp.CallToolRequest {
			return deleteRequest(6, h.asked(t, 6), answer(mcp.ElicitationResponseActionCancel, nil))
		}, "cancelled", "", 0},
		{"unknown action", func(t *testing.T, h *harness) mcp.CallToolRequest {
			return deleteRequest(6, h.asked(t, 6), answer("approve", map[string]any{"confirm": true}))
		}, "declined", "", 0},
		{"state from another customer", func(t *testing.T, h *harness) mcp.CallToolRequest {
			return deleteRequest(6, h.asked(t, 7), answer(accept, map[string]any{"confirm": true}))
		}, "", "nothing was deleted", 0},
		{"missing state", func(t *testing.T, h *harness) mcp.CallToolRequest {
			h.asked(t, 6)
			return deleteRequest(6, "", answer(accept, map[string]any{"confirm": true}))
		}, "", "incomplete", 0},
		{"state without an answer", func(t *testing.T, h *harness) mcp.CallToolRequest {
			return deleteRequest(6, h.asked(t, 6), nil)
		}, "", "incomplete", 0},
		{"answer under another id", func(t *testing.T, h *harness) mcp.CallToolRequest {
			var r mcp.ElicitationResult
			r.Action, r.Content = accept, map[string]any{"confirm": true}
			return deleteRequest(6, h.asked(t, 6), mcp.InputResponses{"confirm": mcp.NewElicitationInputResponse(r)})
		}, "", "incomplete", 0},
		{"forged state", func(t *testing.T, h *harness) mcp.CallToolRequest {
			h.asked(t, 6)
			return deleteRequest(6, "v1.AAAAAAAAAAYAAAAAZ7W-AAAAAAAAAAAAAAAAAA.AAAA", answer(accept, map[string]any{"confirm": true}))
		}, "", "not valid", 0},
		{"confirmation token as state", func(t *testing.T, h *harness) mcp.CallToolRequest {
			tok := ok[DeleteCustomerOutput](t, "delete_customer", h.call(t, "delete_customer", map[string]any{"customer_id": 6})).ConfirmationToken
			return deleteRequest(6, tok, answer(accept, map[string]any{"confirm": true}))
		}, "", "not valid", 0},
		{"expired state", func(t *testing.T, h *harness) mcp.CallToolRequest {
			state := h.asked(t, 6)
			h.clock.Advance(confirm.DefaultTTL + time.Second)
			return deleteRequest(6, state, answer(accept, map[string]any{"confirm": true}))
		}, "", "expired", 0},
		{"state replayed after a decline", func(t *testing.T, h *harness) mcp.CallToolRequest {
			state := h.asked(t, 6)
			res, err := h.handler(t, "delete_customer")(context.Background(), deleteRequest(6, state, answer(mcp.ElicitationResponseActionDecline, nil)))
			if err != nil || res.IsError {
				t.Fatalf("decline: %v %+v", err, res)
			}
			return deleteRequest(6, state, answer(accept, map[string]any{"confirm": true}))
		}, "", "already used", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			req := c.setup(t, h)
			res, err := h.handler(t, "delete_customer")(context.Background(), req)
			if err != nil {
				t.Fatalf("handler error: %v", err)
			}
			text := ""
			for _, ct := range res.Content {
				if tc, ok := ct.(mcp.TextContent); ok {
					text += tc.Text
				}
			}
			if c.wantErr != "" {
				if !res.IsError || !strings.Contains(text, c.wantErr) {
					t.Fatalf("isError %v text %q, want an error mentioning %q", res.IsError, text, c.wantErr)
				}
			} else {
				if res.IsError {
					t.Fatalf("failed: %s", text)
				}
				raw, err := json.Marshal(res.StructuredContent)
				if err != nil {
					t.Fatal(err)
				}
				out := decodeStructured[DeleteCustomerOutput](t, "delete_customer", raw)
				if out.Status != c.status || out.Customer.CustomerID != 6 {
					t.Fatalf("status %q customer %d, want %q 6", out.Status, out.Customer.CustomerID, c.status)
				}
				if c.status == "deleted" && out.ConfirmedVia != "elicitation" {
					t.Errorf("confirmed_via %q, want elicitation", out.ConfirmedVia)
				}
				if c.status != "deleted" && !strings.Contains(text, "nothing was deleted") {
					t.Errorf("text %q should say nothing was deleted", text)
				}
			}
			if h.deletes() != c.deletes {
				t.Fatalf("%d DELETE, want %d", h.deletes(), c.deletes)
			}
			if h.active(t, 6) != (c.deletes == 0) {
				t.Errorf("customer 6 active = %v after %d DELETE", h.active(t, 6), c.deletes)
			}
		})
	}
}

// A 2026-07-28 request through the server: the question comes back as an
// input_required result, and the retry with the answer deletes.
func TestDeleteElicitationModernRoundTrip(t *testing.T) {
	h := newHarness(t)
	meta := map[string]any{
		mcp.MetaKeyProtocolVersion:    mcp.ProtocolVersion20260728,
		mcp.MetaKeyClientCapabilities: map[string]any{"elicitation": map[string]any{}},
		mcp.MetaKeyClientInfo:         map[string]any{"name": "modern-test", "version": "1"},
	}
	raw, rpcErr := h.rpc(t, context.Background(), "tools/call", map[string]any{
		"name": "delete_customer", "arguments": map[string]any{"customer_id": 7}, "_meta": meta,
	})
	if rpcErr != nil {
		t.Fatal(rpcErr)
	}
	var first toolResult
	if err := json.Unmarshal(raw, &first); err != nil {
		t.Fatal(err)
	}
	if first.IsError || first.ResultType != "input_required" || first.RequestState == "" || first.InputRequests[elicitationID] == nil {
		t.Fatalf("first modern call: %s", raw)
	}
	if h.deletes() != 0 {
		t.Fatalf("%d DELETE before the answer", h.deletes())
	}
	raw, rpcErr = h.rpc(t, context.Background(), "tools/call", map[string]any{
		"name": "delete_customer", "arguments": map[string]any{"customer_id": 7}, "_meta": meta,
		"requestState":   first.RequestState,
		"inputResponses": map[string]any{elicitationID: map[string]any{"action": "accept", "content": map[string]any{"confirm": true}}},
	})
	if rpcErr != nil {
		t.Fatal(rpcErr)
	}
	var second toolResult
	if err := json.Unmarshal(raw, &second); err != nil {
		t.Fatal(err)
	}
	out := ok[DeleteCustomerOutput](t, "delete_customer", second)
	if out.Status != "deleted" || out.ConfirmedVia != "elicitation" || h.deletes() != 1 {
		t.Fatalf("retry: %+v, %d DELETE", out, h.deletes())
	}
}

// A pre-2026 session: mcp-go turns the input request into elicitation/create
// on the session and re-runs the handler with the answer.
func TestDeleteElicitationLegacySession(t *testing.T) {
	elicit := mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}}
	reply := func(action mcp.ElicitationResponseAction, content any) func(mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
		return func(mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
			var r mcp.ElicitationResult
			r.Action, r.Content = action, content
			return &r, nil
		}
	}
	for _, c := range []struct {
		name    string
		session *legacySession
		status  string
		asked   int32
		deletes int
		isError bool
	}{
		{"approves", &legacySession{caps: elicit, answer: reply(mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true})}, "deleted", 1, 1, false},
		{"unticks", &legacySession{caps: elicit, answer: reply(mcp.ElicitationResponseActionAccept, map[string]any{"confirm": false})}, "declined", 1, 0, false},
		{"declines", &legacySession{caps: elicit, answer: reply(mcp.ElicitationResponseActionDecline, nil)}, "declined", 1, 0, false},
		{"cancels", &legacySession{caps: elicit, answer: reply(mcp.ElicitationResponseActionCancel, nil)}, "cancelled", 1, 0, false},
		{"elicitation fails", &legacySession{caps: elicit}, "", 1, 0, true},
		{"cannot elicit: token instead", &legacySession{}, "confirmation_required", 0, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := h.srv.WithContext(context.Background(), c.session)
			raw, rpcErr := h.rpc(t, ctx, "tools/call", map[string]any{"name": "delete_customer", "arguments": map[string]any{"customer_id": 6}})
			if got := c.session.asked.Load(); got != c.asked {
				t.Errorf("asked the user %d times, want %d", got, c.asked)
			}
			if h.deletes() != c.deletes {
				t.Fatalf("%d DELETE, want %d", h.deletes(), c.deletes)
			}
			if c.isError {
				var res toolResult
				if rpcErr == nil {
					_ = json.Unmarshal(raw, &res)
				}
				if rpcErr == nil && !res.IsError {
					t.Fatalf("a failed elicitation ended as success: %s", raw)
				}
				return
			}
			if rpcErr != nil {
				t.Fatal(rpcErr)
			}
			var res toolResult
			if err := json.Unmarshal(raw, &res); err != nil {
				t.Fatal(err)
			}
			out := ok[DeleteCustomerOutput](t, "delete_customer", res)
			if out.Status != c.status {
				t.Fatalf("status %q, want %q", out.Status, c.status)
			}
			if r := c.session.last.Load(); r != nil && !strings.Contains(r.Params.Message, "Redfern Print Co Pty Ltd") {
				t.Errorf("question %q does not name the customer", r.Params.Message)
			}
		})
	}
}
