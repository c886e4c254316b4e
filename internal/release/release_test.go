package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/prompts"
	"github.com/atomtelecom/atomic-mcp/tools"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// testSource is a fixed release identity: no git needed.
var testSource = Source{Version: "1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Time: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}

var linuxAMD64 = Platform{"linux", "amd64"}

// loadSchema loads a vendored schema (testdata/SOURCES.md) under url.
func loadSchema(t *testing.T, file, url string) *jsv.Schema {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsv.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsv.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsv.Schema, raw []byte) error {
	t.Helper()
	v, err := jsv.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	return s.Validate(v)
}

func manifestSchema(t *testing.T) *jsv.Schema {
	return loadSchema(t, "mcpb-manifest-v0.3.schema.json", "mem:///mcpb-manifest-v0.3.schema.json")
}

func registrySchema(t *testing.T) *jsv.Schema {
	return loadSchema(t, "server.schema.json", RegistrySchema)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/release -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what is generated; review and run go test ./internal/release -run %s -update\ngot:\n%s", path, t.Name(), got)
	}
}

func TestParsePlatforms(t *testing.T) {
	tests := []struct {
		in      string
		want    []Platform
		wantErr string
	}{
		{"", Platforms, ""},
		{"linux/amd64", []Platform{linuxAMD64}, ""},
		{" linux/amd64 , windows/arm64,linux/amd64", []Platform{linuxAMD64, {"windows", "arm64"}}, ""},
		{"linux/386", nil, `DIST_PLATFORMS: "linux/386" is not a release platform; use a comma-separated list of darwin/arm64, darwin/amd64, linux/amd64, linux/arm64, windows/amd64, windows/arm64`},
	}
	for _, tt := range tests {
		got, err := ParsePlatforms(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParsePlatforms(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParsePlatforms(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestSemVer(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.0":                   "1.2.0",
		"1.2.0":                    "1.2.0",
		"v1.2.0-rc.1":              "1.2.0-rc.1",
		"v1.2.0-3-gabc1234":        "1.2.0-3-gabc1234",
		"v1.2.0-3-gabc1234-dirty":  "1.2.0-3-gabc1234-dirty",
		"abc1234":                  "0.0.0-abc1234",
		"abc1234-dirty":            "0.0.0-abc1234-dirty",
		"release-5-g1234567-dirty": "0.0.0-release-5-g1234567-dirty",
	} {
		if got := SemVer(in); got != want {
			t.Errorf("SemVer(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestManifest reviews the bundle manifest through its golden file and
// checks it against the MCPB 0.3 schema for every platform.
func TestManifest(t *testing.T) {
	schema := manifestSchema(t)
	for _, p := range Platforms {
		m, err := NewManifest(p, testSource.Version)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, schema, raw); err != nil {
			t.Errorf("%s: manifest does not satisfy the MCPB 0.3 schema: %v", p, err)
		}
		if want := []string{p.mcpbOS()}; !slices.Equal(m.Compatibility.Platforms, want) {
			t.Errorf("%s: compatibility.platforms %v, want %v", p, m.Compatibility.Platforms, want)
		}
		if m.Server.EntryPoint != "server/"+p.Binary() {
			t.Errorf("%s: entry_point %q", p, m.Server.EntryPoint)
		}
		if p == linuxAMD64 {
			golden(t, "manifest.linux_amd64.json", raw)
		}
	}
}

// TestManifestListsTheDefinitions keeps the manifest's tools and prompts in
// step with what the server offers.
func TestManifestListsTheDefinitions(t *testing.T) {
	m, err := NewManifest(linuxAMD64, testSource.Version)
	if err != nil {
		t.Fatal(err)
	}
	defs := tools.Definitions()
	if len(m.Tools) != len(defs) {
		t.Fatalf("manifest lists %d tools, the server defines %d", len(m.Tools), len(defs))
	}
	for i, d := range defs {
		if m.Tools[i].Name != d.Name || m.Tools[i].Description != d.Description {
			t.Errorf("manifest tool %d = %s, want %s with its description", i, m.Tools[i].Name, d.Name)
		}
	}
	var names []string
	for _, p := range m.Prompts {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, prompts.Names()) {
		t.Errorf("manifest prompts %v, server prompts %v", names, prompts.Names())
	}
}

// TestSettingsReachTheServer resolves the manifest's env as a host does and
// hands it to the server's own configuration: every user_config value must
// arrive, under a variable the server reads, with its default meaning the
// server's default.
func TestSettingsReachTheServer(t *testing.T) {
	m, err := NewManifest(linuxAMD64, testSource.Version)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if m.Server.MCPConfig.Env[s.env] != "${user_config."+s.key+"}" {
			t.Errorf("env %s = %q, want ${user_config.%s}", s.env, m.Server.MCPConfig.Env[s.env], s.key)
		}
		if m.UserConfig[s.key].Default == nil {
			t.Errorf("user_config.%s has no default: a host would pass ${user_config.%s} through unsubstituted", s.key, s.key)
		}
	}
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	tests := []struct {
		name  string
		user  map[string]any
		check func(t *testing.T, c config.Config)
	}{
		{"defaults with a token", map[string]any{"api_token": "tok-123"}, func(t *testing.T, c config.Config) {
			if c.APIToken.IsZero() || c.Sandbox || c.ReadOnly || c.ConfirmMode != "auto" || c.AuditLog != "" || c.APIURL != "https://atvoice-api.atomtelecom.com.au" {
				t.Errorf("config %+v", c)
			}
		}},
		{"every setting", map[string]any{"sandbox": true, "read_only": true, "confirm_mode": "token", "audit_log": audit, "api_url": "https://api.example.test"}, func(t *testing.T, c config.Config) {
			if !c.Sandbox || !c.ReadOnly || c.ConfirmMode != "token" || c.AuditLog != audit || c.APIURL != "https://api.example.test" {
				t.Errorf("config %+v", c)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ResolveMCPConfig(m, "/opt/bundle", tt.user, "linux")
			if cfg.Command != "/opt/bundle/server/atomic-mcp" {
				t.Errorf("command %q", cfg.Command)
			}
			c, err := config.Parse(cfg.Args, func(k string) string { return cfg.Env[k] }, io.Discard)
			if err != nil {
				t.Fatalf("the server refuses the resolved env %v: %v", cfg.Env, err)
			}
			tt.check(t, c)
		})
	}
	if got := ResolveMCPConfig(m, `C:\ext`, nil, "win32").Command; got != `C:\ext/server/atomic-mcp.exe` {
		t.Errorf("win32 command %q", got)
	}
}

// TestServerJSON checks the registry entry against the registry's
// published schema, and that the schema does catch a bad entry.
func TestServerJSON(t *testing.T) {
	schema := registrySchema(t)
	bundles := []Artifact{
		{Name: "atomic-mcp_1.2.3_darwin_arm64.mcpb", Platform: Platform{"darwin", "arm64"}, Kind: KindBundle, SHA256: strings.Repeat("ab", 32)},
		{Name: "atomic-mcp_1.2.3_windows_amd64.mcpb", Platform: Platform{"windows", "amd64"}, Kind: KindBundle, SHA256: strings.Repeat("cd", 32)},
	}
	sj := NewServerJSON(testSource.Version, DownloadURL(testSource.Version), bundles)
	raw, err := marshal(sj)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, schema, raw); err != nil {
		t.Fatalf("server.json does not satisfy the registry schema: %v\n%s", err, raw)
	}
	golden(t, "server.json", raw)
	for _, e := range sj.Packages[0].EnvironmentVariables {
		if secret := e.Name == "ATOMIC_API_TOKEN"; e.IsSecret != secret {
			t.Errorf("%s isSecret %v", e.Name, e.IsSecret)
		}
	}

	bad := sj
	bad.Packages = slices.Clone(sj.Packages)
	bad.Packages[0].FileSHA256 = "not-a-hash"
	bad.Description = strings.Repeat("x", 101)
	raw, _ = marshal(bad)
	if err := validate(t, schema, raw); err == nil {
		t.Error("the schema accepts a bad hash and a 101-character description: is it the real one?")
	}
}

// TestIcon keeps the committed icon.png what Icon draws, at the size Claude
// Desktop recommends.
func TestIcon(t *testing.T) {
	want, err := EncodeIcon()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(iconPNG, want) {
		t.Error("icon.png is not what release.Icon draws: run go run ./internal/release/cmd/icon")
	}
	img, err := png.Decode(bytes.NewReader(iconPNG))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != IconSize || b.Dy() != IconSize {
		t.Errorf("icon is %v", b)
	}
}

// TestBuild builds the linux/amd64 release twice and checks what a person
// downloads: the files, their hashes, the archive's and bundle's entries,
// and that the second build is the same bytes as the first.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the server")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	build := func(out string) *Result {
		res, err := Build(context.Background(), Options{Root: root, Out: out, Source: testSource, Platforms: []Platform{linuxAMD64}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	dir1, dir2 := filepath.Join(t.TempDir(), "dist"), filepath.Join(t.TempDir(), "dist")
	res := build(dir1)
	build(dir2)

	names := listDir(t, dir1)
	want := []string{"SHA256SUMS", "atomic-mcp_1.2.3_linux_amd64.mcpb", "atomic-mcp_1.2.3_linux_amd64.tar.gz", "server.json"}
	if !slices.Equal(names, want) {
		t.Fatalf("dist holds %v, want %v", names, want)
	}
	for _, n := range names {
		a, b := readFile(t, dir1, n), readFile(t, dir2, n)
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two builds of the same source: not reproducible", n)
		}
	}
	checkSums(t, dir1)

	// The archive: a directory holding the executable and the README, every
	// timestamp the commit's.
	entries := tarEntries(t, filepath.Join(dir1, "atomic-mcp_1.2.3_linux_amd64.tar.gz"))
	wantEntries := []string{
		"atomic-mcp_1.2.3_linux_amd64/README.md 644 2026-03-01T10:00:00Z",
		"atomic-mcp_1.2.3_linux_amd64/atomic-mcp 755 2026-03-01T10:00:00Z",
	}
	if !slices.Equal(entries, wantEntries) {
		t.Errorf("archive entries\n%v\nwant\n%v", entries, wantEntries)
	}

	// The bundle: manifest, icon and executable; the manifest valid.
	zr, err := zip.OpenReader(filepath.Join(dir1, "atomic-mcp_1.2.3_linux_amd64.mcpb"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var got []string
	for _, f := range zr.File {
		got = append(got, fmt.Sprintf("%s %o %s", f.Name, f.Mode().Perm(), f.Modified.UTC().Format(time.RFC3339)))
		if f.Name == "manifest.json" {
			if err := validate(t, manifestSchema(t), readZip(t, f)); err != nil {
				t.Errorf("bundled manifest.json: %v", err)
			}
		}
	}
	wantBundle := []string{"icon.png 644 2026-03-01T10:00:00Z", "manifest.json 644 2026-03-01T10:00:00Z", "server/atomic-mcp 755 2026-03-01T10:00:00Z"}
	if !slices.Equal(got, wantBundle) {
		t.Errorf("bundle entries\n%v\nwant\n%v", got, wantBundle)
	}

	// server.json names the bundle by its real hash and validates.
	sj := readFile(t, dir1, "server.json")
	if err := validate(t, registrySchema(t), sj); err != nil {
		t.Errorf("server.json: %v", err)
	}
	bundle, _ := res.Bundle(linuxAMD64)
	if !bytes.Contains(sj, []byte(`"fileSha256": "`+bundle.SHA256+`"`)) || !bytes.Contains(sj, []byte(`"identifier": "https://github.com/atomtelecom/atomic-mcp/releases/download/v1.2.3/atomic-mcp_1.2.3_linux_amd64.mcpb"`)) {
		t.Errorf("server.json does not list the bundle with its hash %s:\n%s", bundle.SHA256, sj)
	}

	// The binary says which build it is.
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		exe := filepath.Join(t.TempDir(), "atomic-mcp")
		for _, f := range zr.File {
			if f.Name == "server/atomic-mcp" {
				if err := os.WriteFile(exe, readZip(t, f), 0o755); err != nil {
					t.Fatal(err)
				}
			}
		}
		out, err := exec.Command(exe, "--version").Output()
		if want := "atomic-mcp 1.2.3 (commit 0123456789ab, built 2026-03-01T10:00:00Z)\n"; err != nil || string(out) != want {
			t.Errorf("--version = %q, %v; want %q", out, err, want)
		}
	}

	if _, err := Build(context.Background(), Options{Root: root, Out: dir1, Source: testSource, Platforms: []Platform{linuxAMD64}}); err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Errorf("a second build into the same directory: %v, want a refusal", err)
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkSums does what `sha256sum -c SHA256SUMS` does.
func checkSums(t *testing.T, dir string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(readFile(t, dir, "SHA256SUMS")), "\n"), "\n")
	var listed []string
	for _, line := range lines {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", line)
		}
		h := sha256.Sum256(readFile(t, dir, name))
		if hex.EncodeToString(h[:]) != sum {
			t.Errorf("SHA256SUMS: %s does not match", name)
		}
		listed = append(listed, name)
	}
	if want := slices.DeleteFunc(listDir(t, dir), func(n string) bool { return n == "SHA256SUMS" }); !slices.Equal(listed, want) {
		t.Errorf("SHA256SUMS lists %v, dist holds %v", listed, want)
	}
}

func tarEntries(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s records an owner: %d/%d %q/%q", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		out = append(out, fmt.Sprintf("%s %o %s", h.Name, h.Mode, h.ModTime.UTC().Format(time.RFC3339)))
	}
}

func readZip(t *testing.T, f *zip.File) []byte {
	t.Helper()
	r, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
