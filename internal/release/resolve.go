package release

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
)

// Resolved is an mcp_config after a host's substitutions: what it runs.
type Resolved struct {
	Command string
	Args    []string
	Env     map[string]string
}

// ResolveMCPConfig does what an MCPB host does to start the server (the
// reference is getMcpConfigForManifest in modelcontextprotocol/mcpb,
// src/shared/config.ts): apply the platform's override, merge the
// user_config defaults with the person's values (booleans as "true" and
// "false"), and replace ${__dirname}, ${/}, ${pathSeparator} and
// ${user_config.KEY}. A variable with no value stays as written, as hosts
// leave it. platform is the host's process.platform: darwin, win32, linux.
func ResolveMCPConfig(m Manifest, dir string, user map[string]any, platform string) Resolved {
	cfg := m.Server.MCPConfig
	out := Resolved{Command: cfg.Command, Args: slices.Clone(cfg.Args), Env: maps.Clone(cfg.Env)}
	if o, ok := cfg.PlatformOverrides[platform]; ok && o.Command != "" {
		out.Command = o.Command
	}
	sep := "/"
	if platform == "win32" {
		sep = `\`
	}
	vars := map[string]string{"__dirname": dir, "pathSeparator": sep, "/": sep}
	merged := map[string]any{}
	for k, uc := range m.UserConfig {
		if uc.Default != nil {
			merged[k] = uc.Default
		}
	}
	maps.Copy(merged, user)
	for k, v := range merged {
		vars["user_config."+k] = fmt.Sprint(v) // fmt prints bools as true/false
	}
	sub := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(ref string) string {
			if v, ok := vars[ref[2:len(ref)-1]]; ok {
				return v
			}
			return ref
		})
	}
	out.Command = sub(out.Command)
	for i, a := range out.Args {
		out.Args[i] = sub(a)
	}
	for k, v := range out.Env {
		out.Env[k] = sub(v)
	}
	return out
}

var placeholder = regexp.MustCompile(`\$\{[^}]+\}`)

// Environ renders Env as KEY=VALUE lines for exec.Cmd, sorted.
func (r Resolved) Environ() []string {
	var env []string
	for _, k := range slices.Sorted(maps.Keys(r.Env)) {
		env = append(env, k+"="+r.Env[k])
	}
	return env
}
