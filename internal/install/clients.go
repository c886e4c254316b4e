// Package install knows the MCP clients atomic-mcp can be connected to:
// the shape of each one's server entry, where its configuration and logs
// live on each OS, and how to merge an entry into a configuration file
// that people (and other tools) also edit — other servers untouched, byte
// for byte, with a backup and a diff.
package install

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// ServerName is the name the entry registers the server under.
const ServerName = "atomic"

// TokenVariable is the environment variable the entry passes the token in.
const TokenVariable = "ATOMIC_API_TOKEN"

// vscodeTokenInput is the id of the VS Code input that asks for the token.
const vscodeTokenInput = "atomic-api-token"

// Launch is how a client starts the server over stdio.
type Launch struct {
	Command string
	Args    []string
	Env     map[string]string
}

// Server is one server entry in the JSON the clients read; fields in the
// order people expect to read them.
type Server struct {
	Type    string            `json:"type,omitempty"`
	Command string            `json:"command"`
	Args    []string          `json:"args,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
}

// Input is a VS Code input variable: VS Code asks for its value once and
// keeps it in its secret storage.
type Input struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Description string `json:"description"`
	Password    bool   `json:"password"`
}

// Client is one MCP client that starts the server itself (stdio).
type Client struct {
	// Name is how the command line names it: claude-desktop, claude-code,
	// cursor, vscode.
	Name string
	// Title is how people name it.
	Title string
	// ServersKey is the top-level member that holds the servers.
	ServersKey string
	// EntryType is the entry's "type" member, if the client wants one.
	EntryType string
	// AsksForToken: the client can ask for the token itself (VS Code
	// inputs), so an entry without one needs no placeholder.
	AsksForToken bool
	// CLI is a command that edits the configuration itself, used when it
	// is on PATH (Claude Code's claude mcp add).
	CLI string

	configPath func(p Platform) (string, error)
	nextStep   func(p Platform) string
}

// Clients lists the clients, in the order help shows them.
var Clients = []*Client{
	{
		Name: "claude-desktop", Title: "Claude Desktop", ServersKey: "mcpServers",
		configPath: func(p Platform) (string, error) {
			dir, err := p.appConfigDir("Claude")
			return filepath.Join(dir, "claude_desktop_config.json"), err
		},
		nextStep: func(p Platform) string {
			return "Quit Claude Desktop completely (" + p.quitHint() + ") and reopen it; the atomic tools then appear under the tools button of a new chat. " +
				"If they do not, the server's start-up error is in " + ClaudeDesktopLogs(p) + "."
		},
	},
	{
		Name: "claude-code", Title: "Claude Code", ServersKey: "mcpServers", EntryType: "stdio", CLI: "claude",
		configPath: func(p Platform) (string, error) {
			// User scope: every project. Claude Code keeps it in
			// ~/.claude.json, or under CLAUDE_CONFIG_DIR when that is set.
			if dir := p.Getenv("CLAUDE_CONFIG_DIR"); dir != "" {
				return filepath.Join(dir, ".claude.json"), nil
			}
			home, err := p.home()
			return filepath.Join(home, ".claude.json"), err
		},
		nextStep: func(Platform) string {
			return "Start claude (in any project): /mcp shows atomic and its tools; claude mcp get atomic shows the entry, and claude --debug shows the server's start-up errors."
		},
	},
	{
		Name: "vscode", Title: "VS Code", ServersKey: "servers", EntryType: "stdio", AsksForToken: true,
		configPath: func(p Platform) (string, error) {
			dir, err := p.appConfigDir("Code")
			return filepath.Join(dir, "User", "mcp.json"), err
		},
		nextStep: func(Platform) string {
			return "In VS Code run MCP: List Servers, pick atomic and Start it (VS Code asks for the token the first time, when the entry has none); Show Output there has the server's log."
		},
	},
	{
		Name: "cursor", Title: "Cursor", ServersKey: "mcpServers",
		configPath: func(p Platform) (string, error) {
			home, err := p.home()
			return filepath.Join(home, ".cursor", "mcp.json"), err
		},
		nextStep: func(Platform) string {
			return "Open Cursor Settings > MCP (Tools & Integrations) and check that atomic is enabled; the server's log is in the Output panel under MCP Logs."
		},
	},
}

// Names returns the clients' names.
func Names() []string {
	names := make([]string, len(Clients))
	for i, c := range Clients {
		names[i] = c.Name
	}
	return names
}

// Lookup returns the client named name, or nil.
func Lookup(name string) *Client {
	i := slices.IndexFunc(Clients, func(c *Client) bool { return c.Name == name })
	if i < 0 {
		return nil
	}
	return Clients[i]
}

// ConfigPath is where the client reads its user-wide configuration on p.
func (c *Client) ConfigPath(p Platform) (string, error) { return c.configPath(p) }

// NextStep says what to do once the entry is written, and where the
// client's logs are on p.
func (c *Client) NextStep(p Platform) string { return c.nextStep(p) }

// Entry is the server entry for l in this client's shape, and the inputs
// it refers to. A client that asks for the token itself gets a reference
// to its input in place of the placeholder.
func (c *Client) Entry(l Launch, placeholder string) (Server, []Input) {
	env := maps.Clone(l.Env)
	var inputs []Input
	if c.AsksForToken && env[TokenVariable] == placeholder {
		inputs = append(inputs, Input{Type: "promptString", ID: vscodeTokenInput, Description: "Atomic API token (Atomic portal: Account Settings > General Settings > Profile Settings)", Password: true})
		env[TokenVariable] = "${input:" + vscodeTokenInput + "}"
	}
	if len(env) == 0 {
		env = nil
	}
	return Server{Type: c.EntryType, Command: l.Command, Args: l.Args, Env: env}, inputs
}

// ClaudeDesktopLogs is where Claude Desktop writes the MCP servers' logs
// on p: mcp.log, and mcp-server-atomic.log for this server's stderr.
func ClaudeDesktopLogs(p Platform) string {
	switch p.OS {
	case "darwin":
		return "~/Library/Logs/Claude/mcp*.log"
	case "windows":
		return `%APPDATA%\Claude\logs\mcp*.log`
	default:
		dir, _ := p.appConfigDir("Claude")
		return strings.TrimSuffix(dir, "/") + "/logs/mcp*.log"
	}
}
