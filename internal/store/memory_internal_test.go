package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestMemorySpentIsPruned: a spent key is kept only until it expires, so a
// long-running server does not grow the set without bound.
func TestMemorySpentIsPruned(t *testing.T) {
	now := time.Date(2025, 2, 19, 11, 15, 27, 0, time.UTC)
	m := NewMemoryClock(func() time.Time { return now })
	for i := range 100 {
		if first, _ := m.Spend(context.Background(), fmt.Sprint(i), now.Add(time.Minute)); !first {
			t.Fatal("fresh key not first")
		}
	}
	if n := len(m.spent); n != 100 {
		t.Fatalf("%d spent entries, want 100", n)
	}
	now = now.Add(2 * time.Minute)
	_, _ = m.Spend(context.Background(), "new", now.Add(time.Minute))
	if n := len(m.spent); n != 1 {
		t.Errorf("%d spent entries after every earlier key expired, want 1", n)
	}
}

// TestFileSpentIsPruned: the file store drops spent keys past their expiry
// (and a grace period), and never one still live.
func TestFileSpentIsPruned(t *testing.T) {
	now := time.Now()
	f, err := OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.now = func() time.Time { return now }
	ctx := context.Background()
	_, _ = f.Spend(ctx, "old", now.Add(time.Second))
	_, _ = f.Spend(ctx, "live", now.Add(time.Hour))
	now = now.Add(spentGrace + 2*time.Second)
	_, _ = f.Spend(ctx, "new", now.Add(time.Minute))
	if first, _ := f.Spend(ctx, "live", now.Add(time.Hour)); first {
		t.Fatal("a live spent key was pruned")
	}
	if first, _ := f.Spend(ctx, "old", now.Add(time.Hour)); !first {
		t.Fatal("an expired spent key was kept")
	}
}
