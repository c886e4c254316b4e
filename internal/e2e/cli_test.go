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
		env        []string
		args       []string
		wantStatus int
		wantOut    string
		wantErr    string
		wantJSON   bool
		oneLine    bool // stderr is one line: no usage dump
	}{
		{"config prints JSON", nil, []string{"config", "cursor", "--sandbox"}, 0, `"mcpServers"`, "", true, false},
		{"call prints the structured result", nil, []string{"call", "list_service_plans", "--sandbox"}, 0, `"plan_name": "Acme Plan"`, "", true, false},
		{"call takes its JSON after the flags", nil, []string{"call", "list_customers", "--sandbox", `{"customer_name":"redfern"}`}, 0, `"customer_id": 6`, "", true, false},
		{"a tool's error result exits 1", nil, []string{"call", "delete_customer", `{"customer_id":999}`, "--sandbox"}, 1, "", "no customer has customer_id 999", false, false},
		{"a misused subcommand exits 2", nil, []string{"call", "no_such_tool", "--sandbox"}, 2, "", `no tool "no_such_tool"`, false, false},
		{"an unknown subcommand suggests", nil, []string{"cal", "list_customers", "--sandbox"}, 2, "", "unknown subcommand cal; did you mean call?", false, true},
		{"a flag typo is one line", nil, []string{"--sandbx"}, 2, "", "unknown flag --sandbx; did you mean --sandbox? (atomic-mcp --help lists the flags)", false, true},
		{"environment enums ignore case", []string{"ATOMIC_MCP_TRANSPORT=HTTP", "ATOMIC_MCP_LOG_LEVEL=WARN"}, []string{"tools"}, 0, `"list_customers"`, "", true, false},
		{"a bad environment value names its variable", []string{"ATOMIC_MCP_TRANSPORT=pigeon"}, []string{"tools"}, 2, "", `ATOMIC_MCP_TRANSPORT="pigeon" is not a supported transport`, false, true},
		{"doctor's problems exit 1", nil, []string{"doctor"}, 1, "problem: token: ATOMIC_API_TOKEN is not set", "", false, false},
		{"flags before a subcommand are the server's", nil, []string{"--sandbox", "doctor"}, 2, "", `unexpected argument "doctor"`, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, status := runOnce(t, c.env, c.args...)
			if status != c.wantStatus {
				t.Errorf("exit status %d, want %d\nstderr: %s", status, c.wantStatus, stderr)
			}
			if !strings.Contains(stdout, c.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", c.wantOut, stdout)
			}
			if !strings.Contains(stderr, c.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", c.wantErr, stderr)
			}
			if c.oneLine && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr is more than one line:\n%s", stderr)
			}
			if c.wantJSON && !json.Valid([]byte(stdout)) {
				t.Errorf("stdout is not JSON:\n%s", stdout)
			}
		})
	}
}
