package e2e

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkTracingOverhead: what exporting traces adds to a small call's
// median round trip over stdio. Two servers run side by side against the
// same fake, one with OTEL_EXPORTER_OTLP_ENDPOINT set (spans batched to a
// local collector that accepts everything) and one without; calls alternate
// between them, each going first in turn, so that both see the same machine load. `make bench` runs
// 3000 calls each; the figure goes in the README.
func BenchmarkTracingOverhead(b *testing.B) {
	upstream := bigUpstream(b, 10)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	b.Cleanup(collector.Close)
	plain, _ := stdioSession(b, upstream, "ATOMIC_MCP_RATE_LIMIT=-1")
	traced, _ := stdioSession(b, upstream, "ATOMIC_MCP_RATE_LIMIT=-1", "OTEL_EXPORTER_OTLP_ENDPOINT="+collector.URL, "OTEL_METRICS_EXPORTER=none")
	var off, on []time.Duration
	timed := func(cs *sdk.ClientSession) time.Duration {
		start := time.Now()
		callBench(b, cs, "list_service_plans", nil)
		return time.Since(start)
	}
	for i := 0; b.Loop(); i++ {
		// Alternate which goes first, so neither always follows the other.
		if i%2 == 0 {
			off = append(off, timed(plain))
			on = append(on, timed(traced))
		} else {
			on = append(on, timed(traced))
			off = append(off, timed(plain))
		}
	}
	p50 := func(d []time.Duration) time.Duration {
		slices.Sort(d)
		return d[len(d)/2]
	}
	pOff, pOn := p50(off), p50(on)
	b.ReportMetric(float64(pOff.Microseconds()), "p50-off-µs")
	b.ReportMetric(float64(pOn.Microseconds()), "p50-traced-µs")
	b.ReportMetric(100*(float64(pOn)-float64(pOff))/float64(pOff), "overhead-%")
}
