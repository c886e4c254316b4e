package atomicapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

// testToken is the access token every test client sends. It is long and
// distinctive so that any leak of it into an error or a log is detectable.
const testToken = "atk_live_9Qx7-Zr2mVw8pL4sT0yB_secret"

// recReq is one request as it reached the fake upstream.
type recReq struct {
	Method   string
	Path     string
	RawQuery string
	Query    url.Values
	Header   http.Header
	Body     []byte
}

// upstream is a fake Atomic API that records every request it receives and
// answers through h, which is told the 1-based number of the request.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recReq
}

func newUpstream(t *testing.T, h func(n int, w http.ResponseWriter, r *http.Request)) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("fake upstream: reading request body: %v", err)
		}
		u.mu.Lock()
		u.reqs = append(u.reqs, recReq{
			Method:   r.Method,
			Path:     r.URL.Path,
			RawQuery: r.URL.RawQuery,
			Query:    r.URL.Query(),
			Header:   r.Header.Clone(),
			Body:     body,
		})
		n := len(u.reqs)
		u.mu.Unlock()
		h(n, w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) requests() []recReq {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]recReq(nil), u.reqs...)
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

// reply writes a JSON (or any) body with a status.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// fixed answers every request the same way.
func fixed(status int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) { reply(w, status, body) }
}

// hangUp accepts the request and then drops the connection without an
// answer: a connection error after the request reached the upstream.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("fake upstream: ResponseWriter is not a Hijacker")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newClient returns a client for baseURL with quick test timings and a debug
// logger whose output is checked for the token when the test ends.
func newClient(t *testing.T, baseURL string, mods ...func(*atomicapi.Options)) *atomicapi.Client {
	t.Helper()
	logs := &syncBuffer{}
	opts := atomicapi.Options{
		BaseURL:        baseURL,
		Token:          atomicapi.NewToken(testToken),
		Version:        "1.2.3",
		RequestTimeout: 2 * time.Second,
		CallDeadline:   5 * time.Second,
		BaseBackoff:    time.Millisecond,
		RateLimit:      -1, // the limiter's own tests turn it on
		Logger:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, m := range mods {
		m(&opts)
	}
	c, err := atomicapi.New(opts)
	if err != nil {
		t.Fatalf("atomicapi.New: %v", err)
	}
	t.Cleanup(func() {
		if strings.Contains(logs.String(), testToken) {
			t.Errorf("the client logged the access token:\n%s", logs.String())
		}
	})
	return c
}

// endpoint is one of the four client calls, with what it should send.
type endpoint struct {
	name   string
	method string
	path   string
	call   func(ctx context.Context, c *atomicapi.Client) error
}

var endpoints = []endpoint{
	{"ListCustomers", http.MethodGet, atomicapi.PathListCustomers, func(ctx context.Context, c *atomicapi.Client) error {
		_, err := c.ListCustomers(ctx, "acme")
		return err
	}},
	{"ListServicePlans", http.MethodGet, atomicapi.PathListServicePlans, func(ctx context.Context, c *atomicapi.Client) error {
		_, err := c.ListServicePlans(ctx)
		return err
	}},
	{"CreateCustomer", http.MethodPost, atomicapi.PathCreateCustomer, func(ctx context.Context, c *atomicapi.Client) error {
		_, err := c.CreateCustomer(ctx, atomicapi.NewCustomer{CustomerName: "ABC", Nickname: "ABC", Addr1: "123 Some Street", Postcode: "4000", Country: "Australia"})
		return err
	}},
	{"DeleteCustomer", http.MethodDelete, atomicapi.PathDeleteCustomer, func(ctx context.Context, c *atomicapi.Client) error {
		_, err := c.DeleteCustomer(ctx, 1)
		return err
	}},
}

func getEndpoints() []endpoint  { return endpoints[:2] }
func sendEndpoints() []endpoint { return endpoints[2:] }

// assertNoToken fails if the token shows up in any rendering of err or of
// anything it wraps.
func assertNoToken(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	renders := []string{
		err.Error(),
		fmt.Sprintf("%v|%+v|%#v|%s|%q", err, err, err, err, err),
	}
	var ae *atomicapi.Error
	if errors.As(err, &ae) {
		renders = append(renders,
			fmt.Sprintf("%v|%+v|%#v", *ae, *ae, *ae),
			ae.Message,
			fmt.Sprintf("%#v", ae.Fields),
		)
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		renders = append(renders, e.Error(), fmt.Sprintf("%+v|%#v", e, e))
	}
	for _, s := range renders {
		if strings.Contains(s, testToken) {
			t.Errorf("the error exposes the access token: %s", s)
			return
		}
	}
}

// wantKind checks that err is an *atomicapi.Error of the given kind (nil kind:
// an *atomicapi.Error that matches no sentinel) and returns it.
func wantKind(t *testing.T, err, kind error) *atomicapi.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", kind)
	}
	var ae *atomicapi.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %q (%T) is not an *atomicapi.Error", err, err)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Fatalf("error %q: errors.Is(err, %v) is false (Kind %v)", err, kind, ae.Kind)
	}
	if kind == nil {
		for _, s := range sentinels {
			if errors.Is(err, s) {
				t.Fatalf("error %q unexpectedly matches %v", err, s)
			}
		}
	}
	assertNoToken(t, err)
	return ae
}

var sentinels = []error{atomicapi.ErrUnauthorized, atomicapi.ErrNotFound, atomicapi.ErrValidation, atomicapi.ErrRateLimited, atomicapi.ErrUnavailable, atomicapi.ErrMalformed}
