package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseTeam(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(keys, []byte(`[{"name":"dora","sha256":"`+strings.Repeat("ab", 32)+`","scopes":["customers:read"]}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	http := []string{"--transport", "http"}
	env := func(kv ...string) map[string]string {
		m := map[string]string{"ATOMIC_API_TOKEN": "a"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{name: "oauth", args: append(http, "--oauth-issuer", "https://login.example.com/realms/team", "--public-url", "https://mcp.example.com/", "--addr", "0.0.0.0:8080"), env: env(), check: func(t *testing.T, c Config) {
			if c.OAuthIssuer != "https://login.example.com/realms/team" || c.PublicURL != "https://mcp.example.com" || c.OAuthScopes.Read != "customers:read" {
				t.Errorf("%+v", c.Team)
			}
		}},
		{name: "oauth from env, IdP scope names", args: http, env: env("ATOMIC_MCP_OAUTH_ISSUER", "https://login.example.com", "ATOMIC_MCP_PUBLIC_URL", "https://mcp.example.com",
			"ATOMIC_MCP_OAUTH_SCOPES", "read=api://atomic/Customers.Read,write=api://atomic/Customers.Write,delete=api://atomic/Customers.Delete"), check: func(t *testing.T, c Config) {
			if c.OAuthScopes.Delete != "api://atomic/Customers.Delete" {
				t.Errorf("%+v", c.OAuthScopes)
			}
		}},
		{name: "oauth needs public url", args: append(http, "--oauth-issuer", "https://login.example.com"), env: env(), wantErr: `--oauth-issuer "https://login.example.com" needs --public-url`},
		{name: "oauth issuer over plain http", args: append(http, "--oauth-issuer", "http://login.example.com", "--public-url", "https://m.example.com"), env: env(), wantErr: "is not an issuer URL"},
		{name: "oauth on stdio", args: []string{"--oauth-issuer", "https://login.example.com"}, env: env(), wantErr: "applies to --transport sse or http only"},
		{name: "bad scope map", args: http, env: env("ATOMIC_MCP_OAUTH_SCOPES", "admin=x"), wantErr: `ATOMIC_MCP_OAUTH_SCOPES="admin=x": unknown permission "admin"`},
		{name: "keys authenticate a public listener", args: append(http, "--auth-keys", keys, "--addr", "0.0.0.0:8080"), env: env(), check: func(t *testing.T, c Config) {
			if c.AuthKeys == nil || c.AuthKeys.Len() != 1 {
				t.Errorf("keys %+v", c.AuthKeys)
			}
		}},
		{name: "keys file missing", args: append(http, "--auth-keys", "/nonexistent/keys.json"), env: env(), wantErr: `--auth-keys "/nonexistent/keys.json": /nonexistent/keys.json: no such file`},
		{name: "rate per user", args: append(http, "--rate-limit-per-user", "2.5"), env: env(), check: func(t *testing.T, c Config) {
			if c.RateLimitPerUser != 2.5 {
				t.Errorf("rate %v", c.RateLimitPerUser)
			}
		}},
		{name: "bad rate per user", args: http, env: env("ATOMIC_MCP_RATE_LIMIT_PER_USER", "lots"), wantErr: `ATOMIC_MCP_RATE_LIMIT_PER_USER="lots" is not a rate`},
		{name: "still refused without any authentication", args: append(http, "--addr", "0.0.0.0:8080"), env: env(), wantErr: "--auth-keys or --oauth-issuer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.args, func(k string) string { return tc.env[k] }, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}
