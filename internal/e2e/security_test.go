package e2e

// The network transports are locked down: bearer auth, the Origin check,
// loopback unless authenticated, and a cap on request bodies. Every refusal
// must happen before anything reaches the upstream API.

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

const (
	evilOrigin  = "http://evil.example"
	localOrigin = "http://localhost:5173"
)

// listCall is a tools/call of list_customers, which reaches the upstream
// API if it is let through.
func listCall(id int) string {
	return jsonRPC(id, "tools/call", map[string]any{"name": "list_customers", "arguments": map[string]any{}})
}

// TestAuth: with ATOMIC_MCP_AUTH_TOKEN set, every MCP endpoint wants that
// bearer token, and the server's own Atomic API token is not a substitute.
func TestAuth(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"http", "sse"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			ns := startNet(t, netOpts{transport: transport,
				env: []string{"ATOMIC_MCP_AUTH_TOKEN=" + authToken, "ATOMIC_MCP_CONFIRM_SECRET=" + confirmSecret}})

			// Raw requests to every MCP endpoint, without or with a bad token.
			type endpoint struct{ method, path, body string }
			endpoints := []endpoint{{http.MethodPost, "/mcp", jsonRPC(1, "initialize", initializeParams())}, {http.MethodGet, "/mcp", ""}}
			if transport == "sse" {
				endpoints = []endpoint{{http.MethodGet, "/sse", ""}, {http.MethodPost, "/message?sessionId=x", listCall(1)}}
			}
			for _, auth := range []struct{ name, header string }{
				{"no Authorization", ""},
				{"wrong token", "Bearer wrong-token-0123456789abcdef"},
				{"token with a suffix", "Bearer " + authToken + "x"},
				{"token as Basic", "Basic " + authToken},
				{"the Atomic API token", "Bearer " + testToken},
			} {
				for _, ep := range endpoints {
					h := mcpHeaders()
					if auth.header != "" {
						h.Set("Authorization", auth.header)
					}
					resp := rawDo(t, ep.method, ns.base+ep.path, strings.NewReader(ep.body), h)
					if resp.status != http.StatusUnauthorized {
						t.Errorf("%s %s with %s: %d %q, want 401", ep.method, ep.path, auth.name, resp.status, resp.body)
					}
					if got := resp.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
						t.Errorf("%s %s with %s: WWW-Authenticate %q, want Bearer ...", ep.method, ep.path, auth.name, got)
					}
				}
			}

			// Clients without the token, or with the Atomic token, are refused.
			for _, bearer := range []string{"", testToken} {
				for _, c := range combos {
					ctx, cancel := callContext()
					ts, err := ns.dial(ctx, netClient{combo: c, bearer: bearer})
					cancel()
					if err == nil {
						_ = ts.sess.close()
						t.Errorf("%s with bearer %q connected, want refused", c, bearer)
					}
				}
			}
			if n := ns.upstreamRequests(); n != 0 {
				t.Fatalf("%d upstream requests from unauthenticated clients, want 0", n)
			}

			// With the right token every client works.
			for _, c := range combos {
				ts := ns.connect(t, netClient{combo: c, bearer: authToken})
				res := ts.callOK(t, "list_customers", nil)
				if num(t, res.Structured, "total") != 4 {
					t.Errorf("%s: total = %v, want 4", c, res.Structured["total"])
				}
			}
			if n := ns.sb.CountRequests("GET", atomicapi.PathListCustomers); n == 0 {
				t.Error("the authenticated calls reached nothing upstream")
			}

			// /healthz needs no token and gives nothing away.
			resp := rawDo(t, http.MethodGet, ns.base+"/healthz", nil, nil)
			if resp.status != http.StatusOK {
				t.Errorf("GET /healthz without auth: %d, want 200", resp.status)
			}
			if !strings.Contains(resp.body, `"ok"`) {
				t.Errorf("/healthz body %q does not say ok", resp.body)
			}
			for _, secret := range []string{authToken, testToken, confirmSecret} {
				if strings.Contains(resp.body+strings.Join(flatHeader(resp.header), " "), secret) {
					t.Errorf("/healthz gives away a secret: %q", resp.body)
				}
			}
			if strings.Contains(ns.stderr.String(), authToken) || strings.Contains(ns.stderr.String(), testToken) {
				t.Errorf("a token appears in the server's log:\n%s", ns.stderr)
			}
		})
	}
}

func flatHeader(h http.Header) []string {
	var out []string
	for k, vs := range h {
		out = append(out, k+": "+strings.Join(vs, ","))
	}
	return out
}

// TestOrigin: a browser request from a foreign origin is refused with 403
// before it can open a session or reach a tool, on both transports and on
// an existing session; the loopback default admits local dev servers.
func TestOrigin(t *testing.T) {
	t.Parallel()
	t.Run("http", func(t *testing.T) {
		t.Parallel()
		ns := startNet(t, netOpts{transport: "http"})
		for _, origin := range []string{evilOrigin, "http://localhost.evil.example", "http://127.0.0.1.evil.example:5173", "null"} {
			resp := rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(jsonRPC(1, "initialize", initializeParams())), mcpHeaders("Origin", origin))
			if resp.status != http.StatusForbidden {
				t.Errorf("initialize from %s: %d %q, want 403", origin, resp.status, resp.body)
			}
			if sid := resp.header.Get("Mcp-Session-Id"); sid != "" {
				t.Errorf("initialize from %s opened session %s", origin, sid)
			}
		}
		// Clients of both eras from a foreign origin cannot connect at all
		// (a 2026-07-28 tools/call needs no session: the check must not either).
		for _, c := range combos {
			ctx, cancel := callContext()
			ts, err := ns.dial(ctx, netClient{combo: c, header: http.Header{"Origin": {evilOrigin}}})
			cancel()
			if err == nil {
				_ = ts.sess.close()
				t.Errorf("%s from %s connected, want refused", c, evilOrigin)
			}
		}
		modern := jsonRPC(2, "tools/call", map[string]any{"name": "list_customers", "arguments": map[string]any{},
			"_meta": map[string]any{"io.modelcontextprotocol/protocolVersion": v20260728, "io.modelcontextprotocol/clientCapabilities": map[string]any{}}})
		resp := rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(modern), mcpHeaders("Origin", evilOrigin, "Mcp-Protocol-Version", v20260728))
		if resp.status != http.StatusForbidden {
			t.Errorf("sessionless tools/call from %s: %d %q, want 403", evilOrigin, resp.status, resp.body)
		}

		// An existing session: the foreign origin reaches nothing upstream;
		// the same call from a local origin does.
		sid := rawSession(t, ns)
		resp = rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(listCall(3)), mcpHeaders("Mcp-Session-Id", sid, "Mcp-Protocol-Version", v20251125, "Origin", evilOrigin))
		if resp.status != http.StatusForbidden {
			t.Errorf("tools/call on a session from %s: %d %q, want 403", evilOrigin, resp.status, resp.body)
		}
		if n := ns.upstreamRequests(); n != 0 {
			t.Fatalf("%d upstream requests from a foreign origin, want 0", n)
		}
		resp = rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(listCall(4)), mcpHeaders("Mcp-Session-Id", sid, "Mcp-Protocol-Version", v20251125, "Origin", localOrigin))
		if resp.status != http.StatusOK || !strings.Contains(resp.body, "Redfern Print") {
			t.Errorf("tools/call from %s: %d %q, want 200 with the customers", localOrigin, resp.status, resp.body)
		}
		if n := ns.sb.CountRequests("GET", atomicapi.PathListCustomers); n != 1 {
			t.Errorf("%d upstream list requests after the local call, want 1", n)
		}
		for _, c := range combos {
			ts := ns.connect(t, netClient{combo: c, header: http.Header{"Origin": {localOrigin}}})
			ts.callOK(t, "list_service_plans", nil)
		}
	})

	t.Run("sse", func(t *testing.T) {
		t.Parallel()
		ns := startNet(t, netOpts{transport: "sse"})
		if resp := rawDo(t, http.MethodGet, ns.base+"/sse", nil, http.Header{"Origin": {evilOrigin}}); resp.status != http.StatusForbidden {
			t.Errorf("GET /sse from %s: %d, want 403", evilOrigin, resp.status)
		}
		if resp := rawDo(t, http.MethodGet, ns.base+"/sse", nil, http.Header{"Origin": {localOrigin}}); resp.status != http.StatusOK {
			t.Errorf("GET /sse from %s: %d, want 200", localOrigin, resp.status)
		}
		s := openSSE(t, ns, nil)
		s.initialize(t)
		resp := s.post(t, listCall(3), http.Header{"Origin": {evilOrigin}})
		if resp.status != http.StatusForbidden {
			t.Errorf("POST /message from %s: %d %q, want 403", evilOrigin, resp.status, resp.body)
		}
		if n := ns.upstreamRequests(); n != 0 {
			t.Fatalf("%d upstream requests from a foreign origin, want 0", n)
		}
		if resp := s.post(t, listCall(4), http.Header{"Origin": {localOrigin}}); resp.status/100 != 2 {
			t.Errorf("POST /message from %s: %d %q, want 2xx", localOrigin, resp.status, resp.body)
		}
		if reply := s.awaitReply(t, 4); reply["result"] == nil {
			t.Errorf("tools/call from %s answered %v", localOrigin, reply)
		}
		if n := ns.sb.CountRequests("GET", atomicapi.PathListCustomers); n != 1 {
			t.Errorf("%d upstream list requests after the local call, want 1", n)
		}
		if _, ok := s.replyIfAny(3); ok {
			t.Error("the refused call was answered on the stream")
		}
	})

	t.Run("allowed-origins", func(t *testing.T) {
		t.Parallel()
		for _, transport := range []string{"http", "sse"} {
			t.Run(transport, func(t *testing.T) {
				t.Parallel()
				ns := startNet(t, netOpts{transport: transport, args: []string{"--allowed-origins", "https://chat.example.com"}})
				try := func(origin string) int {
					if transport == "sse" {
						return rawDo(t, http.MethodGet, ns.base+"/sse", nil, http.Header{"Origin": {origin}}).status
					}
					return rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(jsonRPC(1, "initialize", initializeParams())), mcpHeaders("Origin", origin)).status
				}
				for origin, want := range map[string]int{
					"https://chat.example.com":     http.StatusOK,
					localOrigin:                    http.StatusForbidden, // the list replaces the default
					"http://chat.example.com":      http.StatusForbidden,
					"https://chat.example.com:444": http.StatusForbidden,
					evilOrigin:                     http.StatusForbidden,
				} {
					if got := try(origin); got != want {
						t.Errorf("Origin %s: %d, want %d", origin, got, want)
					}
				}
				ts := ns.connect(t, netClient{combo: combos[0], header: http.Header{"Origin": {"https://chat.example.com"}}})
				ts.callOK(t, "list_service_plans", nil)
			})
		}
	})

	t.Run("origin before auth", func(t *testing.T) {
		t.Parallel()
		ns := startNet(t, netOpts{transport: "http", env: []string{"ATOMIC_MCP_AUTH_TOKEN=" + authToken}})
		resp := rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(jsonRPC(1, "initialize", initializeParams())),
			mcpHeaders("Origin", evilOrigin, "Authorization", "Bearer "+authToken))
		if resp.status != http.StatusForbidden {
			t.Errorf("authenticated request from %s: %d, want 403", evilOrigin, resp.status)
		}
	})
}

// replyIfAny returns the reply with this id if one has arrived.
func (s *sseStream) replyIfAny(id int) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.events {
		if strings.Contains(e, `"id":`+strconv.Itoa(id)+`,`) || strings.Contains(e, `"id":`+strconv.Itoa(id)+`}`) {
			return e, true
		}
	}
	return "", false
}

// TestNonLoopbackNeedsAuth: listening beyond loopback without an auth token
// refuses to start, with one line saying what to set; with a token it starts.
func TestNonLoopbackNeedsAuth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ transport, host string }{
		{"http", "0.0.0.0"},
		{"sse", "0.0.0.0"},
		{"http", "::"},
		{"http", ""}, // every interface
	} {
		t.Run(tc.transport+"/"+tc.host, func(t *testing.T) {
			t.Parallel()
			addr := net.JoinHostPort(tc.host, strconv.Itoa(freePort(t)))
			stdout, stderr, code := runOnce(t, upstreamEnv("http://127.0.0.1:1"), "--transport", tc.transport, "--addr", addr)
			if code != 2 {
				t.Errorf("exit code %d, want 2 (stderr %q)", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], "ATOMIC_MCP_AUTH_TOKEN") || !strings.Contains(lines[0], addr) {
				t.Errorf("stderr = %q, want one line naming %s and ATOMIC_MCP_AUTH_TOKEN", stderr, addr)
			}
		})
	}
	t.Run("with token", func(t *testing.T) {
		t.Parallel()
		ns := startNet(t, netOpts{transport: "http", bindHost: "0.0.0.0", env: []string{"ATOMIC_MCP_AUTH_TOKEN=" + authToken}})
		ts := ns.connect(t, netClient{combo: combos[0], bearer: authToken})
		ts.callOK(t, "list_customers", nil)
		if resp := rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(jsonRPC(1, "initialize", initializeParams())), mcpHeaders()); resp.status != http.StatusUnauthorized {
			t.Errorf("unauthenticated initialize on 0.0.0.0: %d, want 401", resp.status)
		}
	})
}

// maxBody is the documented cap on request bodies.
const maxBody = 1 << 20

// padded is a valid JSON-RPC message of exactly size bytes: msg with
// whitespace before its closing brace. Let through, it would run the tool.
func padded(msg string, size int) string {
	return msg[:len(msg)-1] + strings.Repeat(" ", size-len(msg)) + "}"
}

// streamingBody hides the length, so the request goes out chunked.
type streamingBody struct{ r io.Reader }

func (b streamingBody) Read(p []byte) (int, error) { return b.r.Read(p) }

// TestBodyCap: a request body over 1 MiB is refused whether or not it
// declares its length, and the tool call inside never runs; a body just
// under the cap works.
func TestBodyCap(t *testing.T) {
	t.Parallel()
	t.Run("http", func(t *testing.T) {
		t.Parallel()
		ns := startNet(t, netOpts{transport: "http"})
		sid := rawSession(t, ns)
		h := mcpHeaders("Mcp-Session-Id", sid, "Mcp-Protocol-Version", v20251125)

		big := padded(listCall(2), maxBody+64<<10)
		resp := rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(big), h)
		if resp.status != http.StatusRequestEntityTooLarge {
			t.Errorf("POST of %d bytes: %d %q, want 413", len(big), resp.status, resp.body)
		}
		resp = rawDo(t, http.MethodPost, ns.endpoint(), streamingBody{strings.NewReader(padded(listCall(3), maxBody+64<<10))}, h)
		if resp.status/100 != 4 {
			t.Errorf("chunked POST over 1 MiB: %d %q, want refused (4xx)", resp.status, resp.body)
		}
		if n := ns.upstreamRequests(); n != 0 {
			t.Fatalf("%d upstream requests from oversized bodies, want 0", n)
		}

		resp = rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(padded(listCall(4), maxBody-1024)), h)
		if resp.status != http.StatusOK || !strings.Contains(resp.body, "Redfern Print") {
			t.Errorf("POST just under 1 MiB: %d %.200q, want 200 with the customers", resp.status, resp.body)
		}
		if n := ns.sb.CountRequests("GET", atomicapi.PathListCustomers); n != 1 {
			t.Errorf("%d upstream list requests after the call under the cap, want 1", n)
		}
	})

	t.Run("sse", func(t *testing.T) {
		t.Parallel()
		ns := startNet(t, netOpts{transport: "sse"})
		s := openSSE(t, ns, nil)
		s.initialize(t)
		big := padded(listCall(2), maxBody+64<<10)
		if resp := s.post(t, big, nil); resp.status != http.StatusRequestEntityTooLarge {
			t.Errorf("POST /message of %d bytes: %d %q, want 413", len(big), resp.status, resp.body)
		}
		resp := rawDo(t, http.MethodPost, s.messageURL, streamingBody{strings.NewReader(padded(listCall(3), maxBody+64<<10))},
			http.Header{"Content-Type": {"application/json"}})
		if resp.status/100 != 4 {
			t.Errorf("chunked POST /message over 1 MiB: %d %q, want refused (4xx)", resp.status, resp.body)
		}
		if n := ns.upstreamRequests(); n != 0 {
			t.Fatalf("%d upstream requests from oversized bodies, want 0", n)
		}
		if resp := s.post(t, padded(listCall(4), maxBody-1024), nil); resp.status/100 != 2 {
			t.Errorf("POST /message just under 1 MiB: %d %q, want 2xx", resp.status, resp.body)
		}
		if reply := s.awaitReply(t, 4); reply["result"] == nil {
			t.Errorf("call under the cap answered %v", reply)
		}
		if n := ns.sb.CountRequests("GET", atomicapi.PathListCustomers); n != 1 {
			t.Errorf("%d upstream list requests after the call under the cap, want 1", n)
		}
	})
}
