package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/calllog"
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

// TestNoSchemaValidationInServer: the tool's own validator is the only one,
// so a call that breaks the schema reaches the handler, whose report the
// client sees unchanged.
func TestNoSchemaValidationInServer(t *testing.T) {
	reached := false
	tool := echoTool()
	tool.Handler = func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		reached = true
		calllog.Set(ctx, calllog.Refused)
		return mcp.NewToolResultError("echo: a must be a whole number; give e.g. 5"), nil
	}
	s := New(Options{Tools: []server.ServerTool{tool}, Logger: slog.New(slog.DiscardHandler)})
	resp := call(t, s, "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"a": "x"}})
	result := resp["result"].(map[string]any)
	text := result["content"].([]any)[0].(map[string]any)["text"].(string)
	if !reached || result["isError"] != true || text != "echo: a must be a whole number; give e.g. 5" {
		t.Fatalf("reached %v, result %v", reached, result)
	}
}

// TestOutcomeLabels: each way a call can end is logged with its one label.
func TestOutcomeLabels(t *testing.T) {
	for _, c := range []struct {
		name    string
		handler server.ToolHandlerFunc
		want    calllog.Outcome
		level   string
	}{
		{"ok", func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("ok"), nil
		}, calllog.OK, "INFO"},
		{"refused", func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			calllog.Set(ctx, calllog.Refused)
			return mcp.NewToolResultError("bad"), nil
		}, calllog.Refused, "WARN"},
		{"declined", func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			calllog.Set(ctx, calllog.Declined)
			return mcp.NewToolResultText("not deleted"), nil
		}, calllog.Declined, "INFO"},
		{"asked user by token", func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			calllog.Set(ctx, calllog.AskedUser)
			return mcp.NewToolResultText("confirm first"), nil
		}, calllog.AskedUser, "INFO"},
		// A leg the client completes with a second tools/call: that call
		// writes the line.
		{"asking the user in a round trip", func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return server.NewInputRequestBuilder("state").Elicit("confirm", mcp.ElicitationParams{Message: "sure?"}).ToolResult(), nil
		}, "", ""},
		{"error", func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultError("the API failed"), nil
		}, calllog.Error, "WARN"},
		{"failed", func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return nil, errors.New("broken")
		}, calllog.Failed, "ERROR"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			tool := echoTool()
			tool.Handler = c.handler
			s := New(Options{Tools: []server.ServerTool{tool}, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
			call(t, s, "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"a": 1}})
			var calls []map[string]any
			for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				var rec map[string]any
				if line == "" {
					continue
				}
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatal(err)
				}
				if rec["msg"] == "tool call" {
					calls = append(calls, rec)
				}
			}
			if c.want == "" {
				if len(calls) != 0 {
					t.Fatalf("want no tool call line, got:\n%s", buf.String())
				}
				return
			}
			if len(calls) != 1 || calls[0]["outcome"] != string(c.want) || calls[0]["level"] != c.level {
				t.Fatalf("want one tool call line with outcome %s at %s, got:\n%s", c.want, c.level, buf.String())
			}
		})
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

// TestNoOutputValidationInServer: results are checked against their output
// schema by the tests, not on every call (two thirds of a large page's
// time): a result outside the schema goes out as the handler wrote it.
func TestNoOutputValidationInServer(t *testing.T) {
	tool := echoTool()
	tool.Tool.RawOutputSchema = json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"],"additionalProperties":false}`)
	tool.Handler = func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultStructured(map[string]any{"other": 1}, "text"), nil
	}
	s := New(Options{Tools: []server.ServerTool{tool}, Logger: slog.New(slog.DiscardHandler)})
	resp := call(t, s, "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"a": 1}})
	result, _ := resp["result"].(map[string]any)
	if result == nil || result["isError"] == true || result["structuredContent"] == nil {
		t.Fatalf("the server validated the output: %v", resp)
	}
}

// TestLibraryLoggerDemotesInfo: mcp-go's narration is DEBUG; its warnings
// and errors reach the operator.
func TestLibraryLoggerDemotesInfo(t *testing.T) {
	var buf bytes.Buffer
	log := libraryLogger(slog.New(slog.NewJSONHandler(&buf, nil))).With("component", "mcp-go")
	log.Info("Delivered sampling response", "session", "s")
	log.Warn("failed to terminate session")
	log.Error("Failed to write SSE event")
	out := buf.String()
	if strings.Contains(out, "Delivered sampling response") || !strings.Contains(out, "failed to terminate session") || !strings.Contains(out, "Failed to write SSE event") {
		t.Errorf("at INFO, got:\n%s", out)
	}
	buf.Reset()
	debug := libraryLogger(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	debug.Info("Delivered sampling response")
	if !strings.Contains(buf.String(), `"level":"DEBUG","msg":"Delivered sampling response"`) {
		t.Errorf("at DEBUG, got:\n%s", buf.String())
	}
}
