// Package app assembles atomic-mcp from a Config: the sandbox when asked
// for, the shared API client, the confirmation keys, the selected tools and
// the MCP server. The server binary and the CLI subcommands build it the
// same way, so a tool called from a shell behaves as it does for an assistant.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/approval"
	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/audit"
	"github.com/atomtelecom/atomic-mcp/internal/auth"
	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/internal/confirm"
	"github.com/atomtelecom/atomic-mcp/internal/resources"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
	"github.com/atomtelecom/atomic-mcp/internal/server"
	"github.com/atomtelecom/atomic-mcp/internal/store"
	"github.com/atomtelecom/atomic-mcp/internal/telemetry"
	"github.com/atomtelecom/atomic-mcp/prompts"
	"github.com/atomtelecom/atomic-mcp/tools"
)

// App is an assembled server.
type App struct {
	Server *mcpserver.MCPServer
	// Tools are the registered tools, in order.
	Tools []mcpserver.ServerTool
	// APIURL is where the shared Atomic API client points (the sandbox's
	// URL in sandbox mode).
	APIURL string
	// Audit is the audit trail, nil unless configured.
	Audit *audit.Log
	// Approvals serves the browser approval pages (--confirm-mode browser).
	Approvals *approval.Service
	// Store is the shared state store.
	Store store.Store
	// Access decides who may call a network server; nil on stdio and on a
	// loopback listener without authentication.
	Access *auth.ResourceServer
	close  []func()
}

// Option adjusts how New assembles the server.
type Option func(*options)

type options struct{ tel *telemetry.Telemetry }

// WithTelemetry traces and measures the server with tel.
func WithTelemetry(tel *telemetry.Telemetry) Option { return func(o *options) { o.tel = tel } }

// New assembles the server described by cfg. Close releases what it started.
func New(ctx context.Context, cfg config.Config, version string, logger *slog.Logger, opts ...Option) (*App, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	tel := o.tel
	a := &App{APIURL: cfg.APIURL}
	if cfg.AuditLog != "" {
		// Opened first, so that an unwritable trail stops start-up before
		// anything runs, instead of failing the first create or delete.
		var err error
		if a.Audit, err = audit.Open(cfg.AuditLog); err != nil {
			return nil, config.Invalid("--audit-log", err)
		}
		a.close = append(a.close, func() { _ = a.Audit.Close() })
	}
	token := cfg.APIToken
	if cfg.Sandbox {
		url, tok, stop, err := startSandbox(ctx)
		if err != nil {
			return nil, err
		}
		a.close = append(a.close, stop)
		a.APIURL, token = url, tok
		logger.Warn("sandbox mode: a simulated Atomic API with sample customers; no real account is touched", "api_url", url)
	}

	shared, err := openStore(ctx, cfg, logger)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.close = append(a.close, func() { _ = shared.Close() })
	shared = tel.Store(shared)
	a.Store = shared

	apiOpts := atomicapi.Options{BaseURL: a.APIURL, Token: token, Version: version, Logger: logger, RateLimit: cfg.RateLimit, RequestTimeout: cfg.APITimeout,
		SharedLimit: sharedLimit(shared, a.APIURL, cfg.RateLimit)}
	if tel.Enabled() {
		apiOpts.HTTPClient = atomicapi.NewHTTPClient(tel.APITransport(atomicapi.NewTransport(os.Getenv)))
		apiOpts.Observer = tel.Metrics()
	}
	client, err := atomicapi.New(apiOpts)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("API client: %w", err)
	}
	confirmer, err := confirm.New(cfg.ConfirmSecret, confirm.DefaultTTL, nil)
	if err != nil {
		a.Close()
		return nil, err
	}
	confirmer.SpendIn(shared)
	// Every tool, prompt and resource reads through one cache, so that
	// concurrent identical requests become one and a write through any of
	// them clears what the others would read.
	cacheOpts := atomicapi.CacheOptions{PlansTTL: cfg.PlansTTL, CustomersTTL: cfg.CustomersTTL}
	if shared.Shared() {
		cacheOpts.Generations = shared
	}
	api := atomicapi.NewCached(client, cacheOpts)
	deps := tools.Deps{API: api, Confirmer: confirmer, Store: shared, Mode: cfg.ConfirmMode, Asker: confirmAsker(cfg, logger)}
	a.Approvals = approval.NewService(approval.DefaultTTL, logger)
	if cfg.PublicURL != "" {
		a.Approvals.SetBaseURL(cfg.PublicURL)
	}
	a.close = append(a.close, a.Approvals.Close)
	deps.Approvals = a.Approvals
	if a.Audit != nil {
		deps.Audit = a.Audit // never a typed nil: a nil Auditor means no trail
	}
	if tel.Enabled() {
		deps.Audit = countConfirmations{next: deps.Audit, metrics: tel.Metrics()}
		a.Approvals.OnEnded(browserEnded(tel.Metrics()))
	}
	a.Tools, err = tools.Select(deps, tools.Options{ReadOnly: cfg.ReadOnly, Only: cfg.Tools})
	if err != nil {
		a.Close()
		return nil, config.Invalid("--tools", err)
	}
	a.Access = auth.New(auth.Options{
		Issuer: cfg.OAuthIssuer, PublicURL: cfg.PublicURL, Endpoints: Endpoints(cfg.Transport), Names: cfg.OAuthScopes,
		Keys: cfg.AuthKeys, SharedToken: cfg.AuthToken, Tools: a.toolDefinitions(), PerUserRate: cfg.RateLimitPerUser, Logger: logger,
	})
	promptDeps := prompts.Deps{API: api, Tools: a.ToolNames()}
	a.Server = server.New(server.Options{
		Version: version,
		Tools:   a.Tools,
		Register: []func(*mcpserver.MCPServer){
			func(s *mcpserver.MCPServer) { prompts.Register(s, promptDeps) },
			func(s *mcpserver.MCPServer) { resources.Register(s, api) },
		},
		PromptCompletions:   prompts.Completions(promptDeps),
		ResourceCompletions: resources.Completions(api),
		Access:              a.Access,
		Logger:              logger,
		Instrument:          tel.Instrument,
	})
	return a, nil
}

// confirmAsker bounds how long a confirmation question waits. On stdio it
// also bounds how many wait at once, to half of mcp-go's tool-call workers:
// each waiting question holds one, and the other half must stay free for
// every other call.
func confirmAsker(cfg config.Config, logger *slog.Logger) *confirm.Asker {
	waiting := 0
	if cfg.Transport == "stdio" {
		waiting = server.StdioWorkers / 2
	}
	return confirm.NewAsker(cfg.ElicitationTimeout, waiting, logger)
}

// ToolNames lists the registered tools.
func (a *App) ToolNames() []string {
	names := make([]string, len(a.Tools))
	for i, t := range a.Tools {
		names[i] = t.Tool.Name
	}
	return names
}

// Endpoints are the paths at which a transport serves MCP.
func Endpoints(transport string) []string {
	switch transport {
	case "http":
		return []string{"/mcp"}
	case "sse":
		return []string{"/sse"}
	}
	return nil
}

func (a *App) toolDefinitions() []mcp.Tool {
	out := make([]mcp.Tool, len(a.Tools))
	for i, t := range a.Tools {
		out[i] = t.Tool
	}
	return out
}

// Close stops what New started, newest first.
func (a *App) Close() {
	for i := len(a.close) - 1; i >= 0; i-- {
		a.close[i]()
	}
	a.close = nil
}

// startSandbox serves the simulated API on a loopback port with a throwaway
// token, so sandbox requests take exactly the production path.
func startSandbox(ctx context.Context) (url string, token atomicapi.Token, stop func(), err error) {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", atomicapi.Token{}, nil, fmt.Errorf("sandbox token: %w", err)
	}
	tok := "sandbox-" + hex.EncodeToString(raw)
	sb := sandbox.New(sandbox.Options{Token: tok})
	url, err = sb.Start(ctx)
	if err != nil {
		return "", atomicapi.Token{}, nil, fmt.Errorf("start sandbox: %w", err)
	}
	return url, atomicapi.NewToken(tok), func() { _ = sb.Close() }, nil
}
