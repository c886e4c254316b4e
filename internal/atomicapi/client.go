// Package atomic is the client for Atom Telecom's Atomic API: the four
// customer and service-plan endpoints, with retries, tolerant decoding and
// typed errors. One Client is shared by every MCP tool.
package atomicapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// DefaultBaseURL is the production API.
const DefaultBaseURL = "https://atvoice-api.atomtelecom.com.au"

// Endpoint paths, as documented.
const (
	PathListCustomers    = "/api/atomic/customer/list"
	PathCreateCustomer   = "/api/atomic/customer/create"
	PathDeleteCustomer   = "/api/atomic/customer/delete"
	PathListServicePlans = "/api/atomic/service_plan/list"
)

// Defaults chosen so that a call, retries included, ends before MCP clients
// give up on a tool (around 30 s).
const (
	DefaultRequestTimeout = 15 * time.Second
	DefaultCallDeadline   = 24 * time.Second
	DefaultMaxAttempts    = 3
	DefaultMaxBodyBytes   = 16 << 20
	maxPages              = 1000
)

// The provider documents about 10 requests per second for its sibling API;
// the defaults stay within it.
const (
	DefaultRateLimit = 10.0
	DefaultRateBurst = 10
)

// Options configures a Client.
type Options struct {
	BaseURL string
	Token   Token
	// Version goes into the User-Agent.
	Version string
	// HTTPClient defaults to NewHTTPClient(NewTransport(Getenv)). Whatever
	// is passed, New refuses redirects on it.
	HTTPClient *http.Client
	// Getenv reads the proxy variables for the default transport (default
	// os.Getenv).
	Getenv func(string) string
	// RequestTimeout bounds one HTTP attempt.
	RequestTimeout time.Duration
	// CallDeadline bounds a whole call: every attempt, page and backoff.
	CallDeadline time.Duration
	// MaxAttempts bounds attempts per GET request; POST and DELETE get one.
	MaxAttempts int
	// MaxBodyBytes caps a response body.
	MaxBodyBytes int64
	// BaseBackoff is the first retry's mean delay (default 300 ms).
	BaseBackoff time.Duration
	// RateLimit is the most requests per second sent upstream, counting
	// every attempt and page (default DefaultRateLimit; negative: no limit).
	// The limit is per Client, so per process.
	RateLimit float64
	// RateBurst is how many requests may go at once before RateLimit paces
	// them (default DefaultRateBurst).
	RateBurst int
	// SharedLimit, if set, paces requests instead of the per-process
	// limit: one budget for every replica. While it fails the per-process
	// limit paces them, so reads go on.
	SharedLimit SharedLimiter
	Logger      *slog.Logger
	// Observer, if set, is told of rate-limit waits and cache reads.
	Observer Observer
}

// Client calls the Atomic API. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	token     Token
	userAgent string
	http      *http.Client
	opts      Options
	log       *slog.Logger
	limiter   *limiter // nil: no limit
	shared    SharedLimiter
	degraded  *atomic.Bool // the shared limit failed last time (a pointer: Client values get printed)
	observer  Observer
}

// SharedLimiter is a rate budget shared between processes; internal/store
// provides one on Redis.
type SharedLimiter interface {
	// Wait blocks until one request may go. When its turn would come after
	// ctx's deadline it returns at once with ok false and the time the turn
	// would take; err is the budget's store failing, or ctx ending.
	Wait(ctx context.Context) (ok bool, retryAfter time.Duration, err error)
}

// New validates opts and returns a Client.
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("API URL %q is not an http(s) URL", opts.BaseURL)
	}
	if opts.Token.IsZero() {
		return nil, errors.New("no access token")
	}
	if opts.HTTPClient == nil {
		getenv := opts.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		opts.HTTPClient = NewHTTPClient(NewTransport(getenv))
	} else {
		opts.HTTPClient = refuseRedirects(opts.HTTPClient)
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.CallDeadline <= 0 {
		opts.CallDeadline = DefaultCallDeadline
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = 300 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = DefaultRateLimit
	}
	if opts.RateBurst <= 0 {
		opts.RateBurst = DefaultRateBurst
	}
	var lim *limiter
	if opts.RateLimit > 0 {
		lim = newLimiter(opts.RateLimit, opts.RateBurst, time.Now)
	}
	var observer Observer = noObserver{}
	if opts.Observer != nil {
		observer = opts.Observer
	}
	version := opts.Version
	if version == "" {
		version = "dev"
	}
	return &Client{
		base:      base,
		token:     opts.Token,
		userAgent: "atomic-mcp/" + version,
		http:      opts.HTTPClient,
		opts:      opts,
		log:       opts.Logger,
		limiter:   lim,
		shared:    opts.SharedLimit,
		degraded:  new(atomic.Bool),
		observer:  observer,
	}, nil
}

// NewHTTPClient returns the http.Client for requests that carry the token:
// it never follows a redirect, because Go re-sends Authorization on
// redirects to the same host on any port or scheme, and the token must go
// nowhere but the configured API. A nil transport means the server's own
// (timeouts, and the proxy from the environment as doctor reports it).
func NewHTTPClient(transport http.RoundTripper) *http.Client {
	if transport == nil {
		transport = NewTransport(os.Getenv)
	}
	return refuseRedirects(&http.Client{Transport: transport})
}

// refuseRedirects copies hc with redirects refused; New applies it to a
// caller's client too, so no caller can opt out by accident.
func refuseRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// NewTransport is the transport the server uses: the standard one with
// response timeouts, and the proxy ProxyFunc(getenv) chooses.
func NewTransport(getenv func(string) string) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = DefaultRequestTimeout
	t.MaxIdleConnsPerHost = 16
	proxy := ProxyFunc(getenv)
	t.Proxy = func(r *http.Request) (*url.URL, error) { return proxy(r.URL) }
	return t
}

// ProxyFunc is the proxy choice for each request URL, read from HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY (and their lower-case forms) through getenv. The
// server's transport and doctor both use it, so doctor describes exactly
// the proxy the server will use.
func ProxyFunc(getenv func(string) string) func(*url.URL) (*url.URL, error) {
	get := func(upper, lower string) string {
		if v := getenv(upper); v != "" {
			return v
		}
		return getenv(lower)
	}
	cfg := &httpproxy.Config{
		HTTPProxy:  get("HTTP_PROXY", "http_proxy"),
		HTTPSProxy: get("HTTPS_PROXY", "https_proxy"),
		NoProxy:    get("NO_PROXY", "no_proxy"),
		CGI:        getenv("REQUEST_METHOD") != "",
	}
	return cfg.ProxyFunc()
}

// ListCustomers returns every customer whose name contains name (all when
// name is ""), following pages when the API paginates. Deleted customers are
// included; see Customer.Deleted.
func (c *Client) ListCustomers(ctx context.Context, name string) ([]Customer, error) {
	q := url.Values{}
	if name != "" {
		q.Set("customer_name", name)
	}
	customers, err := getList[Customer](ctx, c, "list customers", PathListCustomers, q)
	if err != nil {
		return nil, err
	}
	return customers, nil
}

// ListCustomersFresh is ListCustomers: the Client keeps no cache. It
// exists so that Client and Cached serve the same interface.
func (c *Client) ListCustomersFresh(ctx context.Context, name string) ([]Customer, error) {
	return c.ListCustomers(ctx, name)
}

// ListServicePlans returns the plans available to the account.
func (c *Client) ListServicePlans(ctx context.Context) ([]ServicePlan, error) {
	return getList[ServicePlan](ctx, c, "list service plans", PathListServicePlans, url.Values{})
}

// CreateCustomer creates a customer. It is sent once and never retried: a
// lost answer must not become a second customer.
func (c *Client) CreateCustomer(ctx context.Context, in NewCustomer) (*Customer, error) {
	const op = "create customer"
	ctx, cancel := context.WithTimeout(ctx, c.opts.CallDeadline)
	defer cancel()
	var out Customer
	if err := c.sendOnce(ctx, op, http.MethodPost, PathCreateCustomer, in, &out); err != nil {
		return nil, err
	}
	if out.CustomerID == 0 {
		return nil, &Error{Kind: ErrMalformed, Op: op, Status: http.StatusOK, Message: "the answer holds no customer_id"}
	}
	return &out, nil
}

// DeleteCustomer deletes a customer by id. It is sent once and never retried.
func (c *Client) DeleteCustomer(ctx context.Context, id int64) (*Deletion, error) {
	const op = "delete customer"
	ctx, cancel := context.WithTimeout(ctx, c.opts.CallDeadline)
	defer cancel()
	var out Deletion
	body := struct {
		CustomerID int64 `json:"customer_id"`
	}{id}
	if err := c.sendOnce(ctx, op, http.MethodDelete, PathDeleteCustomer, body, &out); err != nil {
		return nil, err
	}
	if out.CustomerID != 0 && out.CustomerID != id {
		return nil, &Error{Kind: ErrMalformed, Op: op, Status: http.StatusOK,
			Message: fmt.Sprintf("asked to delete customer_id %d, the API answered for customer_id %d", id, out.CustomerID)}
	}
	return &out, nil
}

// getList fetches a list endpoint, accepting a bare array or an object with
// the list beside a paging object, and follows pages.
func getList[T any](ctx context.Context, c *Client, op, path string, q url.Values) ([]T, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.CallDeadline)
	defer cancel()
	var all []T
	for page := 1; page <= maxPages; page++ {
		if page > 1 {
			q.Set("page", strconv.Itoa(page))
		}
		body, status, err := c.get(ctx, op, path, q)
		if err != nil {
			return nil, err
		}
		items, paging, err := decodeList[T](body)
		if err != nil {
			return nil, c.malformed(op, status, err)
		}
		// A server that ignores `page` answers page 1 again: keep nothing
		// twice, and stop rather than loop.
		if paging != nil && page > 1 && paging.Page != page {
			return all, nil
		}
		if all == nil {
			all = items
		} else {
			all = append(all, items...)
		}
		if paging == nil || paging.Page >= paging.TotalPage || len(items) == 0 {
			return all, nil
		}
	}
	return nil, &Error{Kind: ErrMalformed, Op: op, Message: fmt.Sprintf("more than %d pages", maxPages)}
}

// paging is the API's pagination object.
type paging struct {
	Total     int `json:"total"`
	TotalPage int `json:"total_page"`
	Page      int `json:"page"`
}

// listKeys are the names a paginated answer is expected to hold its list
// under; any single array field is accepted too.
var listKeys = []string{"data", "customers", "plans", "service_plans", "items", "results"}

func decodeList[T any](body []byte) ([]T, *paging, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, nil, errors.New("empty body")
	}
	switch body[0] {
	case '[':
		items, err := decodeItems[T](body)
		if err != nil {
			return nil, nil, err
		}
		return items, nil, nil
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, nil, err
		}
		var p *paging
		if raw, ok := obj["paging"]; ok && string(raw) != "null" {
			var flex struct {
				Total     flexID `json:"total"`
				TotalPage flexID `json:"total_page"`
				Page      flexID `json:"page"`
			}
			if err := json.Unmarshal(raw, &flex); err != nil {
				return nil, nil, fmt.Errorf("paging: %w", err)
			}
			p = &paging{Total: int(flex.Total), TotalPage: int(flex.TotalPage), Page: int(flex.Page)}
		}
		raw, err := listField(obj)
		if err != nil {
			return nil, nil, err
		}
		items, err := decodeItems[T](raw)
		if err != nil {
			return nil, nil, err
		}
		return items, p, nil
	default:
		return nil, nil, fmt.Errorf("expected a JSON list, got %s", sniff(body))
	}
}

// maxListItems bounds the records one answer may hold. The body cap alone
// does not bound memory: 16 MiB of "{}," is five million empty records, over
// a gigabyte once decoded. Every record opens with '{', so counting braces
// (an over-count, never an under-count) refuses such a body before any
// decoding, at memchr speed.
const maxListItems = 200_000

// decodeItems decodes a JSON array of records, the fast way when it can.
func decodeItems[T any](list []byte) ([]T, error) {
	if n := bytes.Count(list, []byte("{")); n > maxListItems {
		return nil, fmt.Errorf("the answer holds more than %d records (%d objects)", maxListItems, n)
	}
	if items, ok := decodeFlatArray[T](list); ok {
		return items, nil
	}
	var items []T
	if err := json.Unmarshal(list, &items); err != nil {
		return nil, err
	}
	return items, nil
}

func listField(obj map[string]json.RawMessage) (json.RawMessage, error) {
	for _, k := range listKeys {
		if raw, ok := obj[k]; ok && isArray(raw) {
			return raw, nil
		}
	}
	var found json.RawMessage
	for k, raw := range obj {
		if k == "paging" || !isArray(raw) {
			continue
		}
		if found != nil {
			return nil, errors.New("object holds more than one list")
		}
		found = raw
	}
	if found == nil {
		return nil, errors.New("object holds no list")
	}
	return found, nil
}

func isArray(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '['
}

// sniff describes a non-JSON body without echoing it.
func sniff(body []byte) string {
	if bytes.HasPrefix(bytes.ToLower(bytes.TrimSpace(body)), []byte("<")) {
		return "an HTML or XML page"
	}
	return "something that is not JSON"
}

// get performs a GET with retries: on 429 (honouring Retry-After when it
// fits the deadline), 502/503/504, timeouts and connection errors.
func (c *Client) get(ctx context.Context, op, path string, q url.Values) ([]byte, int, error) {
	var lastErr *Error
	for attempt := 1; ; attempt++ {
		body, status, err := c.do(ctx, op, http.MethodGet, path, q, nil)
		if err == nil {
			return body, status, nil
		}
		var apiErr *Error
		if !errors.As(err, &apiErr) || !retryable(apiErr) || ctx.Err() != nil {
			return nil, status, err
		}
		lastErr = apiErr
		if attempt >= c.opts.MaxAttempts {
			return nil, status, lastErr
		}
		wait := c.backoff(attempt)
		if apiErr.RetryAfter > 0 {
			wait = apiErr.RetryAfter
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			// Sleeping past the deadline only delays the same answer;
			// report the wait instead.
			return nil, status, lastErr
		}
		c.log.DebugContext(ctx, "retrying upstream request", "op", op, "attempt", attempt+1, "wait", wait, "cause", apiErr.Kind)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, status, c.contextError(ctx, op, lastErr)
		case <-timer.C:
		}
	}
}

// retryable errors pass with time. Our own limiter's refusal is one too,
// but its RetryAfter always lies beyond the deadline, so get returns it.
func retryable(e *Error) bool {
	return e.Kind == ErrRateLimited || e.Kind == ErrUnavailable
}

// backoff is exponential with full jitter, so that replicas retrying the
// same outage do not retry in step.
func (c *Client) backoff(attempt int) time.Duration {
	ceiling := c.opts.BaseBackoff << (attempt - 1)
	return ceiling/2 + rand.N(ceiling/2+1)
}

// sendOnce sends a JSON body exactly once.
func (c *Client) sendOnce(ctx context.Context, op, method, path string, in, out any) error {
	payload, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: encode request: %w", op, err)
	}
	body, status, err := c.do(ctx, op, method, path, nil, payload)
	if err != nil {
		return err
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return &Error{Kind: ErrMalformed, Op: op, Status: status, Message: "expected a JSON object, got " + sniffOrEmpty(trimmed)}
	}
	if err := json.Unmarshal(trimmed, out); err != nil {
		return c.malformed(op, status, err)
	}
	return nil
}

// malformed reports an undecodable answer. Decoding errors quote the
// offending value, which could be anything the upstream echoed — the token
// included — so their text is cleaned like any upstream text.
func (c *Client) malformed(op string, status int, err error) *Error {
	return &Error{Kind: ErrMalformed, Op: op, Status: status, Message: c.clean(err.Error())}
}

func sniffOrEmpty(body []byte) string {
	if len(body) == 0 {
		return "an empty body"
	}
	return sniff(body)
}

// waitTurn paces requests through the rate limiter. A turn that would come
// after ctx's deadline is refused at once with ErrRateLimited.
func (c *Client) waitTurn(ctx context.Context, op string) error {
	if c.shared != nil && c.limiter != nil {
		ok, after, err := c.shared.Wait(ctx)
		switch {
		case err == nil:
			if c.degraded.Swap(false) {
				c.log.InfoContext(ctx, "shared rate limit answers again: pacing on the shared budget")
			}
			if !ok {
				return &Error{Kind: ErrRateLimited, Op: op, RetryAfter: after}
			}
			return nil
		case ctx.Err() != nil:
			return c.contextError(ctx, op, nil)
		}
		if !c.degraded.Swap(true) {
			c.log.WarnContext(ctx, "shared rate limit unavailable: pacing on this process's own limit until it is back", "cause", err)
		}
	}
	if c.limiter == nil {
		return nil
	}
	ok, after, err := c.limiter.Wait(ctx)
	switch {
	case err != nil:
		return c.contextError(ctx, op, nil)
	case !ok:
		return &Error{Kind: ErrRateLimited, Op: op, RetryAfter: after}
	}
	return nil
}

// do performs one HTTP attempt, after its turn, and maps failures onto
// *Error.
func (c *Client) do(ctx context.Context, op, method, path string, q url.Values, payload []byte) ([]byte, int, error) {
	turn := time.Now()
	err := c.waitTurn(ctx, op)
	c.observeTurn(ctx, turn, err)
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()

	u := *c.base
	u.Path = c.base.Path + path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	var reqBody io.Reader
	if payload != nil {
		reqBody = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reqBody)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: build request: %w", op, err)
	}
	req.Header.Set("Authorization", c.token.reveal())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		record(ctx, 0)
		return nil, 0, c.transportError(ctx, op, err)
	}
	defer resp.Body.Close()
	record(ctx, resp.StatusCode)
	body, err := readBody(resp.Body, resp.ContentLength, c.opts.MaxBodyBytes)
	if err != nil {
		return nil, resp.StatusCode, c.transportError(ctx, op, err)
	}
	if int64(len(body)) > c.opts.MaxBodyBytes {
		return nil, resp.StatusCode, &Error{Kind: ErrMalformed, Op: op, Status: resp.StatusCode,
			Message: fmt.Sprintf("the response is larger than %d bytes", c.opts.MaxBodyBytes)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return body, resp.StatusCode, nil
	}
	return nil, resp.StatusCode, c.statusError(op, resp, body)
}

// readBody reads at most limit+1 bytes (one more than allowed, so that the
// caller can tell an oversized body from one exactly at the limit), into
// one buffer of the size the server announced when it announced one.
func readBody(r io.Reader, size, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if size > 0 && size <= limit {
		// ReadFrom wants MinRead bytes free before each read, the last
		// one (that sees EOF) included.
		buf.Grow(int(size) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	return buf.Bytes(), err
}

func (c *Client) statusError(op string, resp *http.Response, body []byte) *Error {
	e := &Error{Op: op, Status: resp.StatusCode}
	e.Message, e.Fields = c.parseErrorBody(body)
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		e.Kind = ErrUnauthorized
		e.Message = "" // the fix is always the token; the API's words add nothing
	case s == http.StatusNotFound:
		e.Kind = ErrNotFound
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity || s == http.StatusConflict:
		e.Kind = ErrValidation
	case s == http.StatusTooManyRequests:
		e.Kind = ErrRateLimited
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	case s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout:
		e.Kind = ErrUnavailable
	case s >= 300 && s < 400:
		e.Message = "" // the summary says why a redirect is not followed
	}
	return e
}

// parseErrorBody reads the API's error message, expected as {"message": ...}
// with an optional {"errors": {field: [messages]}}, and cleans it for display.
func (c *Client) parseErrorBody(body []byte) (string, map[string][]string) {
	var parsed struct {
		Message flexString `json:"message"`
		Error   flexString `json:"error"`
		Errors  map[string]json.RawMessage
	}
	if err := json.Unmarshal(body, &parsed); err != nil {
		// Non-JSON bodies (HTML error pages, proxies) say nothing useful.
		return "", nil
	}
	msg := string(parsed.Message)
	if msg == "" {
		msg = string(parsed.Error)
	}
	var fields map[string][]string
	for name, raw := range parsed.Errors {
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			var one string
			if json.Unmarshal(raw, &one) != nil {
				continue
			}
			list = []string{one}
		}
		if fields == nil {
			fields = map[string][]string{}
		}
		for i := range list {
			list[i] = c.clean(list[i])
		}
		fields[c.clean(name)] = list
	}
	return c.clean(msg), fields
}

// clean makes upstream text safe to show: no token, no control characters,
// bounded length.
func (c *Client) clean(s string) string {
	if raw := c.token.reveal(); raw != "" {
		s = strings.ReplaceAll(s, raw, redacted)
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

func (c *Client) transportError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return c.contextError(ctx, op, nil)
	}
	return &Error{Kind: ErrUnavailable, Op: op, Err: scrubURLError(err)}
}

// contextError distinguishes the caller giving up (returned as the context
// error, so a cancelled MCP request reads as cancelled) from our own deadline.
func (c *Client) contextError(ctx context.Context, op string, last *Error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("%s: %w", op, context.Canceled)
	}
	if last != nil {
		return last
	}
	return &Error{Kind: ErrUnavailable, Op: op, Message: "no answer in time"}
}

// scrubURLError keeps the network cause but drops the request URL, which is
// noise in a message meant for a user.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// parseRetryAfter reads delta-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
