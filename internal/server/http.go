package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/auth"
)

// HTTPOptions configures ServeHTTP.
type HTTPOptions struct {
	// Transport is "sse" (legacy GET /sse + POST /message) or "http"
	// (streamable HTTP at /mcp).
	Transport string
	Addr      string
	// Access decides who may call the MCP endpoints (internal/auth); nil
	// with an AuthToken means that one shared token, nil without one that
	// everyone may (a loopback listener).
	Access *auth.ResourceServer
	// AuthToken, when set and Access is nil, is required as
	// "Authorization: Bearer <token>" on every MCP endpoint.
	AuthToken string
	// AllowedOrigins are the exact origins (scheme://host[:port]) a browser
	// may call from; nil means the loopback default.
	AllowedOrigins []string
	// Stateless runs streamable HTTP without server sessions, so that any
	// replica can serve any request.
	Stateless bool
	// SessionIdleTimeout ends streamable-HTTP sessions unused for this
	// long (DefaultSessionIdleTimeout when zero); MaxSessions and
	// MaxStreams cap what is held open (the defaults when zero).
	SessionIdleTimeout      time.Duration
	MaxSessions, MaxStreams int
	Version                 string
	Logger                  *slog.Logger
	// Ready, if set, is called with the bound address once listening.
	Ready func(addr net.Addr)
	// Pages are served outside the MCP guards (bearer auth, origin check),
	// keyed by path prefix: pages a person opens in a browser, which check
	// their own requests, such as the delete approval page.
	Pages map[string]http.Handler
}

// Limits that keep one client from exhausting the server.
const (
	maxRequestBody    = 1 << 20
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 120 * time.Second
	// postWriteTimeout bounds a tool call's response, elicitation wait
	// included; event streams (GET) have none, since they live for a session.
	postWriteTimeout = 10 * time.Minute
	shutdownGrace    = 10 * time.Second
	// streamFlush is how long shutdown waits, once the last call has
	// answered, before closing the event streams: queued SSE answers reach
	// the wire, and clients that end a session with its stream have read
	// their last answers.
	streamFlush = 100 * time.Millisecond
)

// inflight counts work that shutdown must let finish: requests other than
// event streams, until their response is written, and tool calls, until
// their context ends (on SSE a call outlives its POST, which was answered
// 202 at once).
type inflight struct{ n atomic.Int64 }

func (c *inflight) track(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		c.n.Add(1)
		context.AfterFunc(ctx, func() { c.n.Add(-1) })
		return next(ctx, req)
	}
}

func (c *inflight) requests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			c.n.Add(1)
			defer c.n.Add(-1)
		}
		next.ServeHTTP(w, r)
	})
}

// wait returns once no call is in flight, or when ctx ends.
func (c *inflight) wait(ctx context.Context) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for c.n.Load() > 0 {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// listenError names the fix for a listen address already taken: most often
// a second `make run`, or another program on 8080.
func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("listen on %s: another program is already using this address; stop it, or choose another with --addr (or ATOMIC_MCP_ADDR), e.g. --addr 127.0.0.1:8081: %w", addr, err)
	}
	return fmt.Errorf("listen on %s: %w", addr, err)
}

// ServeHTTP serves s over HTTP until ctx ends, then stops accepting and
// gives in-flight requests up to 10 seconds to finish.
func ServeHTTP(ctx context.Context, s *server.MCPServer, opts HTTPOptions) error {
	calls := &inflight{}
	s.Use(calls.track)
	handler, shutdownMCP := Handler(s, opts)
	lis, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return listenError(opts.Addr, err)
	}
	srv := &http.Server{
		Handler:           calls.requests(handler),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if opts.Ready != nil {
		opts.Ready(lis.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	opts.Logger.Info("shutting down: waiting for in-flight calls", "grace", shutdownGrace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	// Stop accepting at once. Shutdown then waits for open connections,
	// event streams included, which never end on their own.
	shutdownErr := make(chan error, 1)
	go func() { shutdownErr <- srv.Shutdown(shutdownCtx) }()
	// Let the calls in flight finish before closing the streams: a client
	// may give up on its session when its stream ends, and legacy SSE
	// answers a call on the stream.
	calls.wait(shutdownCtx)
	sleepCtx(shutdownCtx, streamFlush)
	go shutdownMCP(shutdownCtx)
	if err := <-shutdownErr; err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}

// Handler builds the HTTP handler: /healthz, the OAuth metadata, plus the
// MCP endpoints of the chosen transport behind the origin check, bearer
// auth, a body cap and the scope check — in that order, so a foreign origin
// is refused before anything else runs, and nothing of an unauthenticated
// request's body is read.
func Handler(s *server.MCPServer, opts HTTPOptions) (http.Handler, func(context.Context)) {
	access := opts.Access
	if access == nil && opts.AuthToken != "" {
		access = auth.New(auth.Options{SharedToken: opts.AuthToken, Logger: opts.Logger})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok", "version": opts.Version})
	})

	for prefix, h := range opts.Pages {
		mux.Handle(prefix, limitBody(h))
	}
	endpoint := "/mcp"
	if opts.Transport == "sse" {
		endpoint = "/sse"
	}
	if access != nil {
		for path, h := range access.Metadata() {
			mux.Handle("GET "+path, h)
			mux.Handle("OPTIONS "+path, h)
		}
	}
	guard := func(h http.Handler) http.Handler { return guarded(opts.AllowedOrigins, access, endpoint, h) }
	var shutdown func(context.Context)
	switch opts.Transport {
	case "sse":
		owners := newSSEOwners()
		sse := server.NewSSEServer(s,
			server.WithSessionIDGenerator(owners.generate),
			server.WithSSEEndpoint("/sse"),
			server.WithMessageEndpoint("/message"),
			server.WithUseFullURLForMessageEndpoint(false),
			server.WithKeepAlive(true),
		)
		mux.Handle("/sse", guard(sse))
		mux.Handle("/message", guard(owners.guard(sse)))
		shutdown = func(context.Context) { sse.CloseSessions() }
	default:
		options := []server.StreamableHTTPOption{
			server.WithStateLess(opts.Stateless),
			server.WithStreamableHTTPLogger(libraryLogger(opts.Logger)),
			server.WithHeartbeatInterval(25 * time.Second),
		}
		var sess *sessions
		if !opts.Stateless {
			sess = newSessions(opts.MaxSessions, opts.MaxStreams)
			idle := opts.SessionIdleTimeout
			if idle <= 0 {
				idle = DefaultSessionIdleTimeout
			}
			options = append(options, server.WithSessionIdManagerResolver(sess), server.WithSessionIdleTTL(idle))
		}
		streamable := server.NewStreamableHTTPServer(s, options...)
		var h http.Handler = streamable
		if sess != nil {
			h = sess.guard(streamable)
		}
		mux.Handle("/mcp", guard(h))
		shutdown = func(ctx context.Context) { _ = streamable.Shutdown(ctx) }
	}
	return mux, shutdown
}

// guarded puts the MCP endpoint h behind the origin check, then (with
// access) authentication, the body cap and the scope check.
func guarded(allowed []string, access *auth.ResourceServer, endpoint string, h http.Handler) http.Handler {
	if access == nil {
		return checkOrigin(allowed, limitBody(h))
	}
	return checkOrigin(allowed, access.Guard(endpoint, limitBody, h))
}

// checkOrigin is the DNS-rebinding defence the MCP specification requires:
// a browser request from an origin not on the list is refused outright.
// Requests without an Origin (non-browser clients) pass.
func checkOrigin(allowed []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && !originAllowed(origin, allowed) {
			http.Error(w, "Forbidden: origin not allowed", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func originAllowed(origin string, allowed []string) bool {
	if allowed != nil {
		for _, a := range allowed {
			if strings.EqualFold(strings.TrimRight(a, "/"), origin) {
				return true
			}
		}
		return false
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" {
		return false
	}
	switch strings.ToLower(u.Hostname()) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// limitBody caps request bodies and gives POSTs a write deadline; event
// streams (GET) are left open-ended.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxRequestBody {
			http.Error(w, "Request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		rc := http.NewResponseController(w)
		if r.Method == http.MethodGet {
			_ = rc.SetReadDeadline(time.Time{})
		} else {
			_ = rc.SetWriteDeadline(time.Now().Add(postWriteTimeout))
		}
		next.ServeHTTP(w, r)
	})
}
