package app

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
	"github.com/atomtelecom/atomic-mcp/internal/telemetry"
)

// traced is an app whose spans and metrics are kept in memory.
type traced struct {
	app     *App
	client  *client.Client
	tel     *telemetry.Telemetry
	spans   *tracetest.InMemoryExporter
	metrics *sdkmetric.ManualReader
}

func newTraced(t *testing.T, cfg config.Config) *traced {
	t.Helper()
	spans := tracetest.NewInMemoryExporter()
	reader := sdkmetric.NewManualReader()
	tel, err := telemetry.New(context.Background(), telemetry.Options{Version: "test", Transport: "http", SpanExporter: spans, MetricReader: reader})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	a, _ := newApp(t, cfg, WithTelemetry(tel))
	return &traced{app: a, client: connect(t, a, mcp.ProtocolVersion20251125), tel: tel, spans: spans, metrics: reader}
}

func (tr *traced) call(t *testing.T, meta map[string]any, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name, req.Params.Arguments = tool, args
	if meta != nil {
		req.Params.Meta = &mcp.Meta{AdditionalFields: meta}
	}
	res, err := tr.client.CallTool(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return res
}

// ended returns the spans ended so far, flushed out of the batcher.
func (tr *traced) ended(t *testing.T) tracetest.SpanStubs {
	t.Helper()
	if err := tr.tel.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return tr.spans.GetSpans()
}

func named(spans tracetest.SpanStubs, name string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

func attrs(s tracetest.SpanStub) map[attribute.Key]string {
	m := map[attribute.Key]string{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value.Emit()
	}
	return m
}

// A tool call is one SERVER span named and attributed as the MCP
// conventions say, with the Atomic API request as its CLIENT child, and no
// attribute of either holds the customer name the caller filtered on.
func TestToolCallSpan(t *testing.T) {
	tr := newTraced(t, config.Config{})
	const filter = "Redfern Print"
	if res := tr.call(t, nil, "list_customers", map[string]any{"customer_name": filter}); res.IsError {
		t.Fatalf("list_customers failed: %v", res.Content)
	}
	spans := tr.ended(t)
	servers := named(spans, "tools/call list_customers")
	if len(servers) != 1 {
		t.Fatalf("spans %v: want one named %q", spanNames(spans), "tools/call list_customers")
	}
	srv := servers[0]
	if srv.SpanKind != trace.SpanKindServer {
		t.Errorf("server span kind %v, want server", srv.SpanKind)
	}
	got := attrs(srv)
	for key, want := range map[attribute.Key]string{
		"mcp.method.name":       "tools/call",
		"gen_ai.tool.name":      "list_customers",
		"gen_ai.operation.name": "execute_tool",
		"mcp.protocol.version":  mcp.ProtocolVersion20251125,
		"network.transport":     "tcp",
	} {
		if got[key] != want {
			t.Errorf("server span %s = %q, want %q", key, got[key], want)
		}
	}
	if got["jsonrpc.request.id"] == "" || got["mcp.session.id"] == "" {
		t.Errorf("server span attributes %v: want jsonrpc.request.id and mcp.session.id", got)
	}
	if _, ok := got["error.type"]; ok {
		t.Errorf("a successful call has error.type %q", got["error.type"])
	}

	var upstream []tracetest.SpanStub
	for _, s := range spans {
		if s.SpanKind == trace.SpanKindClient {
			upstream = append(upstream, s)
		}
	}
	if len(upstream) != 1 {
		t.Fatalf("spans %v: want one client span for the API request", spanNames(spans))
	}
	api := upstream[0]
	if api.Name != "GET /api/atomic/customer/list" {
		t.Errorf("API span named %q, want GET /api/atomic/customer/list", api.Name)
	}
	if api.Parent.SpanID() != srv.SpanContext.SpanID() || api.SpanContext.TraceID() != srv.SpanContext.TraceID() {
		t.Errorf("API span's parent %v, want the server span %v", api.Parent.SpanID(), srv.SpanContext.SpanID())
	}
	if u := attrs(api)["url.full"]; u == "" || strings.Contains(u, "?") {
		t.Errorf("API span url.full %q: want the URL without its query", u)
	}
	for _, s := range spans {
		for k, v := range attrs(s) {
			if strings.Contains(strings.ToLower(v), "redfern") {
				t.Errorf("span %q attribute %s = %q holds the customer name", s.Name, k, v)
			}
		}
		if strings.Contains(strings.ToLower(s.Name), "redfern") {
			t.Errorf("span name %q holds the customer name", s.Name)
		}
	}
}

// An isError result sets error.type tool_error and the error status; a
// made-up tool name names neither the span nor a metric.
func TestToolErrorSpans(t *testing.T) {
	tr := newTraced(t, config.Config{})
	if res := tr.call(t, nil, "delete_customer", map[string]any{"customer_id": 987654}); !res.IsError {
		t.Fatalf("deleting a customer that does not exist succeeded: %v", res.Content)
	}
	var req mcp.CallToolRequest
	req.Params.Name = "no_such_tool_anywhere"
	if _, err := tr.client.CallTool(context.Background(), req); err == nil {
		t.Fatal("an unknown tool answered")
	}
	spans := tr.ended(t)
	deletes := named(spans, "tools/call delete_customer")
	if len(deletes) != 1 {
		t.Fatalf("spans %v: want one tools/call delete_customer", spanNames(spans))
	}
	if got := attrs(deletes[0])["error.type"]; got != "tool_error" {
		t.Errorf("error.type %q, want tool_error", got)
	}
	if deletes[0].Status.Code.String() != "Error" {
		t.Errorf("status %v, want Error", deletes[0].Status)
	}
	unknown := named(spans, "tools/call")
	if len(unknown) != 1 {
		t.Fatalf("spans %v: want the unknown tool's span named just tools/call", spanNames(spans))
	}
	got := attrs(unknown[0])
	if got["error.type"] == "" || got["error.type"] != got["rpc.response.status_code"] || got["gen_ai.tool.name"] != "" {
		t.Errorf("unknown tool span attributes %v: want error.type = rpc.response.status_code = the JSON-RPC code, no gen_ai.tool.name", got)
	}
	for _, s := range spans {
		if strings.Contains(s.Name, "no_such_tool") {
			t.Errorf("span named %q after a made-up tool", s.Name)
		}
	}
}

// A client's params._meta.traceparent makes the server span its child.
func TestTraceparentFromMeta(t *testing.T) {
	tr := newTraced(t, config.Config{})
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	tr.call(t, map[string]any{"traceparent": "00-" + traceID + "-" + parentID + "-01", "tracestate": "rojo=00f067aa0ba902b7"}, "list_service_plans", nil)
	spans := named(tr.ended(t), "tools/call list_service_plans")
	if len(spans) != 1 {
		t.Fatalf("want one tools/call list_service_plans span, got %d", len(spans))
	}
	s := spans[0]
	if s.SpanContext.TraceID().String() != traceID || s.Parent.SpanID().String() != parentID || !s.Parent.IsRemote() {
		t.Errorf("server span in trace %s under %s (remote %v), want trace %s under the client's %s",
			s.SpanContext.TraceID(), s.Parent.SpanID(), s.Parent.IsRemote(), traceID, parentID)
	}
	if s.SpanContext.TraceState().Get("rojo") != parentID {
		t.Errorf("tracestate %q not carried", s.SpanContext.TraceState())
	}
}

// mcp.server.operation.duration counts each call once under its tool, with
// the conventions' buckets, and a delete's confirmation is counted.
func TestOperationDurationMetric(t *testing.T) {
	tr := newTraced(t, config.Config{PlansTTL: time.Minute})
	for range 3 {
		tr.call(t, nil, "list_service_plans", nil)
	}
	tr.call(t, nil, "delete_customer", map[string]any{"customer_id": 6}) // the in-process client cannot elicit: a token is requested
	var rm metricdata.ResourceMetrics
	if err := tr.metrics.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var count uint64
	var bounds []float64
	confirmations := map[string]int64{}
	cache := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch data := m.Data.(type) {
			case metricdata.Histogram[float64]:
				if m.Name != telemetry.MetricOperationDuration {
					continue
				}
				for _, p := range data.DataPoints {
					if v, _ := p.Attributes.Value("gen_ai.tool.name"); v.AsString() == "list_service_plans" {
						count += p.Count
						bounds = p.Bounds
					}
				}
			case metricdata.Sum[int64]:
				for _, p := range data.DataPoints {
					switch m.Name {
					case telemetry.MetricConfirmations:
						o, _ := p.Attributes.Value("outcome")
						via, _ := p.Attributes.Value("via")
						confirmations[via.AsString()+"/"+o.AsString()] += p.Value
					case telemetry.MetricCacheLookups:
						c, _ := p.Attributes.Value("cache")
						r, _ := p.Attributes.Value("result")
						cache[c.AsString()+"/"+r.AsString()] += p.Value
					}
				}
			}
		}
	}
	if count != 3 {
		t.Errorf("list_service_plans counted %d times, want 3", count)
	}
	if len(bounds) != 14 || bounds[0] != 0.01 || bounds[13] != 300 {
		t.Errorf("buckets %v, want the conventions' 0.01 … 300", bounds)
	}
	if confirmations["token/requested"] != 1 {
		t.Errorf("confirmations %v, want one token/requested", confirmations)
	}
	if cache["plans/miss"] != 1 || cache["plans/hit"] != 2 {
		t.Errorf("cache lookups %v, want plans 1 miss then 2 hits", cache)
	}
}

func spanNames(spans tracetest.SpanStubs) []string {
	var names []string
	for _, s := range spans {
		names = append(names, s.Name)
	}
	return names
}

// BenchmarkTracedCall: one small in-process tool call, without telemetry
// and with every span exported (to memory), to see what tracing costs.
func BenchmarkTracedCall(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "traced"
		}
		b.Run(name, func(b *testing.B) {
			sb := sandbox.New(sandbox.Options{Token: apiToken})
			hs := httptest.NewServer(sb)
			b.Cleanup(hs.Close)
			cfg := config.Config{APIURL: hs.URL, APIToken: atomicapi.NewToken(apiToken), PlansTTL: time.Minute}
			var opts []Option
			if on {
				tel, err := telemetry.New(context.Background(), telemetry.Options{Version: "bench", Transport: "stdio", SpanExporter: tracetest.NewNoopExporter()})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
				opts = append(opts, WithTelemetry(tel))
			}
			a, err := New(context.Background(), cfg, "bench", slog.New(slog.DiscardHandler), opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(a.Close)
			c, err := client.NewInProcessClient(a.Server)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if err := c.Start(ctx); err != nil {
				b.Fatal(err)
			}
			var init mcp.InitializeRequest
			init.Params.ProtocolVersion = mcp.ProtocolVersion20251125
			if _, err := c.Initialize(ctx, init); err != nil {
				b.Fatal(err)
			}
			var req mcp.CallToolRequest
			req.Params.Name = "list_service_plans"
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.CallTool(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
