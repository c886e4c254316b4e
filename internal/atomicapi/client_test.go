package atomicapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/advice"
	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

// The documented example answers, verbatim from customers.txt.
const (
	docCustomerList = `[
{
"customer_id": 5,
"customer_name": "waqi sc01",
"account_number": 12345,
"nickname": "test 01",
"abn": "123455",
"addr_1": "test sc01",
"addr_2": "",
"postcode": "3000",
"city": "MELBOURNE",
"region": "Victoria",
"country": "Australia",
"website": "",
"created_date": "2022-07-25 02:42:02",
"delete_date": null
}
]`
	docCreated = `{
"customer_id": 5,
"customer_name": "ABC",
"account_number": 12345,
"nickname": "ABC",
"abn": "",
"addr_1": "123 Some Street",
"addr_2": "",
"postcode": "4000",
"city": "",
"region": "",
"country": "Australia",
"website": "",
"created_date": "2025-02-19 11:15:27",
"delete_date": null
}`
	docPlans = `[
{
"plan_id": 123,
"plan_name": "Acme Plan",
"currency": "AUD",
"plan_type": "SIP Trunk",
"price": "1.99"
},
{
"plan_id": 134,
"plan_name": "Test Plan",
"currency": "AUD",
"plan_type": "SMS Plan",
"price": "1.20"
}
]`
	docDeleted = `{
"status": "DELETED",
"customer_id": 1,
"customer_name": "Test Customer"
}`
)

var docCustomer = atomicapi.Customer{
	CustomerID: 5, CustomerName: "waqi sc01", AccountNumber: "12345", Nickname: "test 01", ABN: "123455",
	Addr1: "test sc01", Postcode: "3000", City: "MELBOURNE", Region: "Victoria", Country: "Australia",
	CreatedDate: "2022-07-25 02:42:02",
}

func TestNewValidatesOptions(t *testing.T) {
	tok := atomicapi.NewToken(testToken)
	tests := []struct {
		name    string
		opts    atomicapi.Options
		wantErr string
	}{
		{"defaults to production URL", atomicapi.Options{Token: tok}, ""},
		{"http URL", atomicapi.Options{BaseURL: "http://127.0.0.1:8080", Token: tok}, ""},
		{"https URL with path and slash", atomicapi.Options{BaseURL: "https://example.com/prefix/", Token: tok}, ""},
		{"no token", atomicapi.Options{BaseURL: "https://example.com"}, "no access token"},
		{"ftp URL", atomicapi.Options{BaseURL: "ftp://example.com", Token: tok}, "not an http(s) URL"},
		{"no host", atomicapi.Options{BaseURL: "https://", Token: tok}, "not an http(s) URL"},
		{"not a URL", atomicapi.Options{BaseURL: "example.com", Token: tok}, "not an http(s) URL"},
		{"bad escape", atomicapi.Options{BaseURL: "http://exa mple.com/%zz", Token: tok}, "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := atomicapi.New(tt.opts)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New: err %v, want one containing %q", err, tt.wantErr)
			}
			assertNoToken(t, err)
		})
	}
}

// TestRequestsAsDocumented checks, for every endpoint, the exact request that
// reaches the upstream and the decoded answer the caller gets.
func TestRequestsAsDocumented(t *testing.T) {
	full := atomicapi.NewCustomer{
		CustomerName: "ABC Pty Ltd", Nickname: "ABC", Addr1: "123 Some Street", Postcode: "4000", Country: "Australia",
		ABN: "51 824 753 556", Addr2: "Level 2", City: "Brisbane", Region: "QLD", Website: "https://abc.example",
	}
	tests := []struct {
		name      string
		answer    string
		call      func(context.Context, *atomicapi.Client) (any, error)
		method    string
		path      string
		rawQuery  string            // exact encoded query
		query     map[string]string // decoded query, exactly these keys
		body      map[string]any    // nil: no body at all
		wantValue any
	}{
		{
			name: "list customers, all", answer: docCustomerList,
			call:   func(ctx context.Context, c *atomicapi.Client) (any, error) { return c.ListCustomers(ctx, "") },
			method: "GET", path: "/api/atomic/customer/list", rawQuery: "", query: map[string]string{},
			wantValue: []atomicapi.Customer{docCustomer},
		},
		{
			name: "list customers by partial name", answer: docCustomerList,
			call: func(ctx context.Context, c *atomicapi.Client) (any, error) {
				return c.ListCustomers(ctx, "waqi sc&x=1")
			},
			method: "GET", path: "/api/atomic/customer/list", rawQuery: "customer_name=waqi+sc%26x%3D1",
			query:     map[string]string{"customer_name": "waqi sc&x=1"},
			wantValue: []atomicapi.Customer{docCustomer},
		},
		{
			name: "list service plans", answer: docPlans,
			call:   func(ctx context.Context, c *atomicapi.Client) (any, error) { return c.ListServicePlans(ctx) },
			method: "GET", path: "/api/atomic/service_plan/list", rawQuery: "", query: map[string]string{},
			wantValue: []atomicapi.ServicePlan{
				{PlanID: 123, PlanName: "Acme Plan", Currency: "AUD", PlanType: "SIP Trunk", Price: "1.99"},
				{PlanID: 134, PlanName: "Test Plan", Currency: "AUD", PlanType: "SMS Plan", Price: "1.20"},
			},
		},
		{
			name: "create customer, required fields only", answer: docCreated,
			call: func(ctx context.Context, c *atomicapi.Client) (any, error) {
				return c.CreateCustomer(ctx, atomicapi.NewCustomer{CustomerName: "ABC", Nickname: "ABC", Addr1: "123 Some Street", Postcode: "4000", Country: "Australia"})
			},
			method: "POST", path: "/api/atomic/customer/create", query: map[string]string{},
			body: map[string]any{"customer_name": "ABC", "nickname": "ABC", "addr_1": "123 Some Street", "postcode": "4000", "country": "Australia"},
			wantValue: &atomicapi.Customer{
				CustomerID: 5, CustomerName: "ABC", AccountNumber: "12345", Nickname: "ABC", Addr1: "123 Some Street",
				Postcode: "4000", Country: "Australia", CreatedDate: "2025-02-19 11:15:27",
			},
		},
		{
			name: "create customer, every field", answer: docCreated,
			call:   func(ctx context.Context, c *atomicapi.Client) (any, error) { return c.CreateCustomer(ctx, full) },
			method: "POST", path: "/api/atomic/customer/create", query: map[string]string{},
			body: map[string]any{
				"customer_name": "ABC Pty Ltd", "nickname": "ABC", "addr_1": "123 Some Street", "postcode": "4000", "country": "Australia",
				"abn": "51 824 753 556", "addr_2": "Level 2", "city": "Brisbane", "region": "QLD", "website": "https://abc.example",
			},
			wantValue: &atomicapi.Customer{
				CustomerID: 5, CustomerName: "ABC", AccountNumber: "12345", Nickname: "ABC", Addr1: "123 Some Street",
				Postcode: "4000", Country: "Australia", CreatedDate: "2025-02-19 11:15:27",
			},
		},
		{
			name: "delete customer", answer: docDeleted,
			call:   func(ctx context.Context, c *atomicapi.Client) (any, error) { return c.DeleteCustomer(ctx, 1) },
			method: "DELETE", path: "/api/atomic/customer/delete", query: map[string]string{},
			body:      map[string]any{"customer_id": json.Number("1")},
			wantValue: &atomicapi.Deletion{Status: "DELETED", CustomerID: 1, CustomerName: "Test Customer"},
		},
		{
			name: "delete customer with an id beyond float precision", answer: `{"status":"DELETED","customer_id":9007199254740993,"customer_name":"Big"}`,
			call: func(ctx context.Context, c *atomicapi.Client) (any, error) {
				return c.DeleteCustomer(ctx, 9007199254740993)
			},
			method: "DELETE", path: "/api/atomic/customer/delete", query: map[string]string{},
			body:      map[string]any{"customer_id": json.Number("9007199254740993")},
			wantValue: &atomicapi.Deletion{Status: "DELETED", CustomerID: 9007199254740993, CustomerName: "Big"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, fixed(200, tt.answer))
			c := newClient(t, up.URL)
			got, err := tt.call(context.Background(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if !reflect.DeepEqual(got, tt.wantValue) {
				t.Errorf("answer:\n got %#v\nwant %#v", got, tt.wantValue)
			}

			reqs := up.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests reached the upstream, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.method || r.Path != tt.path {
				t.Errorf("request %s %s, want %s %s", r.Method, r.Path, tt.method, tt.path)
			}
			if auth := r.Header.Values("Authorization"); len(auth) != 1 || auth[0] != testToken {
				t.Errorf("Authorization %q, want exactly the raw token (no Bearer prefix)", auth)
			}
			if ua := r.Header.Get("User-Agent"); ua != "atomic-mcp/1.2.3" {
				t.Errorf("User-Agent %q, want atomic-mcp/1.2.3", ua)
			}
			if a := r.Header.Get("Accept"); a != "application/json" {
				t.Errorf("Accept %q, want application/json", a)
			}
			if tt.method == "GET" && r.RawQuery != tt.rawQuery {
				t.Errorf("raw query %q, want %q", r.RawQuery, tt.rawQuery)
			}
			if len(r.Query) != len(tt.query) {
				t.Errorf("query %v, want exactly %v", r.Query, tt.query)
			}
			for k, v := range tt.query {
				if got := r.Query[k]; len(got) != 1 || got[0] != v {
					t.Errorf("query %s=%q, want %q", k, got, v)
				}
			}

			if tt.body == nil {
				if len(r.Body) != 0 {
					t.Errorf("GET sent a body: %q", r.Body)
				}
				if ct := r.Header.Get("Content-Type"); ct != "" {
					t.Errorf("GET sent Content-Type %q", ct)
				}
				return
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			dec := json.NewDecoder(strings.NewReader(string(r.Body)))
			dec.UseNumber()
			var sent map[string]any
			if err := dec.Decode(&sent); err != nil {
				t.Fatalf("request body %q is not a JSON object: %v", r.Body, err)
			}
			if !reflect.DeepEqual(sent, tt.body) {
				t.Errorf("request body:\n got %v\nwant %v (raw %s)", sent, tt.body, r.Body)
			}
		})
	}
}

func TestUserAgentAndBasePath(t *testing.T) {
	up := newUpstream(t, fixed(200, `[]`))
	c := newClient(t, up.URL+"/proxy/atomic/", func(o *atomicapi.Options) { o.Version = "" })
	got, err := c.ListServicePlans(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got) != 0 {
		t.Errorf("an empty list should decode as an empty, non-nil slice; got %#v", got)
	}
	r := up.requests()[0]
	if r.Path != "/proxy/atomic/api/atomic/service_plan/list" {
		t.Errorf("path %q: the base URL's path is not kept as a prefix", r.Path)
	}
	if ua := r.Header.Get("User-Agent"); ua != "atomic-mcp/dev" {
		t.Errorf("User-Agent %q, want atomic-mcp/dev when no version is set", ua)
	}
}

// failThen answers the first `fails` requests with status (and Retry-After
// when set), then the documented list.
func failThen(fails, status int, retryAfter string) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, r *http.Request) {
		if n <= fails {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			reply(w, status, `{"message":"try later"}`)
			return
		}
		if r.URL.Path == atomicapi.PathListServicePlans {
			reply(w, 200, docPlans)
			return
		}
		reply(w, 200, docCustomerList)
	}
}

func TestGetRetriesTransientFailures(t *testing.T) {
	tests := []struct {
		status int
		kind   error
	}{
		{503, atomicapi.ErrUnavailable},
		{502, atomicapi.ErrUnavailable},
		{504, atomicapi.ErrUnavailable},
		{429, atomicapi.ErrRateLimited},
	}
	for _, ep := range getEndpoints() {
		for _, tt := range tests {
			for _, fails := range []int{1, 2} {
				t.Run(ep.name+"/"+http.StatusText(tt.status)+"/"+string(rune('0'+fails))+" failures then success", func(t *testing.T) {
					up := newUpstream(t, failThen(fails, tt.status, ""))
					c := newClient(t, up.URL)
					if err := ep.call(context.Background(), c); err != nil {
						t.Fatalf("call after %d transient failures: %v", fails, err)
					}
					if got := up.count(); got != fails+1 {
						t.Errorf("%d attempts reached the upstream, want %d", got, fails+1)
					}
					for _, r := range up.requests() {
						if r.Method != ep.method || r.Path != ep.path || r.Header.Get("Authorization") != testToken {
							t.Errorf("a retry differs from the request: %s %s", r.Method, r.Path)
						}
					}
				})
			}
			t.Run(ep.name+"/"+http.StatusText(tt.status)+"/gives up after 3 attempts", func(t *testing.T) {
				up := newUpstream(t, failThen(1000, tt.status, ""))
				c := newClient(t, up.URL)
				err := ep.call(context.Background(), c)
				ae := wantKind(t, err, tt.kind)
				if ae.Status != tt.status {
					t.Errorf("Status %d, want %d", ae.Status, tt.status)
				}
				if got := up.count(); got != 3 {
					t.Errorf("%d attempts reached the upstream, want 3", got)
				}
			})
		}
	}
}

func TestMaxAttemptsOption(t *testing.T) {
	up := newUpstream(t, failThen(1000, 503, ""))
	c := newClient(t, up.URL, func(o *atomicapi.Options) { o.MaxAttempts = 5 })
	_, err := c.ListCustomers(context.Background(), "")
	wantKind(t, err, atomicapi.ErrUnavailable)
	if got := up.count(); got != 5 {
		t.Errorf("%d attempts, want MaxAttempts=5", got)
	}
}

func TestGetNotRetriedOnPermanentFailures(t *testing.T) {
	tests := []struct {
		status int
		kind   error
	}{
		{400, atomicapi.ErrValidation},
		{401, atomicapi.ErrUnauthorized},
		{403, atomicapi.ErrUnauthorized},
		{404, atomicapi.ErrNotFound},
		{409, atomicapi.ErrValidation},
		{422, atomicapi.ErrValidation},
		{500, nil},
	}
	for _, ep := range getEndpoints() {
		for _, tt := range tests {
			t.Run(ep.name+"/"+http.StatusText(tt.status), func(t *testing.T) {
				up := newUpstream(t, failThen(1000, tt.status, ""))
				c := newClient(t, up.URL)
				ae := wantKind(t, ep.call(context.Background(), c), tt.kind)
				if ae.Status != tt.status {
					t.Errorf("Status %d, want %d", ae.Status, tt.status)
				}
				if got := up.count(); got != 1 {
					t.Errorf("%d attempts reached the upstream, want exactly 1", got)
				}
			})
		}
	}
}

// TestSendNeverRetried: a POST or DELETE whose answer is lost must not be
// sent again (a second customer, or a second delete).
func TestSendNeverRetried(t *testing.T) {
	tests := []struct {
		name    string
		handler func(int, http.ResponseWriter, *http.Request)
		kind    error
	}{
		{"503", fixed(503, `{"message":"down"}`), atomicapi.ErrUnavailable},
		{"502", fixed(502, `<html>bad gateway</html>`), atomicapi.ErrUnavailable},
		{"504", fixed(504, ``), atomicapi.ErrUnavailable},
		{"429", fixed(429, `{"message":"slow down"}`), atomicapi.ErrRateLimited},
		{"429 with short Retry-After", func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "0")
			reply(w, 429, `{}`)
		}, atomicapi.ErrRateLimited},
		{"connection dropped after the request arrived", func(_ int, w http.ResponseWriter, _ *http.Request) { hangUp(w) }, atomicapi.ErrUnavailable},
	}
	for _, ep := range sendEndpoints() {
		for _, tt := range tests {
			t.Run(ep.name+"/"+tt.name, func(t *testing.T) {
				up := newUpstream(t, tt.handler)
				c := newClient(t, up.URL)
				wantKind(t, ep.call(context.Background(), c), tt.kind)
				// Give a stray retry the chance to arrive before counting.
				time.Sleep(20 * time.Millisecond)
				if got := up.count(); got != 1 {
					t.Errorf("%d %s requests reached the upstream, want exactly 1", got, ep.method)
				}
			})
		}
	}
}

// countingTransport counts round trips, including those that never reach a
// server.
type countingTransport struct {
	rt http.RoundTripper
	n  atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.rt.RoundTrip(r)
}

func closedAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestConnectionRefused(t *testing.T) {
	base := closedAddress(t)
	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			ct := &countingTransport{rt: http.DefaultTransport.(*http.Transport).Clone()}
			c := newClient(t, base, func(o *atomicapi.Options) { o.HTTPClient = &http.Client{Transport: ct} })
			ae := wantKind(t, ep.call(context.Background(), c), atomicapi.ErrUnavailable)
			if ae.Status != 0 {
				t.Errorf("Status %d, want 0 when no answer arrived", ae.Status)
			}
			if told := advice.Explain(ae); !strings.Contains(told, "ATOMIC_API_URL") {
				t.Errorf("%q should point at ATOMIC_API_URL", told)
			}
			if strings.Contains(ae.Error(), base) {
				t.Errorf("error %q repeats the request URL", ae)
			}
			want := int32(1)
			if ep.method == http.MethodGet {
				want = 3
			}
			if got := ct.n.Load(); got != want {
				t.Errorf("%d attempts, want %d", got, want)
			}
		})
	}
}

// slowHandler answers only after the client has given up; it reports
// whether it saw the request's context end.
func slowHandler(sawDone chan<- struct{}) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			if sawDone != nil {
				select {
				case sawDone <- struct{}{}:
				default:
				}
			}
		case <-time.After(5 * time.Second):
			reply(w, 200, `[]`)
		}
	}
}

func TestSlowServerTimesOut(t *testing.T) {
	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			t.Parallel()
			up := newUpstream(t, slowHandler(nil))
			c := newClient(t, up.URL, func(o *atomicapi.Options) { o.RequestTimeout = 50 * time.Millisecond })
			start := time.Now()
			ae := wantKind(t, ep.call(context.Background(), c), atomicapi.ErrUnavailable)
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("took %v with a 50ms RequestTimeout", el)
			}
			if ae.Status != 0 {
				t.Errorf("Status %d, want 0", ae.Status)
			}
			want := 1
			if ep.method == http.MethodGet {
				want = 3 // a timed-out GET is retried
			}
			if got := up.count(); got != want {
				t.Errorf("%d attempts, want %d", got, want)
			}
		})
	}
}

func TestCallDeadlineBoundsWholeCall(t *testing.T) {
	up := newUpstream(t, slowHandler(nil))
	c := newClient(t, up.URL, func(o *atomicapi.Options) {
		o.RequestTimeout = time.Second
		o.CallDeadline = 150 * time.Millisecond
	})
	start := time.Now()
	_, err := c.ListCustomers(context.Background(), "")
	wantKind(t, err, atomicapi.ErrUnavailable)
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %v with a 150ms CallDeadline", el)
	}
	if got := up.count(); got != 1 {
		t.Errorf("%d attempts after the deadline passed, want 1", got)
	}
}

func TestCallerCancelAbortsUpstreamRequest(t *testing.T) {
	cancels := []struct {
		name   string
		cancel func(context.Context) (context.Context, func())
	}{
		{"cancel", func(ctx context.Context) (context.Context, func()) {
			ctx, cancel := context.WithCancel(ctx)
			return ctx, cancel
		}},
		// The MCP SDK cancels a request's context with a cause (e.g. io.EOF
		// when the peer disconnects); it is still the caller giving up.
		{"cancel with cause", func(ctx context.Context) (context.Context, func()) {
			ctx, cancel := context.WithCancelCause(ctx)
			return ctx, func() { cancel(errors.New("client went away")) }
		}},
	}
	for _, ep := range endpoints {
		for _, cc := range cancels {
			t.Run(ep.name+"/"+cc.name, func(t *testing.T) {
				t.Parallel()
				started := make(chan struct{}, 1)
				sawDone := make(chan struct{}, 1)
				slow := slowHandler(sawDone)
				up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
					started <- struct{}{}
					slow(n, w, r)
				})
				c := newClient(t, up.URL)
				ctx, cancel := cc.cancel(context.Background())
				errc := make(chan error, 1)
				go func() { errc <- ep.call(ctx, c) }()
				select {
				case <-started:
				case <-time.After(3 * time.Second):
					t.Fatal("the request never reached the upstream")
				}
				start := time.Now()
				cancel()
				var err error
				select {
				case err = <-errc:
				case <-time.After(2 * time.Second):
					t.Fatal("the call did not return after the caller cancelled")
				}
				if el := time.Since(start); el > time.Second {
					t.Errorf("the call took %v to return after cancel", el)
				}
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err %v (%T), want errors.Is(err, context.Canceled)", err, err)
				}
				for _, s := range sentinels {
					if errors.Is(err, s) {
						t.Errorf("a cancelled call reads as %v: %v", s, err)
					}
				}
				assertNoToken(t, err)
				select {
				case <-sawDone:
				case <-time.After(2 * time.Second):
					t.Error("the upstream request was not aborted (handler never saw its context end)")
				}
				if got := up.count(); got != 1 {
					t.Errorf("%d requests reached the upstream, want 1 (no retry after cancel)", got)
				}
			})
		}
	}
}

func TestCallerCancelDuringRetryWait(t *testing.T) {
	up := newUpstream(t, failThen(1000, 429, "3"))
	c := newClient(t, up.URL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.ListCustomers(ctx, "")
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %v: the Retry-After wait ignored the cancel", el)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
	if got := up.count(); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, failThen(1, 429, "1"))
	c := newClient(t, up.URL, func(o *atomicapi.Options) { o.CallDeadline = 5 * time.Second })
	start := time.Now()
	got, err := c.ListCustomers(context.Background(), "")
	el := time.Since(start)
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	if len(got) != 1 {
		t.Errorf("got %d customers, want 1", len(got))
	}
	if up.count() != 2 {
		t.Errorf("%d requests, want 2", up.count())
	}
	if el < 950*time.Millisecond || el > 3*time.Second {
		t.Errorf("waited %v, want about the 1s the upstream asked for", el)
	}
}

func TestRetryAfterBeyondDeadline(t *testing.T) {
	httpDate := time.Now().Add(120 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		retryAfter string
		min, max   time.Duration
		wantText   string
	}{
		{"seconds", "120", 120 * time.Second, 120 * time.Second, "retry after 2m0s"},
		{"HTTP date", httpDate, 115 * time.Second, 121 * time.Second, "retry after"},
	}
	for _, ep := range endpoints {
		for _, tt := range tests {
			t.Run(ep.name+"/"+tt.name, func(t *testing.T) {
				up := newUpstream(t, failThen(1000, 429, tt.retryAfter))
				c := newClient(t, up.URL, func(o *atomicapi.Options) { o.CallDeadline = 2 * time.Second })
				start := time.Now()
				err := ep.call(context.Background(), c)
				if el := time.Since(start); el > 500*time.Millisecond {
					t.Errorf("took %v; a Retry-After beyond the deadline should return at once", el)
				}
				ae := wantKind(t, err, atomicapi.ErrRateLimited)
				if ae.RetryAfter < tt.min || ae.RetryAfter > tt.max {
					t.Errorf("RetryAfter %v, want within [%v, %v]", ae.RetryAfter, tt.min, tt.max)
				}
				if ae.Status != 429 {
					t.Errorf("Status %d, want 429", ae.Status)
				}
				if !strings.Contains(err.Error(), tt.wantText) {
					t.Errorf("error %q does not mention the wait (%q)", err, tt.wantText)
				}
				if got := up.count(); got != 1 {
					t.Errorf("%d requests, want 1", got)
				}
			})
		}
	}
}

// pagedHandler serves items (JSON objects) under key in pages of size,
// following the documented paging object; numbersAsStrings sends the paging
// numbers as strings.
func pagedHandler(t *testing.T, key string, items []string, size int, numbersAsStrings bool) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, r *http.Request) {
		page := 1
		if p := r.URL.Query().Get("page"); p != "" {
			var err error
			if page, err = strconv.Atoi(p); err != nil || page < 2 {
				t.Errorf("bad page parameter %q", p)
			}
		}
		total := (len(items) + size - 1) / size
		lo, hi := (page-1)*size, min(page*size, len(items))
		if lo > hi {
			lo = hi
		}
		q := func(n int) string {
			if numbersAsStrings {
				return `"` + strconv.Itoa(n) + `"`
			}
			return strconv.Itoa(n)
		}
		reply(w, 200, `{"`+key+`":[`+strings.Join(items[lo:hi], ",")+`],"paging":{"total":`+q(len(items))+`,"total_page":`+q(total)+`,"page":`+q(page)+`}}`)
	}
}

func customerJSON(id int) string {
	return `{"customer_id":` + strconv.Itoa(id) + `,"customer_name":"c` + strconv.Itoa(id) + `","account_number":"` + strconv.Itoa(10000+id) + `","created_date":"2022-07-25 02:42:02","delete_date":null}`
}

func TestListFollowsPages(t *testing.T) {
	var items []string
	for i := 1; i <= 7; i++ {
		items = append(items, customerJSON(i))
	}
	tests := []struct {
		name    string
		key     string
		strings bool
	}{
		{"data, numeric paging", "data", false},
		{"data, paging as strings", "data", true},
		{"customers key", "customers", false},
		{"unknown single list key", "rows", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, pagedHandler(t, tt.key, items, 3, tt.strings))
			c := newClient(t, up.URL)
			got, err := c.ListCustomers(context.Background(), "c")
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, cu := range got {
				ids = append(ids, cu.CustomerID)
			}
			if want := []int64{1, 2, 3, 4, 5, 6, 7}; !reflect.DeepEqual(ids, want) {
				t.Errorf("ids %v, want %v in order", ids, want)
			}
			reqs := up.requests()
			var pages []string
			for _, r := range reqs {
				pages = append(pages, r.Query.Get("page"))
				if r.Query.Get("customer_name") != "c" {
					t.Errorf("page %q lost customer_name: %q", r.Query.Get("page"), r.RawQuery)
				}
				if r.Header.Get("Authorization") != testToken {
					t.Errorf("page %q without the token", r.Query.Get("page"))
				}
			}
			if want := []string{"", "2", "3"}; !reflect.DeepEqual(pages, want) {
				t.Errorf("pages requested %q, want %q", pages, want)
			}
		})
	}
}

func TestListPlansFollowsPages(t *testing.T) {
	items := []string{
		`{"plan_id":1,"price":"1.00"}`, `{"plan_id":2,"price":"2.00"}`, `{"plan_id":3,"price":3.10}`,
	}
	up := newUpstream(t, pagedHandler(t, "data", items, 1, false))
	c := newClient(t, up.URL)
	got, err := c.ListServicePlans(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []atomicapi.ServicePlan{{PlanID: 1, Price: "1.00"}, {PlanID: 2, Price: "2.00"}, {PlanID: 3, Price: "3.10"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if up.count() != 3 {
		t.Errorf("%d requests, want 3", up.count())
	}
	if q := up.requests()[0].RawQuery; q != "" {
		t.Errorf("first page asked with query %q, want none", q)
	}
}

func TestListPagingStops(t *testing.T) {
	tests := []struct {
		name      string
		handler   func(int, http.ResponseWriter, *http.Request)
		wantIDs   []int64
		wantCalls int
	}{
		{
			name: "last page", wantIDs: []int64{1}, wantCalls: 1,
			handler: fixed(200, `{"data":[`+customerJSON(1)+`],"paging":{"total":1,"total_page":1,"page":1}}`),
		},
		{
			name: "no pages", wantIDs: nil, wantCalls: 1,
			handler: fixed(200, `{"data":[],"paging":{"total":0,"total_page":0,"page":1}}`),
		},
		{
			name: "null paging", wantIDs: []int64{1}, wantCalls: 1,
			handler: fixed(200, `{"data":[`+customerJSON(1)+`],"paging":null}`),
		},
		{
			name: "empty page before total_page", wantIDs: []int64{1}, wantCalls: 2,
			handler: func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					reply(w, 200, `{"data":[`+customerJSON(1)+`],"paging":{"total":9,"total_page":3,"page":1}}`)
					return
				}
				reply(w, 200, `{"data":[],"paging":{"total":9,"total_page":3,"page":2}}`)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, tt.handler)
			c := newClient(t, up.URL)
			got, err := c.ListCustomers(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, cu := range got {
				ids = append(ids, cu.CustomerID)
			}
			if !reflect.DeepEqual(ids, tt.wantIDs) {
				t.Errorf("ids %v, want %v", ids, tt.wantIDs)
			}
			if up.count() != tt.wantCalls {
				t.Errorf("%d requests, want %d", up.count(), tt.wantCalls)
			}
		})
	}
}

// TestListPagingThatNeverAdvances: an upstream that ignores `page` and
// always answers page 1 of 3 must neither loop nor be read twice.
func TestListPagingThatNeverAdvances(t *testing.T) {
	up := newUpstream(t, fixed(200, `{"data":[`+customerJSON(1)+`,`+customerJSON(2)+`],"paging":{"total":6,"total_page":3,"page":1}}`))
	c := newClient(t, up.URL)
	start := time.Now()
	got, err := c.ListCustomers(context.Background(), "")
	if time.Since(start) > time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	if n := up.count(); n > 2 {
		t.Fatalf("%d requests for a paging object that never advances, want at most 2", n)
	}
	if err != nil {
		// Refusing the answer is acceptable too; looping is not.
		wantKind(t, err, atomicapi.ErrMalformed)
		return
	}
	t.Run("no duplicates", func(t *testing.T) {
		var ids []int64
		for _, cu := range got {
			ids = append(ids, cu.CustomerID)
		}
		if !reflect.DeepEqual(ids, []int64{1, 2}) {
			t.Errorf("ids %v, want [1 2]: the repeated page 1 was appended again", ids)
		}
	})
}

func TestListPageFailureFailsTheList(t *testing.T) {
	page2 := `{"data":[` + customerJSON(2) + `],"paging":{"total":2,"total_page":2,"page":2}}`
	tests := []struct {
		name      string
		page2     func(n int, w http.ResponseWriter) // n counts every request
		kind      error                              // nil: success with both pages
		wantCalls int
	}{
		{"transient then ok", func(n int, w http.ResponseWriter) {
			if n == 2 {
				reply(w, 503, ``)
				return
			}
			reply(w, 200, page2)
		}, nil, 3},
		{"not found", func(int, http.ResponseWriter) {}, atomicapi.ErrNotFound, 2},
		{"html", func(int, http.ResponseWriter) {}, atomicapi.ErrMalformed, 2},
	}
	tests[1].page2 = func(_ int, w http.ResponseWriter) { reply(w, 404, `{"message":"no such page"}`) }
	tests[2].page2 = func(_ int, w http.ResponseWriter) { reply(w, 200, `<html>oops</html>`) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("page") == "" {
					reply(w, 200, `{"data":[`+customerJSON(1)+`],"paging":{"total":2,"total_page":2,"page":1}}`)
					return
				}
				tt.page2(n, w)
			})
			c := newClient(t, up.URL)
			got, err := c.ListCustomers(context.Background(), "")
			if up.count() != tt.wantCalls {
				t.Errorf("%d requests, want %d", up.count(), tt.wantCalls)
			}
			if tt.kind == nil {
				if err != nil || len(got) != 2 {
					t.Fatalf("got %d customers, err %v; want 2, nil", len(got), err)
				}
				return
			}
			wantKind(t, err, tt.kind)
			if got != nil {
				t.Errorf("a failed page returned a partial list of %d", len(got))
			}
		})
	}
}

// Concurrent calls share one client safely (run with -race); each call's
// first attempt fails, so retries run concurrently too.
func TestClientConcurrentUse(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	up := newUpstream(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("customer_name")
		mu.Lock()
		first := !seen[name]
		seen[name] = true
		mu.Unlock()
		if first {
			reply(w, 503, ``)
			return
		}
		reply(w, 200, `[`+customerJSON(1)+`]`)
	})
	c := newClient(t, up.URL)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			got, err := c.ListCustomers(context.Background(), "c"+strconv.Itoa(i))
			if err == nil && len(got) != 1 {
				err = errors.New("wrong answer")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if up.count() != 80 {
		t.Errorf("%d requests, want 80", up.count())
	}
}

// TestRedirectKeepsToken: no request that carries the token follows a
// redirect, whichever http.Client the caller passed in; Go would re-send
// Authorization to the same host on another port.
func TestRedirectKeepsToken(t *testing.T) {
	for _, c := range []struct {
		name string
		hc   *http.Client
	}{
		{"default client", nil},
		{"caller's plain client", &http.Client{}},
		{"NewHTTPClient", atomicapi.NewHTTPClient(nil)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var leaked atomic.Bool
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "" {
					leaked.Store(true)
				}
				w.Write([]byte(`[]`))
			}))
			t.Cleanup(target.Close)
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+r.URL.Path, http.StatusTemporaryRedirect)
			}))
			t.Cleanup(api.Close)
			cl := newClient(t, api.URL, func(o *atomicapi.Options) { o.HTTPClient = c.hc; o.MaxAttempts = 1 })
			if _, err := cl.ListServicePlans(context.Background()); err == nil {
				t.Error("a redirect was taken for an answer")
			}
			if leaked.Load() {
				t.Fatal("the redirect target received the Authorization header")
			}
		})
	}
}
