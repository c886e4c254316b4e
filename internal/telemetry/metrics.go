package telemetry

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/semconv/v1.41.0/mcpconv"
)

// The names of the server's own metrics, as OpenTelemetry names them; the
// Prometheus endpoint writes dots as underscores, adds _seconds to the
// durations and _total to the counters (README, Operating it). The Atomic
// API requests are otelhttp's http.client.request.duration, with
// url.template naming the endpoint.
const (
	MetricOperationDuration = "mcp.server.operation.duration"
	MetricAPIRequest        = "http.client.request.duration"
	MetricCacheLookups      = "atomic_mcp.cache.lookups"
	MetricRateLimitWait     = "atomic_mcp.rate_limit.wait.duration"
	MetricRateLimitRefusals = "atomic_mcp.rate_limit.refusals"
	MetricConfirmations     = "atomic_mcp.confirmations"
	MetricStoreErrors       = "atomic_mcp.store.errors"
)

// Label keys of the server's own metrics. Every value comes from a short
// fixed list: no customer name or id, no user id ever becomes a label.
const (
	keyCache   = attribute.Key("cache")   // plans, customers
	keyResult  = attribute.Key("result")  // hit, miss, coalesced
	keyOutcome = attribute.Key("outcome") // requested, approved, declined, expired, refused
	keyVia     = attribute.Key("via")     // elicitation, token, browser, cli-yes
	keyOp      = attribute.Key("op")      // the store operation
)

// operationBuckets are the boundaries the MCP conventions give for
// mcp.server.operation.duration.
var operationBuckets = []float64{0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300}

// waitBuckets cover a turn under the rate limit: from a few milliseconds
// behind a burst to the whole call deadline.
var waitBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25}

// minWait is the shortest hold-up counted as a wait: below it a request
// went at once, the time being the limiter's own bookkeeping.
const minWait = time.Millisecond

// Metrics are the server's instruments. Its methods are the seams other
// packages report through (atomicapi.Observer among them), so none of them
// imports OpenTelemetry.
type Metrics struct {
	operation     mcpconv.ServerOperationDuration
	cache         metric.Int64Counter
	cacheSets     sync.Map // [2]string{cache, result} → metric.AddOption; both from fixed lists
	wait          metric.Float64Histogram
	refusals      metric.Int64Counter
	confirmations metric.Int64Counter
	storeErrors   metric.Int64Counter
}

// newMetrics creates the instruments on mp. Creating an instrument fails
// only on an invalid name, which the tests would catch: on error the
// instrument returned is a no-op and the error is dropped.
func newMetrics(mp metric.MeterProvider) *Metrics {
	m := mp.Meter(ScopeName)
	op, _ := mcpconv.NewServerOperationDuration(m, metric.WithExplicitBucketBoundaries(operationBuckets...))
	cache, _ := m.Int64Counter(MetricCacheLookups, metric.WithUnit("{lookup}"),
		metric.WithDescription("Reads of the cached service plans and customer lists, by cache and result: hit (served from the cache), miss (fetched), coalesced (shared a fetch in flight)."))
	wait, _ := m.Float64Histogram(MetricRateLimitWait, metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(waitBuckets...),
		metric.WithDescription("How long Atomic API requests were held back for their turn under the rate limit (only requests held at least 1 ms)."))
	refusals, _ := m.Int64Counter(MetricRateLimitRefusals, metric.WithUnit("{request}"),
		metric.WithDescription("Atomic API requests refused by the rate limit because their turn would come after the call's deadline."))
	confirmations, _ := m.Int64Counter(MetricConfirmations, metric.WithUnit("{confirmation}"),
		metric.WithDescription("Delete confirmations by outcome (requested, approved, declined, expired, refused) and path (elicitation, token, browser, cli-yes)."))
	storeErrors, _ := m.Int64Counter(MetricStoreErrors, metric.WithUnit("{error}"),
		metric.WithDescription("Shared state store operations that failed, by operation."))
	return &Metrics{operation: op, cache: cache, wait: wait, refusals: refusals, confirmations: confirmations, storeErrors: storeErrors}
}

// RateLimited reports one request's turn under the rate limit: how long it
// waited, or that it was refused.
func (m *Metrics) RateLimited(ctx context.Context, waited time.Duration, refused bool) {
	if refused {
		m.refusals.Add(ctx, 1)
		return
	}
	if waited >= minWait {
		m.wait.Record(ctx, waited.Seconds())
	}
}

// CacheLookup reports one read of a cached list. It runs on every list
// call, so each (cache, result) pair's attribute set is built once: sorting
// and hashing the attributes per call was about 1% of a traced stdio
// server's CPU under perf, a tenth of what telemetry costs it.
func (m *Metrics) CacheLookup(ctx context.Context, cache, result string) {
	key := [2]string{cache, result}
	opt, ok := m.cacheSets.Load(key)
	if !ok {
		opt, _ = m.cacheSets.LoadOrStore(key, metric.WithAttributeSet(attribute.NewSet(keyCache.String(cache), keyResult.String(result))))
	}
	m.cache.Add(ctx, 1, opt.(metric.AddOption))
}

// Confirmation reports a delete confirmation's outcome on one path.
func (m *Metrics) Confirmation(ctx context.Context, via, outcome string) {
	m.confirmations.Add(ctx, 1, metric.WithAttributes(keyOutcome.String(outcome), keyVia.String(via)))
}

// StoreError reports a failed shared state store operation.
func (m *Metrics) StoreError(ctx context.Context, op string) {
	m.storeErrors.Add(ctx, 1, metric.WithAttributes(keyOp.String(op)))
}
