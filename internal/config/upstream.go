package config

import (
	"net/url"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

// The settings of what the tools talk to: the Atomic API or the sandbox.
// The token is in token.go; the rate limit, caches and timeout in economy.go.

func parseSandbox(cfg *Config, v value) (err error) {
	cfg.Sandbox, err = v.on()
	return err
}

func parseAPIURL(cfg *Config, v value) error {
	if u, err := url.Parse(v.value); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errorf("%s is not a URL: use the API's base URL, e.g. %s", v, atomicapi.DefaultBaseURL)
	}
	cfg.APIURL = v.value
	return nil
}
