package install

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigPaths: each client's file and Claude Desktop's logs, per OS,
// from the environment of that OS.
func TestConfigPaths(t *testing.T) {
	env := map[string]string{"HOME": "/home/u", "USERPROFILE": `C:\Users\u`, "APPDATA": `C:\Users\u\AppData\Roaming`}
	getenv := func(k string) string { return env[k] }
	for _, c := range []struct{ os, client, want string }{
		{"darwin", "claude-desktop", "/home/u/Library/Application Support/Claude/claude_desktop_config.json"},
		{"windows", "claude-desktop", filepath.Join(`C:\Users\u\AppData\Roaming`, "Claude", "claude_desktop_config.json")},
		{"linux", "claude-desktop", "/home/u/.config/Claude/claude_desktop_config.json"},
		{"darwin", "vscode", "/home/u/Library/Application Support/Code/User/mcp.json"},
		{"windows", "vscode", filepath.Join(`C:\Users\u\AppData\Roaming`, "Code", "User", "mcp.json")},
		{"linux", "vscode", "/home/u/.config/Code/User/mcp.json"},
		{"darwin", "cursor", "/home/u/.cursor/mcp.json"},
		{"windows", "cursor", filepath.Join(`C:\Users\u`, ".cursor", "mcp.json")},
		{"darwin", "claude-code", "/home/u/.claude.json"},
		{"windows", "claude-code", filepath.Join(`C:\Users\u`, ".claude.json")},
	} {
		got, err := Lookup(c.client).ConfigPath(Platform{OS: c.os, Getenv: getenv})
		if err != nil || got != c.want {
			t.Errorf("%s on %s: %q %v, want %q", c.client, c.os, got, err, c.want)
		}
	}
	for os, want := range map[string]string{"darwin": "~/Library/Logs/Claude/mcp*.log", "windows": `%APPDATA%\Claude\logs\mcp*.log`} {
		p := Platform{OS: os, Getenv: getenv}
		if got := ClaudeDesktopLogs(p); got != want {
			t.Errorf("logs on %s: %q, want %q", os, got, want)
		}
		if next := Lookup("claude-desktop").NextStep(p); !strings.Contains(next, want) || !strings.Contains(next, "Quit") {
			t.Errorf("next step on %s does not say to quit and where the logs are: %s", os, next)
		}
	}
	if _, err := Lookup("claude-desktop").ConfigPath(Platform{OS: "windows", Getenv: func(string) string { return "" }}); err == nil || !strings.Contains(err.Error(), "APPDATA") {
		t.Errorf("no APPDATA: %v", err)
	}
}
