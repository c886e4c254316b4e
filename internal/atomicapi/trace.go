package atomicapi

import (
	"context"
	"sync"
)

// Trace collects what one tool call did upstream, for its log line and audit
// record, without threading return values through every layer.
type Trace struct {
	mu         sync.Mutex
	requests   int
	lastStatus int
}

type traceKey struct{}

// WithTrace returns a context whose API calls are recorded in t.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// Requests is how many HTTP requests were sent.
func (t *Trace) Requests() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.requests
}

// LastStatus is the HTTP status of the last answer, 0 if none arrived.
func (t *Trace) LastStatus() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastStatus
}

func record(ctx context.Context, status int) {
	if t, ok := ctx.Value(traceKey{}).(*Trace); ok {
		t.mu.Lock()
		t.requests++
		t.lastStatus = status
		t.mu.Unlock()
	}
}

// TraceFrom returns the trace that ctx's API calls are recorded in, or nil.
// Tools read it to report the upstream status in their audit records.
func TraceFrom(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}
