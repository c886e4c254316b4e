package tools

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestCreateCustomerConcurrentSameName: concurrent creates of one name on
// one server are one critical section: one POST, and every other caller is
// refused naming the customer the first one created. Before the per-name
// lock, 2 concurrent calls sent 2 POSTs and 20 sent 7–8.
func TestCreateCustomerConcurrentSameName(t *testing.T) {
	for _, n := range []int{2, 20} {
		t.Run(fmt.Sprint(n, " callers"), func(t *testing.T) {
			h := newHarness(t)
			results := make([]toolResult, n)
			var wg sync.WaitGroup
			for i := range n {
				// Spellings that are one name to the guard.
				name := []string{"Harbour Plumbing Pty Ltd", "harbour plumbing pty ltd", "Harbour  Plumbing Proprietary Limited"}[i%3]
				wg.Go(func() { results[i] = h.callCtx(t, context.Background(), "create_customer", createArgs(name)) })
			}
			wg.Wait()
			if got := h.creates(); got != 1 {
				t.Fatalf("%d concurrent creates of one name sent %d POSTs, want 1", n, got)
			}
			var id int64
			for _, r := range results {
				if !r.IsError {
					id = ok[CreateCustomerOutput](t, "create_customer", r).Customer.CustomerID
				}
			}
			refused := 0
			for _, r := range results {
				if r.IsError {
					failed(t, "create_customer", r, fmt.Sprintf("customer_id %d", id))
					refused++
				}
			}
			if refused != n-1 {
				t.Fatalf("%d refusals, want %d", refused, n-1)
			}
		})
	}
}

// allow_duplicate still overrides the guard, under concurrency too: each
// caller asked for a customer of its own.
func TestCreateCustomerConcurrentAllowDuplicate(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			res := h.call(t, "create_customer", with(createArgs("Redfern Print Co Pty Ltd"), "allow_duplicate", true))
			if res.IsError {
				t.Errorf("allow_duplicate create failed: %s", res.text())
			}
		})
	}
	wg.Wait()
	if got := h.creates(); got != 3 {
		t.Fatalf("3 allow_duplicate creates sent %d POSTs, want 3", got)
	}
}

// Distinct names do not wait for each other.
func TestCreateCustomerConcurrentDistinctNames(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			res := h.call(t, "create_customer", createArgs(fmt.Sprintf("Harbour Plumbing %d Pty Ltd", i)))
			if res.IsError && !strings.Contains(res.text(), "rate") {
				t.Errorf("create %d failed: %s", i, res.text())
			}
		})
	}
	wg.Wait()
	if got := h.creates(); got != 10 {
		t.Fatalf("10 distinct creates sent %d POSTs, want 10", got)
	}
}
