package config

import (
	"math"
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

// teamOnly refuses a team setting on stdio, where the client that starts
// the server is its only user.
func teamOnly(cfg *Config, v value) error {
	if cfg.Transport == "stdio" {
		return errorf("%s applies to --transport sse or http only: on stdio the client that starts the server is the only user; drop it", v)
	}
	return nil
}

func parseRateLimitPerUser(cfg *Config, v value) error {
	r, err := strconv.ParseFloat(v.value, 64)
	if err != nil || r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return errorf("%s is not a rate: give each person's tool calls per second, e.g. --rate-limit-per-user 2, or 0 for no limit", v)
	}
	cfg.RateLimitPerUser = r
	return nil
}

func parseOAuthScopes(cfg *Config, v value) error {
	names, err := auth.ParseNames(v.value)
	if err != nil {
		return errorf("%s: %v", v, err)
	}
	cfg.OAuthScopes = names
	return nil
}

// parseOAuthIssuer comes after --public-url, the audience of its tokens.
func parseOAuthIssuer(cfg *Config, v value) error {
	if v.value == "" {
		return nil
	}
	if err := teamOnly(cfg, v); err != nil {
		return err
	}
	u, err := url.Parse(v.value)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return errorf("%s is not an issuer URL: give the authorization server's issuer, https://…, exactly as its /.well-known/openid-configuration says, e.g. --oauth-issuer https://login.example.com/realms/team", v)
	}
	if cfg.PublicURL == "" {
		return errorf("%s needs --public-url (or ATOMIC_MCP_PUBLIC_URL): the URL clients use to reach this server is the audience its tokens must carry, e.g. --public-url https://mcp.example.com", v)
	}
	cfg.OAuthIssuer = v.value
	return nil
}

// parseAuthKeys reads the last way to authenticate, and then refuses a
// listener off this machine that has none.
func parseAuthKeys(cfg *Config, v value) error {
	if v.value != "" {
		if err := teamOnly(cfg, v); err != nil {
			return err
		}
		k, err := auth.LoadKeys(v.value)
		if err != nil {
			return errorf("%s: %v", v, err)
		}
		cfg.AuthKeys, cfg.AuthKeysFile = k, v.value
	}
	return requireAuthentication(cfg)
}
