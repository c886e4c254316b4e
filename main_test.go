package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atomtelecom/atomic-mcp/internal/config"
)

// TestRefusesTokensThatCannotBeOne: values a client or an unfinished
// install leaves in place of the token stop the server (and the commands
// that would call the API) at start-up, with exit status 2 and one line
// naming the source, the cause and the fix; nothing reaches stdout, which
// is the JSON-RPC channel in stdio mode.
func TestRefusesTokensThatCannotBeOne(t *testing.T) {
	tokenFile := func(t *testing.T, content string) string {
		path := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, c := range []struct {
		name  string
		token string // ATOMIC_API_TOKEN
		file  string // the --api-token-file content, if any
		args  []string
		want  []string
	}{
		{name: "placeholder", token: config.TokenPlaceholder,
			want: []string{`ATOMIC_API_TOKEN is still the placeholder "paste-your-atomic-api-token-here"`, "replace it with your token", "Account Settings"}},
		{name: "placeholder in the token file", file: config.TokenPlaceholder + "\n",
			want: []string{"--api-token-file ", "is still the placeholder", "replace it with your token"}},
		{name: "Windows ciphertext", token: "__encrypted__:djEwAAAA==",
			want: []string{"ATOMIC_API_TOKEN holds an encrypted value", "anthropics/claude-code#78296", "put the token itself in the client's configuration"}},
		{name: "Windows ciphertext in the token file", file: "__encrypted__:djEwAAAA==",
			want: []string{"holds an encrypted value", "--api-token-file FILE"}},
		{name: "unsubstituted variable", token: "${user_config.api_token}",
			want: []string{"ATOMIC_API_TOKEN holds an unsubstituted variable (${user_config.api_token})", "modelcontextprotocol/mcpb#251", "put the token itself"}},
		{name: "unsubstituted variable inside a value", token: "tok-${HOME}",
			want: []string{"holds an unsubstituted variable (${HOME})"}},
		{name: "http transport", token: config.TokenPlaceholder, args: []string{"--transport", "http"},
			want: []string{"is still the placeholder"}},
		{name: "call", token: "${user_config.api_token}", args: []string{"call", "list_customers"},
			want: []string{"holds an unsubstituted variable"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"ATOMIC_API_TOKEN": c.token, "XDG_STATE_HOME": t.TempDir()}
			args := c.args
			if c.file != "" {
				args = append(args, "--api-token-file", tokenFile(t, c.file))
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
			if err == nil {
				t.Fatal("started with a token that cannot be one")
			}
			var report bytes.Buffer
			if code := exitCode(err, &report); code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			line := report.String()
			for _, w := range c.want {
				if !strings.Contains(line, w) {
					t.Errorf("message lacks %q:\n%s", w, line)
				}
			}
			if strings.Count(line, "\n") != 1 {
				t.Errorf("message is not one line:\n%s", line)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout: %q", stdout.String())
			}
		})
	}
}
