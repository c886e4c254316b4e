package telemetry

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metricName finds the metric names in a PromQL expression: ours all start
// with one of these prefixes.
var metricName = regexp.MustCompile(`\b(?:mcp_|http_client_|atomic_mcp_)[a-z0-9_]+\b`)

// labels are the parts of an expression that name labels, not metrics.
var labels = regexp.MustCompile(`\{[^}]*\}|\b(?:by|without) \([^)]*\)`)

// The Grafana dashboard kept beside the metrics parses, and every metric it
// queries is one this package emits, as the Prometheus endpoint names it.
func TestDashboardQueriesEmittedMetrics(t *testing.T) {
	raw, err := os.ReadFile("dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	emitted := emittedFamilies(t)
	seen := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, name := range metricName.FindAllString(labels.ReplaceAllString(target.Expr, ""), -1) {
				seen++
				family := name
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if f, ok := strings.CutSuffix(name, suffix); ok && emitted[f] {
						family = f
					}
				}
				if !emitted[family] {
					t.Errorf("panel %q queries %s, which is not emitted (emitted: %v)", p.Title, name, emitted)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("the dashboard queries no metric")
	}
}

// emittedFamilies records one of everything and returns the metric family
// names the Prometheus endpoint then serves.
func emittedFamilies(t *testing.T) map[string]bool {
	t.Helper()
	ctx := context.Background()
	tel, err := New(ctx, Options{Prometheus: true, Transport: "stdio"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(ctx) })
	m := tel.Metrics()
	m.RateLimited(ctx, 10*time.Millisecond, false)
	m.RateLimited(ctx, 0, true)
	m.CacheLookup(ctx, "plans", "hit")
	m.Confirmation(ctx, "token", "requested")
	m.StoreError(ctx, "spend")
	m.operation.Record(ctx, 0.1, "tools/call")
	api := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(api.Close)
	resp, err := (&http.Client{Transport: tel.APITransport(nil)}).Get(api.URL + "/api/atomic/service_plan/list")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	rec := httptest.NewRecorder()
	tel.PrometheusHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for name := range families {
		out[name] = true
	}
	return out
}
