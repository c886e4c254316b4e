package atomicapi_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

// fakeClock is a goroutine-safe clock the tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 2, 19, 11, 15, 27, 0, time.UTC)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// apiUpstream answers like the Atomic API and counts requests per
// endpoint and name filter. A list answer holds one customer (or plan)
// whose id is the request's number, so a test can tell which fetch an
// answer came from. While gate is open (not closed), list requests wait for
// it; aborted receives a list request whose context ended first.
type apiUpstream struct {
	*upstream
	gate    chan struct{}
	aborted chan string
	mu      sync.Mutex
	counts  map[string]int
	status  map[string]int // per path: answer with this status instead; -1 hangs up
}

func newAPIUpstream(t *testing.T) *apiUpstream {
	a := &apiUpstream{gate: make(chan struct{}), aborted: make(chan string, 16), counts: map[string]int{}, status: map[string]int{}}
	close(a.gate) // open unless a test shuts it
	a.upstream = newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path + "?" + r.URL.Query().Get("customer_name")
		a.mu.Lock()
		a.counts[key]++
		gate, status := a.gate, a.status[r.URL.Path]
		a.mu.Unlock()
		if r.Method == http.MethodGet {
			select {
			case <-gate:
			case <-r.Context().Done():
				a.aborted <- key
				return
			}
		}
		switch {
		case status < 0:
			hangUp(w) // the request arrived; whether it took effect is unknown
			return
		case status > 0:
			reply(w, status, `{"message":"no"}`)
			return
		}
		switch r.URL.Path {
		case atomicapi.PathListCustomers:
			reply(w, 200, `[`+customerJSON(n)+`]`)
		case atomicapi.PathListServicePlans:
			reply(w, 200, `[{"plan_id":`+strconv.Itoa(n)+`,"price":"1.00"}]`)
		case atomicapi.PathCreateCustomer:
			reply(w, 200, docCreated)
		case atomicapi.PathDeleteCustomer:
			reply(w, 200, docDeleted)
		}
	})
	return a
}

// hold makes list requests wait until the returned release is called.
func (a *apiUpstream) hold() (release func()) {
	gate := make(chan struct{})
	a.mu.Lock()
	a.gate = gate
	a.mu.Unlock()
	return sync.OnceFunc(func() { close(gate) })
}

func (a *apiUpstream) fail(path string, status int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.status[path] = status
}

func (a *apiUpstream) lists(name string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.counts[atomicapi.PathListCustomers+"?"+name]
}

func (a *apiUpstream) plans() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.counts[atomicapi.PathListServicePlans+"?"]
}

func newCached(t *testing.T, up *apiUpstream, opts atomicapi.CacheOptions, mods ...func(*atomicapi.Options)) *atomicapi.Cached {
	t.Helper()
	return atomicapi.NewCached(newClient(t, up.URL, mods...), opts)
}

// patient gives requests far longer than the tests wait, so that an
// aborted request can only have been aborted by the cache.
func patient(o *atomicapi.Options) {
	o.RequestTimeout = 30 * time.Second
	o.CallDeadline = 30 * time.Second
}

// eventually polls cond, failing the test after 3 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

var defaultTTLs = atomicapi.CacheOptions{PlansTTL: atomicapi.DefaultPlansTTL, CustomersTTL: atomicapi.DefaultCustomersTTL}

func firstID(cs []atomicapi.Customer) int64 {
	if len(cs) == 0 {
		return -1
	}
	return cs[0].CustomerID
}

// TestCachedCoalescesConcurrentLists: N concurrent identical calls reach
// the upstream once, whether or not answers are cached; different filters
// and endpoints are separate requests.
func TestCachedCoalescesConcurrentLists(t *testing.T) {
	const n = 20
	for _, opts := range []atomicapi.CacheOptions{defaultTTLs, {}} {
		t.Run("customers TTL "+opts.CustomersTTL.String(), func(t *testing.T) {
			up := newAPIUpstream(t)
			c := newCached(t, up, opts)
			release := up.hold()
			defer release()

			type result struct {
				what string
				id   int64
				err  error
			}
			results := make(chan result, 3*n)
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					cs, err := c.ListCustomers(context.Background(), "acme")
					results <- result{"acme", firstID(cs), err}
				})
				wg.Go(func() {
					cs, err := c.ListCustomers(context.Background(), "")
					results <- result{"all", firstID(cs), err}
				})
				wg.Go(func() {
					ps, err := c.ListServicePlans(context.Background())
					id := int64(-1)
					if len(ps) > 0 {
						id = ps[0].PlanID
					}
					results <- result{"plans", id, err}
				})
			}
			eventually(t, "every caller waits on its flight", func() bool {
				return atomicapi.CustomerWaiters(c, "acme") == n && atomicapi.CustomerWaiters(c, "") == n && atomicapi.PlanWaiters(c) == n
			})
			release()
			wg.Wait()
			close(results)

			ids := map[string]map[int64]int{}
			for r := range results {
				if r.err != nil {
					t.Fatalf("%s: %v", r.what, r.err)
				}
				if ids[r.what] == nil {
					ids[r.what] = map[int64]int{}
				}
				ids[r.what][r.id]++
			}
			for what, got := range ids {
				if len(got) != 1 {
					t.Errorf("%s: callers got answers from different fetches: %v", what, got)
				}
			}
			if up.lists("acme") != 1 || up.lists("") != 1 || up.plans() != 1 {
				t.Errorf("upstream requests: acme %d, all %d, plans %d; want 1 each", up.lists("acme"), up.lists(""), up.plans())
			}
		})
	}
}

// TestCachedTTL: an answer is reused until its TTL has passed, then fetched
// again; a TTL of zero or less caches nothing.
func TestCachedTTL(t *testing.T) {
	tests := []struct {
		name     string
		opts     atomicapi.CacheOptions
		call     func(*atomicapi.Cached) error
		requests func(*apiUpstream) int
		ttl      time.Duration
	}{
		{"customers", defaultTTLs, func(c *atomicapi.Cached) error {
			_, err := c.ListCustomers(context.Background(), "acme")
			return err
		}, func(u *apiUpstream) int { return u.lists("acme") }, atomicapi.DefaultCustomersTTL},
		{"plans", defaultTTLs, func(c *atomicapi.Cached) error {
			_, err := c.ListServicePlans(context.Background())
			return err
		}, func(u *apiUpstream) int { return u.plans() }, atomicapi.DefaultPlansTTL},
		{"customers disabled", atomicapi.CacheOptions{PlansTTL: time.Hour, CustomersTTL: 0}, func(c *atomicapi.Cached) error {
			_, err := c.ListCustomers(context.Background(), "acme")
			return err
		}, func(u *apiUpstream) int { return u.lists("acme") }, 0},
		{"plans disabled", atomicapi.CacheOptions{PlansTTL: -time.Second, CustomersTTL: time.Hour}, func(c *atomicapi.Cached) error {
			_, err := c.ListServicePlans(context.Background())
			return err
		}, func(u *apiUpstream) int { return u.plans() }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newAPIUpstream(t)
			clk := newFakeClock()
			tt.opts.Now = clk.now
			c := newCached(t, up, tt.opts)
			steps := []struct {
				advance time.Duration
				want    int
			}{
				{0, 1},
				{0, 1},
				{tt.ttl - time.Nanosecond, 1},
				{time.Nanosecond, 2}, // expired exactly at the TTL
				{0, 2},
			}
			if tt.ttl == 0 {
				steps = []struct {
					advance time.Duration
					want    int
				}{{0, 1}, {0, 2}, {0, 3}}
			}
			for i, s := range steps {
				clk.advance(s.advance)
				if err := tt.call(c); err != nil {
					t.Fatalf("call %d: %v", i+1, err)
				}
				if got := tt.requests(up); got != s.want {
					t.Fatalf("after call %d: %d upstream requests, want %d", i+1, got, s.want)
				}
			}
		})
	}
}

func TestCachedFiltersAreSeparate(t *testing.T) {
	up := newAPIUpstream(t)
	c := newCached(t, up, defaultTTLs)
	for _, name := range []string{"acme", "", "acme", "Acme", "", "acme "} {
		if _, err := c.ListCustomers(context.Background(), name); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]int{"acme": 1, "": 1, "Acme": 1, "acme ": 1} {
		if got := up.lists(name); got != want {
			t.Errorf("filter %q: %d upstream requests, want %d", name, got, want)
		}
	}
}

// TestCachedFiltersBounded: a client trying filter after filter cannot grow
// the cache past its bound, and the newest answer is kept.
func TestCachedFiltersBounded(t *testing.T) {
	up := newAPIUpstream(t)
	c := newCached(t, up, defaultTTLs)
	for i := range 3 * atomicapi.MaxCachedFilters {
		if _, err := c.ListCustomers(context.Background(), "f"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := atomicapi.CachedFilters(c); got > atomicapi.MaxCachedFilters {
		t.Errorf("%d filters cached, want at most %d", got, atomicapi.MaxCachedFilters)
	}
	last := "f" + strconv.Itoa(3*atomicapi.MaxCachedFilters-1)
	if _, err := c.ListCustomers(context.Background(), last); err != nil {
		t.Fatal(err)
	}
	if got := up.lists(last); got != 1 {
		t.Errorf("the newest filter was fetched %d times, want 1 (kept)", got)
	}
}

// TestCachedWritesInvalidate: after any create or delete through the
// cache, succeeded, refused or of unknown outcome, the next customer list
// goes upstream; the plans stay cached.
func TestCachedWritesInvalidate(t *testing.T) {
	create := func(ctx context.Context, c *atomicapi.Cached) error {
		_, err := c.CreateCustomer(ctx, atomicapi.NewCustomer{CustomerName: "ABC", Nickname: "ABC", Addr1: "1 St", Postcode: "4000", Country: "Australia"})
		return err
	}
	del := func(ctx context.Context, c *atomicapi.Cached) error {
		_, err := c.DeleteCustomer(ctx, 1)
		return err
	}
	tests := []struct {
		name    string
		path    string
		status  int // 0: success; -1: the connection drops (outcome unknown)
		write   func(context.Context, *atomicapi.Cached) error
		wantErr bool
	}{
		{"create succeeds", atomicapi.PathCreateCustomer, 0, create, false},
		{"create refused", atomicapi.PathCreateCustomer, 422, create, true},
		{"create outcome unknown", atomicapi.PathCreateCustomer, -1, create, true},
		{"delete succeeds", atomicapi.PathDeleteCustomer, 0, del, false},
		{"delete not found", atomicapi.PathDeleteCustomer, 404, del, true},
		{"delete outcome unknown", atomicapi.PathDeleteCustomer, -1, del, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newAPIUpstream(t)
			up.fail(tt.path, tt.status)
			c := newCached(t, up, defaultTTLs)
			ctx := context.Background()
			for range 2 {
				if _, err := c.ListCustomers(ctx, ""); err != nil {
					t.Fatal(err)
				}
				if _, err := c.ListServicePlans(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if up.lists("") != 1 {
				t.Fatalf("%d list requests before the write, want 1", up.lists(""))
			}
			if err := tt.write(ctx, c); (err != nil) != tt.wantErr {
				t.Fatalf("write: err %v, want error %v", err, tt.wantErr)
			}
			got, err := c.ListCustomers(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if up.lists("") != 2 {
				t.Errorf("%d list requests after the write, want 2: the list was served from the cache", up.lists(""))
			}
			if firstID(got) == 1 {
				t.Error("the list after the write is the one from before it")
			}
			if _, err := c.ListServicePlans(ctx); err != nil || up.plans() != 1 {
				t.Errorf("plans: %d requests (err %v), want 1: writes do not change plans", up.plans(), err)
			}
		})
	}
}

// TestCachedInvalidationDuringFetch: a list fetched while a write happens
// may predate the write. It still answers the callers who asked before the
// write, but it does not fill the cache, and callers who ask after the write
// do not join it.
func TestCachedInvalidationDuringFetch(t *testing.T) {
	up := newAPIUpstream(t)
	c := newCached(t, up, defaultTTLs)
	ctx := context.Background()
	release := up.hold()
	defer release()

	before := make(chan int64, 1)
	go func() {
		cs, err := c.ListCustomers(ctx, "")
		if err != nil {
			t.Error(err)
		}
		before <- firstID(cs)
	}()
	eventually(t, "the first list is in flight", func() bool { return atomicapi.CustomerWaiters(c, "") == 1 })

	if _, err := c.DeleteCustomer(ctx, 1); err != nil {
		t.Fatal(err)
	}
	after := make(chan int64, 1)
	go func() {
		cs, err := c.ListCustomers(ctx, "")
		if err != nil {
			t.Error(err)
		}
		after <- firstID(cs)
	}()
	eventually(t, "the list asked for after the write goes upstream itself", func() bool { return up.lists("") == 2 })
	release()
	stale, fresh := <-before, <-after
	if stale == fresh {
		t.Fatalf("both callers got the answer of request %d", stale)
	}

	cs, err := c.ListCustomers(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := firstID(cs); got != fresh || up.lists("") != 2 {
		t.Errorf("after both fetches: answer from request %d (%d requests); want the post-write answer %d from the cache", got, up.lists(""), fresh)
	}
}

// TestCachedStaleFetchNotStored: the same race without a second caller:
// the pre-write answer must not be what the next caller gets.
func TestCachedStaleFetchNotStored(t *testing.T) {
	up := newAPIUpstream(t)
	c := newCached(t, up, defaultTTLs)
	ctx := context.Background()
	release := up.hold()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := c.ListCustomers(ctx, ""); err != nil {
			t.Error(err)
		}
	}()
	eventually(t, "the list is in flight", func() bool { return atomicapi.CustomerWaiters(c, "") == 1 })
	if _, err := c.DeleteCustomer(ctx, 1); err != nil {
		t.Fatal(err)
	}
	release()
	<-done
	if _, err := c.ListCustomers(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if got := up.lists(""); got != 2 {
		t.Errorf("%d list requests, want 2: the fetch that straddled the delete filled the cache", got)
	}
}

// TestCachedCancellation: a caller who gives up gets its answer at once;
// the shared request is aborted only when every caller has given up, so a
// lone caller cancelling still aborts the upstream request.
func TestCachedCancellation(t *testing.T) {
	tests := []struct {
		name        string
		callers     int
		cancel      int // how many of them cancel
		wantAborted bool
	}{
		{"lone caller cancels", 1, 1, true},
		{"one of two cancels", 2, 1, false},
		{"all of three cancel", 3, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newAPIUpstream(t)
			c := newCached(t, up, defaultTTLs, patient)
			release := up.hold()
			defer release()

			errs := make([]chan error, tt.callers)
			cancels := make([]context.CancelFunc, tt.callers)
			for i := range tt.callers {
				ctx, cancel := context.WithCancel(context.Background())
				cancels[i] = cancel
				errs[i] = make(chan error, 1)
				go func() {
					_, err := c.ListCustomers(ctx, "acme")
					errs[i] <- err
				}()
			}
			defer func() {
				for _, cancel := range cancels {
					cancel()
				}
			}()
			eventually(t, "every caller waits", func() bool { return atomicapi.CustomerWaiters(c, "acme") == tt.callers })
			// Cancelling before the request reaches upstream would leave
			// nothing there to abort, so wait until it is held.
			eventually(t, "the request reaches upstream", func() bool { return up.lists("acme") == 1 })

			for i := range tt.cancel {
				start := time.Now()
				cancels[i]()
				select {
				case err := <-errs[i]:
					if !errors.Is(err, context.Canceled) {
						t.Errorf("caller %d: err %v, want context.Canceled", i, err)
					}
					assertNoToken(t, err)
				case <-time.After(2 * time.Second):
					t.Fatalf("caller %d did not return after cancelling", i)
				}
				if el := time.Since(start); el > time.Second {
					t.Errorf("caller %d took %v to return after cancelling", i, el)
				}
			}

			if tt.wantAborted {
				select {
				case <-up.aborted:
				case <-time.After(5 * time.Second): // generous: -race on two cores
					t.Fatal("the upstream request was not aborted after every caller left")
				}
				// A caller arriving now starts afresh rather than joining
				// the aborted request.
				release()
				if _, err := c.ListCustomers(context.Background(), "acme"); err != nil {
					t.Fatalf("a later call: %v", err)
				}
				if got := up.lists("acme"); got != 2 {
					t.Errorf("%d upstream requests, want 2", got)
				}
				return
			}
			select {
			case key := <-up.aborted:
				t.Fatalf("the upstream request %s was aborted while a caller still waited", key)
			case <-time.After(100 * time.Millisecond):
			}
			release()
			for i := tt.cancel; i < tt.callers; i++ {
				if err := <-errs[i]; err != nil {
					t.Errorf("caller %d, still waiting: %v", i, err)
				}
			}
			if got := up.lists("acme"); got != 1 {
				t.Errorf("%d upstream requests, want 1", got)
			}
		})
	}
}

// TestCachedCallerDeadline: a caller's own deadline ends its wait with the
// same error the client gives, and (alone) aborts the request.
func TestCachedCallerDeadline(t *testing.T) {
	up := newAPIUpstream(t)
	c := newCached(t, up, defaultTTLs, patient)
	release := up.hold()
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ListCustomers(ctx, "")
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %v with a 100ms deadline", el)
	}
	wantKind(t, err, atomicapi.ErrUnavailable)
	select {
	case <-up.aborted:
	case <-time.After(time.Second):
		t.Fatal("the upstream request outlived its only caller")
	}
}

// TestCachedErrorsNotCached: a failed fetch is not reused; the next call
// asks again, and its success is cached.
func TestCachedErrorsNotCached(t *testing.T) {
	for _, path := range []string{atomicapi.PathListCustomers, atomicapi.PathListServicePlans} {
		t.Run(path, func(t *testing.T) {
			up := newAPIUpstream(t)
			c := newCached(t, up, defaultTTLs)
			call := func() error {
				if path == atomicapi.PathListCustomers {
					_, err := c.ListCustomers(context.Background(), "")
					return err
				}
				_, err := c.ListServicePlans(context.Background())
				return err
			}
			requests := func() int {
				if path == atomicapi.PathListCustomers {
					return up.lists("")
				}
				return up.plans()
			}
			up.fail(path, 500)
			if err := call(); err == nil {
				t.Fatal("no error from a 500")
			}
			up.fail(path, 0)
			for i := range 2 {
				if err := call(); err != nil {
					t.Fatalf("call %d after the failure: %v", i+1, err)
				}
			}
			if got := requests(); got != 2 {
				t.Errorf("%d upstream requests, want 2 (the failure, then one success kept)", got)
			}
		})
	}
}

// TestCachedFlightKeepsCallerValues: the shared fetch runs with the first
// caller's context values, so its Trace records the upstream request.
func TestCachedFlightKeepsCallerValues(t *testing.T) {
	up := newAPIUpstream(t)
	c := newCached(t, up, defaultTTLs)
	var first, second atomicapi.Trace
	if _, err := c.ListCustomers(atomicapi.WithTrace(context.Background(), &first), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListCustomers(atomicapi.WithTrace(context.Background(), &second), ""); err != nil {
		t.Fatal(err)
	}
	if first.Requests() != 1 || first.LastStatus() != 200 {
		t.Errorf("the fetching call's trace: %d requests, status %d; want 1, 200", first.Requests(), first.LastStatus())
	}
	if second.Requests() != 0 {
		t.Errorf("the cached call's trace: %d requests, want 0", second.Requests())
	}
}

// TestCachedSlicesAreClipped: one caller appending to its answer cannot
// write into what the cache hands the next caller.
func TestCachedSlicesAreClipped(t *testing.T) {
	// A brace in a value makes the decoder's capacity estimate too large.
	up := newUpstream(t, fixed(200, `[{"customer_id":1,"customer_name":"{curly}"}]`))
	c := atomicapi.NewCached(newClient(t, up.URL), defaultTTLs)
	a, err := c.ListCustomers(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	_ = append(a, atomicapi.Customer{CustomerID: 999})
	b, err := c.ListCustomers(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 1 || cap(b) != len(b) {
		t.Errorf("cached answer len %d cap %d, want 1 and 1", len(b), cap(b))
	}
}

// TestCachedFreshReadsPastTheCache: a write's lookup goes upstream even when
// a cached answer is still valid, and refills the cache for later reads.
func TestCachedFreshReadsPastTheCache(t *testing.T) {
	up := newAPIUpstream(t)
	c := newCached(t, up, defaultTTLs)
	ctx := context.Background()
	steps := []struct {
		fresh bool
		want  int // upstream list requests so far
	}{{false, 1}, {false, 1}, {true, 2}, {false, 2}, {true, 3}}
	for i, s := range steps {
		var err error
		if s.fresh {
			_, err = c.ListCustomersFresh(ctx, "")
		} else {
			_, err = c.ListCustomers(ctx, "")
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := up.lists(""); got != s.want {
			t.Fatalf("step %d (fresh %v): %d upstream requests, want %d", i, s.fresh, got, s.want)
		}
	}
}
