package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// The subcommands, run as a user runs them: exit statuses, and JSON on stdout
// where a script reads it.
func TestSubcommands(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		args       []string
		wantStatus int
		wantOut    string
		wantErr    string
		wantJSON   bool
	}{
		{"config prints JSON", []string{"config", "cursor", "--sandbox"}, 0, `"mcpServers"`, "", true},
		{"call prints the structured result", []string{"call", "list_service_plans", "--sandbox"}, 0, `"plan_name": "Acme Plan"`, "", true},
		{"a tool's error result exits 1", []string{"call", "delete_customer", `{"customer_id":999}`, "--sandbox"}, 1, "", "no customer has customer_id 999", false},
		{"a misused subcommand exits 2", []string{"call", "no_such_tool", "--sandbox"}, 2, "", `no tool "no_such_tool"`, false},
		{"doctor's problems exit 1", []string{"doctor"}, 1, "problem: token: ATOMIC_API_TOKEN is not set", "", false},
		{"flags before a subcommand are the server's", []string{"--sandbox", "doctor"}, 2, "", `unexpected argument "doctor"`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, status := runOnce(t, nil, c.args...)
			if status != c.wantStatus {
				t.Errorf("exit status %d, want %d\nstderr: %s", status, c.wantStatus, stderr)
			}
			if !strings.Contains(stdout, c.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", c.wantOut, stdout)
			}
			if !strings.Contains(stderr, c.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", c.wantErr, stderr)
			}
			if c.wantJSON && !json.Valid([]byte(stdout)) {
				t.Errorf("stdout is not JSON:\n%s", stdout)
			}
		})
	}
}
