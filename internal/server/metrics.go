package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/atomtelecom/atomic-mcp/internal/auth"
)

// MetricsOptions configures ServeMetrics.
type MetricsOptions struct {
	Addr string
	// AuthToken, when set, is required as a bearer token, as on the MCP
	// endpoints; config refuses an address off this machine without one.
	AuthToken string
	// Handler writes the metrics (telemetry's Prometheus handler).
	Handler http.Handler
	Logger  *slog.Logger
}

// ServeMetrics listens on opts.Addr and serves GET /metrics until ctx ends.
// It returns once listening, with the bound address; a listener that cannot
// be opened stops start-up. Nothing it does writes to stdout, so it runs
// beside stdio too.
func ServeMetrics(ctx context.Context, opts MetricsOptions) (net.Addr, error) {
	lis, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", opts.Addr, err)
	}
	mux := http.NewServeMux()
	var h http.Handler = opts.Handler
	if opts.AuthToken != "" {
		h = auth.NewGate(auth.GateOptions{Verifier: auth.NewSharedToken(opts.AuthToken), Logger: opts.Logger}).Authenticate(h)
	}
	mux.Handle("GET /metrics", h)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			opts.Logger.Error("metrics endpoint stopped", "cause", err)
		}
	}()
	context.AfterFunc(ctx, func() { _ = srv.Close() })
	return lis.Addr(), nil
}
