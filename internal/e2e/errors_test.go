package e2e

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// badInputCases are malformed calls a model might make.
var badInputCases = []struct {
	name   string
	tool   string
	args   map[string]any
	fields []string // each must be named in the message
}{
	{"create missing required", "create_customer",
		map[string]any{"customer_name": "Harbour Plumbing", "city": "Sydney"},
		[]string{"nickname", "addr_1", "postcode", "country"}},
	{"create no arguments", "create_customer", nil,
		[]string{"customer_name", "nickname", "addr_1", "postcode", "country"}},
	{"create four problems at once", "create_customer",
		map[string]any{"customer_name": "   ", "nickname": "Harbour", "addr_1": "1 Circular Quay", "postcode": "20000",
			"country": "Australia", "abn": "51 824 753 557", "website": "not a website"},
		[]string{"customer_name", "postcode", "abn", "website"}},
	{"create control characters", "create_customer",
		map[string]any{"customer_name": "Harbour\nPlumbing", "nickname": "Harbour", "addr_1": "1 Circular Quay", "postcode": "2000", "country": "Australia"},
		[]string{"customer_name"}},
	{"create unknown argument", "create_customer",
		func() map[string]any { a := harbour(); a["phone"] = "02 9999 9999"; return a }(),
		[]string{"phone"}},
	{"list limit not a number", "list_customers", map[string]any{"limit": "abc"}, []string{"limit"}},
	{"list limit too big", "list_customers", map[string]any{"limit": 501}, []string{"limit"}},
	{"list limit zero", "list_customers", map[string]any{"limit": 0}, []string{"limit"}},
	{"list offset negative", "list_customers", map[string]any{"offset": -1}, []string{"offset"}},
	{"list unknown argument", "list_customers", map[string]any{"name_contains": "sala"}, []string{"name_contains"}},
	{"plans unknown argument", "list_service_plans", map[string]any{"plan_type": "SIP"}, []string{"plan_type"}},
	{"delete fractional id", "delete_customer", map[string]any{"customer_id": 7.5}, []string{"customer_id"}},
	{"delete id as string", "delete_customer", map[string]any{"customer_id": "5"}, []string{"customer_id"}},
	{"delete id zero", "delete_customer", map[string]any{"customer_id": 0}, []string{"customer_id"}},
	{"delete id missing", "delete_customer", map[string]any{}, []string{"customer_id"}},
	{"delete id null", "delete_customer", map[string]any{"customer_id": nil}, []string{"customer_id"}},
	{"delete token too long", "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": strings.Repeat("a", 201)}, []string{"confirmation_token"}},
	{"create name too long", "create_customer",
		func() map[string]any { a := harbour(); a["customer_name"] = strings.Repeat("Harbour ", 40); return a }(),
		[]string{"customer_name"}},
	{"create allow_duplicate not a boolean", "create_customer",
		func() map[string]any { a := harbour(); a["allow_duplicate"] = "yes"; return a }(),
		[]string{"allow_duplicate"}},
	{"list include_deleted as string", "list_customers", map[string]any{"include_deleted": "true"}, []string{"include_deleted"}},
	{"list offset fractional", "list_customers", map[string]any{"offset": 1.5}, []string{"offset"}},
}

// TestBadInput: every malformed call is an isError result naming the field,
// and nothing at all reaches the API.
func TestBadInput(t *testing.T) {
	t.Parallel()
	forEachCombo(t, func(t *testing.T, c combo) {
		ts := startServer(t, serverOpts{combo: c})
		for _, tc := range badInputCases {
			t.Run(tc.name, func(t *testing.T) {
				before := ts.requestCount()
				res := ts.callErr(t, tc.tool, tc.args)
				assertContainsAll(t, "error message", res.Text, tc.fields...)
				if n := ts.requestCount() - before; n != 0 {
					t.Errorf("%d request(s) reached the API: %+v", n, ts.sb.Requests()[before:])
				}
			})
		}
	})
}

// TestValidationMessagesAreReadable: a model fixes its call from the error
// text, so the text must be words, not a Go struct dump.
func TestValidationMessagesAreReadable(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{combo: combos[0]})
	for _, tc := range badInputCases {
		t.Run(tc.name, func(t *testing.T) {
			res := ts.callErr(t, tc.tool, tc.args)
			for _, dump := range []string{"&{", "<root>", "Got:", "Want:"} {
				if strings.Contains(res.Text, dump) {
					t.Errorf("message holds Go struct text %q: %s", dump, res.Text)
				}
			}
		})
	}
}

// TestUpstreamFailures: API failures are isError results a user can act on,
// retried only where safe, and never quote the token.
func TestUpstreamFailures(t *testing.T) {
	t.Parallel()

	t.Run("401", func(t *testing.T) {
		t.Parallel()
		forEachCombo(t, func(t *testing.T, c combo) {
			var gotAuth atomic.Value
			url := newUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotAuth.Store(r.Header.Get("Authorization"))
				// A hostile upstream that echoes the credential back.
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_ = json.NewEncoder(w).Encode(map[string]string{"message": "Unauthenticated: bad token " + r.Header.Get("Authorization")})
			}))
			ts := startServer(t, serverOpts{combo: c, env: upstreamEnv(url), args: []string{"--log-level", "debug"}})
			for _, call := range []struct {
				tool string
				args map[string]any
			}{
				{"list_customers", nil},
				{"list_service_plans", nil},
				{"create_customer", harbour()},
				{"delete_customer", map[string]any{"customer_id": 6}},
			} {
				res := ts.callErr(t, call.tool, call.args)
				assertContainsAll(t, call.tool+" 401 message", res.Text, "ATOMIC_API_TOKEN")
				if strings.Contains(res.Text, testToken) || strings.Contains(string(res.RawStructured), testToken) {
					t.Errorf("%s result quotes the token: %s", call.tool, res.Text)
				}
			}
			if gotAuth.Load() != testToken {
				t.Fatalf("upstream saw Authorization %q, want the configured token (else this test proves nothing)", gotAuth.Load())
			}
			if strings.Contains(ts.stderr.String(), testToken) {
				t.Errorf("stderr quotes the token:\n%s", ts.stderr)
			}
		})
	})

	// The same over raw pipes, where every byte of stdout is visible.
	t.Run("401 raw stdout", func(t *testing.T) {
		t.Parallel()
		url := newUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"no such token: ` + r.Header.Get("Authorization") + `"}`))
		}))
		for _, format := range []string{"text", "json"} {
			p := startRaw(t, upstreamEnv(url), "--log-level", "debug", "--log-format", format)
			p.request(1, "initialize", initializeParams())
			p.awaitReplies(1)
			p.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
			p.request(2, "tools/call", map[string]any{"name": "list_customers", "arguments": map[string]any{}})
			p.request(3, "tools/call", map[string]any{"name": "create_customer", "arguments": harbour()})
			p.awaitReplies(2, 3)
			if code := p.closeAndWait(); code != 0 {
				t.Errorf("exit code %d, want 0", code)
			}
			stdout := strings.Join(p.stdout(), "\n")
			assertContainsAll(t, "stdout", stdout, "ATOMIC_API_TOKEN", `"isError":true`)
			if strings.Contains(stdout, testToken) {
				t.Errorf("%s: stdout quotes the token:\n%s", format, stdout)
			}
			if strings.Contains(p.stderr.String(), testToken) {
				t.Errorf("%s: stderr quotes the token:\n%s", format, p.stderr)
			}
		}
	})

	t.Run("503 retried", func(t *testing.T) {
		t.Parallel()
		forEachCombo(t, func(t *testing.T, c combo) {
			var gets, others atomic.Int32
			var readsWork atomic.Bool
			url := newUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					gets.Add(1)
					if readsWork.Load() {
						w.Header().Set("Content-Type", "application/json")
						_, _ = w.Write([]byte(`[]`))
						return
					}
				} else {
					others.Add(1)
				}
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(`<html>Service Unavailable</html>`))
			}))
			ts := startServer(t, serverOpts{combo: c, env: upstreamEnv(url)})
			start := time.Now()
			res := ts.callErr(t, "list_customers", nil)
			assertContainsAll(t, "503 message", res.Text, "unavailable", "503")
			if strings.Contains(res.Text, "<html>") {
				t.Errorf("the upstream's HTML page reached the user: %s", res.Text)
			}
			if n := gets.Load(); n != 3 {
				t.Errorf("%d GET attempts, want 3", n)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("three attempts took %s", d)
			}

			// Writes are never retried: one POST, and a 503 answer, settled
			// by a fresh read (the duplicate check's GET, then one more).
			gets.Store(0)
			readsWork.Store(true)
			res = ts.callErr(t, "create_customer", harbour())
			assertContainsAll(t, "create 503 message", res.Text, "unavailable", "was NOT created")
			if n := others.Load(); n != 1 || gets.Load() != 2 {
				t.Errorf("create sent %d POSTs and %d GETs, want exactly one POST and two GETs", n, gets.Load())
			}
		})
	})

	t.Run("429 Retry-After", func(t *testing.T) {
		t.Parallel()
		forEachCombo(t, func(t *testing.T, c combo) {
			var hits atomic.Int32
			url := newUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("Retry-After", "120")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte(`{"message":"Too Many Attempts."}`))
			}))
			ts := startServer(t, serverOpts{combo: c, env: upstreamEnv(url)})
			start := time.Now()
			res := ts.callErr(t, "list_service_plans", nil)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("a 120 s Retry-After held the call for %s, want a quick answer", d)
			}
			assertContainsAll(t, "429 message", res.Text, "rate limited", "2m")
			if n := hits.Load(); n != 1 {
				t.Errorf("%d attempts, want 1 (waiting 120 s does not fit the deadline)", n)
			}
		})
	})
}

// TestRedirectKeepsToken: the token goes to the configured API only, not to
// wherever a redirect points (another port, another scheme).
func TestRedirectKeepsToken(t *testing.T) {
	t.Parallel()
	var leaked atomic.Value
	other := newUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth := r.Header.Get("Authorization"); auth != "" {
			leaked.Store(auth)
		}
		_, _ = w.Write([]byte("[]"))
	}))
	url := newUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	ts := startServer(t, serverOpts{combo: combos[0], env: upstreamEnv(url)})
	ts.call(t, "list_customers", nil)
	if got := leaked.Load(); got != nil {
		t.Errorf("a redirect sent the token to %s (Authorization %q)", other, got)
	}
}

// TestConfigErrors: bad settings stop the process at once with exit code 2
// and one line on stderr that names the setting; stdout stays empty.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no token", []string{"ATOMIC_API_URL=http://127.0.0.1:1"}, nil, "ATOMIC_API_TOKEN is not set"},
		{"empty environment", []string{}, nil, "ATOMIC_API_TOKEN is not set"},
		{"blank token", []string{"ATOMIC_API_TOKEN=   "}, nil, "ATOMIC_API_TOKEN is not set"},
		{"unknown transport", upstreamEnv("http://127.0.0.1:1"), []string{"--transport", "carrier-pigeon"}, "transport"},
		{"token on argv", []string{}, []string{"--api-token", "x"}, "api-token"},
		{"token on argv with =", []string{}, []string{"--api-token=" + testToken}, "api-token"},
		{"bad log level", upstreamEnv("http://127.0.0.1:1"), []string{"--log-level", "loud"}, "log level"},
		{"bad API URL", []string{"ATOMIC_API_URL=ftp://example.com", "ATOMIC_API_TOKEN=" + testToken}, nil, "ATOMIC_API_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runOnce(t, tc.env, tc.args...)
			if code != 2 {
				t.Errorf("exit code %d, want 2 (stderr %q)", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr = %q, want one line containing %q", stderr, tc.want)
			}
			if strings.Contains(stderr, testToken) {
				t.Errorf("stderr quotes the token: %q", stderr)
			}
		})
	}

	t.Run("version", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, code := runOnce(t, []string{}, "--version")
		if code != 0 {
			t.Errorf("--version exit code %d, want 0 (stderr %q)", code, stderr)
		}
		if !regexp.MustCompile(`^atomic-mcp \S+ \(commit \S+(, modified)?, (built \S+|build date unknown)\)\n$`).MatchString(stdout) {
			t.Errorf("--version printed %q, want \"atomic-mcp <version> (commit <commit>, built <date>)\"", stdout)
		}
	})
}
