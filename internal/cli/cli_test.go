package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
	"github.com/atomtelecom/atomic-mcp/internal/testoidc"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the current output")

const (
	exe       = "/opt/atomic-mcp/bin/atomic-mcp"
	realToken = "real-token-never-printed-9f8e7d"
)

// run runs a subcommand with the given environment and stdin, capturing
// its output.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = Run(context.Background(), args, Env{
		Getenv:     func(k string) string { return env[k] },
		Stdin:      strings.NewReader(stdin),
		Stdout:     &out,
		Stderr:     &errOut,
		Version:    "test",
		Executable: exe,
	})
	return out.String(), errOut.String(), err
}

func isUsage(err error) bool {
	var cfgErr *config.Error
	return errors.As(err, &cfgErr)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -update and review the file)", err)
	}
	if got != string(want) {
		t.Errorf("%s changed; review, and run go test ./internal/cli -update if intended.\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// claudeCodeJSON returns the JSON argument of the add-json line.
func claudeCodeJSON(t *testing.T, out string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "claude mcp add-json atomic "); ok {
			if !strings.HasPrefix(rest, "'") || !strings.HasSuffix(rest, "'") {
				t.Fatalf("add-json argument is not single-quoted: %s", rest)
			}
			return strings.ReplaceAll(rest[1:len(rest)-1], `'\''`, `'`)
		}
	}
	t.Fatalf("no add-json line in:\n%s", out)
	return ""
}

func TestConfig(t *testing.T) {
	env := map[string]string{"ATOMIC_API_TOKEN": realToken, "ATOMIC_MCP_TRANSPORT": "http"}
	for _, client := range clientNames() {
		for _, variant := range []struct {
			name  string
			flags []string
		}{
			{"token", nil},
			{"sandbox", []string{"--sandbox", "--read-only"}},
		} {
			t.Run(client+"/"+variant.name, func(t *testing.T) {
				out, hint, err := run(t, env, "", append([]string{"config", client}, variant.flags...)...)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(out+hint, realToken) {
					t.Fatalf("the real token was printed")
				}
				golden(t, filepath.Join("config", client+"."+variant.name+".golden"), out)

				raw := out
				if client == "claude-code" {
					raw = claudeCodeJSON(t, out)
					if !strings.HasPrefix(out, "claude mcp add atomic ") || !strings.Contains(out, " -- "+exe) {
						t.Errorf("no claude mcp add command line:\n%s", out)
					}
				}
				var entry map[string]any
				if err := json.Unmarshal([]byte(raw), &entry); err != nil {
					t.Fatalf("%s output is not JSON: %v\n%s", client, err, raw)
				}
				server := findServer(t, client, entry)
				if server["command"] != exe {
					t.Errorf("command %v, want the absolute path %s", server["command"], exe)
				}
				envBlock, _ := server["env"].(map[string]any)
				if variant.name == "sandbox" {
					if envBlock != nil {
						t.Errorf("sandbox entry asks for a token: %v", envBlock)
					}
					if args, _ := server["args"].([]any); len(args) != 2 || args[0] != "--sandbox" {
						t.Errorf("args %v, want the flags given", server["args"])
					}
				} else if tok, _ := envBlock["ATOMIC_API_TOKEN"].(string); tok != TokenPlaceholder && tok != "${input:atomic-api-token}" {
					t.Errorf("token %q, want a placeholder", tok)
				}
				if hint == "" {
					t.Error("no hint on stderr saying where the entry goes")
				}
			})
		}
	}
}

// findServer digs the atomic entry out of each client's file shape.
func findServer(t *testing.T, client string, entry map[string]any) map[string]any {
	t.Helper()
	switch client {
	case "claude-code":
		if entry["type"] != "stdio" {
			t.Errorf("type %v, want stdio", entry["type"])
		}
		return entry
	case "vscode":
		servers, _ := entry["servers"].(map[string]any)
		s, _ := servers["atomic"].(map[string]any)
		if s == nil || s["type"] != "stdio" {
			t.Fatalf("no stdio servers.atomic: %v", entry)
		}
		return s
	default:
		servers, _ := entry["mcpServers"].(map[string]any)
		s, _ := servers["atomic"].(map[string]any)
		if s == nil {
			t.Fatalf("no mcpServers.atomic: %v", entry)
		}
		return s
	}
}

func TestConfigMakesPathsAbsolute(t *testing.T) {
	out, _, err := run(t, nil, "", "config", "cursor", "--sandbox", "--audit-log", "audit.jsonl", "--api-token-file=token.txt")
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	for _, want := range []string{`"--audit-log",`, `"` + filepath.Join(wd, "audit.jsonl") + `"`, `"--api-token-file=` + filepath.Join(wd, "token.txt") + `"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

func TestConfigRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no client", []string{"config"}, "CLIENT"},
		{"unknown client", []string{"config", "emacs"}, `unknown client "emacs"`},
		{"network transport", []string{"config", "cursor", "--transport", "http"}, "point the client at its URL"},
		{"bad flag", []string{"config", "cursor", "--log-level", "loud"}, "log level"},
		{"secret as a flag", []string{"config", "cursor", "--api-token=x"}, "not accepted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := run(t, nil, "", c.args...)
			if !isUsage(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want a usage error mentioning %q", err, c.want)
			}
			if out != "" {
				t.Errorf("printed an entry anyway:\n%s", out)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/local/bin/atomic-mcp":      "/usr/local/bin/atomic-mcp",
		"/Applications/My Tools/atomic":  "'/Applications/My Tools/atomic'",
		"it's":                           `'it'\''s'`,
		`{"a":"$HOME"}`:                  `'{"a":"$HOME"}'`,
		"":                               "''",
		"ATOMIC_API_TOKEN=paste-it-here": "ATOMIC_API_TOKEN=paste-it-here",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// ---------------------------------------------------------------- doctor

// upstream serves the sandbox, optionally through a wrapper.
func upstream(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = sandbox.New(sandbox.Options{Token: realToken})
	if wrap != nil {
		h = wrap(h)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}

// untouched is an API URL that fails the test if any request reaches it:
// a token refused must stop before the network.
func untouched(t *testing.T) string {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("%s %s reached the API", r.Method, r.URL.Path)
		http.Error(w, "unexpected", http.StatusTeapot)
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

// writeFile writes content to a new file mode 0600 and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestDoctor(t *testing.T) {
	skewed := func(d time.Duration) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Date", time.Now().Add(d).UTC().Format(http.TimeFormat))
				next.ServeHTTP(w, r)
			})
		}
	}
	for _, c := range []struct {
		name     string
		env      func(t *testing.T) map[string]string
		flags    []string
		ok       bool
		contains []string
	}{
		{"good upstream", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_API_URL": upstream(t, nil), "ATOMIC_API_TOKEN": realToken}
		}, nil, true, []string{"ok: configuration", "ok: connection", "ok: token: accepted: the account offers 2 service plan(s)", "ok: clock", "verdict: all good"}},
		{"token rejected", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_API_URL": upstream(t, nil), "ATOMIC_API_TOKEN": "stale-token"}
		}, nil, false, []string{"problem: token: the Atomic API rejected the token", "fix: copy a current token from the Atomic portal", "ok: clock", "verdict: 1 problem(s)"}},
		{"connection refused", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_API_URL": closedPort(t), "ATOMIC_API_TOKEN": realToken}
		}, nil, false, []string{"problem: connection: cannot connect to 127.0.0.1:", "connection refused", "fix: check ATOMIC_API_URL", "note: token: not checked"}},
		{"clock off", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_API_URL": upstream(t, skewed(-10*time.Minute)), "ATOMIC_API_TOKEN": realToken}
		}, nil, false, []string{"ok: token", "problem: clock: this machine's clock is 10m", "ahead of the API's", "fix: turn on automatic time sync"}},
		{"not the Atomic API", func(t *testing.T) map[string]string {
			hs := httptest.NewServer(http.NotFoundHandler())
			t.Cleanup(hs.Close)
			return map[string]string{"ATOMIC_API_URL": hs.URL, "ATOMIC_API_TOKEN": realToken}
		}, nil, false, []string{"problem: token: the URL does not answer like the Atomic API", "fix: set ATOMIC_API_URL to the API's base URL"}},
		{"no token", func(t *testing.T) map[string]string { return nil }, nil, false,
			[]string{"problem: token: ATOMIC_API_TOKEN is not set", "fix: copy it from the Atomic portal", "verdict: 1 problem(s)"}},
		// Values a client or an unfinished install leaves behind: refused
		// before anything reaches the API, each with its cause and fix.
		{"placeholder token", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_API_URL": untouched(t), "ATOMIC_API_TOKEN": config.TokenPlaceholder}
		}, nil, false, []string{`problem: token: ATOMIC_API_TOKEN is still the placeholder "paste-your-atomic-api-token-here"`, "fix: replace it with your token", "verdict: 1 problem(s)"}},
		{"placeholder token in the token file", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_API_URL": untouched(t), "TOKEN_FILE": writeFile(t, config.TokenPlaceholder+"\n")}
		}, []string{"--api-token-file", "$TOKEN_FILE"}, false, []string{"problem: token: --api-token-file ", "is still the placeholder", "fix: replace it with your token"}},
		{"encrypted token", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_API_URL": untouched(t), "ATOMIC_API_TOKEN": "__encrypted__:djEwAbCdEf=="}
		}, nil, false, []string{"problem: token: ATOMIC_API_TOKEN holds an encrypted value (__encrypted__:…)", "anthropics/claude-code#78296", "fix: put the token itself in the client's configuration"}},
		{"unsubstituted token", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_API_URL": untouched(t), "ATOMIC_API_TOKEN": "${user_config.api_token}"}
		}, nil, false, []string{"problem: token: ATOMIC_API_TOKEN holds an unsubstituted variable (${user_config.api_token})", "modelcontextprotocol/mcpb#251", "fix: put the token itself"}},
		{"audit log unwritable", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_API_URL": upstream(t, nil), "ATOMIC_API_TOKEN": realToken, "ATOMIC_MCP_AUDIT_LOG": filepath.Join(t.TempDir(), "missing", "a.jsonl")}
		}, nil, false, []string{"problem: audit log:", "ok: token"}},
		{"sandbox", func(t *testing.T) map[string]string { return nil }, []string{"--sandbox"}, true,
			[]string{"ok: configuration: sandbox mode", "note: Atomic API: not checked in sandbox mode", "verdict: all good"}},
		{"OAuth issuer reachable", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_MCP_OAUTH_ISSUER": testoidc.Start(t).Issuer}
		}, []string{"--sandbox", "--transport", "http", "--public-url", "https://mcp.example.com/"}, true,
			[]string{"ok: OAuth audience: tokens must be issued for https://mcp.example.com or https://mcp.example.com/mcp", "ok: OAuth issuer: http://127.0.0.1:", "answers discovery; keys at http://127.0.0.1:", "ok: OAuth keys: fetched 1 signing key(s); scopes customers:read, customers:write, customers:delete", "verdict: all good"}},
		{"OAuth issuer unreachable", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_MCP_OAUTH_ISSUER": closedPort(t)}
		}, []string{"--sandbox", "--transport", "http", "--public-url", "https://mcp.example.com"}, false,
			[]string{"ok: OAuth audience", "problem: OAuth issuer: authorization server unavailable: discovery at http://127.0.0.1:", "fix: check --oauth-issuer"}},
		{"OAuth issuer without an audience", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_MCP_OAUTH_ISSUER": "https://login.example.com"}
		}, []string{"--sandbox", "--transport", "http"}, false,
			[]string{"problem: configuration: ATOMIC_MCP_OAUTH_ISSUER=\"https://login.example.com\" needs --public-url"}},
		{"proxy noted and checked", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_API_URL": "https://api.example.com", "ATOMIC_API_TOKEN": realToken, "HTTPS_PROXY": closedPort(t)}
		}, nil, false, []string{"note: proxy: requests to api.example.com go through the proxy 127.0.0.1:", "(from HTTPS_PROXY)", "problem: connection", "(the proxy)", "fix: check HTTPS_PROXY"}},
		{"unresolvable host", func(t *testing.T) map[string]string {
			return map[string]string{"ATOMIC_API_URL": "https://atomic.invalid", "ATOMIC_API_TOKEN": realToken}
		}, nil, false, []string{"problem: DNS: atomic.invalid (the API) does not resolve", "fix: check the host name in ATOMIC_API_URL"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := c.env(t)
			flags := slices.Clone(c.flags)
			for i := range flags {
				flags[i] = os.Expand(flags[i], func(k string) string { return env[k] })
			}
			out, _, err := run(t, env, "", append([]string{"doctor"}, flags...)...)
			if c.ok != (err == nil) {
				t.Errorf("err %v, want ok %v\n%s", err, c.ok, out)
			}
			var problems ProblemsFound
			if err != nil && (isUsage(err) || !errors.As(err, &problems)) {
				t.Errorf("err %v: a problem found must exit 1, not 2", err)
			}
			for _, w := range c.contains {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, realToken) {
				t.Errorf("doctor printed the token:\n%s", out)
			}
			for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
				if !strings.HasPrefix(line, "ok: ") && !strings.HasPrefix(line, "note: ") && !strings.HasPrefix(line, "problem: ") &&
					!strings.HasPrefix(line, "  fix: ") && !strings.HasPrefix(line, "verdict: ") {
					t.Errorf("line %q is not a verdict line", line)
				}
			}
		})
	}
}

func TestProxyFor(t *testing.T) {
	for _, c := range []struct {
		url  string
		env  map[string]string
		want string
	}{
		{"https://api.example.com", nil, ""},
		{"https://api.example.com", map[string]string{"HTTPS_PROXY": "http://proxy:3128"}, "proxy:3128"},
		{"https://api.example.com", map[string]string{"https_proxy": "proxy:3128"}, "proxy:3128"},
		{"https://api.example.com", map[string]string{"HTTP_PROXY": "http://proxy:3128"}, ""},
		{"http://api.example.com", map[string]string{"HTTP_PROXY": "http://proxy:3128"}, "proxy:3128"},
		{"https://api.example.com", map[string]string{"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "example.com"}, ""},
		{"https://api.example.com", map[string]string{"HTTPS_PROXY": "http://proxy:3128", "no_proxy": ".example.com"}, ""},
		{"https://api.example.com", map[string]string{"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "*"}, ""},
		{"https://api.example.com", map[string]string{"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "other.com"}, "proxy:3128"},
		{"http://127.0.0.1:8080", map[string]string{"HTTP_PROXY": "http://proxy:3128"}, ""},
	} {
		u, _ := url.Parse(c.url)
		p, _ := proxyFor(u, func(k string) string { return c.env[k] })
		got := ""
		if p != nil {
			got = p.Host
		}
		if got != c.want {
			t.Errorf("proxyFor(%s, %v) = %q, want %q", c.url, c.env, got, c.want)
		}
	}
}

// ---------------------------------------------------------------- tools and call

func TestTools(t *testing.T) {
	for _, c := range []struct {
		flags []string
		want  []string
	}{
		{nil, []string{"list_customers", "list_service_plans", "create_customer", "delete_customer"}},
		{[]string{"--read-only"}, []string{"list_customers", "list_service_plans"}},
	} {
		// No token: listing sends nothing upstream.
		out, _, err := run(t, nil, "", append([]string{"tools"}, c.flags...)...)
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Tools []struct {
				Name         string          `json:"name"`
				InputSchema  json.RawMessage `json:"inputSchema"`
				OutputSchema json.RawMessage `json:"outputSchema"`
			} `json:"tools"`
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var names []string
		for _, tl := range list.Tools {
			names = append(names, tl.Name)
			if len(tl.InputSchema) == 0 || len(tl.OutputSchema) == 0 {
				t.Errorf("%s lacks a schema", tl.Name)
			}
		}
		if strings.Join(names, ",") != strings.Join(c.want, ",") {
			t.Errorf("tools %v with %v, want %v", names, c.flags, c.want)
		}
	}
}

// callEnv points the server at a sandbox the test can inspect.
func callEnv(t *testing.T, extra map[string]string) (map[string]string, *sandbox.Server) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Token: realToken})
	hs := httptest.NewServer(sb)
	t.Cleanup(hs.Close)
	env := map[string]string{"ATOMIC_API_URL": hs.URL, "ATOMIC_API_TOKEN": realToken}
	for k, v := range extra {
		env[k] = v
	}
	return env, sb
}

func deletes(sb *sandbox.Server) int { return sb.CountRequests("DELETE", atomicapi.PathDeleteCustomer) }

func TestCall(t *testing.T) {
	env, sb := callEnv(t, nil)

	out, _, err := run(t, env, "", "call", "list_customers", `{"customer_name":"Redfern","limit":5}`)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Customers []atomicapi.Customer `json:"customers"`
		Total     int                  `json:"total"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || list.Total != 1 || list.Customers[0].CustomerID != 6 {
		t.Fatalf("list_customers printed %s (%v)", out, err)
	}

	// Arguments from stdin.
	out, _, err = run(t, env, `{"customer_name":"Harbour Plumbing","nickname":"Harbour","addr_1":"1 Circular Quay","postcode":"2000","country":"AU"}`, "call", "create_customer", "-")
	if err != nil || !strings.Contains(out, `"status": "created"`) {
		t.Fatalf("create_customer from stdin: %v\n%s", err, out)
	}

	// An error result: its text on stderr (via the returned error), exit 1,
	// nothing on stdout.
	out, _, err = run(t, env, "", "call", "delete_customer", `{"customer_id":999}`)
	if err == nil || isUsage(err) || !strings.Contains(err.Error(), "no customer has customer_id 999") || out != "" {
		t.Fatalf("error result: err %v, stdout %q", err, out)
	}
	if deletes(sb) != 0 {
		t.Fatalf("%d DELETE", deletes(sb))
	}
}

func TestCallRefusesMisuse(t *testing.T) {
	env, _ := callEnv(t, nil)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no tool", []string{"call"}, "atomic-mcp call TOOL"},
		{"unknown tool", []string{"call", "drop_customers"}, `no tool "drop_customers"`},
		{"tool not registered", []string{"call", "delete_customer", `{"customer_id":6}`, "--read-only"}, `no tool "delete_customer"`},
		{"not an object", []string{"call", "list_customers", `[1]`}, "one JSON object"},
		{"not JSON", []string{"call", "list_customers", `{customer_id: 6}`}, "one JSON object"},
		{"two objects", []string{"call", "list_customers", `{} {}`}, "one JSON object"},
		{"--yes on a tool that does not ask", []string{"call", "create_customer", `{}`, "--yes"}, "--yes only applies to delete_customer"},
		{"bad --yes value", []string{"call", "delete_customer", `{"customer_id":6}`, "--yes=maybe"}, "not a yes/no value"},
		{"tool typo suggests", []string{"call", "list_customer"}, `no tool "list_customer" here; did you mean list_customers?`},
		{"unknown subcommand suggests", []string{"cal", "list_customers"}, "unknown subcommand cal; did you mean call?"},
		{"unknown subcommand", []string{"serve"}, "unknown subcommand serve: run atomic-mcp help"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := run(t, env, "", c.args...)
			if !isUsage(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want a usage error mentioning %q", err, c.want)
			}
		})
	}
}

// delete_customer keeps its confirmation under call: a first call only
// answers with a token; the token completes it in a second process that
// shares ATOMIC_MCP_CONFIRM_SECRET; --yes completes it at once and says so
// in the audit trail.
func TestCallDeleteConfirmation(t *testing.T) {
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	secret := strings.Repeat("s", 40)

	t.Run("token across two calls", func(t *testing.T) {
		env, sb := callEnv(t, map[string]string{"ATOMIC_MCP_CONFIRM_SECRET": secret, "ATOMIC_MCP_AUDIT_LOG": auditPath})
		out, hint, err := run(t, env, "", "call", "delete_customer", `{"customer_id":6}`)
		if err != nil {
			t.Fatal(err)
		}
		var first struct {
			Status            string `json:"status"`
			ConfirmationToken string `json:"confirmation_token"`
		}
		if err := json.Unmarshal([]byte(out), &first); err != nil || first.Status != "confirmation_required" || first.ConfirmationToken == "" {
			t.Fatalf("first call printed %s (%v)", out, err)
		}
		if deletes(sb) != 0 || !strings.Contains(hint, "Nothing was deleted") {
			t.Fatalf("first call: %d DELETE, hint %q", deletes(sb), hint)
		}

		args := `{"customer_id":6,"confirmation_token":"` + first.ConfirmationToken + `"}`
		out, _, err = run(t, env, "", "call", "delete_customer", args)
		if err != nil || !strings.Contains(out, `"status": "deleted"`) || !strings.Contains(out, `"confirmed_via": "token"`) {
			t.Fatalf("second call: %v\n%s", err, out)
		}
		if deletes(sb) != 1 {
			t.Fatalf("%d DELETE, want 1", deletes(sb))
		}
	})

	t.Run("token without a shared secret", func(t *testing.T) {
		env, sb := callEnv(t, nil)
		out, hint, err := run(t, env, "", "call", "delete_customer", `{"customer_id":7}`)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(hint, "ATOMIC_MCP_CONFIRM_SECRET is not set") {
			t.Errorf("no hint about the secret: %q", hint)
		}
		var first struct {
			ConfirmationToken string `json:"confirmation_token"`
		}
		_ = json.Unmarshal([]byte(out), &first)
		_, _, err = run(t, env, "", "call", "delete_customer", `{"customer_id":7,"confirmation_token":"`+first.ConfirmationToken+`"}`)
		if err == nil || !strings.Contains(err.Error(), "nothing was deleted") || deletes(sb) != 0 {
			t.Fatalf("a token from another process's secret: err %v, %d DELETE", err, deletes(sb))
		}
	})

	t.Run("--yes", func(t *testing.T) {
		env, sb := callEnv(t, map[string]string{"ATOMIC_MCP_AUDIT_LOG": auditPath})
		out, _, err := run(t, env, "", "call", "delete_customer", `{"customer_id":9}`, "--yes")
		if err != nil || !strings.Contains(out, `"confirmed_via": "cli-yes"`) || deletes(sb) != 1 {
			t.Fatalf("--yes: %v, %d DELETE\n%s", err, deletes(sb), out)
		}
	})

	data, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e struct {
			CustomerID   int64  `json:"customer_id"`
			Outcome      string `json:"outcome"`
			Confirmation string `json:"confirmation"`
			ClientName   string `json:"client_name"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		if e.ClientName != ClientName {
			t.Errorf("client_name %q, want %q", e.ClientName, ClientName)
		}
		got = append(got, strings.Join([]string{e.Outcome, e.Confirmation}, "/"))
	}
	want := []string{
		"confirmation_requested/token", "approved/token", "deleted/token",
		"approved/cli-yes", "deleted/cli-yes",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("audit trail:\n got %v\nwant %v", got, want)
	}
	if strings.Contains(string(data), realToken) || strings.Contains(string(data), "v1.") {
		t.Errorf("the audit trail holds a token:\n%s", data)
	}
}

func TestHelp(t *testing.T) {
	out, _, err := run(t, nil, "", "help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands {
		if !strings.Contains(out, "atomic-mcp "+c.name) {
			t.Errorf("help lacks %s:\n%s", c.name, out)
		}
	}
	if !IsCommand([]string{"doctor"}) || IsCommand([]string{"--sandbox", "doctor"}) || IsCommand(nil) {
		t.Error("IsCommand: a subcommand must come first")
	}
}

// TestSubcommandHelp: --help after any subcommand prints that subcommand's
// usage and succeeds; it is neither a problem for doctor nor a flag for the
// server's flag set to refuse.
func TestSubcommandHelp(t *testing.T) {
	for _, c := range commands {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				out, _, err := run(t, nil, "", args...)
				if err != nil {
					t.Fatalf("err %v", err)
				}
				if !strings.HasPrefix(out, "Usage: atomic-mcp "+c.name+" ") || strings.Contains(out, "problem") {
					t.Errorf("stdout:\n%s", out)
				}
			})
		}
	}
	if _, _, err := run(t, nil, "", "help", "cal"); err == nil || !strings.Contains(err.Error(), "did you mean call") {
		t.Errorf("help cal: %v", err)
	}
}

// The tool's name and arguments may stand before, between or after the
// server's flags: the flag set knows which flags take a value.
func TestCallArgumentsAnywhere(t *testing.T) {
	env, _ := callEnv(t, nil)
	for _, args := range [][]string{
		{"call", "list_customers", `{"limit":1}`, "--log-level", "warn"},
		{"call", "list_customers", "--log-level", "warn", `{"limit":1}`},
		{"call", "--log-level", "warn", "list_customers", `{"limit":1}`},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, _, err := run(t, env, "", args...)
			if err != nil || !strings.Contains(out, "customers") {
				t.Fatalf("err %v, stdout %q", err, out)
			}
		})
	}
}

func TestIsGoRunBuild(t *testing.T) {
	for exe, want := range map[string]bool{
		filepath.Join(os.TempDir(), "go-build123", "b001", "exe", "atomic-mcp"): true,
		"/opt/atomic-mcp/bin/atomic-mcp":                                        false,
		filepath.Join(os.TempDir(), "atomic-mcp"):                               false,
	} {
		if got := isGoRunBuild(exe); got != want {
			t.Errorf("isGoRunBuild(%q) = %v, want %v", exe, got, want)
		}
	}
}

// TestDoctorRefusesRedirect: doctor must not carry the token to wherever
// the API URL redirects (it once sent it to a 307 target on another port).
func TestDoctorRefusesRedirect(t *testing.T) {
	var leaked atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
	}))
	t.Cleanup(target.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(api.Close)
	out, _, err := run(t, map[string]string{"ATOMIC_API_URL": api.URL, "ATOMIC_API_TOKEN": realToken}, "", "doctor")
	if err == nil {
		t.Errorf("doctor passed a redirecting API:\n%s", out)
	}
	if leaked.Load() {
		t.Fatalf("the redirect target received the Authorization header:\n%s", out)
	}
}
