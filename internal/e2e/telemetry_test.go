package e2e

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

// scrape reads the binary's /metrics as Prometheus parses it, waiting for
// the endpoint to come up.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(callTimeout)
	for {
		resp, err := http.Get(url)
		if err == nil {
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %s", url, resp.Status)
			}
			parser := expfmt.NewTextParser(model.UTF8Validation)
			families, err := parser.TextToMetricFamilies(resp.Body)
			if err != nil {
				t.Fatalf("GET %s: not Prometheus text: %v", url, err)
			}
			return families
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// histogramCount sums the observations of family in the series whose
// labels include every one of want.
func histogramCount(families map[string]*dto.MetricFamily, family string, want map[string]string) uint64 {
	var n uint64
	f := families[family]
	if f == nil {
		return 0
	}
	for _, m := range f.GetMetric() {
		if hasLabels(m, want) {
			n += m.GetHistogram().GetSampleCount()
		}
	}
	return n
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// The built binary serves /metrics beside stdio: the operation histogram
// of list_service_plans grows by exactly the calls made, the server's own
// metrics are there, and no label carries a customer name.
func TestPrometheusMetrics(t *testing.T) {
	port := freePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d/metrics", port)
	ts := startServer(t, serverOpts{combo: combo{goSDK, v20251125}, args: []string{"--metrics-addr", fmt.Sprintf("127.0.0.1:%d", port)}})

	plans := map[string]string{"mcp_method_name": "tools/call", "gen_ai_tool_name": "list_service_plans"}
	before := histogramCount(scrape(t, url), "mcp_server_operation_duration_seconds", plans)
	const calls = 5
	for range calls {
		ts.callOK(t, "list_service_plans", nil)
	}
	ts.callOK(t, "list_customers", map[string]any{"customer_name": "Redfern Print"})
	ts.callErr(t, "delete_customer", map[string]any{"customer_id": 987654})
	families := scrape(t, url)
	if got := histogramCount(families, "mcp_server_operation_duration_seconds", plans) - before; got != calls {
		t.Errorf("list_service_plans histogram count grew by %d over %d calls", got, calls)
	}
	if got := histogramCount(families, "mcp_server_operation_duration_seconds", map[string]string{"gen_ai_tool_name": "delete_customer", "error_type": "tool_error"}); got != 1 {
		t.Errorf("delete_customer with error_type tool_error counted %d times, want 1", got)
	}
	if got := histogramCount(families, "http_client_request_duration_seconds", map[string]string{"url_template": "/api/atomic/customer/list", "http_response_status_code": "200"}); got == 0 {
		t.Error("no Atomic API request counted for /api/atomic/customer/list with status 200")
	}
	if f := families["atomic_mcp_cache_lookups_total"]; f == nil || len(f.GetMetric()) == 0 {
		t.Error("no atomic_mcp_cache_lookups_total")
	}

	var names []string
	for _, c := range sandbox.New(sandbox.Options{}).Customers() {
		names = append(names, strings.ToLower(c.CustomerName))
	}
	names = append(names, "redfern")
	for name, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				v := strings.ToLower(l.GetValue())
				for _, customer := range names {
					if customer != "" && strings.Contains(v, customer) {
						t.Errorf("%s label %s=%q carries a customer name", name, l.GetName(), l.GetValue())
					}
				}
			}
		}
	}
}

// otlpReceiver is a collector's OTLP/HTTP trace endpoint that keeps the
// spans it is sent, decoded with the official protobuf packages.
type otlpReceiver struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (r *otlpReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/v1/traces" {
		w.WriteHeader(http.StatusOK) // metrics and logs: accepted, not kept
		return
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = gz
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var export coltrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &export); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	for _, rs := range export.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			r.spans = append(r.spans, ss.GetSpans()...)
		}
	}
	r.mu.Unlock()
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (r *otlpReceiver) named(name string) *tracepb.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.spans {
		if s.GetName() == name {
			return s
		}
	}
	return nil
}

// With OTEL_EXPORTER_OTLP_ENDPOINT pointing at a collector, the built
// binary sends it the spans of a call: the tool call's server span and the
// Atomic API request under it.
func TestOTLPExport(t *testing.T) {
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	t.Cleanup(collector.Close)
	_, upstream := newSandbox(t)
	env := append(upstreamEnv(upstream), "OTEL_EXPORTER_OTLP_ENDPOINT="+collector.URL, "OTEL_BSP_SCHEDULE_DELAY=20", "OTEL_METRIC_EXPORT_INTERVAL=60000")
	ts := startServer(t, serverOpts{combo: combo{mcpGo, v20251125}, env: env, args: []string{"--log-format", "json"}})
	ts.callOK(t, "list_service_plans", nil)

	var server, api *tracepb.Span
	waitFor(t, func() bool {
		server, api = recv.named("tools/call list_service_plans"), recv.named("GET /api/atomic/service_plan/list")
		return server != nil && api != nil
	}, callTimeout, "the collector to receive the call's spans")
	if server.GetKind() != tracepb.Span_SPAN_KIND_SERVER || api.GetKind() != tracepb.Span_SPAN_KIND_CLIENT {
		t.Errorf("kinds %v and %v, want server and client", server.GetKind(), api.GetKind())
	}
	if string(api.GetParentSpanId()) != string(server.GetSpanId()) || string(api.GetTraceId()) != string(server.GetTraceId()) {
		t.Error("the API request's span is not a child of the tool call's span")
	}
	attrs := map[string]string{}
	for _, kv := range server.GetAttributes() {
		attrs[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	if attrs["mcp.method.name"] != "tools/call" || attrs["gen_ai.tool.name"] != "list_service_plans" || attrs["network.transport"] != "pipe" {
		t.Errorf("server span attributes %v", attrs)
	}
	if _, ok := attrs["mcp.session.id"]; ok {
		t.Errorf("a stdio span carries mcp.session.id %q", attrs["mcp.session.id"])
	}
	// The tool call's log line carries the span's ids.
	traceID := fmt.Sprintf("%x", server.GetTraceId())
	waitFor(t, func() bool { return strings.Contains(ts.stderr.String(), `"trace_id":"`+traceID+`"`) }, callTimeout, "a log line with the call's trace_id")
}
