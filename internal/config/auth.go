package config

import (
	"math"
	"net"
	"net/url"
	"strconv"

	"github.com/atomtelecom/atomic-mcp/internal/auth"
)

// Team deployments (internal/auth): who may call the network transports.
type Team struct {
	// OAuthIssuer, when set, makes this server an OAuth resource server
	// for that authorization server; PublicURL is then its audience.
	OAuthIssuer string
	// OAuthScopes are the authorization server's names for the read, write
	// and delete permissions.
	OAuthScopes auth.Names
	// AuthKeys are the per-person keys of --auth-keys, nil without.
	AuthKeys     *auth.Keys
	AuthKeysFile string
	// RateLimitPerUser is each person's tool calls per second; 0: no limit.
	RateLimitPerUser float64
}

// Authenticated reports whether the network transports check who calls.
func (c Config) Authenticated() bool {
	return c.AuthToken != "" || c.OAuthIssuer != "" || c.AuthKeys != nil
}

// parseTeam reads the team settings, once --public-url and the shared token
// are known, and refuses a non-loopback listener nobody authenticates on.
func parseTeam(cfg *Config, issuer, scopes, keys, perUser setting) error {
	if perUser.value != "" {
		r, err := strconv.ParseFloat(perUser.value, 64)
		if err != nil || r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			return errorf("%s is not a rate: give each person's tool calls per second, e.g. --rate-limit-per-user 2, or 0 for no limit", perUser)
		}
		cfg.RateLimitPerUser = r
	}
	names, err := auth.ParseNames(scopes.value)
	if err != nil {
		return errorf("%s: %v", scopes, err)
	}
	cfg.OAuthScopes = names
	for _, s := range []setting{issuer, keys} {
		if s.value != "" && cfg.Transport == "stdio" {
			return errorf("%s applies to --transport sse or http only: on stdio the client that starts the server is the only user; drop it", s)
		}
	}
	if issuer.value != "" {
		u, perr := url.Parse(issuer.value)
		if perr != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
			return errorf("%s is not an issuer URL: give the authorization server's issuer, https://…, exactly as its /.well-known/openid-configuration says, e.g. --oauth-issuer https://login.example.com/realms/team", issuer)
		}
		if cfg.PublicURL == "" {
			return errorf("%s needs --public-url (or ATOMIC_MCP_PUBLIC_URL): the URL clients use to reach this server is the audience its tokens must carry, e.g. --public-url https://mcp.example.com", issuer)
		}
		cfg.OAuthIssuer = issuer.value
	}
	if keys.value != "" {
		k, err := auth.LoadKeys(keys.value)
		if err != nil {
			return errorf("%s: %v", keys, err)
		}
		cfg.AuthKeys, cfg.AuthKeysFile = k, keys.value
	}
	if cfg.Transport != "stdio" && !cfg.Authenticated() {
		if host, _, _ := net.SplitHostPort(cfg.Addr); !isLoopback(host) {
			return errorf("refusing to listen on %s without authentication: set ATOMIC_MCP_AUTH_TOKEN (or --auth-token-file), --auth-keys or --oauth-issuer, or listen on 127.0.0.1", cfg.Addr)
		}
	}
	return nil
}
