package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/atomtelecom/atomic-mcp/internal/advice"
	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/internal/install"
	"github.com/atomtelecom/atomic-mcp/internal/suggest"
)

// TokenPlaceholder stands in for the API token in printed configurations.
// The real token is never printed, even when it is set: the output is meant
// to be pasted, shared and committed.
const TokenPlaceholder = config.TokenPlaceholder

// clientFormat prints an entry for one client: the entry on stdout, where
// to put it on stderr (so stdout can be redirected into a file).
type clientFormat struct {
	client *install.Client
	render func(c *install.Client, l install.Launch) ([]byte, error)
	where  string
}

var clientFormats = []clientFormat{
	{install.Lookup("claude-desktop"), renderServers, "Add it to claude_desktop_config.json (Claude Desktop: Settings > Developer > Edit Config; " +
		"macOS ~/Library/Application Support/Claude/, Windows %APPDATA%\\Claude\\), merging with any mcpServers already there, then quit and reopen Claude Desktop; or let atomic-mcp install claude-desktop do it."},
	{install.Lookup("claude-code"), renderClaudeCode, "Run one of these commands; add --scope user after `add` (or `add-json`) to use the server in every project; or let atomic-mcp install claude-code do it."},
	{install.Lookup("vscode"), renderServers, "Save it as .vscode/mcp.json in the workspace (or add it with MCP: Open User Configuration), merging with any servers already there; or let atomic-mcp install vscode do it. VS Code asks for the token on first start and stores it securely."},
	{install.Lookup("cursor"), renderServers, "Add it to ~/.cursor/mcp.json (every project) or .cursor/mcp.json (this project), merging with any mcpServers already there; or let atomic-mcp install cursor do it."},
}

func clientNames() []string { return install.Names() }

// pathFlags take a file name, made absolute in the entry: a client starts
// the server in a directory of its own choosing.
var pathFlags = map[string]bool{"api-token-file": true, "auth-token-file": true, "audit-log": true}

func runConfig(_ context.Context, env Env, args []string) error {
	positional, flags := split(args)
	if len(positional) != 1 {
		return usageError("atomic-mcp config CLIENT [FLAGS], where CLIENT is %s", strings.Join(clientNames(), ", "))
	}
	i := slices.IndexFunc(clientFormats, func(f clientFormat) bool { return f.client.Name == positional[0] })
	if i < 0 {
		return unknownClient(positional[0])
	}
	format := clientFormats[i]
	l, err := clientLaunch(env, flags, "config")
	if err != nil {
		return err
	}
	if l.needsToken {
		l.Env[install.TokenVariable] = TokenPlaceholder
	}
	out, err := format.render(format.client, l.Launch)
	if err != nil {
		return err
	}
	if _, err := env.Stdout.Write(out); err != nil {
		return err
	}
	fmt.Fprintln(env.Stderr, format.where)
	warnGoRun(env)
	if bytes.Contains(out, []byte(TokenPlaceholder)) {
		fmt.Fprintf(env.Stderr, "Replace %s with the token from the Atomic portal (%s), or keep it out of the file with --api-token-file FILE. Try it first with --sandbox.\n", TokenPlaceholder, advice.TokenPortalPath)
	}
	return nil
}

func unknownClient(name string) error {
	if s := suggest.Closest(name, clientNames()); s != "" {
		return usageError("unknown client %q; did you mean %s? (the clients are %s)", name, s, strings.Join(clientNames(), ", "))
	}
	return usageError("unknown client %q: use one of %s", name, strings.Join(clientNames(), ", "))
}

// clientLaunch is how a client should start this binary with the server's
// flags: path flags made absolute and the flags checked. needsToken says
// the entry must still be given the token (no sandbox, no token file).
type clientLaunchResult struct {
	install.Launch
	cfg        config.Config
	needsToken bool
}

func clientLaunch(env Env, flags []string, command string) (clientLaunchResult, error) {
	flags, err := absolutePaths(flags)
	if err != nil {
		return clientLaunchResult{}, err
	}
	// Check the flags alone: this shell's environment is not the client's,
	// and the real token is not read here.
	cfg, err := parseConfig(Env{Getenv: func(k string) string {
		if k == "ATOMIC_API_TOKEN" {
			return "not-read-by-" + command // the placeholder itself is refused
		}
		return ""
	}, Stderr: env.Stderr}, flags)
	if err != nil {
		return clientLaunchResult{}, err
	}
	if cfg.Transport != "stdio" {
		return clientLaunchResult{}, usageError("%s writes an entry for clients that start the server themselves (stdio); for a running --transport %s server, point the client at its URL instead, e.g. claude mcp add --transport %s atomic http://127.0.0.1:8080/mcp", command, cfg.Transport, cfg.Transport)
	}
	return clientLaunchResult{
		Launch:     install.Launch{Command: env.Executable, Args: flags, Env: map[string]string{}},
		cfg:        cfg,
		needsToken: !cfg.Sandbox && !hasFlag(flags, "api-token-file"),
	}, nil
}

// warnGoRun warns when this binary is go run's temporary build, which an
// entry must not point at.
func warnGoRun(env Env) {
	if isGoRunBuild(env.Executable) {
		fmt.Fprintf(env.Stderr, "warning: %s is a temporary build by go run and vanishes when it exits, so the client could not start it: build a lasting binary with make build (bin/atomic-mcp) or go install, and run this from that\n", env.Executable)
	}
}

// absolutePaths rewrites the values of path flags as absolute paths.
func absolutePaths(flags []string) ([]string, error) {
	out := make([]string, len(flags))
	copy(out, flags)
	for i := 0; i < len(out); i++ {
		dashes := len(out[i]) - len(strings.TrimLeft(out[i], "-"))
		key, value, inline := strings.Cut(out[i][dashes:], "=")
		if dashes == 0 || !pathFlags[key] {
			continue
		}
		if !inline {
			if i+1 >= len(out) {
				return nil, usageError("--%s needs a file name", key)
			}
			i++
			value = out[i]
		}
		abs, err := filepath.Abs(value)
		if err != nil {
			return nil, usageError("--%s %s: %v", key, value, err)
		}
		if inline {
			out[i] = out[i][:dashes] + key + "=" + abs
		} else {
			out[i] = abs
		}
	}
	return out, nil
}

func hasFlag(flags []string, name string) bool {
	for _, f := range flags {
		key, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if strings.HasPrefix(f, "-") && key == name {
			return true
		}
	}
	return false
}

// renderServers prints the client's whole file: its servers object with
// the one entry, and the inputs the entry refers to.
func renderServers(c *install.Client, l install.Launch) ([]byte, error) {
	entry, inputs := c.Entry(l, TokenPlaceholder)
	doc := map[string]any{c.ServersKey: map[string]install.Server{install.ServerName: entry}}
	if len(inputs) > 0 {
		doc["inputs"] = inputs
	}
	return indentJSON(doc)
}

// renderClaudeCode prints the `claude mcp add` command, and the same entry
// for `claude mcp add-json`.
func renderClaudeCode(c *install.Client, l install.Launch) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("claude mcp add " + install.ServerName)
	for _, k := range slices.Sorted(maps.Keys(l.Env)) {
		b.WriteString(" --env " + shellQuote(k+"="+l.Env[k]))
	}
	b.WriteString(" -- " + shellQuote(l.Command))
	for _, a := range l.Args {
		b.WriteString(" " + shellQuote(a))
	}
	entry, _ := c.Entry(l, TokenPlaceholder)
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(entry); err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, "\n# or, the same entry as JSON:\nclaude mcp add-json %s %s\n", install.ServerName, shellQuote(strings.TrimSpace(raw.String())))
	return b.Bytes(), nil
}

func indentJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// isGoRunBuild reports whether exe is go run's temporary build
// ($TMPDIR/go-build*/…), which is deleted when go run exits.
func isGoRunBuild(exe string) bool {
	rel, err := filepath.Rel(os.TempDir(), exe)
	return err == nil && strings.HasPrefix(rel, "go-build")
}
