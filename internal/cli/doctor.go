package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/advice"
	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/audit"
	"github.com/atomtelecom/atomic-mcp/internal/config"
)

// maxClockSkew is how far this machine's clock may be from the API's
// before doctor calls it a problem: confirmation tokens expire after five
// minutes, and replicas sharing a secret must agree on when.
const maxClockSkew = 2 * time.Minute

// networkTimeout bounds each of doctor's network checks.
const networkTimeout = 10 * time.Second

// report prints doctor's verdict lines and counts problems.
type report struct {
	w        io.Writer
	problems int
}

func (r *report) ok(check, detail string) { fmt.Fprintf(r.w, "ok: %s: %s\n", check, detail) }

func (r *report) note(check, detail string) { fmt.Fprintf(r.w, "note: %s: %s\n", check, detail) }

func (r *report) problem(check, what, fix string) {
	r.problems++
	fmt.Fprintf(r.w, "problem: %s: %s\n  fix: %s\n", check, what, fix)
}

func runDoctor(ctx context.Context, env Env, args []string) error {
	positional, flags := split(args)
	if len(positional) > 0 {
		return usageError("atomic-mcp doctor [FLAGS] takes no arguments; got %q", positional[0])
	}
	r := &report{w: env.Stdout}
	fmt.Fprintf(r.w, "atomic-mcp %s: checking the configuration and the Atomic API\n", env.Version)
	defer func() {
		if r.problems == 0 {
			fmt.Fprintln(r.w, "verdict: all good")
		} else {
			fmt.Fprintf(r.w, "verdict: %d problem(s); fix them and run atomic-mcp doctor again\n", r.problems)
		}
	}()

	cfg, err := parseConfig(Env{Getenv: env.Getenv, Stderr: io.Discard}, flags)
	var tokenErr *config.TokenError
	switch {
	case errors.As(err, &tokenErr):
		r.problem("token", tokenErr.Source+" "+tokenErr.Cause, tokenErr.Fix)
		return doctorVerdict(r)
	case err != nil:
		r.problem("configuration", err.Error(), "correct the setting it names (atomic-mcp --help lists them all)")
		return doctorVerdict(r)
	}
	source := "ATOMIC_API_TOKEN"
	if hasFlag(flags, "api-token-file") {
		source = "--api-token-file"
	}
	if cfg.Sandbox {
		r.ok("configuration", "sandbox mode: the built-in simulated API needs no token and no network")
	} else {
		r.ok("configuration", fmt.Sprintf("API %s, token from %s", cfg.APIURL, source))
	}
	if len(cfg.ConfirmSecret) == 0 && cfg.Transport == "http" && cfg.Stateless {
		r.note("confirmation secret", "ATOMIC_MCP_CONFIRM_SECRET is not set: with several replicas, a confirmation token minted by one is refused by the others; set the same secret on each")
	}
	if cfg.AuditLog != "" {
		if l, err := audit.Open(cfg.AuditLog); err != nil {
			r.problem("audit log", err.Error(), "give --audit-log (or ATOMIC_MCP_AUDIT_LOG) a file this user can write, in a directory that exists")
		} else {
			r.ok("audit log", "appending to "+cfg.AuditLog+" (mode 0600)")
			_ = l.Close()
		}
	}
	checkTeam(ctx, r, cfg)
	if cfg.Sandbox {
		r.note("Atomic API", "not checked in sandbox mode; run atomic-mcp doctor without --sandbox to check the real API and token")
		return doctorVerdict(r)
	}

	u, _ := url.Parse(cfg.APIURL) // config has checked it
	target, targetPort, via := u.Hostname(), port(u), "the API"
	if proxy, from := proxyFor(u, env.Getenv); proxy != nil {
		r.note("proxy", fmt.Sprintf("requests to %s go through the proxy %s (from %s)", u.Hostname(), proxy.Host, from))
		target, targetPort, via = proxy.Hostname(), port(proxy), "the proxy"
	}
	if !reachable(ctx, r, target, targetPort, via) {
		r.note("token", "not checked: the API cannot be reached")
		return doctorVerdict(r)
	}
	checkAPI(ctx, r, env, cfg.APIURL, cfg.APIToken)
	return doctorVerdict(r)
}

func doctorVerdict(r *report) error {
	if r.problems > 0 {
		return ProblemsFound(r.problems)
	}
	return nil
}

// ProblemsFound is doctor's failure: the number of problems it reported.
// It is not a usage error, so the exit status is 1.
type ProblemsFound int

func (n ProblemsFound) Error() string { return fmt.Sprintf("doctor found %d problem(s)", int(n)) }

// reachable resolves host and opens a TCP connection to it.
func reachable(ctx context.Context, r *report, host, portNum, via string) bool {
	ctx, cancel := context.WithTimeout(ctx, networkTimeout)
	defer cancel()
	if net.ParseIP(host) == nil {
		addrs, err := net.DefaultResolver.LookupHost(ctx, host)
		if err != nil {
			fix := "check the host name in ATOMIC_API_URL (default " + atomicapi.DefaultBaseURL + ") and this machine's DNS and network connection"
			if via == "the proxy" {
				fix = "check the proxy's host name in HTTPS_PROXY / HTTP_PROXY and this machine's DNS"
			}
			r.problem("DNS", fmt.Sprintf("%s (%s) does not resolve: %v", host, via, dnsCause(err)), fix)
			return false
		}
		r.ok("DNS", fmt.Sprintf("%s resolves to %s", host, strings.Join(addrs[:min(len(addrs), 3)], ", ")))
	}
	start := time.Now()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort(host, portNum))
	if err != nil {
		what := fmt.Sprintf("cannot connect to %s (%s): %v", net.JoinHostPort(host, portNum), via, connectCause(err))
		fix := "check ATOMIC_API_URL's host and port; a firewall may block outgoing connections — behind a corporate proxy, set HTTPS_PROXY"
		if via == "the proxy" {
			fix = "check HTTPS_PROXY / HTTP_PROXY: the proxy named there does not accept connections (or set NO_PROXY for the API host)"
		}
		r.problem("connection", what, fix)
		return false
	}
	_ = conn.Close()
	r.ok("connection", fmt.Sprintf("connected to %s (%s) in %s", net.JoinHostPort(host, portNum), via, time.Since(start).Round(time.Millisecond)))
	return true
}

// checkAPI lists the plans with the token, exactly as the server would,
// and compares the API's clock with this machine's.
func checkAPI(ctx context.Context, r *report, env Env, apiURL string, token atomicapi.Token) {
	dates := &dateRecorder{next: atomicapi.NewTransport(env.Getenv)}
	client, err := atomicapi.New(atomicapi.Options{
		BaseURL: apiURL, Token: token, Version: env.Version,
		// The one client for requests that carry the token: it refuses
		// redirects, so the token goes to the configured API only.
		HTTPClient:   atomicapi.NewHTTPClient(dates),
		MaxAttempts:  1, // a verdict now, not after retries
		CallDeadline: networkTimeout,
	})
	if err != nil {
		r.problem("token", err.Error(), "set ATOMIC_API_TOKEN, or run with --sandbox")
		return
	}
	plans, err := client.ListServicePlans(ctx)
	if err != nil {
		what, fix := explainAPIError(err)
		r.problem("token", what, fix)
	} else {
		r.ok("token", fmt.Sprintf("accepted: the account offers %d service plan(s)", len(plans)))
	}
	checkClock(r, dates.last(), time.Now())
}

// explainAPIError turns a failed plan listing into a problem and its fix.
func explainAPIError(err error) (what, fix string) {
	var certInvalid x509.CertificateInvalidError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case errors.Is(err, atomicapi.ErrUnauthorized):
		return "the Atomic API rejected the token (HTTP 401/403)",
			advice.CopyToken + " into ATOMIC_API_TOKEN or the --api-token-file, exactly as shown, without a \"Bearer\" prefix"
	case errors.As(err, &certInvalid) && certInvalid.Reason == x509.Expired:
		return "the API's TLS certificate is expired or not yet valid for this machine: " + err.Error(),
			"check this machine's clock (see the clock line); if the clock is right, report the certificate to Atom Telecom"
	case errors.As(err, &unknownCA) || errors.As(err, &certInvalid) || errors.As(err, &hostname):
		return "the API's TLS certificate was not accepted: " + err.Error(),
			"a proxy that inspects TLS must have its CA trusted: add it to the system trust store or point SSL_CERT_FILE at it; otherwise check ATOMIC_API_URL"
	case errors.Is(err, atomicapi.ErrNotFound), errors.Is(err, atomicapi.ErrMalformed):
		return "the URL does not answer like the Atomic API: " + err.Error(),
			"set ATOMIC_API_URL to the API's base URL (default " + atomicapi.DefaultBaseURL + "), without a path"
	case errors.Is(err, atomicapi.ErrRateLimited):
		return "the Atomic API is rate limiting this account: " + err.Error(), "wait a minute and run doctor again; check that no script is calling the API in a loop"
	default:
		return err.Error(), "check the network and ATOMIC_API_URL; behind a proxy, set HTTPS_PROXY (and NO_PROXY for hosts that bypass it)"
	}
}

func checkClock(r *report, date string, now time.Time) {
	if date == "" {
		r.note("clock", "not checked: the API sent no Date header")
		return
	}
	upstream, err := http.ParseTime(date)
	if err != nil {
		r.note("clock", fmt.Sprintf("not checked: the API's Date header %q is not an HTTP date", date))
		return
	}
	skew := now.Sub(upstream)
	off := skew.Abs().Round(time.Second)
	if off > maxClockSkew {
		direction := "ahead of"
		if skew < 0 {
			direction = "behind"
		}
		r.problem("clock", fmt.Sprintf("this machine's clock is %s %s the API's", off, direction),
			"turn on automatic time sync (Linux: timedatectl set-ntp true; macOS: System Settings > General > Date & Time; Windows: Settings > Time & language > Sync now)")
		return
	}
	r.ok("clock", fmt.Sprintf("within %s of the API's clock", max(off, time.Second)))
}

// dateRecorder keeps the Date header of the last response: the atomic
// client does not expose headers, and any answer — a 401 included — tells
// the time.
type dateRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	date string
}

func (d *dateRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(req)
	if resp != nil {
		d.mu.Lock()
		d.date = resp.Header.Get("Date")
		d.mu.Unlock()
	}
	return resp, err
}

func (d *dateRecorder) last() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.date
}

// proxyFor reports the proxy the server's transport will use for u — the
// same atomicapi.ProxyFunc over the same getenv — and the variable it came
// from, for the report.
func proxyFor(u *url.URL, getenv func(string) string) (*url.URL, string) {
	p, err := atomicapi.ProxyFunc(getenv)(u)
	if err != nil || p == nil {
		return nil, ""
	}
	from := "HTTP_PROXY"
	if u.Scheme == "https" {
		from = "HTTPS_PROXY"
	}
	if getenv(from) == "" {
		from = strings.ToLower(from)
	}
	return p, from
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch u.Scheme {
	case "https":
		return "443"
	case "socks5", "socks5h":
		return "1080"
	default:
		return "80"
	}
}

func dnsCause(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return "no such host"
		}
		return dnsErr.Err
	}
	return err.Error()
}

func connectCause(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Err.Error()
	}
	return err.Error()
}
