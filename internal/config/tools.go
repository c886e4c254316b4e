package config

import "strings"

// The settings that choose which tools a server registers; only the tools
// package knows the names, and checks them at start-up.

func parseReadOnly(cfg *Config, v value) (err error) {
	cfg.ReadOnly, err = v.on()
	return err
}

func parseTools(cfg *Config, v value) error {
	cfg.Tools = splitList(v.value)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
