package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/redistest"
	"github.com/atomtelecom/atomic-mcp/internal/store"
)

// backends opens, for each backend, two stores on the same state, as two
// processes would: memory has only one (it is one process's state).
func backends(t *testing.T) map[string][2]store.Store {
	t.Helper()
	mem := store.NewMemory()
	dir := t.TempDir()
	f1, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := redistest.Start(t)
	open := func() store.Store {
		r, err := store.Open(context.Background(), srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close() })
		return r
	}
	return map[string][2]store.Store{"memory": {mem, mem}, "file": {f1, f2}, "redis": {open(), open()}}
}

func TestSpendFirstWinsUnderConcurrency(t *testing.T) {
	for name, pair := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			expires := time.Now().Add(time.Minute)
			var wins atomic.Int32
			var wg sync.WaitGroup
			for i := range 40 {
				wg.Go(func() {
					first, err := pair[i%2].Spend(ctx, "token-a", expires)
					if err != nil {
						t.Error(err)
					}
					if first {
						wins.Add(1)
					}
				})
			}
			wg.Wait()
			if n := wins.Load(); n != 1 {
				t.Fatalf("%d of 40 concurrent spends of one key won, want 1", n)
			}
			first, err := pair[1].Spend(ctx, "token-b", expires)
			if err != nil || !first {
				t.Fatalf("spend of another key = %v, %v; want true", first, err)
			}
		})
	}
}

func TestLockIsOneCriticalSection(t *testing.T) {
	for name, pair := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var inside, most, done atomic.Int32
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					unlock, err := pair[i%2].Lock(ctx, "harbour plumbing", 10*time.Second)
					if err != nil {
						t.Error(err)
						return
					}
					n := inside.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					time.Sleep(time.Millisecond)
					inside.Add(-1)
					done.Add(1)
					unlock()
				})
			}
			wg.Wait()
			if most.Load() != 1 || done.Load() != 20 {
				t.Fatalf("%d callers inside at once (want 1), %d of 20 done", most.Load(), done.Load())
			}
			// Another key is not held up by this one.
			unlockA, err := pair[0].Lock(ctx, "a", time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer unlockA()
			short, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			unlockB, err := pair[1].Lock(short, "b", time.Second)
			if err != nil {
				t.Fatalf("lock b while a is held: %v", err)
			}
			unlockB()
			// A waiter gives up when its context ends.
			short, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			if _, err := pair[1].Lock(short, "a", time.Second); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("lock of a held key with a 50ms context = %v, want deadline exceeded", err)
			}
		})
	}
}

func TestGenerationCountsEveryBump(t *testing.T) {
	for name, pair := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			before, err := pair[1].Generation(ctx, "customers")
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					if err := pair[i%2].Bump(ctx, "customers"); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			after, err := pair[1].Generation(ctx, "customers")
			if err != nil || after-before != 20 {
				t.Fatalf("generation went from %d to %d (%v) after 20 bumps", before, after, err)
			}
		})
	}
}

func TestRedisLease(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a, _ := store.OpenRedis(ctx, srv.URL)
	b, _ := store.OpenRedis(ctx, srv.URL)
	defer a.Close()
	defer b.Close()
	// A holder that never unlocks (a crashed replica) loses the lease at
	// its ttl.
	if _, err := a.Lock(ctx, "crashed", 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	unlock, err := b.Lock(ctx, "crashed", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond || waited > 2*time.Second {
		t.Fatalf("took a lapsed lease after %s, want about its 200ms ttl", waited)
	}
	unlock()
}

func TestRedisLimiterIsOneBudget(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	var limiters []store.Limiter
	for range 3 {
		r, _ := store.OpenRedis(ctx, srv.URL)
		defer r.Close()
		limiters = append(limiters, r.Limiter("api", 10, 5))
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 15 {
		wg.Go(func() {
			if ok, _, err := limiters[i%3].Wait(ctx); !ok || err != nil {
				t.Errorf("wait = %v, %v", ok, err)
			}
		})
	}
	wg.Wait()
	// 5 at once, then 10 at 10/s: about a second, whichever replica asks.
	if took := time.Since(start); took < 800*time.Millisecond {
		t.Fatalf("15 turns at 10/s burst 5 over three replicas took %s, want about 1s: each replica has its own budget", took)
	}
	// A turn that would come after the deadline is refused at once.
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	for range 10 {
		ok, after, err := limiters[0].Wait(short)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			if after <= 0 {
				t.Fatalf("refused turn says retry after %s", after)
			}
			return
		}
	}
	t.Fatal("no turn refused with an empty budget and a 10ms deadline")
}

// TestRedisFailsClosedAndRecovers: with the server down every call fails
// with a *store.Error naming the store but not its password; once it is
// back the same Store works, without being reopened.
func TestRedisFailsClosedAndRecovers(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	url := strings.Replace(srv.URL, "redis://", "redis://atomic:s3cret-pw@", 1)
	r, err := store.OpenRedis(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	withPassword, err := store.OpenRedis(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer withPassword.Close()
	if _, err := r.Spend(ctx, "before", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	srv.Stop()
	calls := map[string]func(store.Store) error{
		"spend": func(s store.Store) error { _, err := s.Spend(ctx, "k", time.Now().Add(time.Minute)); return err },
		"lock": func(s store.Store) error {
			unlock, err := s.Lock(ctx, "k", time.Second)
			if err == nil {
				unlock()
			}
			return err
		},
		"generation": func(s store.Store) error { _, err := s.Generation(ctx, "k"); return err },
		"bump":       func(s store.Store) error { return s.Bump(ctx, "k") },
		"limiter":    func(s store.Store) error { _, _, err := s.Limiter("k", 10, 1).Wait(ctx); return err },
	}
	for name, call := range calls {
		for _, s := range []store.Store{r, withPassword} {
			start := time.Now()
			err := call(s)
			var storeErr *store.Error
			if !errors.As(err, &storeErr) {
				t.Fatalf("%s with the server down = %v, want a *store.Error", name, err)
			}
			if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("127.0.0.1:%d", srv.Port)) || strings.Contains(msg, "s3cret-pw") {
				t.Fatalf("%s error %q: want the store's address and never its password", name, msg)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Fatalf("%s took %s to fail with the server down", name, took)
			}
		}
	}

	srv.Restart()
	deadline := time.Now().Add(5 * time.Second)
	for {
		first, err := r.Spend(ctx, "after", time.Now().Add(time.Minute))
		if err == nil && first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("spend after the server came back = %v, %v", first, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestKeyedMutexDropsReleasedKeys(t *testing.T) {
	var k store.KeyedMutex
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			unlock, err := k.Lock(ctx, fmt.Sprint("name-", i%10))
			if err != nil {
				t.Error(err)
				return
			}
			unlock()
			unlock() // a second unlock is harmless
		})
	}
	wg.Wait()
	unlock, _ := k.Lock(ctx, "held")
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := k.Lock(short, "held"); err == nil {
		t.Fatal("second lock of a held key succeeded")
	}
	unlock()
	if n := k.Len(); n != 0 {
		t.Fatalf("%d keys kept after every lock was released, want 0", n)
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"XDG_STATE_HOME": dir}[k] }
	for _, tt := range []struct{ url, want, err string }{
		{url: "", want: "memory"},
		{url: "memory", want: "memory"},
		{url: "file", want: "file://" + dir + "/atomic-mcp"},
		{url: "file://" + dir + "/x", want: "file://" + dir + "/x"},
		{url: "redis://:pw@127.0.0.1:1/0", want: "redis://:xxxxx@127.0.0.1:1/0"},
		{url: "memcached://:pw@x", err: "memcached://:xxxxx@x"},
		{url: "file://host/x", err: "not a file URL"},
	} {
		s, err := store.Open(ctx, tt.url, env)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), ":pw@") {
				t.Errorf("Open(%q) error = %v, want one containing %q and no password", tt.url, err, tt.err)
			}
			continue
		}
		if err != nil || s.String() != tt.want {
			t.Errorf("Open(%q) = %v, %v; want %s", tt.url, s, err, tt.want)
			continue
		}
		_ = s.Close()
	}
	if _, err := store.StateDir(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "--store") {
		t.Errorf("StateDir without HOME = %v, want an error pointing at --store", err)
	}
}
