// Package store holds the state that must agree between every process
// serving one Atomic account: spent confirmation tokens, create leases, the
// shared rate budget and the customer-cache generation. Three backends share
// one interface: memory (one process), file (processes on one machine, for
// `atomic-mcp call`) and Redis or Valkey (replicas).
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Store is the shared state. Every method is safe for concurrent use.
type Store interface {
	// Spend marks key spent until expires. It reports true to the first
	// caller only, on any process sharing the store; every later call
	// before expires reports false.
	Spend(ctx context.Context, key string, expires time.Time) (first bool, err error)
	// Lock takes the lease on key, waiting while another caller holds it,
	// until ctx ends. The lease lapses by itself after ttl, so a crashed
	// holder cannot block the key for ever. unlock gives it back early.
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error)
	// Generation is the current value of counter key; Bump increases it.
	// A process that caches what a counter guards compares the generation
	// it cached at with the current one before serving from its cache.
	Generation(ctx context.Context, key string) (int64, error)
	Bump(ctx context.Context, key string) error
	// Limiter is a rate budget of rate requests per second (burst at once)
	// shared by every process on the store, or nil when the store is not
	// shared between processes that send requests: then each process
	// paces itself.
	Limiter(key string, rate float64, burst int) Limiter
	// Shared reports whether other processes see this store: false for
	// memory.
	Shared() bool
	// String names the store for logs and errors, without any password.
	String() string
	Close() error
}

// Limiter is a rate budget shared between processes.
type Limiter interface {
	// Wait blocks until one request may go. When its turn would come after
	// ctx's deadline it returns at once with ok false and the time the
	// turn would take; err is the store failing, or ctx ending.
	Wait(ctx context.Context) (ok bool, retryAfter time.Duration, err error)
}

// Error is a store that could not be reached or did not answer as expected.
// Callers fail closed on it: a guard that cannot be checked does not pass.
type Error struct {
	Store string // as String names it: no password
	Op    string
	Err   error
}

func (e *Error) Error() string {
	return fmt.Sprintf("shared state store %s: %s: %v", e.Store, e.Op, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Open opens the store at rawURL: "memory"; "file" (the user's state
// directory) or "file:///a/dir"; "redis://…" or "rediss://…". getenv
// locates the state directory.
func Open(ctx context.Context, rawURL string, getenv func(string) string) (Store, error) {
	switch {
	case rawURL == "" || rawURL == "memory":
		return NewMemory(), nil
	case rawURL == "file":
		dir, err := StateDir(getenv)
		if err != nil {
			return nil, err
		}
		return OpenFile(dir)
	case strings.HasPrefix(rawURL, "file://"):
		u, err := url.Parse(rawURL)
		if err != nil || u.Path == "" || u.Host != "" {
			return nil, fmt.Errorf("store %q is not a file URL: use file:///an/absolute/dir, or file for the user's state directory", rawURL)
		}
		return OpenFile(u.Path)
	case strings.HasPrefix(rawURL, "redis://"), strings.HasPrefix(rawURL, "rediss://"):
		return OpenRedis(ctx, rawURL)
	}
	return nil, fmt.Errorf("store %q is not supported: use memory, file, file:///dir, redis://host:6379/0 or rediss://host:6380/0", Redact(rawURL))
}

// Redact is rawURL without its password, for messages.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// errClosed is returned after Close.
var errClosed = errors.New("store is closed")

// pollInterval paces a waiter polling a lease held by another process.
func pollInterval(attempt int) time.Duration {
	return min(time.Duration(attempt+1)*5*time.Millisecond, 50*time.Millisecond)
}
