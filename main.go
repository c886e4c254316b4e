// Command atomic-mcp is a Model Context Protocol server that lets AI
// assistants manage the sub-customers of an Atom Telecom reseller account
// through the Atomic API.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/atomtelecom/atomic-mcp/internal/app"
	"github.com/atomtelecom/atomic-mcp/internal/approval"
	"github.com/atomtelecom/atomic-mcp/internal/buildinfo"
	"github.com/atomtelecom/atomic-mcp/internal/cli"
	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/internal/logging"
	"github.com/atomtelecom/atomic-mcp/internal/server"
	"github.com/atomtelecom/atomic-mcp/internal/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode reports err on stderr in one line: 2 for a bad setting or a
// misused subcommand, 1 for anything else (including a tool's error result
// under `call` and a problem found by `doctor`).
func exitCode(err error, stderr io.Writer) int {
	var cfgErr *config.Error
	switch {
	case err == nil, errors.Is(err, config.ErrHelp):
		return 0
	case errors.As(err, &cfgErr):
		fmt.Fprintf(stderr, "atomic-mcp: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "atomic-mcp: %v\n", err)
		return 1
	}
}

// run is the whole program, with its inputs passed in so tests can drive it
// without a process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if cli.IsCommand(args) {
		return cli.Run(ctx, args, cli.Env{Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr, Version: buildVersion(), Executable: executable()})
	}
	cfg, err := config.Parse(args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.ShowVersion {
		fmt.Fprintln(stdout, buildinfo.Read())
		return nil
	}
	logger := logging.New(stderr, logging.Options{Level: cfg.LogLevel, Format: cfg.LogFormat, NoColor: getenv("NO_COLOR") != ""})
	tel, err := startTelemetry(ctx, cfg, getenv, logger)
	if err != nil {
		return err
	}
	defer stopTelemetry(tel, logger)
	if tel.Tracing() {
		logger = slog.New(logging.WithTraceIDs(logger.Handler()))
	}
	// mcp-go also writes through the standard log package in places: make
	// that the same handler, so --log-format json holds for every line.
	slog.SetDefault(logger)

	a, err := app.New(ctx, cfg, buildVersion(), logger, app.WithTelemetry(tel))
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.MetricsAddr != "" {
		addr, err := server.ServeMetrics(ctx, server.MetricsOptions{Addr: cfg.MetricsAddr, AuthToken: cfg.AuthToken, Handler: tel.PrometheusHandler(), Logger: logger})
		if err != nil {
			return err
		}
		logger.Info("metrics served", "url", fmt.Sprintf("http://%s/metrics", addr), "auth", cfg.AuthToken != "")
	}

	if cfg.Transport == "stdio" {
		logger.Info("atomic-mcp ready on stdio: an MCP client (Claude Desktop, MCP Inspector) must start this program and speak JSON-RPC on its stdin/stdout",
			"version", buildVersion(), "tools", a.ToolNames(), "audit_log", cfg.AuditLog, "try", "npx @modelcontextprotocol/inspector "+executable()+" --sandbox")
		return server.ServeStdio(ctx, a.Server, stdin, stdout, logger)
	}
	return server.ServeHTTP(ctx, a.Server, server.HTTPOptions{
		Transport:      cfg.Transport,
		Addr:           cfg.Addr,
		Access:         a.Access,
		AllowedOrigins: cfg.AllowedOrigins,
		Stateless:      cfg.Stateless,
		Version:        buildVersion(),
		Logger:         logger,
		Pages:          map[string]http.Handler{approval.PathPrefix: a.Approvals.Handler()},
		Ready: func(addr net.Addr) {
			if cfg.PublicURL == "" {
				a.Approvals.SetBaseURL(approval.ListenURL(addr))
			}
			path, kind := "/mcp", "http"
			if cfg.Transport == "sse" {
				path, kind = "/sse", "sse"
			}
			endpoint := fmt.Sprintf("http://%s%s", addr, path)
			connect := fmt.Sprintf("MCP Inspector (npx @modelcontextprotocol/inspector): transport %s, URL %s; Claude Code: claude mcp add --transport %s atomic %s", kind, endpoint, kind, endpoint)
			switch {
			case cfg.OAuthIssuer != "":
				connect += " (the client signs in with " + cfg.OAuthIssuer + ")"
			case cfg.AuthKeys != nil:
				connect += ` --header "Authorization: Bearer $YOUR_ATOMIC_MCP_KEY"`
			case cfg.AuthToken != "":
				connect += ` --header "Authorization: Bearer $ATOMIC_MCP_AUTH_TOKEN"`
			}
			logger.Info("atomic-mcp ready", "url", endpoint, "transport", cfg.Transport, "stateless", cfg.Stateless,
				"auth", authMode(cfg), "version", buildVersion(), "tools", a.ToolNames(), "audit_log", cfg.AuditLog, "connect", connect)
		},
	})
}

// authMode names how the network transports authenticate, for the
// start-up line.
func authMode(cfg config.Config) string {
	var modes []string
	if cfg.OAuthIssuer != "" {
		modes = append(modes, "oauth")
	}
	if cfg.AuthKeys != nil {
		modes = append(modes, fmt.Sprintf("keys (%d people)", cfg.AuthKeys.Len()))
	}
	if cfg.AuthToken != "" {
		modes = append(modes, "shared token")
	}
	if len(modes) == 0 {
		return "none"
	}
	return strings.Join(modes, ", ")
}

// buildVersion is the version reported to clients and in logs.
func buildVersion() string { return buildinfo.Read().Version }

// startTelemetry sets up tracing and metrics as the OTEL_* variables and
// --metrics-addr ask; with neither it is a no-op.
func startTelemetry(ctx context.Context, cfg config.Config, getenv func(string) string, logger *slog.Logger) (*telemetry.Telemetry, error) {
	tel, err := telemetry.New(ctx, telemetry.Options{Getenv: getenv, Version: buildVersion(), Prometheus: cfg.MetricsAddr != "", Transport: cfg.Transport, Logger: logger})
	var setting *telemetry.SettingError
	if errors.As(err, &setting) {
		return nil, config.Invalid(setting.Variable, err)
	}
	return tel, err
}

// stopTelemetry sends what is still queued, for a few seconds at most.
func stopTelemetry(tel *telemetry.Telemetry, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), telemetry.ShutdownGrace)
	defer cancel()
	if err := tel.Shutdown(ctx); err != nil {
		logger.Warn("telemetry: could not send everything before exit", "cause", err)
	}
}

// executable is this binary's absolute path: clients that start the server
// do not inherit the shell's PATH.
func executable() string {
	if exe, err := os.Executable(); err == nil {
		if abs, err := filepath.Abs(exe); err == nil {
			return abs
		}
	}
	return "atomic-mcp"
}
