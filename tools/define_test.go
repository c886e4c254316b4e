package tools

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// parseInput is the handlers' own guard, for servers run without input
// schema validation, and the source of the full problem report: strict,
// exact names, never truncating an id, every problem at once.
func TestParseInput(t *testing.T) {
	for _, c := range []struct {
		name     string
		args     any
		want     DeleteCustomerInput
		wantErrs []string // substrings of the report; nil for success
	}{
		{"map", map[string]any{"customer_id": 6, "confirmation_token": "x"}, DeleteCustomerInput{CustomerID: 6, ConfirmationToken: "x"}, nil},
		{"raw JSON", json.RawMessage(`{"customer_id": 7}`), DeleteCustomerInput{CustomerID: 7}, nil},
		{"nil", nil, DeleteCustomerInput{}, []string{"customer_id: is required"}},
		{"JSON null", json.RawMessage(`null`), DeleteCustomerInput{}, []string{"customer_id: is required"}},
		{"fraction", map[string]any{"customer_id": 7.5}, DeleteCustomerInput{}, []string{"customer_id: must be a whole number, not a fractional number"}},
		{"numeric string", map[string]any{"customer_id": "7"}, DeleteCustomerInput{}, []string{"customer_id: must be a whole number, not a string"}},
		{"two wrong types at once", map[string]any{"customer_id": "7", "confirmation_token": 5}, DeleteCustomerInput{}, []string{"2 problem(s)", "customer_id: must be a whole number", "confirmation_token: must be a string, not a number"}},
		{"unknown field", map[string]any{"customer_id": 7, "force": true}, DeleteCustomerInput{}, []string{"force: is not an argument of this tool; the arguments are customer_id, confirmation_token"}},
		{"case matters", map[string]any{"Customer_ID": 7}, DeleteCustomerInput{}, []string{"Customer_ID: is not an argument", "customer_id: is required"}},
		{"array", json.RawMessage(`[7]`), DeleteCustomerInput{}, []string{"arguments: must be a JSON object"}},
		{"not JSON", json.RawMessage(`{customer_id:7}`), DeleteCustomerInput{}, []string{"arguments: must be a JSON object"}},
		{"unmarshalable", map[string]any{"customer_id": make(chan int)}, DeleteCustomerInput{}, []string{"could not be read"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, probs := parseInput[DeleteCustomerInput](c.args)
			if c.wantErrs == nil {
				if len(probs) > 0 || got != c.want {
					t.Fatalf("got %+v, %v; want %+v", got, probs, c.want)
				}
				return
			}
			if len(probs) == 0 {
				t.Fatalf("accepted %v as %+v", c.args, got)
			}
			report := probs.report("delete_customer")
			for _, want := range c.wantErrs {
				if !strings.Contains(report, want) {
					t.Errorf("report %q lacks %q", report, want)
				}
			}
		})
	}

	// Through a handler with no schema validation in front: refused, and
	// nothing reaches the API.
	h := newHarness(t)
	for _, args := range []map[string]any{
		{"customer_id": 6.9},
		{"customer_id": "6"},
		{"customer_id": 6, "confirm": true},
		{"customer_id": 0},
		{"customer_id": -6},
		{},
	} {
		var req mcp.CallToolRequest
		req.Params.Name, req.Params.Arguments = "delete_customer", args
		res, err := h.handler(t, "delete_customer")(context.Background(), req)
		if err != nil || !res.IsError {
			t.Errorf("%v: err %v result %+v, want an isError result", args, err, res)
		}
	}
	if n := len(h.sb.Requests()); n != 0 {
		t.Errorf("%d API requests for refused arguments", n)
	}
}
