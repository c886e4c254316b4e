package config

import (
	"net"
	"net/url"
	"strings"
)

// The settings of the HTTP transports (sse, http); on stdio they are not
// read at all.

func parseAddr(cfg *Config, v value) error {
	if cfg.Transport == "stdio" {
		return nil
	}
	cfg.Addr = v.value
	if _, port, err := net.SplitHostPort(cfg.Addr); err != nil || port == "" {
		return errorf("listen address %q is not HOST:PORT: use e.g. --addr 127.0.0.1:8080", cfg.Addr)
	}
	return nil
}

// requireAuthentication refuses a listener off this machine that nobody
// authenticates on, once every way to authenticate has been read.
func requireAuthentication(cfg *Config) error {
	if cfg.Transport == "stdio" || cfg.Authenticated() {
		return nil
	}
	if host, _, _ := net.SplitHostPort(cfg.Addr); !isLoopback(host) {
		return errorf("refusing to listen on %s without authentication: set ATOMIC_MCP_AUTH_TOKEN (or --auth-token-file), --auth-keys or --oauth-issuer, or listen on 127.0.0.1", cfg.Addr)
	}
	return nil
}

func parseAuthToken(cfg *Config, v value) error {
	if cfg.Transport == "stdio" {
		return nil
	}
	token, _, err := v.secret()
	if err != nil {
		return err
	}
	if token != "" && len(token) < 16 {
		return errorf("ATOMIC_MCP_AUTH_TOKEN is too short (%d characters): use at least 16 random characters, e.g. from `openssl rand -hex 32`", len(token))
	}
	cfg.AuthToken = token
	return nil
}

// parseAllowedOrigins leaves AllowedOrigins nil, the loopback default, when
// the setting is unset.
func parseAllowedOrigins(cfg *Config, v value) error {
	if cfg.Transport == "stdio" || v.value == "" {
		return nil
	}
	cfg.AllowedOrigins = []string{}
	for _, o := range splitList(v.value) {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return errorf("allowed origin %q is not an origin: use scheme://host[:port], e.g. https://chat.example.com", o)
		}
		cfg.AllowedOrigins = append(cfg.AllowedOrigins, strings.TrimRight(o, "/"))
	}
	return nil
}

// isLoopback reports whether a listen host stays on this machine. An empty
// host means every interface.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
