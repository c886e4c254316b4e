package telemetry

import (
	"context"
	"errors"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/store"
)

// Store counts the failures of s in atomic_mcp.store.errors, by operation.
// Disabled, it returns s itself.
func (t *Telemetry) Store(s store.Store) store.Store {
	if !t.Enabled() || s == nil {
		return s
	}
	return observedStore{Store: s, m: t.metrics}
}

// observedStore counts the store's own failures (*store.Error); a caller
// giving up (its context ending) is not one.
type observedStore struct {
	store.Store
	m *Metrics
}

func (o observedStore) failed(ctx context.Context, op string, err error) {
	var se *store.Error
	if errors.As(err, &se) && ctx.Err() == nil {
		o.m.StoreError(ctx, op)
	}
}

func (o observedStore) Spend(ctx context.Context, key string, expires time.Time) (bool, error) {
	first, err := o.Store.Spend(ctx, key, expires)
	o.failed(ctx, "spend", err)
	return first, err
}

func (o observedStore) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	unlock, err := o.Store.Lock(ctx, key, ttl)
	o.failed(ctx, "lock", err)
	return unlock, err
}

func (o observedStore) Generation(ctx context.Context, key string) (int64, error) {
	gen, err := o.Store.Generation(ctx, key)
	o.failed(ctx, "generation", err)
	return gen, err
}

func (o observedStore) Bump(ctx context.Context, key string) error {
	err := o.Store.Bump(ctx, key)
	o.failed(ctx, "bump", err)
	return err
}

func (o observedStore) Limiter(key string, rate float64, burst int) store.Limiter {
	l := o.Store.Limiter(key, rate, burst)
	if l == nil {
		return nil
	}
	return observedLimiter{l, o}
}

type observedLimiter struct {
	store.Limiter
	o observedStore
}

func (l observedLimiter) Wait(ctx context.Context) (bool, time.Duration, error) {
	ok, after, err := l.Limiter.Wait(ctx)
	l.o.failed(ctx, "rate_limit", err)
	return ok, after, err
}
