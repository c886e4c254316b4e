package config

import (
	"net/url"
	"strings"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/confirm"
)

// How deletes are confirmed (internal/confirm).

// parseConfirmSecret reads the key of confirmation tokens, from the
// environment only; without it each process makes its own.
func parseConfirmSecret(cfg *Config, v value) error {
	if v.value == "" {
		return nil
	}
	if len(v.value) < 32 {
		return errorf("ATOMIC_MCP_CONFIRM_SECRET is too short (%d characters): use at least 32 random characters, e.g. from `openssl rand -hex 32`", len(v.value))
	}
	cfg.ConfirmSecret = []byte(v.value)
	return nil
}

func parseConfirmMode(cfg *Config, v value) error {
	m, err := confirm.ParseMode(v.value)
	if err != nil {
		return errorf("%s is not a confirm mode: use auto, elicitation, token or browser, e.g. --confirm-mode auto", v)
	}
	cfg.ConfirmMode = m
	return nil
}

func parseElicitationTimeout(cfg *Config, v value) error {
	d, err := time.ParseDuration(v.value)
	if err != nil || d <= 0 || d > 10*time.Minute {
		return errorf("%s is not a timeout: give a duration up to 10m, e.g. --elicitation-timeout 45s", v)
	}
	cfg.ElicitationTimeout = d
	return nil
}

func parsePublicURL(cfg *Config, v value) error {
	if v.value == "" {
		return nil
	}
	u, err := url.Parse(v.value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return errorf("%s is not a URL: use the address people open, e.g. --public-url https://mcp.example.com", v)
	}
	if cfg.Transport == "stdio" {
		return errorf("%s applies to --transport sse or http only: on stdio the approval page is served on 127.0.0.1; drop it", v)
	}
	cfg.PublicURL = strings.TrimRight(v.value, "/")
	return nil
}
