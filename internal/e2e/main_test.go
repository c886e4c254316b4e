// Package e2e drives the real atomic-mcp binary over stdio, as an MCP host
// would, with two independent MCP clients (the official Go SDK and mcp-go's
// own client) on both protocol eras, against a fake Atomic API. The tests
// assert on what the user and the upstream API see, never on internals.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mcpgoclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

// testToken is the upstream token handed to the binary. It must never show
// up on the binary's stdout or stderr.
const testToken = "test-token-XYZ"

// Protocol versions under test: the last initialize-era revision, which
// desktop hosts speak today, and the stateless revision.
const (
	v20251125 = "2025-11-25"
	v20260728 = "2026-07-28"
)

// callTimeout bounds every single MCP call; the upstream client's own call
// deadline is 24 s, so anything slower is a hang.
const callTimeout = 20 * time.Second

// binPath is the binary built once by TestMain.
var binPath string

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "atomic-mcp-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: module root:", err)
		return 1
	}
	binPath = filepath.Join(dir, "atomic-mcp")
	args := []string{"build", "-o", binPath}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Dir = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: go build:", err)
		return 1
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "e2e: built %s in %s\n", binPath, time.Since(start).Round(time.Millisecond))
	}
	return m.Run()
}

// moduleRoot finds the directory holding go.mod, falling back to ../.. (this
// package lives in internal/e2e).
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
		return filepath.Dir(gomod), nil
	}
	return filepath.Abs(filepath.Join("..", ".."))
}

// ---------------------------------------------------------------------------
// Environment and upstreams

// upstreamEnv is the binary's whole environment when it talks to url: the
// process inherits nothing, so ATOMIC_* settings of whoever runs the tests
// cannot leak in.
func upstreamEnv(url string) []string {
	return []string{"ATOMIC_API_URL=" + url, "ATOMIC_API_TOKEN=" + testToken}
}

// procEnv is env plus, for a race-enabled binary, no race-detector pause at
// exit (the default second per process would dominate the run time).
func procEnv(env []string) []string {
	if raceEnabled {
		return append(append([]string(nil), env...), "GORACE=atexit_sleep_ms=0")
	}
	return env
}

// newSandbox starts a fresh simulated Atomic API that accepts only testToken.
func newSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Token: testToken})
	return sb, newUpstream(t, sb)
}

// newUpstream serves h on a loopback port until the test ends.
func newUpstream(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// syncBuffer collects a subprocess's stderr while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ---------------------------------------------------------------------------
// Clients

type clientKind string

const (
	goSDK clientKind = "go-sdk"
	mcpGo clientKind = "mcp-go"
)

// combo is one client on one protocol version.
type combo struct {
	client  clientKind
	version string
}

func (c combo) String() string { return string(c.client) + "/" + c.version }

// combos is every client × protocol version.
var combos = []combo{
	{goSDK, v20251125},
	{goSDK, v20260728},
	{mcpGo, v20251125},
	{mcpGo, v20260728},
}

// forEachCombo runs f as a parallel subtest per client × version.
func forEachCombo(t *testing.T, f func(t *testing.T, c combo)) {
	t.Helper()
	for _, c := range combos {
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			f(t, c)
		})
	}
}

// elicitation is a question the server put to the user.
type elicitation struct {
	Message string
	Schema  map[string]any
}

// answer is the user's reply: Action accept, decline or cancel. A non-nil
// Err makes the client fail the elicitation request instead.
type answer struct {
	Action  string
	Content map[string]any
	Err     error
}

// serverOpts configures startServer.
type serverOpts struct {
	combo
	// command is the program to start (go-sdk client only); empty: the
	// binary TestMain built.
	command string
	// args are the binary's flags.
	args []string
	// env replaces the default environment (a fresh sandbox as upstream).
	env []string
	// elicit, if set, makes the client declare elicitation and answer with it.
	elicit func(elicitation) answer
	// sdkCaps, for the go-sdk client only, replaces its declared capabilities.
	sdkCaps *sdk.ClientCapabilities
	// wrap, if set, puts a handler between the binary and the sandbox, to
	// slow or fail some requests.
	wrap func(sb *sandbox.Server) http.Handler
}

// testServer is a running binary with a connected, initialized client.
type testServer struct {
	// sb is the fake upstream, nil when opts.env was given.
	sb     *sandbox.Server
	stderr *syncBuffer
	sess   session

	mu     sync.Mutex
	asked  []elicitation
	answer func(elicitation) answer
}

// session is what the tests need of either client.
type session interface {
	listTools(ctx context.Context) ([]map[string]any, error)
	// callTool returns the result as it went over the wire.
	callTool(ctx context.Context, name string, args map[string]any) (json.RawMessage, error)
	protocolVersion() string
	close() error
}

// startServer runs the binary, connects the chosen client and checks that
// the chosen protocol version was negotiated. Everything is torn down when
// the test ends.
func startServer(t *testing.T, opts serverOpts) *testServer {
	t.Helper()
	ts := &testServer{stderr: &syncBuffer{}, answer: opts.elicit}
	env := opts.env
	if env == nil {
		ts.sb = sandbox.New(sandbox.Options{Token: testToken})
		var h http.Handler = ts.sb
		if opts.wrap != nil {
			h = opts.wrap(ts.sb)
		}
		env = upstreamEnv(newUpstream(t, h))
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var err error
	switch opts.client {
	case goSDK:
		ts.sess, err = connectGoSDK(ctx, ts, opts, env)
	case mcpGo:
		ts.sess, err = connectMCPGo(ctx, ts, opts, env)
	default:
		t.Fatalf("unknown client %q", opts.client)
	}
	if err != nil {
		t.Fatalf("%s: connect: %v\nstderr:\n%s", opts.combo, err, ts.stderr)
	}
	t.Cleanup(func() {
		if err := ts.sess.close(); err != nil {
			t.Logf("closing %s session: %v", opts.combo, err)
		}
		checkRaces(t, ts.stderr)
	})
	if got := ts.sess.protocolVersion(); got != opts.version {
		t.Fatalf("%s: negotiated protocol version %q, want %q", opts.combo, got, opts.version)
	}
	return ts
}

// elicited records a question and answers it as the test said to.
func (ts *testServer) elicited(e elicitation) answer {
	ts.mu.Lock()
	ts.asked = append(ts.asked, e)
	ts.mu.Unlock()
	return ts.answer(e)
}

// elicitations returns every question asked so far.
func (ts *testServer) elicitations() []elicitation {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]elicitation(nil), ts.asked...)
}

// toolResult is a tools/call result as the client received it.
type toolResult struct {
	IsError bool
	// Text is all text content, joined by newlines.
	Text string
	// Structured is structuredContent when it was a JSON object.
	Structured map[string]any
	// RawStructured is structuredContent as sent, whatever its type.
	RawStructured json.RawMessage
}

// call invokes a tool and fails the test on a protocol-level error: every
// failure the tools know about must come back as a result.
func (ts *testServer) call(t *testing.T, name string, args map[string]any) toolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	raw, err := ts.sess.callTool(ctx, name, args)
	if err != nil {
		t.Fatalf("tools/call %s %v: protocol error (want a tool result): %v\nstderr:\n%s", name, args, err, ts.stderr)
	}
	res := decodeResult(t, raw)
	checkStructured(t, ts, name, res.RawStructured)
	return res
}

// callOK is call for a result that must not be an error and must carry
// structured content.
func (ts *testServer) callOK(t *testing.T, name string, args map[string]any) toolResult {
	t.Helper()
	res := ts.call(t, name, args)
	if res.IsError {
		t.Fatalf("tools/call %s %v: isError: %s", name, args, res.Text)
	}
	if res.Structured == nil {
		t.Fatalf("tools/call %s %v: no structuredContent object (got %s)", name, args, res.RawStructured)
	}
	return res
}

// callErr is call for a result that must be an error.
func (ts *testServer) callErr(t *testing.T, name string, args map[string]any) toolResult {
	t.Helper()
	res := ts.call(t, name, args)
	if !res.IsError {
		t.Fatalf("tools/call %s %v: want isError, got success: %s", name, args, res.Text)
	}
	if res.Text == "" {
		t.Fatalf("tools/call %s %v: error result without text", name, args)
	}
	return res
}

func decodeResult(t *testing.T, raw json.RawMessage) toolResult {
	t.Helper()
	var wire struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
		StructuredContent json.RawMessage `json:"structuredContent"`
		IsError           bool            `json:"isError"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil {
		t.Fatalf("decode tool result %s: %v", raw, err)
	}
	res := toolResult{IsError: wire.IsError, RawStructured: wire.StructuredContent}
	var texts []string
	for _, c := range wire.Content {
		if c.Type == "text" {
			texts = append(texts, c.Text)
		}
	}
	res.Text = strings.Join(texts, "\n")
	if s := bytes.TrimSpace(wire.StructuredContent); len(s) > 0 && s[0] == '{' {
		if err := json.Unmarshal(s, &res.Structured); err != nil {
			t.Fatalf("decode structuredContent %s: %v", s, err)
		}
	}
	return res
}

// ---- official Go SDK ------------------------------------------------------

type goSDKSession struct{ cs *sdk.ClientSession }

func connectGoSDK(ctx context.Context, ts *testServer, opts serverOpts, env []string) (session, error) {
	command := binPath
	if opts.command != "" {
		command = opts.command
	}
	cmd := exec.Command(command, opts.args...)
	cmd.Env = procEnv(env)
	cmd.Stderr = ts.stderr
	copts := &sdk.ClientOptions{
		// No roots, no sampling: a client that declares only what it does.
		Capabilities: &sdk.ClientCapabilities{},
	}
	if opts.sdkCaps != nil {
		copts.Capabilities = opts.sdkCaps
	}
	if opts.elicit != nil {
		copts.ElicitationHandler = ts.sdkElicitor
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "e2e-go-sdk", Version: "1.0.0"}, copts)
	cs, err := client.Connect(ctx, &sdk.CommandTransport{Command: cmd, TerminateDuration: 3 * time.Second},
		&sdk.ClientSessionOptions{ProtocolVersion: opts.version})
	if err != nil {
		return nil, err
	}
	return &goSDKSession{cs: cs}, nil
}

func (s *goSDKSession) listTools(ctx context.Context) ([]map[string]any, error) {
	res, err := s.cs.ListTools(ctx, nil)
	if err != nil {
		return nil, err
	}
	return toolMaps(res)
}

func (s *goSDKSession) callTool(ctx context.Context, name string, args map[string]any) (json.RawMessage, error) {
	params := &sdk.CallToolParams{Name: name}
	if args != nil { // nil: no arguments at all, as a host sends them
		params.Arguments = args
	}
	res, err := s.cs.CallTool(ctx, params)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

func (s *goSDKSession) protocolVersion() string { return s.cs.InitializeResult().ProtocolVersion }

func (s *goSDKSession) close() error { return s.cs.Close() }

// ---- mcp-go client --------------------------------------------------------

type mcpGoSession struct {
	c       *mcpgoclient.Client
	version string
}

type mcpGoElicitor func(context.Context, mcpgo.ElicitationRequest) (*mcpgo.ElicitationResult, error)

func (f mcpGoElicitor) Elicit(ctx context.Context, req mcpgo.ElicitationRequest) (*mcpgo.ElicitationResult, error) {
	return f(ctx, req)
}

// sdkElicitor answers the Go SDK's elicitation requests from the test's script.
func (ts *testServer) sdkElicitor(_ context.Context, req *sdk.ElicitRequest) (*sdk.ElicitResult, error) {
	a := ts.elicited(elicitation{Message: req.Params.Message, Schema: asMap(req.Params.RequestedSchema)})
	if a.Err != nil {
		return nil, a.Err
	}
	return &sdk.ElicitResult{Action: a.Action, Content: a.Content}, nil
}

// mcpGoElicitor answers mcp-go's elicitation requests from the test's script.
func (ts *testServer) mcpGoElicitor() mcpGoElicitor {
	return func(_ context.Context, req mcpgo.ElicitationRequest) (*mcpgo.ElicitationResult, error) {
		a := ts.elicited(elicitation{Message: req.Params.Message, Schema: asMap(req.Params.RequestedSchema)})
		if a.Err != nil {
			return nil, a.Err
		}
		res := &mcpgo.ElicitationResult{}
		res.Action = mcpgo.ElicitationResponseAction(a.Action)
		if a.Content != nil {
			res.Content = a.Content
		}
		return res, nil
	}
}

func connectMCPGo(ctx context.Context, ts *testServer, opts serverOpts, env []string) (session, error) {
	tr := transport.NewStdioWithOptions(binPath, env, opts.args,
		// The default command inherits os.Environ(); give the binary only env.
		transport.WithCommandFunc(func(_ context.Context, command string, env, args []string) (*exec.Cmd, error) {
			cmd := exec.Command(command, args...)
			cmd.Env = procEnv(env)
			cmd.Stderr = ts.stderr
			return cmd, nil
		}))
	return startMCPGo(ctx, ts, tr, opts.version, opts.elicit != nil)
}

// startMCPGo starts an mcp-go client on tr and opens a session at version,
// answering elicitations from the test's script when elicit is set.
func startMCPGo(ctx context.Context, ts *testServer, tr transport.Interface, version string, elicit bool) (session, error) {
	copts := []mcpgoclient.ClientOption{mcpgoclient.WithProtocolVersion(version)}
	if elicit {
		copts = append(copts, mcpgoclient.WithElicitationHandler(ts.mcpGoElicitor()))
	}
	c := mcpgoclient.NewClient(tr, copts...)
	// The transport keeps this context for the whole session.
	if err := c.Start(context.Background()); err != nil {
		_ = c.Close()
		return nil, err
	}
	init, err := c.Initialize(ctx, mcpgo.InitializeRequest{Params: mcpgo.InitializeParams{
		ClientInfo: mcpgo.Implementation{Name: "e2e-mcp-go", Version: "1.0.0"},
	}})
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return &mcpGoSession{c: c, version: init.ProtocolVersion}, nil
}

func (s *mcpGoSession) listTools(ctx context.Context) ([]map[string]any, error) {
	res, err := s.c.ListTools(ctx, mcpgo.ListToolsRequest{})
	if err != nil {
		return nil, err
	}
	return toolMaps(res)
}

func (s *mcpGoSession) callTool(ctx context.Context, name string, args map[string]any) (json.RawMessage, error) {
	req := mcpgo.CallToolRequest{}
	req.Params.Name = name
	if args != nil {
		req.Params.Arguments = args
	}
	res, err := s.c.CallTool(ctx, req)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

func (s *mcpGoSession) protocolVersion() string { return s.version }

func (s *mcpGoSession) close() error { return s.c.Close() }

// ---- shared decoding ------------------------------------------------------

// toolMaps renders a tools/list result as the JSON the client received.
func toolMaps(res any) ([]map[string]any, error) {
	raw, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	var out struct {
		Tools []map[string]any `json:"tools"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return out.Tools, nil
}

// asMap renders any JSON-shaped value as a map (nil if it is not an object).
func asMap(v any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// ---------------------------------------------------------------------------
// Raw process: exact bytes on stdin, stdout and stderr, and the exit code.

// rawProcess is the binary on plain pipes, with no MCP client in between.
type rawProcess struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *syncBuffer

	mu      sync.Mutex
	lines   []string        // every stdout line, in order
	replies map[string]bool // ids of responses seen
	arrived chan struct{}   // pinged on every stdout line
	done    chan struct{}   // closed when stdout ends
}

// startRaw starts the binary with exactly env and args.
func startRaw(t *testing.T, env []string, args ...string) *rawProcess {
	t.Helper()
	p := &rawProcess{
		t:       t,
		cmd:     exec.Command(binPath, args...),
		stderr:  &syncBuffer{},
		replies: map[string]bool{},
		arrived: make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	p.cmd.Env = procEnv(env)
	p.cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.stdin.Close()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
		}
		_ = p.cmd.Wait() // reaps the process if the test did not
		checkRaces(t, p.stderr)
	})
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		for sc.Scan() {
			line := sc.Text()
			var msg struct {
				ID json.RawMessage `json:"id"`
			}
			_ = json.Unmarshal([]byte(line), &msg)
			p.mu.Lock()
			p.lines = append(p.lines, line)
			if len(msg.ID) > 0 {
				p.replies[string(msg.ID)] = true
			}
			p.mu.Unlock()
			select {
			case p.arrived <- struct{}{}:
			default:
			}
		}
	}()
	return p
}

// send writes one JSON-RPC message as a line.
func (p *rawProcess) send(msg string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, msg+"\n"); err != nil {
		p.t.Fatalf("write to stdin: %v", err)
	}
}

// request sends a request with a numeric id.
func (p *rawProcess) request(id int, method string, params any) {
	p.t.Helper()
	msg := map[string]any{"jsonrpc": "2.0", "id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		p.t.Fatal(err)
	}
	p.send(string(raw))
}

// awaitReplies waits until a response for every id has arrived on stdout.
func (p *rawProcess) awaitReplies(ids ...int) {
	p.t.Helper()
	deadline := time.After(callTimeout)
	for {
		p.mu.Lock()
		missing := []int{}
		for _, id := range ids {
			if !p.replies[fmt.Sprint(id)] {
				missing = append(missing, id)
			}
		}
		p.mu.Unlock()
		if len(missing) == 0 {
			return
		}
		select {
		case <-p.arrived:
		case <-p.done:
			p.t.Fatalf("stdout closed with no reply to ids %v\nstderr:\n%s", missing, p.stderr)
		case <-deadline:
			p.t.Fatalf("no reply to ids %v\nstderr:\n%s", missing, p.stderr)
		}
	}
}

// reply returns the response with this id, decoded.
func (p *rawProcess) reply(id int) map[string]any {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, line := range p.lines {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && fmt.Sprint(m["id"]) == fmt.Sprint(id) && (m["result"] != nil || m["error"] != nil) {
			return m
		}
	}
	p.t.Fatalf("no reply with id %d", id)
	return nil
}

// closeAndWait closes stdin, as a host does when it is done, and returns the
// exit code; the process must exit on its own within a few seconds.
func (p *rawProcess) closeAndWait() int {
	p.t.Helper()
	if err := p.stdin.Close(); err != nil {
		p.t.Fatalf("close stdin: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.t.Fatalf("stdout still open 5s after stdin EOF\nstderr:\n%s", p.stderr)
	}
	return exitCode(p.t, p.cmd.Wait())
}

// stdout returns every stdout line so far.
func (p *rawProcess) stdout() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	}
	t.Fatalf("wait: %v", err)
	return -1
}

// runOnce runs the binary to completion with empty stdin.
func runOnce(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = procEnv(env)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	code = exitCode(t, cmd.Run())
	if ctx.Err() != nil {
		t.Fatalf("atomic-mcp %v did not exit within 10s", args)
	}
	return out.String(), errOut.String(), code
}

// initializeParams is a minimal 2025-11-25 initialize request.
func initializeParams() map[string]any {
	return map[string]any{
		"protocolVersion": v20251125,
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "e2e-raw", "version": "1.0.0"},
	}
}

// ---------------------------------------------------------------------------
// Small assertions

// checkRaces fails the test if the race detector, built into the binary
// under -race, reported a data race in the server.
func checkRaces(t *testing.T, stderr *syncBuffer) {
	t.Helper()
	if s := stderr.String(); strings.Contains(s, "WARNING: DATA RACE") {
		t.Errorf("data race in atomic-mcp:\n%s", s)
	}
}

func assertContainsAll(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not mention %q:\n%s", what, sub, s)
		}
	}
}

// num reads a JSON number field as an int.
func num(t *testing.T, m map[string]any, key string) int {
	t.Helper()
	v, ok := m[key].(float64)
	if !ok {
		t.Fatalf("%s is %T %v, want a number (in %v)", key, m[key], m[key], m)
	}
	return int(v)
}

// customerIDs lists the customer_id of each customer in a list result.
func customerIDs(t *testing.T, structured map[string]any) []int {
	t.Helper()
	list, ok := structured["customers"].([]any)
	if !ok {
		t.Fatalf("customers is %T, want a list", structured["customers"])
	}
	ids := make([]int, len(list))
	for i, c := range list {
		ids[i] = num(t, c.(map[string]any), "customer_id")
	}
	return ids
}

// requestCount is how many requests reached the sandbox at all.
func (ts *testServer) requestCount() int { return len(ts.sb.Requests()) }

func callContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), callTimeout)
}

func itoa(n int) string { return fmt.Sprint(n) }
