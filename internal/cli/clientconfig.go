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
)

// TokenPlaceholder stands in for the API token in printed configurations.
// The real token is never printed, even when it is set: the output is meant
// to be pasted, shared and committed.
const TokenPlaceholder = config.TokenPlaceholder

// serverName is the name the entry registers the server under.
const serverName = "atomic"

// launch is how a client starts the server over stdio.
type launch struct {
	Command string
	Args    []string
	Env     map[string]string
}

// clientFormat prints a launch for one client: the entry on stdout, where
// to put it on stderr (so stdout can be redirected into a file).
type clientFormat struct {
	name   string
	render func(l launch) (out []byte, where string, err error)
}

var clientFormats = []clientFormat{
	{"claude-desktop", renderMCPServers("Add it to claude_desktop_config.json (Claude Desktop: Settings > Developer > Edit Config; " +
		"macOS ~/Library/Application Support/Claude/, Windows %APPDATA%\\Claude\\), merging with any mcpServers already there, then restart Claude Desktop.")},
	{"claude-code", renderClaudeCode},
	{"vscode", renderVSCode},
	{"cursor", renderMCPServers("Add it to ~/.cursor/mcp.json (every project) or .cursor/mcp.json (this project), merging with any mcpServers already there.")},
}

func clientNames() []string {
	names := make([]string, len(clientFormats))
	for i, f := range clientFormats {
		names[i] = f.name
	}
	return names
}

// pathFlags take a file name, made absolute in the entry: a client starts
// the server in a directory of its own choosing.
var pathFlags = map[string]bool{"api-token-file": true, "auth-token-file": true, "audit-log": true}

func runConfig(_ context.Context, env Env, args []string) error {
	positional, flags := split(args)
	if len(positional) != 1 {
		return usageError("atomic-mcp config CLIENT [FLAGS], where CLIENT is %s", strings.Join(clientNames(), ", "))
	}
	var format *clientFormat
	for i := range clientFormats {
		if clientFormats[i].name == positional[0] {
			format = &clientFormats[i]
		}
	}
	if format == nil {
		return usageError("unknown client %q: use one of %s", positional[0], strings.Join(clientNames(), ", "))
	}
	flags, err := absolutePaths(flags)
	if err != nil {
		return err
	}
	// Check the flags alone: this shell's environment is not the client's,
	// and the real token must not be read at all.
	cfg, err := parseConfig(Env{Getenv: func(k string) string {
		if k == "ATOMIC_API_TOKEN" {
			return "not-read-by-config" // the placeholder itself is refused
		}
		return ""
	}, Stderr: env.Stderr}, flags)
	if err != nil {
		return err
	}
	if cfg.Transport != "stdio" {
		return usageError("config prints an entry for clients that start the server themselves (stdio); for a running --transport %s server, point the client at its URL instead, e.g. claude mcp add --transport %s atomic http://127.0.0.1:8080/mcp", cfg.Transport, cfg.Transport)
	}
	l := launch{Command: env.Executable, Args: flags, Env: map[string]string{}}
	if !cfg.Sandbox && !hasFlag(flags, "api-token-file") {
		l.Env["ATOMIC_API_TOKEN"] = TokenPlaceholder
	}
	out, where, err := format.render(l)
	if err != nil {
		return err
	}
	if _, err := env.Stdout.Write(out); err != nil {
		return err
	}
	fmt.Fprintln(env.Stderr, where)
	if isGoRunBuild(env.Executable) {
		fmt.Fprintf(env.Stderr, "warning: %s is a temporary build by go run and vanishes when it exits, so the client could not start it: build a lasting binary with make build (bin/atomic-mcp) or go install, and run config from that\n", env.Executable)
	}
	if bytes.Contains(out, []byte(TokenPlaceholder)) {
		fmt.Fprintf(env.Stderr, "Replace %s with the token from the Atomic portal (%s), or keep it out of the file with --api-token-file FILE. Try it first with --sandbox.\n", TokenPlaceholder, advice.TokenPortalPath)
	}
	return nil
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

// stdioServer is one server entry in the JSON the clients read; fields in
// the order people expect to read them.
type stdioServer struct {
	Type    string            `json:"type,omitempty"`
	Command string            `json:"command"`
	Args    []string          `json:"args,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
}

func (l launch) server(typ string) stdioServer {
	return stdioServer{Type: typ, Command: l.Command, Args: l.Args, Env: l.Env}
}

// renderMCPServers prints the {"mcpServers": {...}} file Claude Desktop and
// Cursor share.
func renderMCPServers(where string) func(launch) ([]byte, string, error) {
	return func(l launch) ([]byte, string, error) {
		out, err := indentJSON(map[string]any{"mcpServers": map[string]stdioServer{serverName: l.server("")}})
		return out, where, err
	}
}

// renderVSCode prints .vscode/mcp.json. VS Code asks for the token itself,
// once, and keeps it in its secret storage, so the file can be committed.
func renderVSCode(l launch) ([]byte, string, error) {
	type input struct {
		Type        string `json:"type"`
		ID          string `json:"id"`
		Description string `json:"description"`
		Password    bool   `json:"password"`
	}
	var inputs []input
	if _, ok := l.Env["ATOMIC_API_TOKEN"]; ok {
		inputs = append(inputs, input{Type: "promptString", ID: "atomic-api-token", Description: "Atomic API token (Atomic portal: " + advice.TokenPortalPath + ")", Password: true})
		l.Env = map[string]string{"ATOMIC_API_TOKEN": "${input:atomic-api-token}"}
	}
	out, err := indentJSON(struct {
		Inputs  []input                `json:"inputs,omitempty"`
		Servers map[string]stdioServer `json:"servers"`
	}{inputs, map[string]stdioServer{serverName: l.server("stdio")}})
	return out, "Save it as .vscode/mcp.json in the workspace (or add it with MCP: Open User Configuration), merging with any servers already there. VS Code asks for the token on first start and stores it securely.", err
}

// renderClaudeCode prints the `claude mcp add` command, and the same entry
// for `claude mcp add-json`.
func renderClaudeCode(l launch) ([]byte, string, error) {
	var b bytes.Buffer
	b.WriteString("claude mcp add " + serverName)
	for _, k := range slices.Sorted(maps.Keys(l.Env)) {
		b.WriteString(" --env " + shellQuote(k+"="+l.Env[k]))
	}
	b.WriteString(" -- " + shellQuote(l.Command))
	for _, a := range l.Args {
		b.WriteString(" " + shellQuote(a))
	}
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l.server("stdio")); err != nil {
		return nil, "", err
	}
	fmt.Fprintf(&b, "\n# or, the same entry as JSON:\nclaude mcp add-json %s %s\n", serverName, shellQuote(strings.TrimSpace(raw.String())))
	return b.Bytes(), "Run one of these commands; add --scope user after `add` (or `add-json`) to use the server in every project.", nil
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
