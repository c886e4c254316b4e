package e2e

// Helpers for the network transports: the binary serving --transport sse or
// http on a loopback port, MCP clients over HTTP, and raw HTTP requests.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

// Secrets for the network tests. authToken is what MCP clients send;
// testToken (main_test.go) is the server's own upstream token, which no
// client may use.
const (
	authToken     = "e2e-bearer-0123456789abcdef"
	confirmSecret = "e2e-confirm-secret-0123456789abcdef-0123"
)

// startupTimeout bounds how long a network server may take to answer
// /healthz (a race-enabled binary on a busy machine is slow to start).
const startupTimeout = 20 * time.Second

// upstream is a fake Atomic API that several servers can share.
type upstream struct {
	sb  *sandbox.Server
	url string
}

// newSharedUpstream starts a sandbox, optionally behind wrap.
func newSharedUpstream(t testing.TB, wrap func(*sandbox.Server) http.Handler) upstream {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Token: testToken})
	var h http.Handler = sb
	if wrap != nil {
		h = wrap(sb)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { _ = srv.Close() })
	return upstream{sb: sb, url: "http://" + lis.Addr().String()}
}

// netOpts configures startNet.
type netOpts struct {
	transport string   // "http" or "sse"
	args      []string // more flags
	env       []string // more environment, e.g. ATOMIC_MCP_AUTH_TOKEN=...
	// up is the fake upstream; zero: a fresh sandbox (behind wrap, if set).
	up   upstream
	wrap func(*sandbox.Server) http.Handler
	// builtinSandbox runs the binary with --sandbox and no upstream at all.
	builtinSandbox bool
	// bindHost is the host of --addr (default 127.0.0.1); tests always
	// connect through 127.0.0.1.
	bindHost string
}

// netServer is the binary serving MCP over HTTP.
type netServer struct {
	t         testing.TB
	transport string
	sb        *sandbox.Server // nil with builtinSandbox
	cmd       *exec.Cmd
	stderr    *syncBuffer
	base      string // http://127.0.0.1:PORT
	done      chan struct{}
	waitErr   error // set before done is closed
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	return lis.Addr().(*net.TCPAddr).Port
}

// startNet runs the binary on a free port and waits until GET /healthz
// answers 200. The process is stopped with SIGTERM when the test ends, and
// must then exit 0.
func startNet(t testing.TB, o netOpts) *netServer {
	t.Helper()
	var env []string
	var sb *sandbox.Server
	switch {
	case o.builtinSandbox:
		env = []string{}
	case o.up.url != "":
		sb, env = o.up.sb, upstreamEnv(o.up.url)
	default:
		up := newSharedUpstream(t, o.wrap)
		sb, env = up.sb, upstreamEnv(up.url)
	}
	env = append(env, o.env...)
	host := o.bindHost
	if host == "" {
		host = "127.0.0.1"
	}
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		args := append([]string{"--transport", o.transport, "--addr", net.JoinHostPort(host, strconv.Itoa(port))}, o.args...)
		if o.builtinSandbox {
			args = append(args, "--sandbox")
		}
		ns := &netServer{t: t, transport: o.transport, sb: sb, stderr: &syncBuffer{},
			base: "http://127.0.0.1:" + strconv.Itoa(port), done: make(chan struct{})}
		ns.cmd = exec.Command(binPath, args...)
		ns.cmd.Env = procEnv(env)
		ns.cmd.Stderr = ns.stderr
		if err := ns.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			ns.waitErr = ns.cmd.Wait()
			close(ns.done)
		}()
		err := ns.waitHealthy(port)
		if err == nil {
			t.Cleanup(ns.cleanup)
			return ns
		}
		ns.kill()
		// Someone took the port between freePort and the bind: try another.
		if strings.Contains(ns.stderr.String(), "address already in use") && attempt < 5 {
			continue
		}
		t.Fatalf("atomic-mcp %v: %v\nstderr:\n%s", args, err, ns.stderr)
	}
}

// waitHealthy polls GET /healthz until it answers 200 and the process has
// logged that it listens on port: a 200 alone could come from another test's
// server that won the race for the port.
func (ns *netServer) waitHealthy(port int) error {
	deadline := time.Now().Add(startupTimeout)
	client := &http.Client{Timeout: time.Second}
	listening := ":" + strconv.Itoa(port) + "/"
	for {
		resp, err := client.Get(ns.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			logged := ns.stderr.String()
			if resp.StatusCode == http.StatusOK && strings.Contains(logged, "ready") && strings.Contains(logged, listening) {
				return nil
			}
		}
		select {
		case <-ns.done:
			return fmt.Errorf("exited before it was healthy: %v", ns.waitErr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("/healthz not 200 within %s (last error %v)", startupTimeout, err)
		}
	}
}

func (ns *netServer) kill() {
	_ = ns.cmd.Process.Kill()
	<-ns.done
}

// terminate sends SIGTERM and waits up to limit for the exit; it returns the
// exit code and how long the exit took.
func (ns *netServer) terminate(limit time.Duration) (code int, took time.Duration, err error) {
	start := time.Now()
	select {
	case <-ns.done:
	default:
		if err := ns.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return -1, 0, err
		}
	}
	select {
	case <-ns.done:
	case <-time.After(limit):
		ns.kill()
		return -1, time.Since(start), fmt.Errorf("still running %s after SIGTERM", limit)
	}
	return exitStatus(ns.waitErr), time.Since(start), nil
}

func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	}
	return -1
}

// cleanup stops the server: every shutdown must be clean.
func (ns *netServer) cleanup() {
	code, _, err := ns.terminate(15 * time.Second)
	switch {
	case err != nil:
		ns.t.Errorf("stopping atomic-mcp: %v\nstderr:\n%s", err, ns.stderr)
	case code != 0:
		ns.t.Errorf("atomic-mcp exited %d after SIGTERM, want 0\nstderr:\n%s", code, ns.stderr)
	}
	if s := ns.stderr.String(); strings.Contains(s, "WARNING: DATA RACE") {
		ns.t.Errorf("data race in atomic-mcp:\n%s", s)
	}
}

// endpoint is where MCP clients connect.
func (ns *netServer) endpoint() string {
	if ns.transport == "sse" {
		return ns.base + "/sse"
	}
	return ns.base + "/mcp"
}

// requests is every request the fake upstream received.
func (ns *netServer) upstreamRequests() int { return len(ns.sb.Requests()) }

// ---------------------------------------------------------------------------
// MCP clients over HTTP

// netClient is one client on one protocol version, with what it sends.
type netClient struct {
	combo
	// bearer, if set, is sent as "Authorization: Bearer <bearer>".
	bearer string
	// header is sent on every request (e.g. Origin).
	header http.Header
	// elicit, if set, makes the client declare elicitation and answer with it.
	elicit func(elicitation) answer
	// httpClient replaces the default (for the load test's connection pool).
	httpClient *http.Client
	// log, if set, records the JSON-RPC messages the client POSTs.
	log *rpcLog
}

// rpcLog records what a client sent: the method of each request or
// notification, "response" for its answers to server requests.
type rpcLog struct {
	mu   sync.Mutex
	sent []string
}

func (l *rpcLog) add(body []byte) {
	var msg struct {
		Method string          `json:"method"`
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &msg) != nil {
		return
	}
	name := msg.Method
	if name == "" && (msg.Result != nil || msg.Error != nil) {
		name = "response"
	}
	l.mu.Lock()
	l.sent = append(l.sent, name)
	l.mu.Unlock()
}

// reset forgets everything recorded so far.
func (l *rpcLog) reset() {
	l.mu.Lock()
	l.sent = nil
	l.mu.Unlock()
}

// count is how many messages named name were sent since the last reset.
func (l *rpcLog) count(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.sent {
		if s == name {
			n++
		}
	}
	return n
}

func (l *rpcLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.sent, ", ")
}

// headerTransport adds headers to every request and logs what is POSTed.
type headerTransport struct {
	base   http.RoundTripper
	header http.Header
	log    *rpcLog
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, vs := range h.header {
		r.Header[k] = vs
	}
	if h.log != nil && r.Method == http.MethodPost && r.Body != nil {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		h.log.add(body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	resp, err := h.base.RoundTrip(r)
	if h.log != nil && err == nil && r.Method == http.MethodGet && resp.StatusCode == http.StatusOK &&
		strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		h.log.mu.Lock()
		h.log.sent = append(h.log.sent, streamOpened)
		h.log.mu.Unlock()
	}
	return resp, err
}

// streamOpened is logged when a GET event stream has been answered 200.
const streamOpened = "GET stream opened"

// roundTripper is base with c's headers and log.
func (c netClient) roundTripper(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return headerTransport{base: base, header: c.headers(), log: c.log}
}

func (c netClient) headers() http.Header {
	h := http.Header{}
	for k, vs := range c.header {
		h[k] = vs
	}
	if c.bearer != "" {
		h.Set("Authorization", "Bearer "+c.bearer)
	}
	return h
}

// connect opens an MCP session to ns, checks the negotiated protocol
// version, and closes it when the test ends. The result shares ns's
// upstream and stderr, so testServer's helpers (callOK, wantDeletes, ...)
// apply.
func (ns *netServer) connect(t testing.TB, c netClient) *testServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	ts, err := ns.dial(ctx, c)
	if err != nil {
		t.Fatalf("%s over %s: connect: %v\nstderr:\n%s", c.combo, ns.transport, err, ns.stderr)
	}
	t.Cleanup(func() {
		if err := ts.sess.close(); err != nil {
			t.Logf("closing %s session: %v", c.combo, err)
		}
	})
	if got := ts.sess.protocolVersion(); got != c.version {
		t.Fatalf("%s over %s: negotiated protocol version %q, want %q", c.combo, ns.transport, got, c.version)
	}
	return ts
}

// dial is connect without the checks, for clients that must be refused.
func (ns *netServer) dial(ctx context.Context, c netClient) (*testServer, error) {
	ts := &testServer{sb: ns.sb, stderr: ns.stderr, answer: c.elicit}
	var err error
	switch c.client {
	case goSDK:
		ts.sess, err = dialGoSDK(ctx, ts, ns, c)
	case mcpGo:
		ts.sess, err = dialMCPGo(ctx, ts, ns, c)
	default:
		err = fmt.Errorf("unknown client %q", c.client)
	}
	if err != nil {
		return nil, err
	}
	return ts, nil
}

func dialGoSDK(ctx context.Context, ts *testServer, ns *netServer, c netClient) (session, error) {
	var base http.RoundTripper
	if c.httpClient != nil {
		base = c.httpClient.Transport
	}
	hc := &http.Client{Transport: c.roundTripper(base)}
	var tr sdk.Transport
	if ns.transport == "sse" {
		tr = &sdk.SSEClientTransport{Endpoint: ns.endpoint(), HTTPClient: hc}
	} else {
		tr = &sdk.StreamableClientTransport{Endpoint: ns.endpoint(), HTTPClient: hc, MaxRetries: -1}
	}
	copts := &sdk.ClientOptions{Capabilities: &sdk.ClientCapabilities{}}
	if c.elicit != nil {
		copts.ElicitationHandler = ts.sdkElicitor
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "e2e-go-sdk", Version: "1.0.0"}, copts)
	// The SSE transport ties its event stream to Connect's context: give it
	// one that lives as long as the session, ended early only if ctx ends
	// while connecting.
	sessCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, cancel)
	cs, err := client.Connect(sessCtx, tr, &sdk.ClientSessionOptions{ProtocolVersion: c.version})
	stop()
	if err != nil {
		cancel()
		return nil, err
	}
	return &netGoSDKSession{goSDKSession{cs: cs}, cancel}, nil
}

// netGoSDKSession ends the session's context on close.
type netGoSDKSession struct {
	goSDKSession
	cancel context.CancelFunc
}

func (s *netGoSDKSession) close() error {
	defer s.cancel()
	return s.cs.Close()
}

func dialMCPGo(ctx context.Context, ts *testServer, ns *netServer, c netClient) (session, error) {
	// Headers go through mcp-go's own options, as a host would set them;
	// the round tripper only logs.
	headers := map[string]string{}
	for k := range c.headers() {
		headers[k] = c.headers().Get(k)
	}
	var base http.RoundTripper
	if c.httpClient != nil {
		base = c.httpClient.Transport
	}
	if base == nil {
		base = http.DefaultTransport
	}
	hc := &http.Client{Transport: headerTransport{base: base, log: c.log}}
	var tr transport.Interface
	var err error
	if ns.transport == "sse" {
		tr, err = transport.NewSSE(ns.endpoint(), transport.WithHeaders(headers), transport.WithHTTPClient(hc))
	} else {
		tr, err = transport.NewStreamableHTTP(ns.endpoint(), transport.WithHTTPHeaders(headers), transport.WithHTTPBasicClient(hc))
	}
	if err != nil {
		return nil, err
	}
	return startMCPGo(ctx, ts, tr, c.version, c.elicit != nil)
}

// ---------------------------------------------------------------------------
// Raw HTTP

// rawResponse is an HTTP response read in full.
type rawResponse struct {
	status int
	header http.Header
	body   string
}

// rawDo sends one request and reads the whole answer (for an event stream,
// only what arrives within a moment).
func rawDo(t testing.TB, method, url string, body io.Reader, header http.Header) rawResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var data []byte
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") && method == http.MethodGet {
		// A stream that was let through never ends: take its first event.
		data, _ = bufio.NewReader(resp.Body).Peek(1)
	} else {
		data, err = io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s %s: reading the body: %v", method, url, err)
		}
	}
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: string(data)}
}

// jsonRPC renders one JSON-RPC request.
func jsonRPC(id int, method string, params any) string {
	msg := map[string]any{"jsonrpc": "2.0", "id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		panic(err)
	}
	return string(raw)
}

// mcpHeaders are what a streamable HTTP client sends on a POST.
func mcpHeaders(extra ...string) http.Header {
	h := http.Header{
		"Content-Type": {"application/json"},
		"Accept":       {"application/json, text/event-stream"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	return h
}

// rawSession opens a 2025-11-25 streamable HTTP session by hand and returns
// its Mcp-Session-Id.
func rawSession(t testing.TB, ns *netServer, extra ...string) string {
	t.Helper()
	resp := rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(jsonRPC(1, "initialize", initializeParams())), mcpHeaders(extra...))
	if resp.status != http.StatusOK {
		t.Fatalf("initialize: %d %s", resp.status, resp.body)
	}
	id := resp.header.Get("Mcp-Session-Id")
	if id == "" {
		t.Fatalf("initialize answered no Mcp-Session-Id: %v", resp.header)
	}
	h := append([]string{"Mcp-Session-Id", id, "Mcp-Protocol-Version", v20251125}, extra...)
	resp = rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(`{"jsonrpc":"2.0","method":"notifications/initialized"}`), mcpHeaders(h...))
	if resp.status != http.StatusAccepted && resp.status != http.StatusOK {
		t.Fatalf("notifications/initialized: %d %s", resp.status, resp.body)
	}
	return id
}

// sseStream is a legacy SSE session opened by hand: the GET /sse stream and
// the URL its endpoint event named for POSTs.
type sseStream struct {
	messageURL string
	cancel     context.CancelFunc

	mu     sync.Mutex
	events []string // data of every message event
	got    chan struct{}
}

// openSSE opens GET /sse with header and reads the endpoint event.
func openSSE(t testing.TB, ns *netServer, header http.Header) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ns.base+"/sse", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /sse: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("GET /sse: %d %s", resp.StatusCode, body)
	}
	s := &sseStream{cancel: cancel, got: make(chan struct{}, 1)}
	endpoint := make(chan string, 1)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event:"):
				event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data := strings.TrimSpace(strings.TrimPrefix(line, "data:"))
				if event == "endpoint" {
					endpoint <- data
				} else {
					s.mu.Lock()
					s.events = append(s.events, data)
					s.mu.Unlock()
					select {
					case s.got <- struct{}{}:
					default:
					}
				}
			case line == "":
				event = ""
			}
		}
	}()
	select {
	case e := <-endpoint:
		if strings.HasPrefix(e, "/") {
			e = ns.base + e
		}
		s.messageURL = e
	case <-time.After(callTimeout):
		t.Fatal("no endpoint event on /sse")
	}
	return s
}

// post sends a JSON-RPC message to the session.
func (s *sseStream) post(t testing.TB, msg string, header http.Header) rawResponse {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	for k, vs := range header {
		h[k] = vs
	}
	return rawDo(t, http.MethodPost, s.messageURL, strings.NewReader(msg), h)
}

// awaitReply waits for a response with this id on the stream.
func (s *sseStream) awaitReply(t testing.TB, id int) map[string]any {
	t.Helper()
	deadline := time.After(callTimeout)
	for {
		s.mu.Lock()
		for _, e := range s.events {
			var m map[string]any
			if json.Unmarshal([]byte(e), &m) == nil && fmt.Sprint(m["id"]) == fmt.Sprint(id) {
				s.mu.Unlock()
				return m
			}
		}
		s.mu.Unlock()
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("no reply with id %d on the SSE stream", id)
		}
	}
}

// initialize runs the 2025-11-25 handshake on the session.
func (s *sseStream) initialize(t testing.TB) {
	t.Helper()
	if r := s.post(t, jsonRPC(1, "initialize", initializeParams()), nil); r.status/100 != 2 {
		t.Fatalf("initialize over SSE: %d %s", r.status, r.body)
	}
	s.awaitReply(t, 1)
	if r := s.post(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`, nil); r.status/100 != 2 {
		t.Fatalf("notifications/initialized over SSE: %d %s", r.status, r.body)
	}
}
