package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// call sends one JSON-RPC request through s after an initialize.
func call(t *testing.T, s *server.MCPServer, method string, params any) map[string]any {
	t.Helper()
	ctx := context.Background()
	s.HandleMessage(ctx, json.RawMessage(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
	raw, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	out, _ := json.Marshal(s.HandleMessage(ctx, raw))
	var resp map[string]any
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	return resp
}

func echoTool() server.ServerTool {
	return server.ServerTool{
		Tool: mcp.NewToolWithRawSchema("echo", "echoes", json.RawMessage(`{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":false}`)),
		Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("ok"), nil
		},
	}
}

func TestSchemaFailuresAreExplained(t *testing.T) {
	var gotArgs any
	s := New(Options{
		Tools:  []server.ServerTool{echoTool()},
		Logger: slog.New(slog.DiscardHandler),
		Explain: func(_ context.Context, tool string, args any) (string, bool) {
			gotArgs = args
			return tool + ": a must be a whole number; give e.g. 5", true
		},
	})
	resp := call(t, s, "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"a": "x"}})
	result := resp["result"].(map[string]any)
	text := result["content"].([]any)[0].(map[string]any)["text"].(string)
	if result["isError"] != true || text != "echo: a must be a whole number; give e.g. 5" {
		t.Fatalf("schema failure not replaced by the tool's report: %v", result)
	}
	if gotArgs == nil {
		t.Error("Explain did not receive the arguments")
	}

	// A valid call is left alone.
	resp = call(t, s, "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"a": 1}})
	if text := resp["result"].(map[string]any)["content"].([]any)[0].(map[string]any)["text"]; text != "ok" {
		t.Fatalf("valid call changed: %v", resp)
	}
}

func TestOneLogLinePerCall(t *testing.T) {
	var buf bytes.Buffer
	s := New(Options{Tools: []server.ServerTool{echoTool()}, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	call(t, s, "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"a": 1}})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one log line per call, got %d:\n%s", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"tool", "duration", "outcome", "upstream_requests", "upstream_status"} {
		if _, ok := rec[key]; !ok {
			t.Errorf("log line lacks %q: %s", key, lines[0])
		}
	}
	if rec["tool"] != "echo" || rec["outcome"] != "ok" {
		t.Errorf("log line: %s", lines[0])
	}
}
