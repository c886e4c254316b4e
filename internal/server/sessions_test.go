package server

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// sessionServer serves a one-tool MCP server over streamable HTTP with the
// given limits, as an attacker or a busy team meets it.
func sessionServer(t *testing.T, opts HTTPOptions) string {
	t.Helper()
	s := New(Options{Version: "v-test", Logger: slog.New(slog.DiscardHandler)})
	s.AddTool(mcp.NewTool("ping_tool"), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("pong"), nil
	})
	opts.Transport, opts.Version, opts.Logger = "http", "v-test", slog.New(slog.DiscardHandler)
	h, shutdown := Handler(s, opts)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		shutdown(ctx)
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv.URL + "/mcp"
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"session-test","version":"1"}}}`

const callBody = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ping_tool","arguments":{}}}`

func post(t *testing.T, url, session, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if session != "" {
		req.Header.Set(mcpserver.HeaderKeySessionID, session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

func initialize(t *testing.T, url string) string {
	t.Helper()
	resp := post(t, url, "", initializeBody)
	id := resp.Header.Get(mcpserver.HeaderKeySessionID)
	if resp.StatusCode != http.StatusOK || id == "" {
		t.Fatalf("initialize: %d, session %q", resp.StatusCode, id)
	}
	return id
}

// openStream opens a GET event stream; the caller closes the body.
func openStream(t *testing.T, url, session string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if session != "" {
		req.Header.Set(mcpserver.HeaderKeySessionID, session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestSessionIDs(t *testing.T) {
	url := sessionServer(t, HTTPOptions{})
	good := initialize(t, url)
	tests := []struct {
		name    string
		session string
		want    int
	}{
		{"issued session", good, http.StatusOK},
		{"never issued, well formed", "mcp-session-00000000-0000-0000-0000-000000000000", http.StatusNotFound},
		{"never issued, malformed", "nope", http.StatusNotFound},
	}
	for _, tt := range tests {
		if got := post(t, url, tt.session, callBody).StatusCode; got != tt.want {
			t.Errorf("%s: tools/call answered %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestSessionDelete(t *testing.T) {
	url := sessionServer(t, HTTPOptions{})
	id := initialize(t, url)
	req, _ := http.NewRequest(http.MethodDelete, url, nil)
	req.Header.Set(mcpserver.HeaderKeySessionID, id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	if got := post(t, url, id, callBody).StatusCode; got != http.StatusNotFound {
		t.Errorf("tools/call after DELETE: %d, want 404", got)
	}
	stream := openStream(t, url, id)
	_ = stream.Body.Close()
	if stream.StatusCode != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d, want 404", stream.StatusCode)
	}
}

func TestSessionStreams(t *testing.T) {
	url := sessionServer(t, HTTPOptions{MaxStreams: 2})
	for _, tt := range []struct {
		name, session string
		want          int
	}{
		{"no session", "", http.StatusBadRequest},
		{"made-up session", "nope", http.StatusNotFound},
	} {
		resp := openStream(t, url, tt.session)
		_ = resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET with %s: %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}

	a, b, c := initialize(t, url), initialize(t, url), initialize(t, url)
	first := openStream(t, url, a)
	defer first.Body.Close()
	if first.StatusCode != http.StatusOK {
		t.Fatalf("first stream: %d", first.StatusCode)
	}
	second := openStream(t, url, a)
	_ = second.Body.Close()
	if second.StatusCode != http.StatusConflict {
		t.Errorf("second stream of one session: %d, want 409", second.StatusCode)
	}
	other := openStream(t, url, b)
	defer other.Body.Close()
	if other.StatusCode != http.StatusOK {
		t.Fatalf("stream of another session: %d", other.StatusCode)
	}
	over := openStream(t, url, c)
	_ = over.Body.Close()
	if over.StatusCode != http.StatusServiceUnavailable || over.Header.Get("Retry-After") == "" {
		t.Errorf("stream past the cap: %d, Retry-After %q; want 503 with Retry-After", over.StatusCode, over.Header.Get("Retry-After"))
	}

	// A closed stream frees its place.
	_ = other.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		again := openStream(t, url, c)
		_ = again.Body.Close()
		if again.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream after one closed: %d, want 200", again.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSessionCap(t *testing.T) {
	url := sessionServer(t, HTTPOptions{MaxSessions: 3})
	var wg sync.WaitGroup
	codes := make(chan int, 10)
	for range 10 {
		wg.Go(func() {
			resp := post(t, url, "", initializeBody)
			codes <- resp.StatusCode
			if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
				t.Errorf("503 without Retry-After")
			}
		})
	}
	wg.Wait()
	close(codes)
	ok := 0
	for code := range codes {
		switch code {
		case http.StatusOK:
			ok++
		case http.StatusServiceUnavailable:
		default:
			t.Errorf("initialize answered %d", code)
		}
	}
	// Concurrent initializes may pass the check together; the cap is
	// approximate by the number racing, never unbounded.
	if ok < 3 || ok > 10 {
		t.Errorf("%d sessions opened", ok)
	}
	if resp := post(t, url, "", initializeBody); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("initialize once full: %d, want 503", resp.StatusCode)
	}
}

// TestSessionIdleExpiry: an idle session ends (404), its open stream is
// closed, and what abandoned sessions held is given back.
func TestSessionIdleExpiry(t *testing.T) {
	url := sessionServer(t, HTTPOptions{SessionIdleTimeout: time.Second})
	id := initialize(t, url)
	stream := openStream(t, url, id)
	defer stream.Body.Close()
	if stream.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", stream.StatusCode)
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_, _ = io.Copy(io.Discard, bufio.NewReader(stream.Body))
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream of an expired session stayed open")
	}
	if got := post(t, url, id, callBody).StatusCode; got != http.StatusNotFound {
		t.Errorf("tools/call on an expired session: %d, want 404", got)
	}
}

func TestSessionMemoryReturns(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 1,000 sessions")
	}
	url := sessionServer(t, HTTPOptions{SessionIdleTimeout: time.Second, MaxSessions: 5000})
	base := heapInUse()
	for range 1000 {
		initialize(t, url)
	}
	full := heapInUse()
	deadline := time.Now().Add(15 * time.Second)
	for {
		now := heapInUse()
		// Baseline, give or take a fifth of what the sessions added.
		if now < base+(full-base)/5 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("heap %d KiB before, %d KiB with 1,000 sessions, still %d KiB after they expired", base>>10, full>>10, now>>10)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
