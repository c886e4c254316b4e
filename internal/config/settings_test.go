package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestSettingsDocumented holds every declared setting to what a person can
// read: --help lists its flag and variable, and the README's configuration
// table has a row for it. A new setting without either fails here.
func TestSettingsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(readme), "## Configuration")
	end := strings.Index(string(readme), "## Tools")
	if start < 0 || end < start {
		t.Fatal("README has no Configuration section before Tools")
	}
	table := string(readme)[start:end]
	var help strings.Builder
	if _, err := Parse([]string{"--help"}, env(nil), &help); !errors.Is(err, ErrHelp) {
		t.Fatalf("want ErrHelp, got %v", err)
	}
	flags, vars := map[string]bool{}, map[string]bool{}
	for _, s := range settings {
		if s.flag != "" {
			if flags[s.flag] {
				t.Errorf("--%s is declared twice", s.flag)
			}
			flags[s.flag] = true
			if !strings.Contains(help.String(), "  -"+s.flag+"\n") && !strings.Contains(help.String(), "  -"+s.flag+" string\n") {
				t.Errorf("--help does not list --%s", s.flag)
			}
			if !strings.Contains(table, "| `--"+s.flag) {
				t.Errorf("README's configuration table has no row for --%s", s.flag)
			}
		}
		if s.env != "" {
			if vars[s.env] {
				t.Errorf("%s is declared twice", s.env)
			}
			vars[s.env] = true
			if s.flag != "" && !strings.Contains(help.String(), s.env) {
				t.Errorf("--help does not name %s for --%s", s.env, s.flag)
			}
			if !strings.Contains(table, "`"+s.env) {
				t.Errorf("README's configuration table does not name %s", s.env)
			}
		}
	}
}
