package config

import "net"

// parseMetrics reads --metrics-addr. Metrics say which tools are used and
// how often deletes are declined: off this machine they are served only
// behind the bearer token the MCP endpoints use.
func parseMetrics(cfg *Config, addr value) error {
	if addr.value == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr.value)
	if err != nil || port == "" {
		return errorf("%s is not HOST:PORT: use e.g. --metrics-addr 127.0.0.1:9464", addr)
	}
	if !isLoopback(host) && cfg.AuthToken == "" {
		if cfg.Transport == "stdio" {
			return errorf("%s is not on this machine, and on stdio there is no bearer token to protect it: use --metrics-addr 127.0.0.1:%s, or serve --transport http with ATOMIC_MCP_AUTH_TOKEN", addr, port)
		}
		return errorf("refusing to serve metrics on %s without authentication: set ATOMIC_MCP_AUTH_TOKEN (or --auth-token-file), which /metrics then requires as a bearer token, or use --metrics-addr 127.0.0.1:%s", addr.value, port)
	}
	cfg.MetricsAddr = addr.value
	return nil
}
