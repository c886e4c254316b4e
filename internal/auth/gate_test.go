package auth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atomtelecom/atomic-mcp/internal/auth"
	"github.com/atomtelecom/atomic-mcp/internal/testoidc"
)

const publicURL = "https://mcp.example.com"

func tools() []mcp.Tool {
	yes, no := true, false
	return []mcp.Tool{
		{Name: "list_customers", Annotations: mcp.ToolAnnotation{ReadOnlyHint: &yes}},
		{Name: "create_customer", Annotations: mcp.ToolAnnotation{ReadOnlyHint: &no, DestructiveHint: &no}},
		{Name: "delete_customer", Annotations: mcp.ToolAnnotation{ReadOnlyHint: &no, DestructiveHint: &yes}},
	}
}

// rig is a resource server for a real OpenID provider, in front of a
// handler that records the principal it was given.
type rig struct {
	op      *testoidc.Provider
	handler http.Handler
	mu      sync.Mutex
	seen    []auth.Principal
	bodies  []string
}

func newRig(t *testing.T, keys *auth.Keys) *rig {
	t.Helper()
	op := testoidc.Start(t,
		testoidc.Client{ID: "alice-agent", Secret: "s1", Subject: "alice", Name: "Alice Example", Email: "alice@example.com", Audience: []string{publicURL}},
		testoidc.Client{ID: "mcp-path", Secret: "s1", Subject: "carol", Audience: []string{publicURL + "/mcp/"}},
		testoidc.Client{ID: "other-api", Secret: "s2", Audience: []string{"https://other.example.com"}},
		testoidc.Client{ID: "expired", Secret: "s3", Audience: []string{publicURL}, Lifetime: -2 * time.Minute},
	)
	r := &rig{op: op}
	rs := auth.New(auth.Options{Issuer: op.Issuer, PublicURL: publicURL + "/", Endpoints: []string{"/mcp"}, Names: auth.DefaultNames, Keys: keys, Tools: tools()})
	inner := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p, _ := auth.From(req.Context())
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.seen = append(r.seen, p)
		r.bodies = append(r.bodies, string(body))
		r.mu.Unlock()
	})
	r.handler = rs.Guard("/mcp", func(h http.Handler) http.Handler { return h }, inner)
	return r
}

func (r *rig) do(t *testing.T, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	r.handler.ServeHTTP(rec, req)
	return rec
}

func call(tool string) string {
	return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`
}

// forge re-signs the claims of a genuine token under another header: what
// an attacker holding one token could try.
func forge(t *testing.T, genuine string, header map[string]any, sign func(input []byte) []byte) string {
	t.Helper()
	parts := strings.Split(genuine, ".")
	h, _ := json.Marshal(header)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + parts[1]
	return input + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(input)))
}

func TestRefusedTokens(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	read := "customers:read"
	good := r.op.Token(t, r.op.Issuer, "alice-agent", read)
	jwks := func() []byte {
		resp, err := http.Get(r.op.Issuer + "/keys")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}()
	for _, tc := range []struct {
		name, token, want string
	}{
		{"no token", "", ""},
		{"garbage", "not-a-token", "not a token this server"},
		{"wrong audience", r.op.Token(t, r.op.Issuer, "other-api", read), "audience"},
		{"expired", r.op.Token(t, r.op.Issuer, "expired", read), "expired"},
		{"wrong issuer", r.op.Token(t, r.op.Issuer+testoidc.ForeignPath, "alice-agent", read), "issued by a different provider"},
		{"alg none", forge(t, good, map[string]any{"alg": "none", "typ": "JWT"}, func([]byte) []byte { return nil }), "unexpected signature algorithm"},
		{"HS256 keyed with the public key set", forge(t, good, map[string]any{"alg": "HS256", "typ": "JWT"}, func(in []byte) []byte {
			m := hmac.New(sha256.New, jwks)
			m.Write(in)
			return m.Sum(nil)
		}), "unexpected signature algorithm"},
		{"signature altered", good[:len(good)-3] + "AAA", "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := r.do(t, tc.token, call("list_customers"))
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", rec.Code, rec.Body)
			}
			challenge := rec.Header().Get("WWW-Authenticate")
			want := `Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"`
			if !strings.HasPrefix(challenge, want) || !strings.Contains(challenge, `scope="customers:read"`) {
				t.Errorf("WWW-Authenticate %q, want %s…, scope=\"customers:read\"", challenge, want)
			}
			if tc.token != "" && !strings.Contains(challenge, `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate %q without error=\"invalid_token\"", challenge)
			}
			if !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("body %q does not say %q", rec.Body, tc.want)
			}
		})
	}
	if len(r.seen) != 0 {
		t.Errorf("%d refused request(s) reached the MCP handler", len(r.seen))
	}
}

func TestPrincipalAndAudiences(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	for _, client := range []string{"alice-agent", "mcp-path"} {
		rec := r.do(t, r.op.Token(t, r.op.Issuer, client, "customers:read"), call("list_customers"))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", client, rec.Code, rec.Body)
		}
	}
	want := auth.Principal{Subject: "alice", ClientID: "alice-agent", Name: "Alice Example", Email: "alice@example.com", Via: auth.ViaOAuth, Scopes: auth.Read}
	if r.seen[0] != want {
		t.Errorf("principal %+v, want %+v", r.seen[0], want)
	}
	if r.seen[1].Subject != "carol" {
		t.Errorf("a token for %s/mcp/: principal %+v", publicURL, r.seen[1])
	}
	if r.bodies[0] != call("list_customers") {
		t.Errorf("the handler read %q, want the body intact", r.bodies[0])
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	if rec := r.do(t, r.op.Token(t, r.op.Issuer, "alice-agent", "customers:read"), call("list_customers")); rec.Code != 200 {
		t.Fatalf("before rotation: %d %s", rec.Code, rec.Body)
	}
	r.op.SignWithUnpublishedKey(t)
	if rec := r.do(t, r.op.Token(t, r.op.Issuer, "alice-agent", "customers:read"), call("list_customers")); rec.Code != 401 {
		t.Fatalf("unknown kid: %d %s, want 401", rec.Code, rec.Body)
	}
	r.op.Rotate(t)
	if rec := r.do(t, r.op.Token(t, r.op.Issuer, "alice-agent", "customers:read"), call("list_customers")); rec.Code != 200 {
		t.Fatalf("after rotation: %d %s, want 200 without a restart", rec.Code, rec.Body)
	}
}

func TestScopes(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	read := r.op.Token(t, r.op.Issuer, "alice-agent", "customers:read")
	write := r.op.Token(t, r.op.Issuer, "alice-agent", "customers:read", "customers:write")
	for _, tc := range []struct {
		name, token, body string
		want              int
		scope             string
	}{
		{"read lists", read, call("list_customers"), 200, ""},
		{"read cannot create", read, call("create_customer"), 403, "customers:write"},
		{"read cannot delete", read, call("delete_customer"), 403, "customers:delete"},
		{"write creates", write, call("create_customer"), 200, ""},
		{"write cannot delete", write, call("delete_customer"), 403, "customers:delete"},
		{"batch with a delete", write, "[" + call("list_customers") + "," + call("delete_customer") + "]", 403, "customers:delete"},
		{"initialize needs no scope", read, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := r.do(t, tc.token, tc.body)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
			if tc.want == 403 {
				challenge := rec.Header().Get("WWW-Authenticate")
				if !strings.Contains(challenge, `error="insufficient_scope"`) || !strings.Contains(challenge, `scope="`+tc.scope+`"`) {
					t.Errorf("WWW-Authenticate %q, want insufficient_scope and scope=%q", challenge, tc.scope)
				}
			}
		})
	}
}

func TestAuthKeys(t *testing.T) {
	t.Parallel()
	sum := func(key string) string {
		s := sha256.Sum256([]byte(key))
		return base16(s[:])
	}
	keys, err := auth.ParseKeys([]byte(`[{"name":"bob","sha256":"` + sum("bob-key-0123456789") + `","scopes":["customers:read"]},
		{"name":"dora","sha256":"` + sum("dora-key-0123456789") + `","scopes":["customers:read","customers:write","customers:delete"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, keys)
	if rec := r.do(t, "bob-key-0123456789", call("create_customer")); rec.Code != 403 {
		t.Errorf("bob creates: %d, want 403", rec.Code)
	}
	if rec := r.do(t, "dora-key-0123456789", call("delete_customer")); rec.Code != 200 {
		t.Errorf("dora deletes: %d %s", rec.Code, rec.Body)
	}
	if rec := r.do(t, "eve-key-0123456789", call("list_customers")); rec.Code != 401 {
		t.Errorf("unknown key: %d, want 401", rec.Code)
	}
	if p := r.seen[0]; p.Subject != "dora" || p.Via != auth.ViaKey {
		t.Errorf("principal %+v, want dora via key", p)
	}
}

func base16(b []byte) string {
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, hexdigits[c>>4], hexdigits[c&15])
	}
	return string(out)
}

func TestParseKeysErrors(t *testing.T) {
	t.Parallel()
	good := strings.Repeat("ab", 32)
	for _, tc := range []struct{ file, want string }{
		{`{}`, "not a JSON array"},
		{`[]`, "no keys"},
		{`[{"name":"","sha256":"` + good + `","scopes":["customers:read"]}]`, "has no name"},
		{`[{"name":"a","sha256":"abc","scopes":["customers:read"]}]`, "not 64 hex digits"},
		{`[{"name":"a","sha256":"` + good + `","scopes":["customers:admin"]}]`, `unknown scope "customers:admin"`},
		{`[{"name":"a","sha256":"` + good + `","scopes":[]}]`, "has no scopes"},
		{`[{"name":"a","sha256":"` + good + `","scopes":["customers:read"]},{"name":"a","sha256":"` + strings.Repeat("cd", 32) + `","scopes":["customers:read"]}]`, "used twice"},
		{`[{"name":"a","sha256":"` + good + `","scopes":["customers:read"]},{"name":"b","sha256":"` + good + `","scopes":["customers:read"]}]`, "same key as a"},
		{`[{"name":"a","sha256":"` + good + `","scopes":["customers:read"],"key":"x"}]`, "unknown field"},
	} {
		if _, err := auth.ParseKeys([]byte(tc.file)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.file, err, tc.want)
		}
	}
}

func TestParseNames(t *testing.T) {
	t.Parallel()
	n, err := auth.ParseNames("read=api://atomic/Customers.Read, write=api://atomic/Customers.Write,delete=api://atomic/Customers.Delete")
	if err != nil || n.Read != "api://atomic/Customers.Read" || n.Delete != "api://atomic/Customers.Delete" {
		t.Fatalf("%+v %v", n, err)
	}
	for _, bad := range []string{"read", "admin=x", "read=a,read=b", "read=x,write=x", "read=a b"} {
		if _, err := auth.ParseNames(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestPerPersonConcurrent: many goroutines per person at once; each person
// gets exactly their burst, whatever the others do, and the map stays
// within its bound.
func TestPerPersonConcurrent(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	l := auth.NewPerPerson(3, 50, func() time.Time { return now })
	const people, each = 20, 40
	var mu sync.Mutex
	allowed := map[string]int{}
	var wg sync.WaitGroup
	for p := range people {
		for range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := "oauth:user" + string(rune('a'+p))
				if ok, wait := l.Allow(id); ok {
					mu.Lock()
					allowed[id]++
					mu.Unlock()
				} else if wait <= 0 {
					t.Errorf("refused without a wait")
				}
			}()
		}
	}
	wg.Wait()
	for id, n := range allowed {
		if n != 3 {
			t.Errorf("%s: %d calls allowed at once, want the burst of 3", id, n)
		}
	}
	if len(allowed) != people {
		t.Errorf("%d people got calls through, want %d", len(allowed), people)
	}
	for i := range 200 {
		l.Allow("oauth:crowd" + string(rune(i)))
	}
	if n := l.Len(); n > 50 {
		t.Errorf("%d limiters held, want at most 50", n)
	}
}

func TestPolicyWithoutPrincipal(t *testing.T) {
	t.Parallel()
	required := auth.NewPolicy(auth.DefaultNames, tools(), true)
	if got := required.Filter(context.Background(), tools()); len(got) != 0 {
		t.Errorf("a server that requires sign-in lists %d tools to nobody", len(got))
	}
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "w", Via: auth.ViaOAuth, Scopes: auth.Read | auth.Write})
	var names []string
	for _, tl := range required.Filter(ctx, tools()) {
		names = append(names, tl.Name)
	}
	if strings.Join(names, ",") != "list_customers,create_customer" {
		t.Errorf("read+write sees %v", names)
	}
}
