package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// callLines are the server's "tool call" log lines for tool, in order.
func callLines(t *testing.T, stderr, tool string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(stderr, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "tool call" && rec["tool"] == tool {
			lines = append(lines, rec)
		}
	}
	return lines
}

// TestOneLogLinePerToolCall: every tool call is one "tool call" line with
// one outcome label, as the README promises. An elicited delete is one call
// however its answer travels (a server request on 2025-11-25, a second
// tools/call with inputResponses on 2026-07-28), and mcp-go's own line
// about delivering the answer does not appear.
func TestOneLogLinePerToolCall(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		answer  answer
		outcome string
	}{
		{"accepted", answer{Action: "accept", Content: map[string]any{"confirm": true}}, "ok"},
		{"declined", answer{Action: "decline"}, "declined"},
		{"cancelled", answer{Action: "cancel"}, "declined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			elicit := func(elicitation) answer { return tc.answer }
			// stdio, and streamable HTTP, where mcp-go narrates each
			// elicitation answer it delivers.
			connect := map[string]func(t *testing.T, c combo) *testServer{
				"stdio": func(t *testing.T, c combo) *testServer {
					return startServer(t, serverOpts{combo: c, args: []string{"--log-format", "json"}, elicit: elicit})
				},
				"http": func(t *testing.T, c combo) *testServer {
					ns := startNet(t, netOpts{transport: "http", args: []string{"--log-format", "json"}})
					return ns.connect(t, netClient{combo: c, elicit: elicit})
				},
			}
			for transport, start := range connect {
				t.Run(transport, func(t *testing.T) {
					t.Parallel()
					forEachCombo(t, func(t *testing.T, c combo) {
						checkOneLine(t, start(t, c), tc.outcome)
					})
				})
			}
		})
	}
}

// checkOneLine deletes customer 6 with the user's answer and checks that
// the delete wrote one "tool call" line, with outcome.
func checkOneLine(t *testing.T, ts *testServer, outcome string) {
	t.Helper()
	ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
	ts.callOK(t, "list_service_plans", nil) // a later line: the delete's is written by then
	lines := callLines(t, ts.stderr.String(), "delete_customer")
	if len(lines) != 1 {
		t.Fatalf("%d tool call lines for one elicited delete, want 1:\n%s", len(lines), ts.stderr)
	}
	if lines[0]["outcome"] != outcome {
		t.Errorf("outcome %v, want %s: %v", lines[0]["outcome"], outcome, lines[0])
	}
	if strings.Contains(ts.stderr.String(), "Delivered sampling response") {
		t.Errorf("mcp-go's delivery line is logged:\n%s", ts.stderr)
	}
}

// TestRefusalsShareALabel: arguments refused before anything is sent log
// one outcome, whichever check refused them.
func TestRefusalsShareALabel(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{combo: combos[0], args: []string{"--log-format", "json"}})
	for _, args := range []map[string]any{
		{"nickname": "Harbour", "addr_1": "1 Circular Quay", "postcode": "2000", "country": "AU"},                                     // no customer_name
		{"customer_name": "Harbour", "nickname": "Harbour", "addr_1": "1 Circular Quay", "postcode": "20", "country": "AU"},           // bad postcode
		{"customer_name": "Harbour", "nickname": "Harbour", "addr_1": "1 Circular Quay", "postcode": 2000, "country": "AU"},           // wrong type
		{"customer_name": "Harbour", "nickname": "Harbour", "addr_1": "1 Circular Quay", "postcode": "2000", "country": "AU", "x": 1}, // unknown field
	} {
		ts.callErr(t, "create_customer", args)
	}
	ts.callOK(t, "list_service_plans", nil)
	lines := callLines(t, ts.stderr.String(), "create_customer")
	if len(lines) != 4 {
		t.Fatalf("%d tool call lines for 4 calls:\n%s", len(lines), ts.stderr)
	}
	for _, l := range lines {
		if l["outcome"] != "refused" || l["level"] != "WARN" {
			t.Errorf("outcome %v at %v, want refused at WARN: %v", l["outcome"], l["level"], l)
		}
	}
}
