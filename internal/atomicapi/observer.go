package atomicapi

import (
	"context"
	"errors"
	"time"
)

// Observer is told what the client does that metrics count: the turns
// requests wait for under the rate limit, and the reads of the cache.
// internal/telemetry provides one; it must not block.
type Observer interface {
	// RateLimited reports one request's turn: how long it was held back,
	// or that it was refused because the turn would come too late.
	RateLimited(ctx context.Context, waited time.Duration, refused bool)
	// CacheLookup reports one read of a cached list (cache is CachePlans
	// or CacheCustomers) and its result (CacheHit, CacheMiss or
	// CacheCoalesced).
	CacheLookup(ctx context.Context, cache, result string)
}

// The caches and the results of a cached read, as Observer is told.
const (
	CachePlans     = "plans"
	CacheCustomers = "customers"
	CacheHit       = "hit"
	CacheMiss      = "miss"
	// CacheCoalesced: the read joined an identical fetch already in flight.
	CacheCoalesced = "coalesced"
)

type noObserver struct{}

func (noObserver) RateLimited(context.Context, time.Duration, bool) {}
func (noObserver) CacheLookup(context.Context, string, string)      {}

// observeTurn reports the outcome of waitTurn, which began at start.
func (c *Client) observeTurn(ctx context.Context, start time.Time, err error) {
	var apiErr *Error
	refused := errors.As(err, &apiErr) && apiErr.Kind == ErrRateLimited
	if err != nil && !refused {
		return // the caller gave up; that is no turn
	}
	c.observer.RateLimited(ctx, time.Since(start), refused)
}
