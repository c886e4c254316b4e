package store

import (
	"context"
	"sync"
	"time"
)

// Memory is the store of a single process: nothing survives it, and other
// processes do not see it.
type Memory struct {
	locks KeyedMutex
	now   func() time.Time

	mu    sync.Mutex
	spent map[string]time.Time // key -> expiry
	gens  map[string]int64
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return NewMemoryClock(time.Now) }

// NewMemoryClock is NewMemory on the clock that expiries are reckoned by
// (tests of the confirmation tokens use a fake one).
func NewMemoryClock(now func() time.Time) *Memory {
	return &Memory{now: now, spent: map[string]time.Time{}, gens: map[string]int64{}}
}

// Spend implements Store.
func (m *Memory) Spend(_ context.Context, key string, expires time.Time) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, exp := range m.spent {
		if !now.Before(exp) {
			delete(m.spent, k)
		}
	}
	if _, seen := m.spent[key]; seen {
		return false, nil
	}
	m.spent[key] = expires
	return true, nil
}

// Lock implements Store. Within one process a holder cannot vanish without
// the process, so ttl is not needed.
func (m *Memory) Lock(ctx context.Context, key string, _ time.Duration) (func(), error) {
	return m.locks.Lock(ctx, key)
}

// Generation implements Store.
func (m *Memory) Generation(_ context.Context, key string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gens[key], nil
}

// Bump implements Store.
func (m *Memory) Bump(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gens[key]++
	return nil
}

// Limiter implements Store: nil, the process paces itself.
func (m *Memory) Limiter(string, float64, int) Limiter { return nil }

// Shared implements Store.
func (m *Memory) Shared() bool { return false }

func (m *Memory) String() string { return "memory" }

// Close implements Store.
func (m *Memory) Close() error { return nil }
