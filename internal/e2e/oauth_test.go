package e2e

// Team deployments over the built binary: an OAuth 2.1 resource server in
// front of a real OpenID provider (internal/testoidc), per-person keys, and
// the principal in the audit trail.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
	"github.com/atomtelecom/atomic-mcp/internal/testoidc"
)

// teamURL is the --public-url of the team server: the audience of its
// tokens. Clients reach the binary on loopback, as through a proxy.
const teamURL = "https://atomic.team.example"

const (
	scopeRead   = "customers:read"
	scopeWrite  = "customers:write"
	scopeDelete = "customers:delete"
)

// teamOP is the team's identity provider: Alice and Bob, and clients whose
// tokens the server must refuse.
func teamOP(t *testing.T) *testoidc.Provider {
	return testoidc.Start(t,
		testoidc.Client{ID: "alice-claude", Secret: "alice-secret", Subject: "alice", Email: "alice@example.com", Audience: []string{teamURL + "/mcp"}},
		testoidc.Client{ID: "bob-claude", Secret: "bob-secret", Subject: "bob", Name: "Bob Builder", Audience: []string{teamURL}},
		testoidc.Client{ID: "other-api", Secret: "x", Audience: []string{"https://other.example"}},
		testoidc.Client{ID: "expired", Secret: "x", Audience: []string{teamURL}, Lifetime: -2 * time.Minute},
	)
}

// headerRecorder records the Authorization headers the upstream receives.
type headerRecorder struct {
	mu   sync.Mutex
	seen []string
}

func (h *headerRecorder) wrap(sb *sandbox.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.seen = append(h.seen, r.Header.Get("Authorization"))
		h.mu.Unlock()
		sb.ServeHTTP(w, r)
	})
}

func (h *headerRecorder) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.seen...)
}

// startTeam serves the binary as a resource server of op.
func startTeam(t *testing.T, op *testoidc.Provider, transport string, rec *headerRecorder, extra ...string) (*netServer, string) {
	t.Helper()
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	args := append([]string{"--oauth-issuer", op.Issuer, "--public-url", teamURL + "/", "--audit-log", audit}, extra...)
	o := netOpts{transport: transport, args: args, env: []string{"ATOMIC_MCP_CONFIRM_SECRET=" + confirmSecret}}
	if rec != nil {
		o.wrap = rec.wrap
	}
	return startNet(t, o), audit
}

// oauthClient is an independent OAuth client: golang.org/x/oauth2's
// client-credentials flow in front of an MCP SDK client.
func oauthClient(cfg clientcredentials.Config, c combo) netClient {
	return netClient{combo: c, httpClient: cfg.Client(context.Background())}
}

var metadataParam = regexp.MustCompile(`resource_metadata="([^"]+)"`)

// TestOAuthHappyPath: a client with nothing but the server's URL goes from
// the 401, to the metadata, to the provider's discovery and a token, to a
// tool call; the client's token never travels upstream.
func TestOAuthHappyPath(t *testing.T) {
	t.Parallel()
	op := teamOP(t)
	rec := &headerRecorder{}
	ns, audit := startTeam(t, op, "http", rec)

	resp := rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(jsonRPC(1, "initialize", initializeParams())), mcpHeaders())
	challenge := resp.header.Get("WWW-Authenticate")
	m := metadataParam.FindStringSubmatch(challenge)
	if resp.status != http.StatusUnauthorized || m == nil || !strings.Contains(challenge, `scope="customers:read"`) {
		t.Fatalf("no token: %d, WWW-Authenticate %q", resp.status, challenge)
	}
	if m[1] != teamURL+"/.well-known/oauth-protected-resource/mcp" {
		t.Errorf("resource_metadata %q", m[1])
	}
	u, _ := url.Parse(m[1])
	var meta struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		Scopes               []string `json:"scopes_supported"`
		Bearer               []string `json:"bearer_methods_supported"`
	}
	for path, resource := range map[string]string{u.Path: teamURL + "/mcp", "/.well-known/oauth-protected-resource": teamURL} {
		r := rawDo(t, http.MethodGet, ns.base+path, nil, nil)
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &meta) != nil {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		if meta.Resource != resource || len(meta.AuthorizationServers) != 1 || meta.AuthorizationServers[0] != op.Issuer ||
			strings.Join(meta.Scopes, " ") != "customers:read customers:write customers:delete" || strings.Join(meta.Bearer, ",") != "header" {
			t.Errorf("GET %s: %+v", path, meta)
		}
	}
	// The client finds the token endpoint through the provider's discovery.
	var disc struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if r := rawDo(t, http.MethodGet, meta.AuthorizationServers[0]+"/.well-known/openid-configuration", nil, nil); json.Unmarshal([]byte(r.body), &disc) != nil || disc.TokenEndpoint == "" {
		t.Fatalf("discovery: %d %s", r.status, r.body)
	}
	cfg := clientcredentials.Config{ClientID: "alice-claude", ClientSecret: "alice-secret", TokenURL: disc.TokenEndpoint, Scopes: meta.Scopes}
	ts := ns.connect(t, oauthClient(cfg, combos[0]))
	ts.callOK(t, "list_customers", nil)
	ts.callOK(t, "create_customer", createArgs("Alice Harbour Pty Ltd"))

	tok, err := cfg.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range rec.all() {
		if strings.Contains(h, tok.AccessToken) || h != testToken { // the sandbox reads the raw header
			t.Errorf("upstream got Authorization %q, want only the server's own token", h)
		}
	}
	lines := auditLines(t, audit)
	if len(lines) == 0 || !strings.Contains(lines[len(lines)-1], `"principal":{"sub":"alice","client_id":"alice-claude","email":"alice@example.com","via":"oauth"}`) {
		t.Errorf("audit trail does not name alice: %v", lines)
	}
	if s := ns.stderr.String(); !strings.Contains(s, "principal.sub=alice") && !strings.Contains(s, `"sub":"alice"`) {
		t.Errorf("the per-call log line does not name alice:\n%s", s)
	}
}

func auditLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// TestOAuthRefusals: each bad token is answered 401 invalid_token before
// any MCP processing, and a token signed with a rotated-in key is accepted
// without a restart.
func TestOAuthRefusals(t *testing.T) {
	t.Parallel()
	op := teamOP(t)
	ns, _ := startTeam(t, op, "http", nil)
	good := op.Token(t, op.Issuer, "bob-claude", scopeRead)
	parts := strings.Split(good, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	op.SignWithUnpublishedKey(t)
	unknownKid := op.Token(t, op.Issuer, "bob-claude", scopeRead)
	for name, token := range map[string]string{
		"no token":       "",
		"wrong audience": op.Token(t, op.Issuer, "other-api", scopeRead),
		"expired":        op.Token(t, op.Issuer, "expired", scopeRead),
		"wrong issuer":   op.Token(t, op.Issuer+testoidc.ForeignPath, "bob-claude", scopeRead),
		"unknown kid":    unknownKid,
		"alg none":       none,
	} {
		t.Run(name, func(t *testing.T) {
			h := mcpHeaders()
			if token != "" {
				h.Set("Authorization", "Bearer "+token)
			}
			r := rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(jsonRPC(1, "initialize", initializeParams())), h)
			challenge := r.header.Get("WWW-Authenticate")
			if r.status != http.StatusUnauthorized || !strings.Contains(challenge, "resource_metadata=") {
				t.Fatalf("status %d, WWW-Authenticate %q, want 401 with resource_metadata", r.status, challenge)
			}
			if token != "" && !strings.Contains(challenge, `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate %q lacks invalid_token", challenge)
			}
		})
	}
	if ns.upstreamRequests() != 0 {
		t.Errorf("%d upstream requests for refused tokens", ns.upstreamRequests())
	}
	op.Rotate(t)
	ts := ns.connect(t, netClient{combo: combos[2], bearer: op.Token(t, op.Issuer, "bob-claude", scopeRead)})
	ts.callOK(t, "list_customers", nil)
}

// TestOAuthScopes: a read token neither sees nor can call create or delete;
// a write token creates but cannot delete; the refusal is 403
// insufficient_scope naming the scope to ask for.
func TestOAuthScopes(t *testing.T) {
	t.Parallel()
	op := teamOP(t)
	ns, _ := startTeam(t, op, "http", nil)
	for _, tc := range []struct {
		name    string
		scopes  []string
		visible string
		refused map[string]string // tool -> scope in the 403
	}{
		{"read", []string{scopeRead}, "list_customers,list_service_plans", map[string]string{"create_customer": scopeWrite, "delete_customer": scopeDelete}},
		{"write", []string{scopeRead, scopeWrite}, "create_customer,list_customers,list_service_plans", map[string]string{"delete_customer": scopeDelete}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := op.Token(t, op.Issuer, "bob-claude", tc.scopes...)
			for _, c := range []combo{combos[0], combos[2]} {
				ts := ns.connect(t, netClient{combo: c, bearer: token})
				ctx, cancel := callContext()
				tools, err := ts.sess.listTools(ctx)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, tl := range tools {
					names = append(names, tl["name"].(string))
				}
				if strings.Join(names, ",") != tc.visible {
					t.Errorf("%s: tools/list %v, want %s", c, names, tc.visible)
				}
			}
			for tool, scope := range tc.refused {
				h := mcpHeaders("Authorization", "Bearer "+token, "Mcp-Protocol-Version", v20260728)
				r := rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(jsonRPC(2, "tools/call", map[string]any{"name": tool, "arguments": map[string]any{"customer_id": 6}})), h)
				challenge := r.header.Get("WWW-Authenticate")
				if r.status != http.StatusForbidden || !strings.Contains(challenge, `error="insufficient_scope"`) || !strings.Contains(challenge, `scope="`+scope+`"`) {
					t.Errorf("%s: %d, WWW-Authenticate %q, want 403 insufficient_scope scope=%q", tool, r.status, challenge, scope)
				}
			}
		})
	}
	if n := ns.sb.CountRequests(http.MethodDelete, "/api/atomic/customer/delete") + len(ns.sb.Requests()); n != 0 {
		t.Errorf("%d upstream requests for refused calls", n)
	}
}

// TestOAuthConfirmationBinding: a confirmation token minted for Alice is
// refused for Bob, saying so, and still deletes for Alice.
func TestOAuthConfirmationBinding(t *testing.T) {
	t.Parallel()
	op := teamOP(t)
	ns, audit := startTeam(t, op, "http", nil)
	all := []string{scopeRead, scopeWrite, scopeDelete}
	alice := ns.connect(t, netClient{combo: combos[0], bearer: op.Token(t, op.Issuer, "alice-claude", all...)})
	bob := ns.connect(t, netClient{combo: combos[2], bearer: op.Token(t, op.Issuer, "bob-claude", all...)})
	first := alice.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
	token, _ := first.Structured["confirmation_token"].(string)
	if token == "" {
		t.Fatalf("no confirmation_token: %v", first.Structured)
	}
	res := bob.callErr(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": token})
	assertContainsAll(t, "Bob's refusal", res.Text, "nothing was deleted", "issued to another person", "Bob Builder")
	if n := ns.sb.CountRequests(http.MethodDelete, "/api/atomic/customer/delete"); n != 0 {
		t.Fatalf("%d DELETE after Bob used Alice's confirmation", n)
	}
	if done := alice.callOK(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": token}); done.Structured["status"] != "deleted" {
		t.Fatalf("Alice's own confirmation: %v", done.Structured)
	}
	var subs []string
	for _, l := range auditLines(t, audit) {
		var e struct {
			Outcome   string `json:"outcome"`
			Principal struct {
				Sub string `json:"sub"`
			} `json:"principal"`
		}
		_ = json.Unmarshal([]byte(l), &e)
		subs = append(subs, e.Principal.Sub+":"+e.Outcome)
	}
	if got := strings.Join(subs, " "); got != "alice:confirmation_requested bob:refused alice:approved alice:deleted" {
		t.Errorf("audit trail %s", got)
	}
}

// TestAuthKeys: per-person keys, no identity provider: each key is a
// named person with their scopes, and the audit trail says who.
func TestAuthKeys(t *testing.T) {
	t.Parallel()
	sum := func(k string) string { s := sha256.Sum256([]byte(k)); return hex.EncodeToString(s[:]) }
	const doraKey, erinKey = "dora-personal-key-0123456789", "erin-personal-key-0123456789"
	file := filepath.Join(t.TempDir(), "keys.json")
	keys := `[{"name":"dora","sha256":"` + sum(doraKey) + `","scopes":["customers:read","customers:write"]},` +
		`{"name":"erin","sha256":"` + sum(erinKey) + `","scopes":["customers:read"]}]`
	if err := os.WriteFile(file, []byte(keys), 0o600); err != nil {
		t.Fatal(err)
	}
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	ns := startNet(t, netOpts{transport: "http", bindHost: "0.0.0.0", args: []string{"--auth-keys", file, "--audit-log", audit}})
	dora := ns.connect(t, netClient{combo: combos[0], bearer: doraKey})
	dora.callOK(t, "create_customer", createArgs("Dora Harbour Pty Ltd"))
	erin := ns.connect(t, netClient{combo: combos[3], bearer: erinKey})
	erin.callOK(t, "list_customers", nil)
	r := rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(jsonRPC(1, "tools/call", map[string]any{"name": "create_customer"})), mcpHeaders("Authorization", "Bearer "+erinKey))
	if r.status != http.StatusForbidden {
		t.Errorf("erin creates: %d, want 403", r.status)
	}
	if r := rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(jsonRPC(1, "initialize", initializeParams())), mcpHeaders("Authorization", "Bearer someone-elses-key-0123")); r.status != http.StatusUnauthorized {
		t.Errorf("unknown key: %d, want 401", r.status)
	}
	if lines := auditLines(t, audit); !strings.Contains(lines[len(lines)-1], `"principal":{"sub":"dora","name":"dora","via":"key"}`) {
		t.Errorf("audit trail does not name dora: %v", lines)
	}
}

// TestOAuthSSE: the legacy SSE transport is gated the same way, on the
// stream and on every message POST.
func TestOAuthSSE(t *testing.T) {
	t.Parallel()
	op := teamOP(t)
	ns, _ := startTeam(t, op, "sse", nil)
	r := rawDo(t, http.MethodGet, ns.base+"/sse", nil, http.Header{"Accept": {"text/event-stream"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("WWW-Authenticate"), `resource_metadata="`+teamURL+`/.well-known/oauth-protected-resource/sse"`) {
		t.Fatalf("GET /sse without a token: %d %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	token := op.Token(t, op.Issuer, "bob-claude", scopeRead)
	stream := openSSE(t, ns, http.Header{"Authorization": {"Bearer " + token}})
	if r := stream.post(t, jsonRPC(1, "initialize", initializeParams()), nil); r.status != http.StatusUnauthorized {
		t.Errorf("POST /message without a token: %d, want 401", r.status)
	}
	if r := stream.post(t, jsonRPC(2, "tools/call", map[string]any{"name": "create_customer"}), http.Header{"Authorization": {"Bearer " + token}}); r.status != http.StatusForbidden {
		t.Errorf("POST /message create with a read token: %d, want 403", r.status)
	}
	for _, c := range []combo{combos[0], combos[2]} {
		ts := ns.connect(t, netClient{combo: c, bearer: token})
		ts.callOK(t, "list_customers", nil)
	}
}
