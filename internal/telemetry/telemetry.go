// Package telemetry sets up OpenTelemetry for atomic-mcp: traces and metrics
// exported over OTLP/HTTP when the standard OTEL_EXPORTER_OTLP_* variables
// ask for it, and metrics served in Prometheus text format when
// --metrics-addr is set. With neither, everything here is a no-op that the
// rest of the server never calls into: telemetry that nobody reads costs
// nothing.
//
// The spans and the mcp.server.operation.duration histogram follow the
// OpenTelemetry MCP semantic conventions (semconv v1.41.0 mcpconv); the
// server's own metrics are named under atomic_mcp.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// ScopeName is the instrumentation scope of every span and metric.
const ScopeName = "github.com/atomtelecom/atomic-mcp"

// Options configures New.
type Options struct {
	// Getenv reads the OTEL_* variables that decide what is exported. The
	// OTLP exporters themselves read the process environment, as every
	// OpenTelemetry SDK does.
	Getenv func(string) string
	// Version is the service.version resource attribute.
	Version string
	// Prometheus makes the metrics readable through Handler.
	Prometheus bool
	// Transport is the MCP transport (stdio, sse, http), for network.transport.
	Transport string
	// Logger receives export failures.
	Logger *slog.Logger

	// SpanExporter and MetricReader, when set, replace the OTLP exporters:
	// tests read spans and metrics in process with them.
	SpanExporter sdktrace.SpanExporter
	MetricReader sdkmetric.Reader
}

// Telemetry is the process's tracer and meter providers and what they feed.
// A nil or disabled Telemetry hands back everything it is given unchanged.
type Telemetry struct {
	tracing   bool
	metering  bool
	transport string
	tracer    trace.TracerProvider
	meter     metric.MeterProvider
	prop      propagation.TextMapPropagator
	metrics   *Metrics
	prom      http.Handler
	flush     []func(context.Context) error
	shutdown  []func(context.Context) error
	once      sync.Once
}

// New sets telemetry up as opts and the environment ask. An unsupported
// setting (an OTLP protocol other than HTTP) is an error naming the variable.
func New(ctx context.Context, opts Options) (*Telemetry, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	t := &Telemetry{
		transport: opts.Transport,
		tracer:    tracenoop.NewTracerProvider(),
		meter:     metricnoop.NewMeterProvider(),
		prop:      propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		t.metrics = newMetrics(t.meter)
		return t, nil
	}
	exportTraces := opts.SpanExporter != nil || otlpWanted(getenv, "TRACES")
	exportMetrics := opts.MetricReader != nil || otlpWanted(getenv, "METRICS")
	if exportTraces || exportMetrics {
		if err := checkProtocol(getenv, exportTraces, exportMetrics); err != nil {
			return nil, err
		}
	}
	if !exportTraces && !exportMetrics && !opts.Prometheus {
		t.metrics = newMetrics(t.meter)
		return t, nil
	}

	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName("atomic-mcp"), semconv.ServiceVersion(opts.Version)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win
	)
	if err != nil && res == nil {
		return nil, fmt.Errorf("telemetry resource: %w", err)
	}
	// Export failures (a collector that is down) are reported, never
	// returned to a call: nothing here may fail a tool.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("telemetry export failed", "cause", err)
	}))

	var spans *batcher
	if exportTraces {
		exp := opts.SpanExporter
		if exp == nil {
			if exp, err = otlptracehttp.New(ctx); err != nil {
				return nil, fmt.Errorf("OTLP trace exporter (OTEL_EXPORTER_OTLP_*): %w", err)
			}
		}
		// The batcher's queue is bounded (OTEL_BSP_MAX_QUEUE_SIZE, 2048 by
		// default) and drops spans when full rather than blocking a call.
		cfg, warnings := batchSettings(getenv)
		for _, w := range warnings {
			logger.Warn("invalid telemetry setting", "cause", w)
		}
		spans = newBatcher(exp, cfg, otel.Handle)
		tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSpanProcessor(spans))
		t.tracer, t.tracing = tp, true
		t.flush = append(t.flush, tp.ForceFlush)
		t.shutdown = append(t.shutdown, tp.Shutdown)
	}

	var readers []sdkmetric.Option
	if exportMetrics {
		reader := opts.MetricReader
		if reader == nil {
			exp, err := otlpmetrichttp.New(ctx)
			if err != nil {
				return nil, fmt.Errorf("OTLP metric exporter (OTEL_EXPORTER_OTLP_*): %w", err)
			}
			reader = sdkmetric.NewPeriodicReader(exp) // OTEL_METRIC_EXPORT_INTERVAL
		}
		readers = append(readers, sdkmetric.WithReader(reader))
	}
	if opts.Prometheus {
		reg := prometheus.NewRegistry()
		exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
		if err != nil {
			return nil, fmt.Errorf("prometheus exporter: %w", err)
		}
		readers = append(readers, sdkmetric.WithReader(exp))
		t.prom = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)})
	}
	if len(readers) > 0 {
		mp := sdkmetric.NewMeterProvider(append(readers, sdkmetric.WithResource(res))...)
		t.meter, t.metering = mp, true
		if spans != nil {
			if err := spans.observe(mp.Meter(ScopeName)); err != nil {
				logger.Warn("telemetry", "cause", err) // the drops are still logged
			}
		}
		t.flush = append(t.flush, mp.ForceFlush)
		t.shutdown = append(t.shutdown, mp.Shutdown)
	}
	t.metrics = newMetrics(t.meter)
	return t, nil
}

// otlpWanted reports whether OTLP export of signal (TRACES or METRICS) is
// configured: an endpoint is set, and OTEL_<signal>_EXPORTER is not none.
func otlpWanted(getenv func(string) string, signal string) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_"+signal+"_EXPORTER")), "none") {
		return false
	}
	return strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) != "" ||
		strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_"+signal+"_ENDPOINT")) != ""
}

// checkProtocol refuses gRPC: only OTLP over HTTP is built in.
func checkProtocol(getenv func(string) string, traces, metrics bool) error {
	vars := []string{"OTEL_EXPORTER_OTLP_PROTOCOL"}
	if traces {
		vars = append(vars, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	}
	if metrics {
		vars = append(vars, "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL")
	}
	for _, v := range vars {
		switch p := strings.TrimSpace(getenv(v)); p {
		case "", "http/protobuf":
		default:
			return &SettingError{Variable: v, Value: p}
		}
	}
	return nil
}

// SettingError is an OTEL_* variable this server cannot honour.
type SettingError struct{ Variable, Value string }

func (e *SettingError) Error() string {
	return fmt.Sprintf("%s=%q is not supported: atomic-mcp exports OTLP over HTTP only; set %s=http/protobuf (or unset it) and point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's HTTP port (4318)", e.Variable, e.Value, e.Variable)
}

// Tracing reports whether spans are exported.
func (t *Telemetry) Tracing() bool { return t != nil && t.tracing }

// Enabled reports whether anything is traced or measured.
func (t *Telemetry) Enabled() bool { return t != nil && (t.tracing || t.metering) }

// Metrics are the server's instruments; no-ops when nothing reads them.
func (t *Telemetry) Metrics() *Metrics {
	if t == nil {
		return newMetrics(metricnoop.NewMeterProvider())
	}
	return t.metrics
}

// PrometheusHandler serves the metrics in Prometheus text format; nil
// unless Options.Prometheus was set.
func (t *Telemetry) PrometheusHandler() http.Handler {
	if t == nil {
		return nil
	}
	return t.prom
}

// Flush exports what is queued now, within ctx.
func (t *Telemetry) Flush(ctx context.Context) error {
	if t == nil {
		return nil
	}
	var errs []error
	for _, f := range t.flush {
		errs = append(errs, f(ctx))
	}
	return errors.Join(errs...)
}

// Shutdown flushes what is queued and stops the exporters, within ctx.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	var errs []error
	t.once.Do(func() {
		for _, f := range t.shutdown {
			errs = append(errs, f(ctx))
		}
	})
	return errors.Join(errs...)
}

// ShutdownGrace bounds how long Shutdown may hold up the exit.
const ShutdownGrace = 5 * time.Second
