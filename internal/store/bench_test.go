package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/redistest"
	"github.com/atomtelecom/atomic-mcp/internal/store"
)

// BenchmarkRedisWritePath is the store's own share of a create (take and
// give back the name's lease, two rate-budget turns: the fresh list and
// the POST, one generation bump) and of a confirmed delete (spend the
// token, two turns, one bump), on a Redis on loopback.
//
//	go test -run '^$' -bench '^BenchmarkRedisWritePath$' -benchtime 2000x ./internal/store
func BenchmarkRedisWritePath(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	r, err := store.OpenRedis(ctx, srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	limit := r.Limiter("bench", 1e6, 10)
	turn := func() {
		if ok, _, err := limit.Wait(ctx); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
	b.Run("create", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			unlock, err := r.Lock(ctx, fmt.Sprint("create:bench ", i), 30*time.Second)
			if err != nil {
				b.Fatal(err)
			}
			turn()
			turn()
			if err := r.Bump(ctx, "customers"); err != nil {
				b.Fatal(err)
			}
			unlock()
		}
	})
	b.Run("delete", func(b *testing.B) {
		run := time.Now().UnixNano() // fresh tokens for every run of -count
		for i := 0; b.Loop(); i++ {
			if first, err := r.Spend(ctx, fmt.Sprint("bench-token-", run, "-", i), time.Now().Add(time.Minute)); !first || err != nil {
				b.Fatal(first, err)
			}
			turn()
			turn()
			if err := r.Bump(ctx, "customers"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
