package tools

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/audit"
)

// recorder is an Auditor that keeps entries in memory and can be made to
// fail on one outcome.
type recorder struct {
	mu      sync.Mutex
	entries []audit.Entry
	failOn  audit.Outcome
}

func (r *recorder) Record(_ context.Context, e audit.Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.Outcome == r.failOn {
		return errors.New("no space left on device")
	}
	r.entries = append(r.entries, e)
	return nil
}

func (r *recorder) all() []audit.Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]audit.Entry(nil), r.entries...)
}

// auditCall calls a tool's handler directly, as the server would after
// schema validation, with d's dependencies.
func auditCall(t *testing.T, ctx context.Context, d Deps, req mcp.CallToolRequest) *mcp.CallToolResult {
	t.Helper()
	for _, st := range All(d) {
		if st.Tool.Name == req.Params.Name {
			res, err := st.Handler(ctx, req)
			if err != nil {
				t.Fatalf("%s: %v", req.Params.Name, err)
			}
			return res
		}
	}
	t.Fatalf("no tool %s", req.Params.Name)
	return nil
}

func toolRequest(name string, args map[string]any) mcp.CallToolRequest {
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	return req
}

func structuredStatus(res *mcp.CallToolResult) string {
	raw, _ := json.Marshal(res.StructuredContent)
	var out struct {
		Status            string `json:"status"`
		ConfirmationToken string `json:"confirmation_token"`
	}
	_ = json.Unmarshal(raw, &out)
	return out.Status
}

// want is an expected audit entry; empty fields are not checked.
type want struct {
	outcome      audit.Outcome
	via          string
	reason       string
	id           int64
	customerName string
}

// flakyDeleteAPI is the sandbox's API, but its DELETE fails.
type flakyDeleteAPI struct{ API }

func (flakyDeleteAPI) DeleteCustomer(context.Context, int64) (*atomicapi.Deletion, error) {
	return nil, &atomicapi.Error{Kind: atomicapi.ErrUnavailable, Op: "delete customer", Status: 503}
}

// lostAnswerAPI is the sandbox's API, but the answers to its writes are
// lost after the write was made: a timeout or a 502 from a gateway.
type lostAnswerAPI struct{ API }

func (a lostAnswerAPI) DeleteCustomer(ctx context.Context, id int64) (*atomicapi.Deletion, error) {
	if _, err := a.API.DeleteCustomer(ctx, id); err != nil {
		return nil, err
	}
	return nil, &atomicapi.Error{Kind: atomicapi.ErrUnavailable, Op: "delete customer", Status: 502}
}

func (a lostAnswerAPI) CreateCustomer(ctx context.Context, in atomicapi.NewCustomer) (*atomicapi.Customer, error) {
	if _, err := a.API.CreateCustomer(ctx, in); err != nil {
		return nil, err
	}
	return nil, context.DeadlineExceeded
}

// flakyCreateAPI is the sandbox's API, but its create answers 500 without
// creating anything.
type flakyCreateAPI struct{ API }

func (flakyCreateAPI) CreateCustomer(context.Context, atomicapi.NewCustomer) (*atomicapi.Customer, error) {
	return nil, &atomicapi.Error{Op: "create customer", Status: 500}
}

func TestAuditOutcomes(t *testing.T) {
	eliciting := modernCtx(&mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}})
	accept, decline, cancel := mcp.ElicitationResponseActionAccept, mcp.ElicitationResponseActionDecline, mcp.ElicitationResponseActionCancel
	const redfern = "Redfern Print Co Pty Ltd"
	firstLeg := func(t *testing.T, d Deps) string {
		res := auditCall(t, eliciting, d, deleteRequest(6, "", nil))
		if !res.NeedsInput() {
			t.Fatalf("first leg did not ask: %s", ResultText(res))
		}
		return res.RequestState
	}
	token := func(t *testing.T, d Deps) string {
		res := auditCall(t, context.Background(), d, toolRequest("delete_customer", map[string]any{"customer_id": 6}))
		raw, _ := json.Marshal(res.StructuredContent)
		var out DeleteCustomerOutput
		if err := json.Unmarshal(raw, &out); err != nil || out.ConfirmationToken == "" {
			t.Fatalf("no token: %s", raw)
		}
		return out.ConfirmationToken
	}

	for _, c := range []struct {
		name    string
		api     func(API) API // wraps the sandbox's API, when set
		run     func(t *testing.T, d Deps) *mcp.CallToolResult
		status  string // structured status of the last result; "" for an error result
		want    []want
		deletes int
	}{
		{"create", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, context.Background(), d, toolRequest("create_customer", createArgs("Harbour Plumbing Pty Ltd")))
		}, "created", []want{{outcome: audit.Created, customerName: "Harbour Plumbing Pty Ltd"}}, 0},
		{"create refused as a duplicate", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, context.Background(), d, toolRequest("create_customer", createArgs(redfern)))
		}, "", []want{{outcome: audit.Refused, reason: "customer_id 6", customerName: redfern}}, 0},
		{"create with invalid arguments is refused", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, context.Background(), d, toolRequest("create_customer", with(createArgs("Harbour"), "postcode", "20000")))
		}, "", []want{{outcome: audit.Refused, reason: "invalid arguments: postcode", customerName: "Harbour"}}, 0},
		{"delete with invalid arguments is refused", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, context.Background(), d, toolRequest("delete_customer", map[string]any{"customer_id": 6, "force": true}))
		}, "", []want{{outcome: audit.Refused, reason: "invalid arguments: force", id: 6}}, 0},
		{"delete asks with a token", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, context.Background(), d, toolRequest("delete_customer", map[string]any{"customer_id": 6}))
		}, "confirmation_required", []want{{outcome: audit.ConfirmationRequested, via: audit.ViaToken, id: 6, customerName: redfern}}, 0},
		{"delete with the token", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			tok := token(t, d)
			return auditCall(t, context.Background(), d, toolRequest("delete_customer", map[string]any{"customer_id": 6, "confirmation_token": tok}))
		}, "deleted", []want{
			{outcome: audit.ConfirmationRequested, via: audit.ViaToken},
			{outcome: audit.Approved, via: audit.ViaToken, id: 6, customerName: redfern},
			{outcome: audit.Deleted, via: audit.ViaToken, id: 6, customerName: redfern},
		}, 1},
		{"delete with a bad token", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, context.Background(), d, toolRequest("delete_customer", map[string]any{"customer_id": 6, "confirmation_token": "v1.forged"}))
		}, "", []want{{outcome: audit.Refused, via: audit.ViaToken, reason: "not valid", id: 6}}, 0},
		{"delete of an unknown customer", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, context.Background(), d, toolRequest("delete_customer", map[string]any{"customer_id": 999}))
		}, "", []want{{outcome: audit.Refused, reason: "no such customer", id: 999}}, 0},
		{"delete of a deleted customer", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, context.Background(), d, toolRequest("delete_customer", map[string]any{"customer_id": 8}))
		}, "", []want{{outcome: audit.Refused, reason: "already deleted", id: 8, customerName: "Swan River Logistics Pty Ltd"}}, 0},
		{"delete asks by elicitation", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, eliciting, d, deleteRequest(6, "", nil))
		}, "", []want{{outcome: audit.ConfirmationRequested, via: audit.ViaElicitation, id: 6}}, 0},
		{"elicitation accepted", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, eliciting, d, deleteRequest(6, firstLeg(t, d), answer(accept, map[string]any{"confirm": true})))
		}, "deleted", []want{
			{outcome: audit.ConfirmationRequested, via: audit.ViaElicitation},
			{outcome: audit.Approved, via: audit.ViaElicitation},
			{outcome: audit.Deleted, via: audit.ViaElicitation, id: 6},
		}, 1},
		{"elicitation declined", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, eliciting, d, deleteRequest(6, firstLeg(t, d), answer(decline, nil)))
		}, "declined", []want{{outcome: audit.ConfirmationRequested}, {outcome: audit.Declined, via: audit.ViaElicitation, reason: "declined"}}, 0},
		{"elicitation accepted without confirm", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, eliciting, d, deleteRequest(6, firstLeg(t, d), answer(accept, map[string]any{"confirm": false})))
		}, "declined", []want{{outcome: audit.ConfirmationRequested}, {outcome: audit.Declined, reason: "declined"}}, 0},
		{"elicitation cancelled", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, eliciting, d, deleteRequest(6, firstLeg(t, d), answer(cancel, nil)))
		}, "cancelled", []want{{outcome: audit.ConfirmationRequested}, {outcome: audit.Declined, reason: "cancelled"}}, 0},
		{"forged elicitation state", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, eliciting, d, deleteRequest(6, "v1.forged", answer(accept, map[string]any{"confirm": true})))
		}, "", []want{{outcome: audit.Refused, via: audit.ViaElicitation, reason: "not valid"}}, 0},
		{"approved on the command line", nil, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, WithCommandLineApproval(context.Background()), d, toolRequest("delete_customer", map[string]any{"customer_id": 6}))
		}, "deleted", []want{{outcome: audit.Approved, via: audit.ViaCLIYes}, {outcome: audit.Deleted, via: audit.ViaCLIYes, id: 6}}, 1},
		{"delete fails upstream", func(a API) API { return flakyDeleteAPI{a} }, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, WithCommandLineApproval(context.Background()), d, toolRequest("delete_customer", map[string]any{"customer_id": 6}))
		}, "", []want{{outcome: audit.Approved, via: audit.ViaCLIYes}, {outcome: audit.Unknown, via: audit.ViaCLIYes, reason: "unavailable"},
			{outcome: audit.Failed, via: audit.ViaCLIYes, reason: "reconciled: still there"}}, 0},
		// Ambiguous writes are settled by a fresh read, never re-sent.
		{"delete answer lost", func(a API) API { return lostAnswerAPI{a} }, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, WithCommandLineApproval(context.Background()), d, toolRequest("delete_customer", map[string]any{"customer_id": 6}))
		}, "deleted", []want{{outcome: audit.Approved, via: audit.ViaCLIYes}, {outcome: audit.Unknown, via: audit.ViaCLIYes, reason: "unavailable"},
			{outcome: audit.Deleted, via: audit.ViaCLIYes, id: 6, reason: "reconciled"}}, 1},
		{"create answer lost", func(a API) API { return lostAnswerAPI{a} }, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, context.Background(), d, toolRequest("create_customer", createArgs("Harbour Plumbing Pty Ltd")))
		}, "created", []want{{outcome: audit.Unknown, reason: "timed out"}, {outcome: audit.Created, reason: "reconciled", customerName: "Harbour Plumbing Pty Ltd"}}, 0},
		{"create failed with 500", func(a API) API { return flakyCreateAPI{a} }, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, context.Background(), d, toolRequest("create_customer", createArgs("Harbour Plumbing Pty Ltd")))
		}, "", []want{{outcome: audit.Unknown}, {outcome: audit.Failed, reason: "reconciled: not created"}}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			rec := &recorder{}
			d := h.deps
			d.Audit = rec
			if c.api != nil {
				d.API = c.api(d.API)
			}
			res := c.run(t, d)
			if got := structuredStatus(res); c.status != "" && (res.IsError || got != c.status) {
				t.Fatalf("result: status %q isError %v %s, want status %q", got, res.IsError, ResultText(res), c.status)
			}
			if c.status == "" && !res.IsError && !res.NeedsInput() {
				t.Fatalf("result succeeded, want an error: %s", ResultText(res))
			}
			got := rec.all()
			if len(got) != len(c.want) {
				t.Fatalf("%d audit entries, want %d: %+v", len(got), len(c.want), got)
			}
			for i, w := range c.want {
				e := got[i]
				if e.Outcome != w.outcome || (w.via != "" && e.Confirmation != w.via) || !strings.Contains(e.Reason, w.reason) ||
					(w.id != 0 && e.CustomerID != w.id) || (w.customerName != "" && e.CustomerName != w.customerName) {
					t.Errorf("entry %d = %+v, want %+v", i, e, w)
				}
				if e.Tool == "" {
					t.Errorf("entry %d names no tool", i)
				}
			}
			if h.deletes() != c.deletes {
				t.Errorf("%d DELETE sent, want %d", h.deletes(), c.deletes)
			}
		})
	}
}

// Neither the confirmation token nor the API token ever reaches the trail.
func TestAuditHoldsNoToken(t *testing.T) {
	h := newHarness(t)
	rec := &recorder{}
	d := h.deps
	d.Audit = rec
	res := auditCall(t, context.Background(), d, toolRequest("delete_customer", map[string]any{"customer_id": 6}))
	raw, _ := json.Marshal(res.StructuredContent)
	var out DeleteCustomerOutput
	if err := json.Unmarshal(raw, &out); err != nil || out.ConfirmationToken == "" {
		t.Fatalf("no token: %s", raw)
	}
	auditCall(t, context.Background(), d, toolRequest("delete_customer", map[string]any{"customer_id": 6, "confirmation_token": out.ConfirmationToken}))
	auditCall(t, context.Background(), d, toolRequest("delete_customer", map[string]any{"customer_id": 6, "confirmation_token": out.ConfirmationToken}))
	trail, _ := json.Marshal(rec.all())
	_, sig, _ := strings.Cut(out.ConfirmationToken, ".")
	for _, secret := range []string{out.ConfirmationToken, sig, `"t"`} {
		if strings.Contains(string(trail), secret) {
			t.Errorf("the audit trail holds %q: %s", secret, trail)
		}
	}
	if len(rec.all()) != 4 {
		t.Errorf("%d entries, want 4 (asked, approved, deleted, refused replay)", len(rec.all()))
	}
}

// When the trail cannot be written the caller is told, and a delete is not
// sent at all.
func TestAuditFailure(t *testing.T) {
	for _, c := range []struct {
		name     string
		failOn   audit.Outcome
		run      func(t *testing.T, d Deps) *mcp.CallToolResult
		wantText []string
		creates  int
		deletes  int
	}{
		{"created but not recorded", audit.Created, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, context.Background(), d, toolRequest("create_customer", createArgs("Harbour Plumbing Pty Ltd")))
		}, []string{"audit trail could not be written", "no space left", "WAS created", "do not repeat"}, 1, 0},
		{"approval not recorded: no DELETE", audit.Approved, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, WithCommandLineApproval(context.Background()), d, toolRequest("delete_customer", map[string]any{"customer_id": 6}))
		}, []string{"nothing was deleted", "audit trail could not be written"}, 0, 0},
		{"deleted but not recorded", audit.Deleted, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, WithCommandLineApproval(context.Background()), d, toolRequest("delete_customer", map[string]any{"customer_id": 6}))
		}, []string{"WAS deleted", "customer_id 6"}, 0, 1},
		{"confirmation not recorded: no token handed out", audit.ConfirmationRequested, func(t *testing.T, d Deps) *mcp.CallToolResult {
			return auditCall(t, context.Background(), d, toolRequest("delete_customer", map[string]any{"customer_id": 6}))
		}, []string{"Nothing was created or deleted"}, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			d := h.deps
			d.Audit = &recorder{failOn: c.failOn}
			res := c.run(t, d)
			if !res.IsError {
				t.Fatalf("succeeded although the trail failed: %s", ResultText(res))
			}
			for _, w := range c.wantText {
				if !strings.Contains(ResultText(res), w) {
					t.Errorf("text %q lacks %q", ResultText(res), w)
				}
			}
			if strings.Contains(ResultText(res), "v1.") || res.StructuredContent != nil {
				t.Errorf("a failed record still handed out the result: %s", ResultText(res))
			}
			if h.creates() != c.creates || h.deletes() != c.deletes {
				t.Errorf("%d creates, %d deletes; want %d, %d", h.creates(), h.deletes(), c.creates, c.deletes)
			}
		})
	}
}

// Without an Auditor nothing changes: the tools work as before.
func TestNoAuditor(t *testing.T) {
	h := newHarness(t)
	res := auditCall(t, WithCommandLineApproval(context.Background()), h.deps, toolRequest("delete_customer", map[string]any{"customer_id": 6}))
	if structuredStatus(res) != "deleted" || h.deletes() != 1 {
		t.Fatalf("%s", ResultText(res))
	}
}
