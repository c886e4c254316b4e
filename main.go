// Command atomic-mcp is a Model Context Protocol server that lets AI
// assistants manage the sub-customers of an Atom Telecom reseller account
// through the Atomic API.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/atomtelecom/atomic-mcp/internal/atomic"
	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/internal/confirm"
	"github.com/atomtelecom/atomic-mcp/internal/logging"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
	"github.com/atomtelecom/atomic-mcp/internal/server"
	"github.com/atomtelecom/atomic-mcp/prompts"
	"github.com/atomtelecom/atomic-mcp/tools"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode reports err on stderr in one line: 2 for a bad setting, 1 for
// anything else.
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
	cfg, err := config.Parse(args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.ShowVersion {
		fmt.Fprintln(stdout, "atomic-mcp", buildVersion())
		return nil
	}
	logger := logging.New(stderr, logging.Options{Level: cfg.LogLevel, Format: cfg.LogFormat, NoColor: getenv("NO_COLOR") != ""})

	if cfg.Sandbox {
		url, token, stopSandbox, err := startSandbox(ctx)
		if err != nil {
			return err
		}
		defer stopSandbox()
		cfg.APIURL, cfg.APIToken = url, token
		logger.Warn("sandbox mode: a simulated Atomic API with sample customers; no real account is touched", "api_url", url)
	}

	client, err := atomic.New(atomic.Options{BaseURL: cfg.APIURL, Token: cfg.APIToken, Version: buildVersion(), Logger: logger})
	if err != nil {
		return fmt.Errorf("API client: %w", err)
	}
	confirmer, err := confirm.New(cfg.ConfirmSecret, confirm.DefaultTTL, nil)
	if err != nil {
		return err
	}
	selected, err := tools.Select(tools.Deps{API: client, Confirmer: confirmer}, tools.Options{ReadOnly: cfg.ReadOnly, Only: cfg.Tools})
	if err != nil {
		return config.Invalid("--tools", err)
	}
	s := server.New(server.Options{
		Version:  buildVersion(),
		Tools:    selected,
		Register: []func(*mcpserver.MCPServer){prompts.Register},
		Explain:  tools.Explain,
		Logger:   logger,
	})

	names := make([]string, len(selected))
	for i, t := range selected {
		names[i] = t.Tool.Name
	}
	if cfg.Transport == "stdio" {
		logger.Info("atomic-mcp ready on stdio: an MCP client (Claude Desktop, MCP Inspector) must start this program and speak JSON-RPC on its stdin/stdout",
			"version", buildVersion(), "tools", names, "try", "npx @modelcontextprotocol/inspector "+executable()+" --sandbox")
		return server.ServeStdio(ctx, s, stdin, stdout, logger)
	}
	return server.ServeHTTP(ctx, s, server.HTTPOptions{
		Transport:      cfg.Transport,
		Addr:           cfg.Addr,
		AuthToken:      cfg.AuthToken,
		AllowedOrigins: cfg.AllowedOrigins,
		Stateless:      cfg.Stateless,
		Version:        buildVersion(),
		Logger:         logger,
		Ready: func(addr net.Addr) {
			endpoint := fmt.Sprintf("http://%s/mcp", addr)
			connect := "npx @modelcontextprotocol/inspector, then connect to " + endpoint + " (Streamable HTTP); or: claude mcp add --transport http atomic " + endpoint
			if cfg.Transport == "sse" {
				endpoint = fmt.Sprintf("http://%s/sse", addr)
				connect = "npx @modelcontextprotocol/inspector, then connect to " + endpoint + " (SSE); or: claude mcp add --transport sse atomic " + endpoint
			}
			if cfg.AuthToken != "" {
				connect += ` --header "Authorization: Bearer $ATOMIC_MCP_AUTH_TOKEN"`
			}
			logger.Info("atomic-mcp ready", "url", endpoint, "transport", cfg.Transport, "stateless", cfg.Stateless,
				"auth", cfg.AuthToken != "", "version", buildVersion(), "tools", names, "connect", connect)
		},
	})
}

// startSandbox serves the simulated API on a loopback port with a throwaway
// token, so sandbox requests take exactly the production path.
func startSandbox(ctx context.Context) (url string, token atomic.Token, stop func(), err error) {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", atomic.Token{}, nil, fmt.Errorf("sandbox token: %w", err)
	}
	tok := "sandbox-" + hex.EncodeToString(raw)
	sb := sandbox.New(sandbox.Options{Token: tok})
	url, err = sb.Start(ctx)
	if err != nil {
		return "", atomic.Token{}, nil, fmt.Errorf("start sandbox: %w", err)
	}
	return url, atomic.NewToken(tok), func() { _ = sb.Close() }, nil
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

func executable() string {
	if exe, err := os.Executable(); err == nil {
		if abs, err := filepath.Abs(exe); err == nil {
			return abs
		}
	}
	return "atomic-mcp"
}
