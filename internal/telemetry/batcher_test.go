package telemetry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// recorder is a span exporter that remembers every batch and, while gated,
// holds each export until the gate opens or the export's context ends: a
// collector that has stopped answering.
type recorder struct {
	mu            sync.Mutex
	batches       [][]trace.SpanID
	shutdowns     int
	afterShutdown int // exports that arrived after Shutdown
	gate          chan struct{}
	entered       chan struct{} // one value per export that has begun
}

func newRecorder(gated bool) *recorder {
	r := &recorder{entered: make(chan struct{}, 1024)}
	if gated {
		r.gate = make(chan struct{})
	}
	return r
}

func (r *recorder) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	ids := make([]trace.SpanID, len(spans))
	for i, s := range spans {
		ids[i] = s.SpanContext().SpanID()
	}
	r.mu.Lock()
	r.batches = append(r.batches, ids)
	if r.shutdowns > 0 {
		r.afterShutdown++
	}
	gate := r.gate
	r.mu.Unlock()
	select {
	case r.entered <- struct{}{}:
	default:
	}
	if gate == nil {
		return nil
	}
	select {
	case <-gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *recorder) Shutdown(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shutdowns++
	return nil
}

// open lets every export through from now on.
func (r *recorder) open() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gate != nil {
		close(r.gate)
		r.gate = nil
	}
}

// exported counts how often each span was exported.
func (r *recorder) exported() map[trace.SpanID]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[trace.SpanID]int{}
	for _, b := range r.batches {
		for _, id := range b {
			seen[id]++
		}
	}
	return seen
}

func (r *recorder) snapshot() (batches [][]trace.SpanID, shutdowns, afterShutdown int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]trace.SpanID(nil), r.batches...), r.shutdowns, r.afterShutdown
}

// waitEntered waits for the next export to begin.
func (r *recorder) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-r.entered:
	case <-time.After(time.Minute):
		t.Fatal("no export began")
	}
}

// handled collects what the batcher reports through its error handler.
type handled struct {
	mu   sync.Mutex
	errs []error
}

func (h *handled) handle(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs = append(h.errs, err)
}

func (h *handled) text() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return fmt.Sprint(h.errs)
}

// env is a getenv over a map.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// hour keeps the schedule out of a test: only a full batch, ForceFlush or
// Shutdown exports.
const hour = "3600000"

type batchRig struct {
	b   *batcher
	rec *recorder
	h   *handled
	tr  trace.Tracer
}

func newBatchRig(t *testing.T, vars map[string]string, gated bool) *batchRig {
	t.Helper()
	cfg, warnings := batchSettings(env(vars))
	if len(warnings) > 0 {
		t.Fatalf("settings %v: %v", vars, warnings)
	}
	r := &batchRig{rec: newRecorder(gated), h: &handled{}}
	r.b = newBatcher(r.rec, cfg, r.h.handle)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.b))
	r.tr = tp.Tracer("batcher-test")
	t.Cleanup(func() {
		r.rec.open()
		_ = tp.Shutdown(context.Background())
	})
	return r
}

// end ends n spans and returns their ids.
func (r *batchRig) end(n int) []trace.SpanID {
	ids := make([]trace.SpanID, n)
	for i := range ids {
		_, s := r.tr.Start(context.Background(), "op")
		ids[i] = s.SpanContext().SpanID()
		s.End()
	}
	return ids
}

// eventually polls cond with a deadline generous enough for a loaded
// machine; it bounds how long a broken batcher hangs the test, not how
// fast a working one must be.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// exactlyOnce fails unless every one of ids was exported once, and nothing
// else was.
func exactlyOnce(t *testing.T, rec *recorder, ids []trace.SpanID) {
	t.Helper()
	seen := rec.exported()
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("span %s exported %d times, want 1", id, seen[id])
		}
		delete(seen, id)
	}
	if len(seen) > 0 {
		t.Errorf("%d spans exported that were not expected", len(seen))
	}
}

func TestBatcherExportsWithoutBeingAsked(t *testing.T) {
	tests := []struct {
		name     string
		vars     map[string]string
		spans    int
		atLeast  int // exported with no ForceFlush: all but less than a batch
		maxBatch int
	}{
		{"on the schedule", map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "10"}, 3, 3, 512},
		{"a full batch before the schedule", map[string]string{"OTEL_BSP_SCHEDULE_DELAY": hour, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "4"}, 4, 4, 4},
		{"several full batches", map[string]string{"OTEL_BSP_SCHEDULE_DELAY": hour, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "4"}, 10, 7, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newBatchRig(t, tt.vars, false)
			ids := r.end(tt.spans)
			eventually(t, fmt.Sprintf("%d spans are exported", tt.atLeast), func() bool { return len(r.rec.exported()) >= tt.atLeast })
			if err := r.b.ForceFlush(context.Background()); err != nil {
				t.Fatalf("ForceFlush: %v", err)
			}
			exactlyOnce(t, r.rec, ids)
			batches, _, _ := r.rec.snapshot()
			for _, b := range batches {
				if len(b) > tt.maxBatch {
					t.Errorf("a batch of %d spans, want at most %d", len(b), tt.maxBatch)
				}
			}
		})
	}
}

func TestBatcherQueueIsBoundedWhenTheExporterIsStuck(t *testing.T) {
	r := newBatchRig(t, map[string]string{"OTEL_BSP_SCHEDULE_DELAY": hour, "OTEL_BSP_MAX_QUEUE_SIZE": "8", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "4"}, true)
	first := r.end(4) // a full batch: its export starts and hangs
	r.rec.waitEntered(t)

	// 20 more from concurrent callers: 8 fill the queue, 12 are dropped,
	// and no caller waits for the stuck exporter.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var later []trace.SpanID
	for range 4 {
		wg.Go(func() {
			ids := r.end(5)
			mu.Lock()
			later = append(later, ids...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if got := r.b.Dropped(); got != 12 {
		t.Fatalf("dropped %d spans, want 12", got)
	}

	r.rec.open()
	if err := r.b.ForceFlush(context.Background()); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	seen := r.rec.exported()
	for _, id := range first {
		if seen[id] != 1 {
			t.Errorf("span %s of the first batch exported %d times, want 1", id, seen[id])
		}
	}
	queued := 0
	for _, id := range later {
		if seen[id] > 1 {
			t.Errorf("span %s exported %d times", id, seen[id])
		}
		queued += seen[id]
	}
	if queued != 8 {
		t.Errorf("%d of the later spans exported, want the 8 the queue held", queued)
	}
	if err := r.b.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := r.h.text(); !strings.Contains(got, "12 spans dropped") || !strings.Contains(got, "OTEL_BSP_MAX_QUEUE_SIZE=8") {
		t.Errorf("reported %q, want the 12 dropped spans and the queue size", got)
	}
}

func TestBatcherForceFlush(t *testing.T) {
	t.Run("exports everything queued", func(t *testing.T) {
		r := newBatchRig(t, map[string]string{"OTEL_BSP_SCHEDULE_DELAY": hour}, false)
		ids := r.end(100)
		if err := r.b.ForceFlush(context.Background()); err != nil {
			t.Fatalf("ForceFlush: %v", err)
		}
		exactlyOnce(t, r.rec, ids) // no polling: ForceFlush has returned
	})
	t.Run("returns when its context ends, the exporter stuck", func(t *testing.T) {
		r := newBatchRig(t, map[string]string{"OTEL_BSP_SCHEDULE_DELAY": hour}, true)
		r.end(1)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- r.b.ForceFlush(ctx) }()
		r.rec.waitEntered(t)
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("ForceFlush = %v, want context.Canceled", err)
		}
	})
	t.Run("returns the export's error", func(t *testing.T) {
		r := newBatchRig(t, map[string]string{"OTEL_BSP_SCHEDULE_DELAY": hour, "OTEL_BSP_EXPORT_TIMEOUT": "1"}, true)
		r.end(1)
		if err := r.b.ForceFlush(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ForceFlush = %v, want the export's context.DeadlineExceeded", err)
		}
	})
}

func TestBatcherShutdown(t *testing.T) {
	t.Run("drains, then drops later spans and never exports again", func(t *testing.T) {
		r := newBatchRig(t, map[string]string{"OTEL_BSP_SCHEDULE_DELAY": hour}, false)
		ids := r.end(10)
		if err := r.b.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		exactlyOnce(t, r.rec, ids)
		r.end(5)
		if err := r.b.ForceFlush(context.Background()); err != nil {
			t.Fatalf("ForceFlush after Shutdown: %v", err)
		}
		if err := r.b.Shutdown(context.Background()); err != nil {
			t.Fatalf("second Shutdown: %v", err)
		}
		exactlyOnce(t, r.rec, ids)
		if _, shutdowns, after := r.rec.snapshot(); shutdowns != 1 || after != 0 {
			t.Errorf("exporter shut down %d times and called %d times after, want 1 and 0", shutdowns, after)
		}
		select {
		case <-r.b.done:
		default:
			t.Error("the export goroutine still runs after Shutdown")
		}
	})
	t.Run("gives up when its context ends, and exports nothing after", func(t *testing.T) {
		r := newBatchRig(t, map[string]string{"OTEL_BSP_SCHEDULE_DELAY": hour, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "2"}, true)
		r.end(2) // a full batch, whose export hangs
		r.rec.waitEntered(t)
		r.end(4) // queued behind it
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- r.b.Shutdown(ctx) }()
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("Shutdown = %v, want context.Canceled", err)
		}
		eventually(t, "the export goroutine ends", func() bool {
			select {
			case <-r.b.done:
				return true
			default:
				return false
			}
		})
		if batches, _, _ := r.rec.snapshot(); len(batches) != 1 {
			t.Errorf("%d exports, want only the one in flight when Shutdown gave up", len(batches))
		}
		eventually(t, "the 4 spans left behind are reported", func() bool { return strings.Contains(r.h.text(), "4 spans not exported") })
	})
	t.Run("spans ending meanwhile are exported or refused, never lost once queued", func(t *testing.T) {
		r := newBatchRig(t, map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "1", "OTEL_BSP_MAX_QUEUE_SIZE": "100000", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "16"}, false)
		var before, after sync.WaitGroup
		var mu sync.Mutex
		var early []trace.SpanID
		stop := make(chan struct{})
		for range 4 {
			before.Add(1)
			after.Go(func() {
				ids := r.end(200)
				mu.Lock()
				early = append(early, ids...)
				mu.Unlock()
				before.Done()
				for {
					select {
					case <-stop:
						return
					default:
						r.end(1)
					}
				}
			})
		}
		before.Wait()
		if err := r.b.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		_, _, afterShutdown := r.rec.snapshot()
		close(stop)
		after.Wait()
		seen := r.rec.exported()
		for _, id := range early {
			if seen[id] != 1 {
				t.Fatalf("span %s, ended before Shutdown, exported %d times", id, seen[id])
			}
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("span %s exported %d times", id, n)
			}
		}
		r.b.mu.Lock()
		left := len(r.b.queue)
		r.b.mu.Unlock()
		if left != 0 {
			t.Errorf("%d spans queued after Shutdown, never to be exported", left)
		}
		if afterShutdown != 0 || r.b.Dropped() != 0 {
			t.Errorf("%d exports after Shutdown and %d dropped, want 0 and 0", afterShutdown, r.b.Dropped())
		}
	})
}

func TestBatchSettings(t *testing.T) {
	defaults := batchConfig{delay: 5 * time.Second, timeout: 30 * time.Second, maxQueue: 2048, maxBatch: 512}
	tests := []struct {
		name     string
		vars     map[string]string
		want     batchConfig
		warnings []string // each warning names these
	}{
		{"unset: the SDK's defaults", nil, defaults, nil},
		{"all set", map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_BSP_EXPORT_TIMEOUT": " 1000 ", "OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "10"},
			batchConfig{delay: 250 * time.Millisecond, timeout: time.Second, maxQueue: 100, maxBatch: 10}, nil},
		{"not a number", map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "5s"}, defaults, []string{`OTEL_BSP_SCHEDULE_DELAY="5s"`}},
		{"a fraction", map[string]string{"OTEL_BSP_EXPORT_TIMEOUT": "1.5"}, defaults, []string{`OTEL_BSP_EXPORT_TIMEOUT="1.5"`}},
		{"zero", map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "0"}, defaults, []string{`OTEL_BSP_MAX_QUEUE_SIZE="0"`}},
		{"too long for a duration", map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "9300000000000"}, defaults, []string{"OTEL_BSP_SCHEDULE_DELAY=9300000000000"}},
		{"negative", map[string]string{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "-1"}, defaults, []string{`OTEL_BSP_MAX_EXPORT_BATCH_SIZE="-1"`}},
		{"a batch larger than the queue is cut to it", map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "100"},
			batchConfig{delay: 5 * time.Second, timeout: 30 * time.Second, maxQueue: 100, maxBatch: 100}, []string{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE=512", "OTEL_BSP_MAX_QUEUE_SIZE=100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings := batchSettings(env(tt.vars))
			if got != tt.want {
				t.Errorf("settings = %+v, want %+v", got, tt.want)
			}
			if (len(warnings) > 0) != (len(tt.warnings) > 0) {
				t.Fatalf("warnings %v, want ones naming %v", warnings, tt.warnings)
			}
			text := fmt.Sprint(warnings)
			for _, w := range tt.warnings {
				if !strings.Contains(text, w) {
					t.Errorf("warnings %q do not name %s", text, w)
				}
			}
		})
	}
}

// TestNewHonoursBatchSettings runs the settings through New: a bad value is
// logged by name, and the queue size given is the one that bounds the
// queue, its drops logged and counted in otel.sdk.processor.span.processed.
func TestNewHonoursBatchSettings(t *testing.T) {
	var logs bytes.Buffer // read once Shutdown has stopped every writer
	rec := newRecorder(true)
	reader := sdkmetric.NewManualReader()
	tel, err := New(context.Background(), Options{
		MetricReader: reader,
		Prometheus:   true,
		Getenv: env(map[string]string{
			"OTEL_BSP_SCHEDULE_DELAY": "soon", "OTEL_BSP_MAX_QUEUE_SIZE": "2", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "2",
		}),
		SpanExporter: rec,
		Logger:       slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.open(); _ = tel.Shutdown(context.Background()) })
	tr := tel.tracer.Tracer("batcher-test")
	for range 2 { // a full batch, whose export hangs
		_, s := tr.Start(context.Background(), "op")
		s.End()
	}
	rec.waitEntered(t)
	for range 5 { // 2 queued, 3 dropped
		_, s := tr.Start(context.Background(), "op")
		s.End()
	}
	rec.open()
	if err := tel.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	processed := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "otel.sdk.processor.span.processed" {
				for _, p := range sum.DataPoints {
					e, _ := p.Attributes.Value("error.type")
					processed[e.AsString()] += p.Value
				}
			}
		}
	}
	if want := map[string]int64{"": 4, "queue_full": 3}; !maps.Equal(processed, want) {
		t.Errorf("otel.sdk.processor.span.processed by error.type = %v, want %v", processed, want)
	}
	rw := httptest.NewRecorder()
	tel.PrometheusHandler().ServeHTTP(rw, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if want := `otel_sdk_processor_span_processed_total{error_type="queue_full",otel_component_type="batching_span_processor"} 3`; !strings.Contains(rw.Body.String(), want) {
		t.Errorf("/metrics lacks %s:\n%s", want, rw.Body.String())
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(rec.exported()); got != 4 {
		t.Errorf("%d spans exported, want 4", got)
	}
	for _, want := range []string{`OTEL_BSP_SCHEDULE_DELAY=\"soon\"`, "3 spans dropped", "OTEL_BSP_MAX_QUEUE_SIZE=2"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs do not say %s:\n%s", want, logs.String())
		}
	}
}

func TestBatcherConcurrentSpansExportedExactlyOnce(t *testing.T) {
	tests := []struct {
		name       string
		vars       map[string]string
		wantNoDrop bool
	}{
		{"a roomy queue", map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "1", "OTEL_BSP_MAX_QUEUE_SIZE": "100000", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "64"}, true},
		{"a queue that overflows", map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "1", "OTEL_BSP_MAX_QUEUE_SIZE": "4", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "2"}, false},
	}
	const goroutines, each = 8, 300
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newBatchRig(t, tt.vars, false)
			var wg sync.WaitGroup
			var mu sync.Mutex
			var ids []trace.SpanID
			for range goroutines {
				wg.Go(func() {
					got := r.end(each)
					mu.Lock()
					ids = append(ids, got...)
					mu.Unlock()
				})
			}
			flushing := make(chan struct{})
			var flushers sync.WaitGroup
			for range 2 {
				flushers.Go(func() {
					for {
						select {
						case <-flushing:
							return
						default:
							if err := r.b.ForceFlush(context.Background()); err != nil {
								t.Errorf("ForceFlush: %v", err)
								return
							}
						}
					}
				})
			}
			wg.Wait()
			close(flushing)
			flushers.Wait()
			if err := r.b.Shutdown(context.Background()); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			seen := r.rec.exported()
			for id, n := range seen {
				if n != 1 {
					t.Fatalf("span %s exported %d times", id, n)
				}
			}
			if got := int64(len(seen)) + r.b.Dropped(); got != goroutines*each {
				t.Errorf("%d exported + %d dropped = %d, want %d", len(seen), r.b.Dropped(), got, goroutines*each)
			}
			if tt.wantNoDrop {
				exactlyOnce(t, r.rec, ids)
			}
		})
	}
}

// discard is an exporter that counts the spans it is given.
type discard struct {
	mu sync.Mutex
	n  int
}

func (d *discard) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	d.mu.Lock()
	d.n += len(spans)
	d.mu.Unlock()
	return nil
}

func (*discard) Shutdown(context.Context) error { return nil }

// BenchmarkSpanProcessor compares what ending a span costs the caller with
// the SDK's BatchSpanProcessor and with the batcher, at their default
// settings; none is the span with no processor at all. Three ways of
// ending spans:
//
//   - serial: one goroutine ending spans back to back;
//   - parallel: GOMAXPROCS goroutines doing so (b.RunParallel);
//   - sparse: one goroutine ending a span every 50 µs or so, as a server
//     does, so that the SDK's export goroutine is asleep when each span
//     ends; it reports the time End itself took (end-ns/op, mean, and
//     end-p50-ns), ns/op being mostly the pause.
//
// exported/op below 1 means a full queue dropped spans: a tight loop ends
// spans faster than a busy machine schedules the export goroutine.
func BenchmarkSpanProcessor(b *testing.B) {
	processors := []struct {
		name string
		new  func(sdktrace.SpanExporter) sdktrace.SpanProcessor
	}{
		{"none", nil},
		{"sdk-batch", func(e sdktrace.SpanExporter) sdktrace.SpanProcessor { return sdktrace.NewBatchSpanProcessor(e) }},
		{"batcher", func(e sdktrace.SpanExporter) sdktrace.SpanProcessor {
			cfg, _ := batchSettings(func(string) string { return "" })
			return newBatcher(e, cfg, func(error) {})
		}},
	}
	for _, mode := range []string{"serial", "parallel", "sparse"} {
		for _, p := range processors {
			b.Run(mode+"/"+p.name, func(b *testing.B) {
				exp := &discard{}
				var opts []sdktrace.TracerProviderOption
				if p.new != nil {
					opts = append(opts, sdktrace.WithSpanProcessor(p.new(exp)))
				}
				tp := sdktrace.NewTracerProvider(opts...)
				tr := tp.Tracer("bench")
				ctx := context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				switch mode {
				case "serial":
					for range b.N {
						_, s := tr.Start(ctx, "op")
						s.End()
					}
				case "parallel":
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							_, s := tr.Start(ctx, "op")
							s.End()
						}
					})
				case "sparse":
					ends := make([]time.Duration, b.N)
					var total time.Duration
					for i := range b.N {
						time.Sleep(50 * time.Microsecond)
						_, s := tr.Start(ctx, "op")
						t0 := time.Now()
						s.End()
						ends[i] = time.Since(t0)
						total += ends[i]
					}
					slices.Sort(ends)
					b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "end-ns/op")
					b.ReportMetric(float64(ends[b.N/2].Nanoseconds()), "end-p50-ns")
				}
				b.StopTimer()
				_ = tp.Shutdown(ctx)
				if p.new != nil {
					b.ReportMetric(float64(exp.n)/float64(b.N), "exported/op")
				}
			})
		}
	}
}
