package atomicapi

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for CacheOptions. Plans change when the provider changes its
// price list; the customer list changes with every create and delete, which
// this server sees when they are its own, so its cache only needs to bridge
// the list calls of one conversation step (list, check, create).
const (
	DefaultPlansTTL     = 5 * time.Minute
	DefaultCustomersTTL = 10 * time.Second
)

// maxCachedFilters bounds how many customer name filters are cached at
// once, so that a client trying one filter after another cannot grow the
// cache without limit.
const maxCachedFilters = 64

// CacheOptions configures Cached.
type CacheOptions struct {
	// PlansTTL is how long the service plans are kept; zero or less keeps
	// nothing.
	PlansTTL time.Duration
	// CustomersTTL is how long a customer list is kept, per name filter;
	// zero or less keeps nothing.
	CustomersTTL time.Duration
	// Now is the clock, time.Now when nil (tests set a fake one).
	Now func() time.Time
	// Generations, if set, is a counter shared with other replicas: every
	// write bumps it, and a read that finds it moved drops the cached
	// customer lists first, so a write on any replica shows at once on
	// every other. While it cannot be read, nothing cached is served.
	Generations Generations
}

// Generations is a set of counters shared between processes;
// internal/store provides them.
type Generations interface {
	Generation(ctx context.Context, key string) (int64, error)
	Bump(ctx context.Context, key string) error
}

// customersGeneration names the counter of the customer lists.
const customersGeneration = "customers"

// Cached puts a cache in front of a Client, with the same four methods.
// Identical list calls in flight at the same time share one upstream
// request, cache or no cache. Every create and delete sent through it,
// whatever its outcome, drops the cached customer lists, so a list made
// after a write always reflects it. Safe for concurrent use.
//
// The slices it returns are shared with other callers and with the cache:
// read them, never modify them.
type Cached struct {
	client    *Client
	plans     *group[ServicePlan]
	customers *group[Customer]
	gens      Generations
	seen      atomic.Int64 // the shared generation the cache was filled at
}

// NewCached wraps c.
func NewCached(c *Client, opts CacheOptions) *Cached {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Cached{
		client: c,
		gens:   opts.Generations,
		plans: newGroup(c, "list service plans", CachePlans, opts.PlansTTL, now, func(ctx context.Context, _ string) ([]ServicePlan, error) {
			return c.ListServicePlans(ctx)
		}),
		customers: newGroup(c, "list customers", CacheCustomers, opts.CustomersTTL, now, c.ListCustomers),
	}
}

// ListCustomers is Client.ListCustomers, cached per name filter.
func (c *Cached) ListCustomers(ctx context.Context, name string) ([]Customer, error) {
	c.syncGeneration(ctx)
	return c.customers.get(ctx, name)
}

// syncGeneration drops the cached customer lists when another replica
// wrote since they were fetched, or when that cannot be known.
func (c *Cached) syncGeneration(ctx context.Context) {
	if c.gens == nil {
		return
	}
	gen, err := c.gens.Generation(ctx, customersGeneration)
	if err != nil || c.seen.Swap(gen) != gen {
		c.customers.invalidate()
	}
}

// wrote drops this replica's customer lists and tells the others to.
func (c *Cached) wrote(ctx context.Context) {
	c.customers.invalidate()
	if c.gens == nil {
		return
	}
	// Even when the caller has gone: the write may have happened.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := c.gens.Bump(ctx, customersGeneration); err != nil {
		c.client.log.WarnContext(ctx, "could not tell the other replicas to drop their cached customer lists; they catch up within the customers TTL", "cause", err)
	}
}

// ListCustomersFresh reads past the cache: a create's duplicate check and a
// delete's lookup decide on what the API says now, not on what this process
// saw up to a TTL ago (another replica, or the portal, may have changed it).
// The answer refills the cache for the reads that follow.
func (c *Cached) ListCustomersFresh(ctx context.Context, name string) ([]Customer, error) {
	c.customers.invalidate()
	return c.customers.get(ctx, name)
}

// ListServicePlans is Client.ListServicePlans, cached.
func (c *Cached) ListServicePlans(ctx context.Context) ([]ServicePlan, error) {
	return c.plans.get(ctx, "")
}

// CreateCustomer is Client.CreateCustomer; afterwards the customer lists are
// fetched afresh. A failed create too may have created the customer (the
// answer can be lost on the way back), so it invalidates as well.
func (c *Cached) CreateCustomer(ctx context.Context, in NewCustomer) (*Customer, error) {
	defer c.wrote(ctx)
	return c.client.CreateCustomer(ctx, in)
}

// DeleteCustomer is Client.DeleteCustomer; afterwards, whatever the
// outcome, the customer lists are fetched afresh.
func (c *Cached) DeleteCustomer(ctx context.Context, id int64) (*Deletion, error) {
	defer c.wrote(ctx)
	return c.client.DeleteCustomer(ctx, id)
}

// group caches one list endpoint's answers by key and coalesces concurrent
// fetches of the same key into one flight.
type group[E any] struct {
	client *Client
	op     string
	name   string // for Observer
	ttl    time.Duration
	now    func() time.Time
	fetch  func(ctx context.Context, key string) ([]E, error)

	mu      sync.Mutex
	gen     uint64 // bumped by invalidate: older flights may not fill the cache
	entries map[string]entry[E]
	flights map[string]*flight[E]
}

type entry[E any] struct {
	val     []E
	expires time.Time
}

// flight is one upstream fetch and the callers waiting for it. It runs on
// its own context so that it outlives any single caller, and is cancelled
// when the last one leaves.
type flight[E any] struct {
	gen     uint64
	waiters int // guarded by group.mu
	cancel  context.CancelFunc
	done    chan struct{}
	val     []E // written before done is closed
	err     error
}

func newGroup[E any](c *Client, op, name string, ttl time.Duration, now func() time.Time, fetch func(context.Context, string) ([]E, error)) *group[E] {
	return &group[E]{client: c, op: op, name: name, ttl: ttl, now: now, fetch: fetch, entries: map[string]entry[E]{}, flights: map[string]*flight[E]{}}
}

func (g *group[E]) get(ctx context.Context, key string) ([]E, error) {
	g.mu.Lock()
	if e, ok := g.entries[key]; ok {
		if g.now().Before(e.expires) {
			g.mu.Unlock()
			g.client.observer.CacheLookup(ctx, g.name, CacheHit)
			return e.val, nil
		}
		delete(g.entries, key)
	}
	f := g.flights[key]
	result := CacheCoalesced
	if f == nil {
		result = CacheMiss
		// The flight keeps the first caller's values (its Trace records the
		// upstream requests) but not its cancellation or deadline; the
		// client's CallDeadline still bounds it.
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight[E]{gen: g.gen, cancel: cancel, done: make(chan struct{})}
		g.flights[key] = f
		go g.run(fctx, key, f)
	}
	f.waiters++
	g.mu.Unlock()
	g.client.observer.CacheLookup(ctx, g.name, result)

	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		g.leave(key, f)
		return nil, g.client.contextError(ctx, g.op, nil)
	}
}

func (g *group[E]) run(ctx context.Context, key string, f *flight[E]) {
	defer f.cancel()
	val, err := g.fetch(ctx, key)
	// Clipped, so that an append by one caller reallocates instead of
	// writing into the array the others share.
	val = slices.Clip(val)
	g.mu.Lock()
	if g.flights[key] == f {
		delete(g.flights, key)
	}
	// Errors are not kept, and neither is an answer fetched before an
	// invalidation: it may predate the write that caused it.
	if err == nil && g.ttl > 0 && f.gen == g.gen {
		g.store(key, val)
	}
	f.val, f.err = val, err
	g.mu.Unlock()
	close(f.done)
}

// leave drops a waiter that gave up; the last one out cancels the fetch.
func (g *group[E]) leave(key string, f *flight[E]) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f.waiters--
	if f.waiters == 0 {
		f.cancel()
		if g.flights[key] == f {
			delete(g.flights, key) // a new caller starts afresh
		}
	}
}

// store keeps val under key, first making room by dropping expired
// entries and, if that is not enough, the one closest to expiry.
func (g *group[E]) store(key string, val []E) {
	now := g.now()
	if _, ok := g.entries[key]; !ok && len(g.entries) >= maxCachedFilters {
		var soonest string
		var found bool
		for k, e := range g.entries {
			if !now.Before(e.expires) {
				delete(g.entries, k)
			} else if !found || e.expires.Before(g.entries[soonest].expires) {
				soonest, found = k, true
			}
		}
		if len(g.entries) >= maxCachedFilters {
			delete(g.entries, soonest)
		}
	}
	g.entries[key] = entry[E]{val: val, expires: now.Add(g.ttl)}
}

// invalidate forgets every answer, and detaches the flights in progress:
// their callers still get their answers, but later callers start new ones.
func (g *group[E]) invalidate() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gen++
	clear(g.entries)
	clear(g.flights)
}
