// Package sandbox simulates the four documented Atomic API customer endpoints
// in process. It backs `atomic-mcp --sandbox`, so the server can be tried
// without an Atom Telecom account, and serves as the fake upstream in tests,
// recording every request it receives.
package sandbox

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// maxRequests bounds the request log so a long-running sandbox cannot grow
// without limit.
const maxRequests = 10_000

// Options configures a Server. The zero value is usable.
type Options struct {
	// Token, if non-empty, must appear verbatim in the Authorization header
	// of every request. If empty, any non-blank Authorization is accepted.
	Token string
	// Now is the clock for created_date and delete_date; nil means time.Now.
	Now func() time.Time
	// PageSize selects the list response shape. Zero (or negative) answers
	// a bare JSON array, as the customer page documents; a positive value
	// answers {"data":[...],"paging":{...}} pages of that size, chosen by the
	// 1-based `page` query parameter.
	PageSize int
	// Empty starts the server without customers; plans are always seeded.
	Empty bool
}

// Request is one request as it reached the sandbox.
type Request struct {
	Method        string
	Path          string
	RawQuery      string
	Authorization string
	UserAgent     string
	ContentType   string
	Body          []byte
}

// Customer is a sub-customer in the documented JSON shape. DeleteDate is nil
// while the customer is active.
type Customer struct {
	CustomerID    int64   `json:"customer_id"`
	CustomerName  string  `json:"customer_name"`
	AccountNumber int64   `json:"account_number"`
	Nickname      string  `json:"nickname"`
	ABN           string  `json:"abn"`
	Addr1         string  `json:"addr_1"`
	Addr2         string  `json:"addr_2"`
	Postcode      string  `json:"postcode"`
	City          string  `json:"city"`
	Region        string  `json:"region"`
	Country       string  `json:"country"`
	Website       string  `json:"website"`
	CreatedDate   string  `json:"created_date"`
	DeleteDate    *string `json:"delete_date"`
}

// Plan is a service plan in the documented JSON shape.
type Plan struct {
	PlanID   int64  `json:"plan_id"`
	PlanName string `json:"plan_name"`
	Currency string `json:"currency"`
	PlanType string `json:"plan_type"`
	Price    string `json:"price"`
}

// Server is a simulated Atomic API. It is safe for concurrent use.
type Server struct {
	opts Options

	mu          sync.Mutex
	customers   []Customer // ordered by CustomerID
	plans       []Plan
	nextID      int64
	nextAccount int64
	requests    []Request
	srv         *http.Server
	stop        func() bool // detaches the ctx watcher set up by Start
}

// New returns a Server seeded with the documented plans and, unless
// opts.Empty is set, a handful of customers.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, plans: seedPlans(), nextID: 1, nextAccount: 10001}
	if !opts.Empty {
		s.customers = seedCustomers()
	}
	for _, c := range s.customers {
		s.nextID = max(s.nextID, c.CustomerID+1)
		s.nextAccount = max(s.nextAccount, c.AccountNumber+1)
	}
	return s
}

// Start listens on 127.0.0.1:0 and serves until ctx is cancelled or Close is
// called. It returns the base URL, e.g. "http://127.0.0.1:43123". A Server
// can be started only once; ServeHTTP works without Start.
func (s *Server) Start(ctx context.Context) (baseURL string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return "", errors.New("sandbox: already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.srv = srv
	s.stop = context.AfterFunc(ctx, func() { _ = srv.Close() })
	// Serve only fails once the server is closed; there is nobody to report
	// that to, and callers see it as refused connections anyway.
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// Close stops a started server and drops its connections. It is a no-op if
// the server was never started or is already stopped.
func (s *Server) Close() error {
	s.mu.Lock()
	srv, stop := s.srv, s.stop
	s.mu.Unlock()
	// stop reports false once ctx cancellation (or an earlier Close) has
	// taken charge of closing srv.
	if srv == nil || !stop() {
		return nil
	}
	return srv.Close()
}

// Requests returns a copy of the requests that reached the sandbox, oldest
// first. Only the most recent 10,000 are kept.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// CountRequests reports how many recorded requests have this method and
// path, e.g. CountRequests("DELETE", "/api/atomic/customer/delete").
func (s *Server) CountRequests(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// ResetRequests forgets all recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Customers returns a snapshot of all customers, soft-deleted ones included,
// ordered by customer_id.
func (s *Server) Customers() []Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Customer, len(s.customers))
	for i, c := range s.customers {
		out[i] = c.clone()
	}
	return out
}

// clone copies c so callers cannot reach the server's DeleteDate through the
// shared pointer.
func (c Customer) clone() Customer {
	if c.DeleteDate != nil {
		c.DeleteDate = new(*c.DeleteDate)
	}
	return c
}

func (s *Server) record(r *http.Request, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) >= maxRequests {
		// Clear the dropped slot so its body can be collected; append copies
		// only the live tail when it next grows the array.
		s.requests[0] = Request{}
		s.requests = s.requests[1:]
	}
	if len(body) == 0 {
		body = nil // io.ReadAll hands back an allocated empty slice
	}
	s.requests = append(s.requests, Request{
		Method:        r.Method,
		Path:          r.URL.Path,
		RawQuery:      r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization"),
		UserAgent:     r.UserAgent(),
		ContentType:   r.Header.Get("Content-Type"),
		Body:          body,
	})
}
