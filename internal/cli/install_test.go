package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// installHome is a home directory with nothing in it, and the environment
// of a user whose PATH has no client CLI on it.
func installHome(t *testing.T) (home string, env map[string]string) {
	t.Helper()
	home = t.TempDir()
	return home, map[string]string{"HOME": home, "PATH": t.TempDir()}
}

// linuxConfig is where each client keeps its user configuration on Linux,
// under home.
func linuxConfig(home, client string) string {
	return map[string]string{
		"claude-desktop": filepath.Join(home, ".config", "Claude", "claude_desktop_config.json"),
		"claude-code":    filepath.Join(home, ".claude.json"),
		"vscode":         filepath.Join(home, ".config", "Code", "User", "mcp.json"),
		"cursor":         filepath.Join(home, ".cursor", "mcp.json"),
	}[client]
}

var backupTime = regexp.MustCompile(`\.backup-\d{8}-\d{6}(-\d+)?`)

// normalize makes install's output comparable across runs.
func normalize(out, home string) string {
	return backupTime.ReplaceAllString(strings.ReplaceAll(out, home, "$HOME"), ".backup-TIME")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func backups(t *testing.T, path string) []string {
	t.Helper()
	found, err := filepath.Glob(path + ".backup-*")
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestInstall(t *testing.T) {
	for _, client := range clientNames() {
		t.Run(client, func(t *testing.T) {
			t.Run("new file with a token", func(t *testing.T) {
				home, env := installHome(t)
				env["ATOMIC_API_TOKEN"] = realToken
				out, _, err := run(t, env, "", "install", client)
				if err != nil {
					t.Fatal(err)
				}
				path := linuxConfig(home, client)
				golden(t, "install/"+client+".new.json", readFile(t, path))
				golden(t, "install/"+client+".new.stdout", normalize(out, home))
				if strings.Contains(out, realToken) {
					t.Errorf("the token was printed:\n%s", out)
				}
				if m := mode(t, path); m != 0o600 {
					t.Errorf("mode %v with the token in it, want 0600", m)
				}
				if b := backups(t, path); len(b) != 0 {
					t.Errorf("backups of a file that was not there: %v", b)
				}
			})

			t.Run("merged with other servers", func(t *testing.T) {
				home, env := installHome(t)
				path := linuxConfig(home, client)
				existing := readFile(t, filepath.Join("testdata", "install", client+".existing.json"))
				if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(existing), 0o644); err != nil {
					t.Fatal(err)
				}
				out, _, err := run(t, env, "", "install", client, "--sandbox")
				if err != nil {
					t.Fatal(err)
				}
				golden(t, "install/"+client+".merged.json", readFile(t, path))
				golden(t, "install/"+client+".merged.stdout", normalize(out, home))
				if m := mode(t, path); m != 0o644 {
					t.Errorf("mode %v, want the file's own 0644 (no token in it)", m)
				}
				b := backups(t, path)
				if len(b) != 1 || readFile(t, b[0]) != existing || mode(t, b[0]) != 0o600 {
					t.Fatalf("want one backup (mode 0600) holding the file as it was; got %v", b)
				}

				// A second run: no change, no backup, and it says so.
				before := readFile(t, path)
				out, _, err = run(t, env, "", "install", client, "--sandbox")
				if err != nil || !strings.Contains(out, "nothing changed") || readFile(t, path) != before || len(backups(t, path)) != 1 {
					t.Fatalf("second run: err %v, %d backups:\n%s", err, len(backups(t, path)), out)
				}

				// Uninstall removes our entry and nothing else: the other
				// servers are back byte for byte.
				out, _, err = run(t, env, "", "uninstall", client)
				if err != nil {
					t.Fatal(err)
				}
				if got := readFile(t, path); got != existing {
					t.Errorf("after uninstall the file is not the original:\n%s\nwant:\n%s\n%s", got, existing, out)
				}
				out, _, err = run(t, env, "", "uninstall", client)
				if err != nil || !strings.Contains(out, "No atomic entry") {
					t.Errorf("second uninstall: %v\n%s", err, out)
				}
			})

			t.Run("a different entry is refused without --force", func(t *testing.T) {
				home, env := installHome(t)
				path := linuxConfig(home, client)
				if _, _, err := run(t, env, "", "install", client, "--sandbox"); err != nil {
					t.Fatal(err)
				}
				before := readFile(t, path)
				out, _, err := run(t, env, "", "install", client, "--sandbox", "--read-only")
				if err == nil || isUsage(err) || !strings.Contains(err.Error(), "--force") {
					t.Fatalf("conflicting entry: err %v (want a refusal naming --force, exit 1)", err)
				}
				if !strings.Contains(out, `+        "--read-only"`) && !strings.Contains(out, `+      "--read-only"`) && !strings.Contains(out, `+          "--read-only"`) {
					t.Errorf("the refusal does not show what would change:\n%s", out)
				}
				if readFile(t, path) != before || len(backups(t, path)) != 0 {
					t.Fatal("a refused install touched the file")
				}
				if _, _, err := run(t, env, "", "install", client, "--sandbox", "--read-only", "--force"); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(readFile(t, path), "--read-only") {
					t.Error("--force did not replace the entry")
				}
				if b := backups(t, path); len(b) != 1 || readFile(t, b[0]) != before {
					t.Errorf("--force made no backup of the replaced entry: %v", b)
				}
			})

			t.Run("dry run writes nothing", func(t *testing.T) {
				home, env := installHome(t)
				path := linuxConfig(home, client)
				out, _, err := run(t, env, "", "install", client, "--sandbox", "--dry-run")
				if err != nil || !strings.Contains(out, "Dry run: nothing was written") || !strings.Contains(out, `"atomic"`) {
					t.Fatalf("dry run: %v\n%s", err, out)
				}
				if _, err := os.Stat(path); !os.IsNotExist(err) {
					t.Errorf("dry run created %s", path)
				}
				entries, _ := os.ReadDir(home)
				if len(entries) != 0 {
					t.Errorf("dry run left %v in the home directory", entries)
				}
			})

			t.Run("without a token", func(t *testing.T) {
				home, env := installHome(t)
				out, _, err := run(t, env, "", "install", client)
				if err != nil {
					t.Fatal(err)
				}
				doc := readFile(t, linuxConfig(home, client))
				if client == "vscode" {
					if !strings.Contains(doc, "${input:atomic-api-token}") || !strings.Contains(out, "asks for the Atomic API token") {
						t.Errorf("VS Code should ask for the token:\n%s\n%s", doc, out)
					}
					return
				}
				if !strings.Contains(doc, TokenPlaceholder) || !strings.Contains(out, "To finish:") || !strings.Contains(out, "ATOMIC_API_TOKEN") {
					t.Errorf("placeholder entry without instructions:\n%s\n%s", doc, out)
				}
			})
		})
	}
}

func TestInstallConfigFile(t *testing.T) {
	home, env := installHome(t)
	path := filepath.Join(t.TempDir(), "elsewhere.json")
	if _, _, err := run(t, env, "", "install", "cursor", "--config-file", path, "--sandbox"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readFile(t, path), `"atomic"`) {
		t.Error("--config-file was not written")
	}
	if _, err := os.Stat(linuxConfig(home, "cursor")); !os.IsNotExist(err) {
		t.Error("the default file was written despite --config-file")
	}
	if _, _, err := run(t, env, "", "uninstall", "cursor", "--config-file="+path); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(readFile(t, path), `"atomic"`) {
		t.Error("uninstall --config-file left the entry")
	}
}

func TestInstallRefuses(t *testing.T) {
	for _, c := range []struct {
		name  string
		env   map[string]string
		args  []string
		usage bool
		want  string
	}{
		{"no client", nil, []string{"install"}, true, "atomic-mcp install CLIENT"},
		{"unknown client", nil, []string{"install", "claude-dekstop"}, true, "did you mean claude-desktop?"},
		{"token as a flag", nil, []string{"install", "cursor", "--api-token", "x"}, true, "--api-token is not accepted"},
		{"placeholder token", map[string]string{"ATOMIC_API_TOKEN": TokenPlaceholder}, []string{"install", "cursor"}, true, "is still the placeholder"},
		{"encrypted token", map[string]string{"ATOMIC_API_TOKEN": "__encrypted__:AAAA"}, []string{"install", "cursor"}, true, "holds an encrypted value"},
		{"network transport", nil, []string{"install", "cursor", "--transport", "http"}, true, "stdio"},
		{"not JSON", nil, []string{"install", "cursor", "--sandbox", "--config-file", "$BROKEN"}, false, "is not valid JSON"},
		{"not an object", nil, []string{"install", "cursor", "--sandbox", "--config-file", "$ARRAY"}, false, "is not a JSON object"},
		{"uninstall takes no server flags", nil, []string{"uninstall", "cursor", "--sandbox"}, true, "takes only"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, env := installHome(t)
			for k, v := range c.env {
				env[k] = v
			}
			files := map[string]string{"BROKEN": writeFile(t, `{"mcpServers": {`), "ARRAY": writeFile(t, `[]`)}
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = os.Expand(a, func(k string) string { return files[k] })
			}
			_, _, err := run(t, env, "", args...)
			if err == nil || isUsage(err) != c.usage || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v (usage %v), want %q (usage %v)", err, isUsage(err), c.want, c.usage)
			}
			for _, f := range files {
				if got := readFile(t, f); got != `{"mcpServers": {` && got != `[]` {
					t.Errorf("%s was changed: %s", f, got)
				}
			}
		})
	}
}

// TestInstallClaudeCodeCLI: where claude is on PATH, the entry goes in
// through claude mcp add-json, and the token into a file of its own rather
// than onto claude's command line.
func TestInstallClaudeCodeCLI(t *testing.T) {
	home, env := installHome(t)
	bin := t.TempDir()
	record := filepath.Join(t.TempDir(), "args")
	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> " + record + "\necho --- >> " + record + "\n"
	if err := os.WriteFile(filepath.Join(bin, "claude"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	env["PATH"] = bin
	env["ATOMIC_API_TOKEN"] = realToken
	out, _, err := run(t, env, "", "install", "claude-code")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	tokenFile := filepath.Join(home, ".config", "atomic-mcp", "api-token")
	args := readFile(t, record)
	want := "mcp\nadd-json\n--scope\nuser\natomic\n" +
		`{"type":"stdio","command":"` + exe + `","args":["--api-token-file","` + tokenFile + `"]}` + "\n---\n"
	if args != want {
		t.Errorf("claude ran with\n%s\nwant\n%s", args, want)
	}
	if strings.Contains(args, realToken) || strings.Contains(out, realToken) {
		t.Error("the token reached claude's command line or the output")
	}
	if readFile(t, tokenFile) != realToken+"\n" || mode(t, tokenFile) != 0o600 {
		t.Errorf("token file: mode %v", mode(t, tokenFile))
	}
	golden(t, "install/claude-code.cli.stdout", normalize(out, home))

	// An entry already there (as claude wrote it): nothing to do, claude
	// is not run again.
	entry := `{"mcpServers": {"atomic": {"type": "stdio", "command": "` + exe + `", "args": ["--api-token-file", "` + tokenFile + `"], "env": {}}}}`
	if err := os.WriteFile(filepath.Join(home, ".claude.json"), []byte(entry), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, env, "", "install", "claude-code")
	if err != nil || !strings.Contains(out, "nothing changed") || readFile(t, record) != want {
		t.Errorf("second run: %v\n%s\nclaude ran with:\n%s", err, out, readFile(t, record))
	}

	out, _, err = run(t, env, "", "uninstall", "claude-code")
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, record); got != want+"mcp\nremove\n--scope\nuser\natomic\n---\n" {
		t.Errorf("uninstall ran claude with\n%s", got)
	}
	if b := backups(t, filepath.Join(home, ".claude.json")); len(b) != 1 {
		t.Errorf("no backup of ~/.claude.json before claude changed it: %v\n%s", b, out)
	}
}

// TestInstallWarnsAboutGoRun: an entry pointing at go run's temporary build
// would name a file gone by the time the client starts it.
func TestInstallWarnsAboutGoRun(t *testing.T) {
	home, env := installHome(t)
	var out, errOut strings.Builder
	err := Run(t.Context(), []string{"install", "cursor", "--sandbox"}, Env{
		Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Executable: filepath.Join(os.TempDir(), "go-build1234", "b001", "exe", "atomic-mcp"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "temporary build by go run") || !strings.Contains(errOut.String(), "make build") {
		t.Errorf("no go run warning:\n%s", errOut.String())
	}
	if _, err := os.Stat(linuxConfig(home, "cursor")); err != nil {
		t.Errorf("the entry was not written: %v", err)
	}
}
