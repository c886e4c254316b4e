package telemetry

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/semconv/v1.41.0/otelconv"
)

// batcher is a batch span processor with a bounded queue that, unlike the
// SDK's, wakes no goroutine per span: the SDK's hands every ended span to
// its export goroutine over a channel, and that wake-up measured 30 µs on a
// 200 µs stdio call on a busy two-core machine (BenchmarkTracingOverhead).
// Here a span is appended under a mutex; the export goroutine wakes on its
// schedule, or once a full batch is waiting. A full queue drops spans: a
// call never waits for telemetry. Dropped spans are counted and reported
// through the OpenTelemetry error handler (a warning on stderr), at most
// once per schedule.
//
// It reads the standard OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_MAX_QUEUE_SIZE,
// OTEL_BSP_MAX_EXPORT_BATCH_SIZE and OTEL_BSP_EXPORT_TIMEOUT (see
// batchSettings).
type batcher struct {
	exp    sdktrace.SpanExporter
	cfg    batchConfig
	handle func(error) // reports export failures and drops

	mu     sync.Mutex
	queue  []sdktrace.ReadOnlySpan
	closed bool // set by Shutdown under mu: no span is queued after it

	dropped   atomic.Int64 // spans refused by a full queue
	processed atomic.Int64 // spans handed to the exporter
	reported  int64        // dropped as of the last report; run goroutine only
	spare     []sdktrace.ReadOnlySpan

	// ctx is the parent of every export; Shutdown cancels it when its own
	// context ends first, so that an export in flight is abandoned and the
	// spans still queued are not exported after Shutdown has returned.
	ctx     context.Context
	cancel  context.CancelFunc
	full    chan struct{}   // a batch is waiting (buffered 1, never blocks)
	flush   chan chan error // ForceFlush's requests, answered when done
	stop    chan struct{}
	done    chan struct{}
	stopErr error // the final drain's export errors; read after done
}

// batchConfig is the batcher's settings, the SDK's defaults unless the
// OTEL_BSP_* variables say otherwise.
type batchConfig struct {
	delay    time.Duration // OTEL_BSP_SCHEDULE_DELAY
	timeout  time.Duration // OTEL_BSP_EXPORT_TIMEOUT
	maxQueue int           // OTEL_BSP_MAX_QUEUE_SIZE
	maxBatch int           // OTEL_BSP_MAX_EXPORT_BATCH_SIZE
}

// The SDK's defaults (sdktrace.Default*), in the variables' units.
const (
	defaultScheduleDelayMS = sdktrace.DefaultScheduleDelay
	defaultExportTimeoutMS = sdktrace.DefaultExportTimeout
	defaultMaxQueueSize    = sdktrace.DefaultMaxQueueSize
	defaultMaxExportBatch  = sdktrace.DefaultMaxExportBatchSize
)

// batchSettings reads the OTEL_BSP_* variables. A value that is not a
// positive integer is ignored, with a warning naming the variable, and the
// default used: the OpenTelemetry specification asks that an unparsable
// setting be treated as unset rather than stop the program, and zero would
// stop export altogether (no queue, or a schedule that never fires). A
// batch larger than the queue is cut to the queue, as the specification
// requires the batch to fit in it.
func batchSettings(getenv func(string) string) (batchConfig, []error) {
	var warnings []error
	positive := func(name string, def int) int {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			warnings = append(warnings, fmt.Errorf("%s=%q ignored: it must be a positive whole number; using the default %d", name, v, def))
			return def
		}
		return n
	}
	ms := func(name string, def int) time.Duration {
		n := positive(name, def)
		if int64(n) > math.MaxInt64/int64(time.Millisecond) { // would overflow a Duration
			warnings = append(warnings, fmt.Errorf("%s=%d ignored: it is too large; using the default %d", name, n, def))
			n = def
		}
		return time.Duration(n) * time.Millisecond
	}
	c := batchConfig{
		delay:    ms("OTEL_BSP_SCHEDULE_DELAY", defaultScheduleDelayMS),
		timeout:  ms("OTEL_BSP_EXPORT_TIMEOUT", defaultExportTimeoutMS),
		maxQueue: positive("OTEL_BSP_MAX_QUEUE_SIZE", defaultMaxQueueSize),
		maxBatch: positive("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", defaultMaxExportBatch),
	}
	if c.maxBatch > c.maxQueue {
		warnings = append(warnings, fmt.Errorf("OTEL_BSP_MAX_EXPORT_BATCH_SIZE=%d is larger than OTEL_BSP_MAX_QUEUE_SIZE=%d; using %d", c.maxBatch, c.maxQueue, c.maxQueue))
		c.maxBatch = c.maxQueue
	}
	return c, warnings
}

// newBatcher starts a batcher exporting to exp; Shutdown stops it. handle
// receives export failures and drop reports (otel.Handle in New).
func newBatcher(exp sdktrace.SpanExporter, cfg batchConfig, handle func(error)) *batcher {
	ctx, cancel := context.WithCancel(context.Background())
	b := &batcher{
		exp:    exp,
		cfg:    cfg,
		handle: handle,
		ctx:    ctx,
		cancel: cancel,
		full:   make(chan struct{}, 1),
		flush:  make(chan chan error),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	go b.run()
	return b
}

// OnStart does nothing: spans are queued when they end.
func (b *batcher) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd queues s for export, or drops and counts it when the queue is
// full. It never blocks on the exporter.
func (b *batcher) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	if len(b.queue) >= b.cfg.maxQueue {
		b.mu.Unlock()
		b.dropped.Add(1)
		return
	}
	b.queue = append(b.queue, s)
	n := len(b.queue)
	b.mu.Unlock()
	if n == b.cfg.maxBatch {
		b.signalFull()
	}
}

func (b *batcher) signalFull() {
	select {
	case b.full <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// Dropped is how many spans a full queue refused.
func (b *batcher) Dropped() int64 { return b.dropped.Load() }

// observe reports the batcher's counts on m as
// otel.sdk.processor.span.processed, the conventions' metric for a batching
// span processor: the spans handed to the exporter, and with
// error.type=queue_full the spans dropped.
func (b *batcher) observe(m metric.Meter) error {
	c, err := otelconv.NewSDKProcessorSpanProcessedObservable(m)
	if err != nil {
		return fmt.Errorf("span processor metric: %w", err)
	}
	typ := c.AttrComponentType(otelconv.ComponentTypeBatchingSpanProcessor)
	exported := metric.WithAttributes(typ)
	full := metric.WithAttributes(typ, c.AttrErrorType("queue_full"))
	_, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(c.Inst(), b.processed.Load(), exported)
		o.ObserveInt64(c.Inst(), b.dropped.Load(), full)
		return nil
	}, c.Inst())
	if err != nil {
		return fmt.Errorf("span processor metric: %w", err)
	}
	return nil
}

func (b *batcher) run() {
	defer close(b.done)
	tick := time.NewTicker(b.cfg.delay)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-tick.C:
			err = b.exportQueued()
			b.reportDropped()
		case <-b.full:
			err = b.exportQueued()
		case ack := <-b.flush:
			ack <- b.exportQueued()
			continue
		case <-b.stop:
			// Shutdown set closed under mu before closing stop: the queue
			// can only shrink now, so this drains it.
			b.stopErr = b.exportQueued()
			if b.ctx.Err() != nil && b.stopErr != nil {
				b.handle(b.stopErr) // Shutdown has returned without it
			}
			b.reportDropped()
			return
		}
		if err != nil {
			b.handle(err)
		}
		b.mu.Lock()
		more := len(b.queue) >= b.cfg.maxBatch
		b.mu.Unlock()
		if more {
			// Spans kept coming while exporting; go round again, after any
			// flush or stop waiting in the select.
			b.signalFull()
		}
	}
}

// exportQueued exports the spans queued when it is called, a batch at a
// time. Spans ended meanwhile wait for the next round, so a steady stream
// cannot keep a ForceFlush from being answered.
func (b *batcher) exportQueued() error {
	b.mu.Lock()
	pending := b.queue
	b.queue = b.spare[:0]
	b.mu.Unlock()

	var errs []error
	for rest := pending; len(rest) > 0; {
		if b.ctx.Err() != nil {
			// Shutdown gave up waiting; what is left is not exported.
			errs = append(errs, fmt.Errorf("%d spans not exported: shutdown gave up waiting for the exporter", len(rest)))
			break
		}
		n := min(len(rest), b.cfg.maxBatch)
		ctx, cancel := context.WithTimeout(b.ctx, b.cfg.timeout)
		b.processed.Add(int64(n))
		if err := b.exp.ExportSpans(ctx, rest[:n]); err != nil {
			errs = append(errs, fmt.Errorf("exporting %d spans: %w", n, err))
		}
		cancel()
		rest = rest[n:]
	}
	clear(pending) // let the spans be collected
	b.spare = pending[:0]
	return errors.Join(errs...)
}

// reportDropped warns of the spans dropped since the last report.
func (b *batcher) reportDropped() {
	d := b.dropped.Load()
	if d == b.reported {
		return
	}
	b.handle(fmt.Errorf("%d spans dropped: the exporter could not keep up with the span queue (OTEL_BSP_MAX_QUEUE_SIZE=%d)", d-b.reported, b.cfg.maxQueue))
	b.reported = d
}

// ForceFlush exports every span queued before it was called, within ctx,
// and returns the export errors. After Shutdown it does nothing.
func (b *batcher) ForceFlush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ack := make(chan error, 1) // run never waits for a caller that gave up
	select {
	case b.flush <- ack:
	case <-b.done: // Shut down: the queue was drained.
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-ack:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown exports what is queued and shuts the exporter down, within ctx.
// Spans ending afterwards are dropped. When ctx ends first the export in
// flight is cancelled and the spans still queued are not exported (which
// the error handler is told).
func (b *batcher) Shutdown(ctx context.Context) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	close(b.stop)
	select {
	case <-b.done:
	case <-ctx.Done():
		b.cancel()
		return fmt.Errorf("exporting the last spans: %w", ctx.Err())
	}
	b.cancel()
	return errors.Join(b.stopErr, b.exp.Shutdown(ctx))
}
