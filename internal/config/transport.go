package config

import (
	"slices"
	"strings"
)

func parseTransport(cfg *Config, v value) error {
	cfg.Transport = strings.ToLower(v.value)
	if !slices.Contains(Transports, cfg.Transport) {
		return errorf("%s is not a supported transport: use --transport (or ATOMIC_MCP_TRANSPORT) %s", v, strings.Join(Transports, " or "))
	}
	return nil
}

func parseStateless(cfg *Config, v value) (err error) {
	if cfg.Stateless, err = v.on(); err != nil {
		return err
	}
	if cfg.Stateless && cfg.Transport != "http" {
		return errorf("--stateless applies to streamable HTTP only: add --transport http, or drop --stateless")
	}
	return nil
}
