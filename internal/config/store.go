package config

import "net/url"

// parseStore takes the shared state store's URL; internal/store judges the
// rest when it opens it. A password belongs in the environment only.
func parseStore(cfg *Config, v value) error {
	if u, err := url.Parse(v.value); v.fromFlag() && err == nil && u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword {
			return errorf("--store with a password is not accepted: the command line is visible to every local user; set ATOMIC_MCP_STORE instead")
		}
	}
	cfg.Store = v.value
	return nil
}

// parseAuditLog takes the audit file's path. Whether the file can be
// written is checked when it is opened, at start-up: see internal/audit.
func parseAuditLog(cfg *Config, v value) error {
	cfg.AuditLog = v.value
	return nil
}
