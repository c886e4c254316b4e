// Package calllog names the outcomes of a tool call, once, for the one log
// line the server writes per call. Tools say what happened (a refusal, a
// declined confirmation) through the call's context; the server's logging
// middleware reads it back, so a label never depends on matching text.
package calllog

import (
	"context"
	"sync/atomic"
)

// Outcome is how a tool call ended, as logged.
type Outcome string

// The outcomes of a tool call.
const (
	// OK: the tool did what was asked.
	OK Outcome = "ok"
	// Refused: the arguments were wrong; nothing reached the API.
	Refused Outcome = "refused"
	// Declined: the user declined or cancelled a confirmation.
	Declined Outcome = "declined"
	// AskedUser: the call needs the user's answer (an elicitation or a
	// confirmation token) before anything happens.
	AskedUser Outcome = "asked_user"
	// Error: an error result, e.g. the API failed or refused.
	Error Outcome = "error"
	// Failed: a protocol failure; the handler returned no result.
	Failed Outcome = "failed"
)

type key struct{}

// Note carries the outcome a tool reports for its call.
type Note struct{ v atomic.Value }

// With returns ctx carrying n.
func With(ctx context.Context, n *Note) context.Context { return context.WithValue(ctx, key{}, n) }

// Set reports o as the outcome of the call ctx belongs to; outside a logged
// call it does nothing.
func Set(ctx context.Context, o Outcome) {
	if n, ok := ctx.Value(key{}).(*Note); ok {
		n.v.Store(o)
	}
}

// Get returns the reported outcome, or "" when the tool reported none.
func (n *Note) Get() Outcome {
	o, _ := n.v.Load().(Outcome)
	return o
}
