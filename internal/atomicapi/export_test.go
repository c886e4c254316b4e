package atomicapi

// Hooks for the external tests: how many callers wait on a flight, and how
// many answers are cached.

func (g *group[E]) waiters(key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f := g.flights[key]; f != nil {
		return f.waiters
	}
	return 0
}

func (g *group[E]) cached() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.entries)
}

// CustomerWaiters is how many callers wait for the list filtered by name.
func CustomerWaiters(c *Cached, name string) int { return c.customers.waiters(name) }

// PlanWaiters is how many callers wait for the plans.
func PlanWaiters(c *Cached) int { return c.plans.waiters("") }

// CachedFilters is how many customer lists are cached.
func CachedFilters(c *Cached) int { return c.customers.cached() }

// MaxCachedFilters is the bound on CachedFilters.
const MaxCachedFilters = maxCachedFilters
