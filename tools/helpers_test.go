package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	syncatomic "sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/confirm"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

const (
	listPath   = atomicapi.PathListCustomers
	createPath = atomicapi.PathCreateCustomer
	deletePath = atomicapi.PathDeleteCustomer
)

// start is the fake clock's starting time: a whole second, so that token
// expiry (truncated to the second) is exactly five minutes later.
var start = time.Date(2025, 2, 19, 11, 15, 27, 0, time.UTC)

// fakeClock is a concurrency-safe settable clock for the Confirmer.
type fakeClock struct{ ns syncatomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(start.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// harness is an MCP server with the tools registered, input and output
// schema validation on, backed by a real API client talking to the sandbox.
type harness struct {
	sb    *sandbox.Server
	deps  Deps
	srv   *server.MCPServer
	clock *fakeClock
	ids   syncatomic.Int64
}

type harnessOpts struct {
	sandbox sandbox.Options
	tools   Options
}

func newHarness(t *testing.T, opts ...harnessOpts) *harness {
	t.Helper()
	var o harnessOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	o.sandbox.Token = "t"
	sb := sandbox.New(o.sandbox)
	hs := httptest.NewServer(sb)
	t.Cleanup(hs.Close)
	api, err := atomicapi.New(atomicapi.Options{BaseURL: hs.URL, Token: atomicapi.NewToken("t"), BaseBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock()
	conf, err := confirm.New([]byte("tools test secret"), 0, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{sb: sb, deps: Deps{API: api, Confirmer: conf}, clock: clock}
	h.srv = server.NewMCPServer("atomic-mcp-test", "test",
		server.WithToolCapabilities(false),
	)
	if err := register(h.srv, h.deps, o.tools); err != nil {
		t.Fatal(err)
	}
	if _, rpcErr := h.rpc(t, context.Background(), "initialize", map[string]any{
		"protocolVersion": mcp.ProtocolVersion20251125,
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "tools-test", "version": "1"},
	}); rpcErr != nil {
		t.Fatalf("initialize: %v", rpcErr)
	}
	return h
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("JSON-RPC error %d: %s", e.Code, e.Message) }

// rpc sends one JSON-RPC request through the server, as a transport would.
func (h *harness) rpc(t *testing.T, ctx context.Context, method string, params any) (json.RawMessage, *rpcError) {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": h.ids.Add(1), "method": method, "params": params})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := json.Marshal(h.srv.HandleMessage(ctx, raw))
	if err != nil {
		t.Fatalf("%s: marshal response: %v", method, err)
	}
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  *rpcError       `json:"error"`
	}
	if err := json.Unmarshal(resp, &env); err != nil {
		t.Fatalf("%s: response %s: %v", method, resp, err)
	}
	return env.Result, env.Error
}

// toolResult is a tools/call result as it crosses the wire.
type toolResult struct {
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StructuredContent json.RawMessage            `json:"structuredContent"`
	IsError           bool                       `json:"isError"`
	ResultType        string                     `json:"resultType"`
	InputRequests     map[string]json.RawMessage `json:"inputRequests"`
	RequestState      string                     `json:"requestState"`
}

func (r toolResult) text() string {
	var parts []string
	for _, c := range r.Content {
		parts = append(parts, c.Text)
	}
	return strings.Join(parts, "\n")
}

func (h *harness) callCtx(t *testing.T, ctx context.Context, name string, args any) toolResult {
	t.Helper()
	raw, rpcErr := h.rpc(t, ctx, "tools/call", map[string]any{"name": name, "arguments": args})
	if rpcErr != nil {
		t.Fatalf("tools/call %s: %v", name, rpcErr)
	}
	var res toolResult
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("tools/call %s: result %s: %v", name, raw, err)
	}
	// Production does not validate results against the output schema (it
	// costs two thirds of a large page's time): every result is checked here.
	if len(res.StructuredContent) > 0 {
		checkOutput(t, name, res.StructuredContent)
	}
	return res
}

func (h *harness) call(t *testing.T, name string, args any) toolResult {
	t.Helper()
	return h.callCtx(t, context.Background(), name, args)
}

// ok asserts a successful call whose structured content satisfies the tool's
// output schema (checked here too, not only by mcp-go, which silently skips
// validation when a schema does not compile), and decodes it strictly.
func ok[T any](t *testing.T, tool string, res toolResult) T {
	t.Helper()
	if res.IsError {
		t.Fatalf("%s failed: %s", tool, res.text())
	}
	if len(res.StructuredContent) == 0 {
		t.Fatalf("%s: no structuredContent; text: %s", tool, res.text())
	}
	return decodeStructured[T](t, tool, res.StructuredContent)
}

func decodeStructured[T any](t *testing.T, tool string, raw []byte) T {
	t.Helper()
	checkOutput(t, tool, raw)
	var out T
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s: structuredContent %s: %v", tool, raw, err)
	}
	return out
}

// failed asserts an isError result whose text mentions want.
func failed(t *testing.T, tool string, res toolResult, want string) {
	t.Helper()
	if !res.IsError {
		t.Fatalf("%s succeeded, want an error mentioning %q: %s", tool, want, res.text())
	}
	if !strings.Contains(res.text(), want) {
		t.Fatalf("%s error %q does not mention %q", tool, res.text(), want)
	}
}

var (
	schemaOnce sync.Once
	schemas    map[string]*jsv.Schema
	schemaErr  error
)

// compileSchema compiles a tool schema with the validator mcp-go uses,
// asserting formats too.
func compileSchema(name string, raw []byte) (*jsv.Schema, error) {
	doc, err := jsv.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsv.NewCompiler()
	c.AssertFormat()
	url := "mem:///" + name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

func checkOutput(t *testing.T, tool string, raw []byte) {
	t.Helper()
	schemaOnce.Do(func() {
		schemas, schemaErr = compileAll("output", func(t mcp.Tool) json.RawMessage { return t.RawOutputSchema })
	})
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	v, err := jsv.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: structuredContent is not JSON: %v", tool, err)
	}
	if err := schemas[tool].Validate(v); err != nil {
		t.Fatalf("%s: structuredContent %s does not satisfy the output schema: %v", tool, raw, err)
	}
}

func (h *harness) deletes() int { return h.sb.CountRequests("DELETE", deletePath) }

func (h *harness) creates() int { return h.sb.CountRequests("POST", createPath) }

func (h *harness) lists() int { return h.sb.CountRequests("GET", listPath) }

// active reports whether the sandbox still holds id undeleted.
func (h *harness) active(t *testing.T, id int64) bool {
	t.Helper()
	for _, c := range h.sb.Customers() {
		if c.CustomerID == id {
			return c.DeleteDate == nil
		}
	}
	t.Fatalf("sandbox has no customer %d", id)
	return false
}

func toolNames(ts []server.ServerTool) []string {
	var out []string
	for _, st := range ts {
		out = append(out, st.Tool.Name)
	}
	return out
}

func readGolden(name string) (map[string]any, error) {
	raw, err := testdataFile(name + ".json")
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(raw, &m)
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func ptrString(p *int) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func createArgs(name string) map[string]any {
	return map[string]any{
		"customer_name": name,
		"nickname":      "Harbour",
		"addr_1":        "1 Circular Quay",
		"postcode":      "2000",
		"country":       "AU",
		"abn":           "51 824 753 556",
		"city":          "Sydney",
		"region":        "New South Wales",
		"website":       "harbourplumbing.com.au",
	}
}

func with(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}

func without(m map[string]any, k string) map[string]any {
	delete(m, k)
	return m
}

func modernCtx(caps *mcp.ClientCapabilities) context.Context {
	return server.WithRequestProtocolInfo(context.Background(), &server.RequestProtocolInfo{
		Modern:             true,
		ProtocolVersion:    mcp.ProtocolVersion20260728,
		ClientCapabilities: caps,
	})
}

// handler returns the named tool's handler, bound to h's deps, for direct
// calls with forged multi-round-trip parameters.
func (h *harness) handler(t *testing.T, name string) server.ToolHandlerFunc {
	t.Helper()
	for _, st := range All(h.deps) {
		if st.Tool.Name == name {
			return st.Handler
		}
	}
	t.Fatalf("no tool %s", name)
	return nil
}

func deleteRequest(id int64, state string, responses mcp.InputResponses) mcp.CallToolRequest {
	var req mcp.CallToolRequest
	req.Params.Name = "delete_customer"
	req.Params.Arguments = map[string]any{"customer_id": id}
	req.Params.RequestState = state
	req.Params.InputResponses = responses
	return req
}

func answer(action mcp.ElicitationResponseAction, content any) mcp.InputResponses {
	var r mcp.ElicitationResult
	r.Action = action
	r.Content = content
	return mcp.InputResponses{elicitationID: mcp.NewElicitationInputResponse(r)}
}

// asked runs the first leg for id with an eliciting client and returns the
// sealed state, checking the question.
func (h *harness) asked(t *testing.T, id int64) string {
	t.Helper()
	caps := &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}}
	res, err := h.handler(t, "delete_customer")(modernCtx(caps), deleteRequest(id, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError || !res.NeedsInput() || res.RequestState == "" {
		t.Fatalf("first call with an eliciting client: %+v", res)
	}
	q := res.InputRequests[elicitationID]
	if q.Method != mcp.MethodElicitationCreate || q.Elicitation == nil {
		t.Fatalf("input requests %+v, want elicitation %q", res.InputRequests, elicitationID)
	}
	if err := q.Elicitation.Validate(); err != nil {
		t.Errorf("elicitation params invalid: %v", err)
	}
	if h.deletes() != 0 {
		t.Fatalf("asking sent %d DELETE", h.deletes())
	}
	return res.RequestState
}

// stubAPI answers from fields; for cases the sandbox cannot produce.
type stubAPI struct {
	customers []atomicapi.Customer
	plans     []atomicapi.ServicePlan
	err       error
}

func (s stubAPI) ListCustomers(context.Context, string) ([]atomicapi.Customer, error) {
	return s.customers, s.err
}

func (s stubAPI) CreateCustomer(context.Context, atomicapi.NewCustomer) (*atomicapi.Customer, error) {
	return nil, s.err
}

func (s stubAPI) DeleteCustomer(context.Context, int64) (*atomicapi.Deletion, error) {
	return nil, s.err
}

func (s stubAPI) ListCustomersFresh(ctx context.Context, name string) ([]atomicapi.Customer, error) {
	return s.ListCustomers(ctx, name)
}

func (s stubAPI) ListServicePlans(context.Context) ([]atomicapi.ServicePlan, error) {
	return s.plans, s.err
}

// register adds the selected tools to s, as the server assembly does.
func register(s *server.MCPServer, d Deps, opts Options) error {
	selected, err := Select(d, opts)
	if err != nil {
		return err
	}
	s.AddTools(selected...)
	return nil
}

// compileAll compiles one schema of every tool, keyed by tool name.
func compileAll(kind string, schemaOf func(mcp.Tool) json.RawMessage) (map[string]*jsv.Schema, error) {
	out := map[string]*jsv.Schema{}
	for _, tool := range Definitions() {
		s, err := compileSchema(tool.Name+"-"+kind, schemaOf(tool))
		if err != nil {
			return nil, fmt.Errorf("%s %s schema: %w", tool.Name, kind, err)
		}
		out[tool.Name] = s
	}
	return out, nil
}
