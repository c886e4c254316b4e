package atomicapi

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Sentinel errors let callers branch with errors.Is on why a call failed.
var (
	ErrUnauthorized = errors.New("unauthorized")
	ErrNotFound     = errors.New("not found")
	ErrValidation   = errors.New("rejected as invalid")
	ErrRateLimited  = errors.New("rate limited")
	ErrUnavailable  = errors.New("unavailable")
	ErrMalformed    = errors.New("malformed response")
)

// Error is a failed API call. Its text names the cause and what to do about
// it, and is safe to show a user: it never holds the access token.
type Error struct {
	// Kind is one of the sentinel errors above, or nil for an unexpected
	// status.
	Kind error
	// Op names the call, e.g. "list customers".
	Op string
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// Message is the API's own message, if it gave one.
	Message string
	// Fields holds the API's per-field messages for a validation error.
	Fields map[string][]string
	// RetryAfter is how long the API asked us to wait (rate limited only).
	// With Status 0 the limit was this client's own, and nothing was sent.
	RetryAfter time.Duration
	// Err is the underlying transport or decoding error, if any.
	Err error
}

func (e *Error) Error() string { return e.Op + ": " + e.Summary() + e.Detail() }

// Summary names the cause, without the operation or the API's own words.
// What to do about it is for whoever shows the error to a person to add
// (internal/advice): this package names no setting.
func (e *Error) Summary() string {
	var b strings.Builder
	switch e.Kind {
	case ErrUnauthorized:
		fmt.Fprintf(&b, "the Atomic API rejected the access token (HTTP %d)", e.Status)
	case ErrNotFound:
		fmt.Fprintf(&b, "not found (HTTP %d)", e.Status)
	case ErrValidation:
		fmt.Fprintf(&b, "the Atomic API rejected the request as invalid (HTTP %d)", e.Status)
	case ErrRateLimited:
		if e.Status == 0 {
			// Our own limiter: nothing was sent.
			b.WriteString("not sent: this server paces its requests to the Atomic API, and too many are queued to send this one before the call's deadline")
		} else {
			fmt.Fprintf(&b, "rate limited by the Atomic API (HTTP %d)", e.Status)
		}
		if e.RetryAfter > 0 {
			// Rounded up: "retry after 0s" would invite an instant retry.
			fmt.Fprintf(&b, ": retry after %s", (e.RetryAfter + time.Second - 1).Truncate(time.Second))
		} else {
			b.WriteString(": retry in a few seconds")
		}
	case ErrUnavailable:
		b.WriteString("the Atomic API is unavailable")
		if e.Status != 0 {
			fmt.Fprintf(&b, " (HTTP %d)", e.Status)
		}
	case ErrMalformed:
		b.WriteString("the Atomic API sent a response that could not be read")
		if e.Status != 0 {
			fmt.Fprintf(&b, " (HTTP %d)", e.Status)
		}
	default:
		if e.Status >= 300 && e.Status < 400 {
			fmt.Fprintf(&b, "the Atomic API answered with a redirect (HTTP %d), which is not followed so that the token is never sent elsewhere", e.Status)
		} else {
			fmt.Fprintf(&b, "unexpected answer from the Atomic API (HTTP %d)", e.Status)
		}
	}
	return b.String()
}

// Detail is what follows the summary: the API's message and per-field
// messages, then the underlying cause, each led by its separator ("" when
// there are none).
func (e *Error) Detail() string {
	var b strings.Builder
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if len(e.Fields) > 0 {
		names := make([]string, 0, len(e.Fields))
		for name := range e.Fields {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			fmt.Fprintf(&b, "; %s: %s", name, strings.Join(e.Fields[name], " "))
		}
	}
	if e.Err != nil && e.Kind != ErrUnauthorized {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) and friends work.
func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// Unwrap exposes the transport or decoding cause.
func (e *Error) Unwrap() error { return e.Err }
