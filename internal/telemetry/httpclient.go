package telemetry

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"
)

// APITransport wraps the Atomic API client's transport: one CLIENT span
// per request, a child of the tool call's span, and otelhttp's
// http.client.request.duration with the endpoint as url.template. Disabled,
// it returns base itself.
//
// The endpoint is the request path: the Atomic API's paths are fixed and
// carry no ids or names (those travel in the query or the body). The query
// does carry the customer name filter, so it is cut from url.full.
func (t *Telemetry) APITransport(base http.RoundTripper) http.RoundTripper {
	if !t.Enabled() {
		return base
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return otelhttp.NewTransport(withoutQuery{base},
		otelhttp.WithTracerProvider(t.tracer),
		otelhttp.WithMeterProvider(t.meter),
		otelhttp.WithPropagators(t.prop),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + endpoint(r) }),
		otelhttp.WithMetricAttributesFn(func(r *http.Request) []attribute.KeyValue {
			return []attribute.KeyValue{semconv.URLTemplate(endpoint(r))}
		}),
	)
}

// endpoint is the request's route: its path, which for the Atomic API is
// one of four constants.
func endpoint(r *http.Request) string {
	if r.URL == nil || r.URL.Path == "" {
		return "/"
	}
	return r.URL.Path
}

// withoutQuery runs inside otelhttp's span and replaces the url.full that
// otelhttp recorded with one without its query (the customer name filter)
// and, as otelhttp already does, without credentials.
type withoutQuery struct{ next http.RoundTripper }

func (w withoutQuery) RoundTrip(r *http.Request) (*http.Response, error) {
	if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
		u := *r.URL
		u.User, u.RawQuery, u.ForceQuery, u.Fragment = nil, "", false, ""
		span.SetAttributes(semconv.URLFull(strings.TrimSuffix(u.String(), "?")), semconv.URLTemplate(endpoint(r)))
	}
	return w.next.RoundTrip(r)
}
