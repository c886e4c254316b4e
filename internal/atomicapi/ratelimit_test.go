package atomicapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

// The limiter's arithmetic is tested on a fake clock (TestLimiterReserve);
// these tests check it is in the request path, with real time and wide
// tolerances.

func limited(rate float64, burst int) func(*atomicapi.Options) {
	return func(o *atomicapi.Options) { o.RateLimit, o.RateBurst = rate, burst }
}

// arrivals records when each request reached the upstream.
type arrivals struct {
	mu sync.Mutex
	at []time.Time
}

func (a *arrivals) wrap(h func(int, http.ResponseWriter, *http.Request)) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.at = append(a.at, time.Now())
		a.mu.Unlock()
		h(n, w, r)
	}
}

func (a *arrivals) since(start time.Time) []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	var at []time.Duration
	for _, t := range a.at {
		at = append(at, t.Sub(start))
	}
	return at
}

// TestRateLimitPaces: the burst goes at once, then requests are spaced at
// the rate — for separate calls, retries and pages alike.
func TestRateLimitPaces(t *testing.T) {
	pages := make([]string, 4)
	for i := range pages {
		pages[i] = customerJSON(i + 1)
	}
	tests := []struct {
		name    string
		handler func(*testing.T) func(int, http.ResponseWriter, *http.Request)
		calls   int
		want    int // requests
	}{
		{"separate calls", func(*testing.T) func(int, http.ResponseWriter, *http.Request) {
			return fixed(200, docCustomerList)
		}, 5, 5},
		{"retries", func(*testing.T) func(int, http.ResponseWriter, *http.Request) {
			return failThen(2, 503, "")
		}, 1, 3},
		{"pages", func(t *testing.T) func(int, http.ResponseWriter, *http.Request) {
			return pagedHandler(t, "data", pages, 1, false)
		}, 1, 4},
	}
	const gap = 50 * time.Millisecond // 20 requests per second
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var arr arrivals
			up := newUpstream(t, arr.wrap(tt.handler(t)))
			c := newClient(t, up.URL, limited(20, 2))
			start := time.Now()
			for range tt.calls {
				if _, err := c.ListCustomers(context.Background(), ""); err != nil {
					t.Fatal(err)
				}
			}
			if got := up.count(); got != tt.want {
				t.Fatalf("%d requests, want %d", got, tt.want)
			}
			// Each request may go no sooner than its turn: the burst of 2
			// at once, then one every gap. Measured from before the first
			// call, so a request delayed by the scheduler cannot make the
			// next look early. (The burst going at once is checked on the
			// fake clock, in TestLimiterReserve: an upper bound on real
			// time is only a guess under -race on a loaded machine.)
			for i, at := range arr.since(start) {
				if turn := time.Duration(max(0, i-1)) * gap; at < turn*9/10 {
					t.Errorf("request %d came %v after the start; the limit lets it go at %v", i+1, at, turn)
				}
			}
		})
	}
}

// TestRateLimitConcurrentCallers: callers at once share the rate rather
// than each getting their own.
func TestRateLimitConcurrentCallers(t *testing.T) {
	up := newUpstream(t, fixed(200, docPlans))
	c := newClient(t, up.URL, limited(50, 1))
	start := time.Now()
	var wg sync.WaitGroup
	for range 11 {
		wg.Go(func() {
			if _, err := c.ListServicePlans(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// 1 at once, then 10 at 20 ms each: 200 ms.
	if el := time.Since(start); el < 160*time.Millisecond || el > 3*time.Second {
		t.Errorf("11 concurrent calls at 50/s with burst 1 took %v, want about 200ms", el)
	}
}

// TestRateLimitBeyondDeadline: when the next turn comes after the call's
// deadline, the call fails at once with ErrRateLimited and sends nothing,
// a create or delete included.
func TestRateLimitBeyondDeadline(t *testing.T) {
	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			up := newUpstream(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case atomicapi.PathListServicePlans:
					reply(w, 200, docPlans)
				case atomicapi.PathCreateCustomer:
					reply(w, 200, docCreated)
				case atomicapi.PathDeleteCustomer:
					reply(w, 200, docDeleted)
				default:
					reply(w, 200, docCustomerList)
				}
			})
			c := newClient(t, up.URL, limited(1, 1), func(o *atomicapi.Options) {
				o.CallDeadline = 500 * time.Millisecond
				o.BaseBackoff = 200 * time.Millisecond // a retry of the refusal would show
			})
			if err := ep.call(context.Background(), c); err != nil {
				t.Fatalf("first call, within the burst: %v", err)
			}
			start := time.Now()
			err := ep.call(context.Background(), c)
			if el := time.Since(start); el > 100*time.Millisecond {
				t.Errorf("took %v; a turn beyond the deadline should be refused at once", el)
			}
			ae := wantKind(t, err, atomicapi.ErrRateLimited)
			if ae.Status != 0 || ae.RetryAfter < 800*time.Millisecond || ae.RetryAfter > time.Second {
				t.Errorf("Status %d, RetryAfter %v; want 0 and about 1s", ae.Status, ae.RetryAfter)
			}
			for _, want := range []string{"not sent", "retry after 1s"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "HTTP") {
				t.Errorf("error %q blames the Atomic API for our own limit", err)
			}
			if got := up.count(); got != 1 {
				t.Errorf("%d requests reached the upstream, want 1", got)
			}
		})
	}
}

// TestRateLimitCallerCancelsWhileWaiting: a caller waiting for its turn
// can give up, and gets context.Canceled at once.
func TestRateLimitCallerCancelsWhileWaiting(t *testing.T) {
	up := newUpstream(t, fixed(200, docPlans))
	c := newClient(t, up.URL, limited(0.5, 1))
	if _, err := c.ListServicePlans(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.ListServicePlans(ctx)
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %v: the wait ignored the cancel", el)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
	if got := up.count(); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}

// TestRateLimitDefaults: without options the documented 10 per second,
// burst 10, applies; a negative rate turns the limit off.
func TestRateLimitDefaults(t *testing.T) {
	tests := []struct {
		name     string
		mod      func(*atomicapi.Options)
		min, max time.Duration
	}{
		// 10 at once, then 2 at 100 ms each.
		{"default", limited(0, 0), 160 * time.Millisecond, 3 * time.Second},
		{"off", limited(-1, 0), 0, 150 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, fixed(200, docPlans))
			c := newClient(t, up.URL, tt.mod)
			start := time.Now()
			for range 12 {
				if _, err := c.ListServicePlans(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if el := time.Since(start); el < tt.min || el > tt.max {
				t.Errorf("12 calls took %v, want within [%v, %v]", el, tt.min, tt.max)
			}
		})
	}
}
