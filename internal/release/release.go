// Package release builds what `make dist` ships, for people without Go: per
// platform an archive of the binary and an MCP Bundle (.mcpb) for Claude
// Desktop, plus the MCP Registry's server.json and SHA256SUMS. Everything
// is reproducible: the same commit and toolchain give the same bytes.
package release

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Options say what to build and where.
type Options struct {
	// Root is the module's directory.
	Root string
	// Out is the directory the release is written to; it must be missing
	// or empty, so no stale file is ever shipped.
	Out       string
	Source    Source
	Platforms []Platform
	// BaseURL is where the files will be downloaded from, for server.json;
	// empty: DownloadURL(Source.Version).
	BaseURL string
	// Log receives one line per step; nil discards them.
	Log io.Writer
}

// Artifact is one file written to Out.
type Artifact struct {
	Name     string // file name in Out
	Platform Platform
	Kind     string // "archive" or "bundle"
	SHA256   string // hex
}

// Kinds of artifact.
const (
	KindArchive = "archive"
	KindBundle  = "bundle"
)

// Result is what Build wrote, in the order of SHA256SUMS.
type Result struct {
	Artifacts []Artifact
}

// Bundle returns the bundle for p.
func (r *Result) Bundle(p Platform) (Artifact, bool) {
	i := slices.IndexFunc(r.Artifacts, func(a Artifact) bool { return a.Kind == KindBundle && a.Platform == p })
	if i < 0 {
		return Artifact{}, false
	}
	return r.Artifacts[i], true
}

// Build cross-compiles the server for every platform and writes the
// release into opts.Out.
func Build(ctx context.Context, opts Options) (*Result, error) {
	if len(opts.Platforms) == 0 {
		return nil, errors.New("release: no platforms to build")
	}
	if opts.Source.Version == "" || opts.Source.Time.IsZero() {
		return nil, errors.New("release: the source has no version or time (see ReadSource)")
	}
	if entries, err := os.ReadDir(opts.Out); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("release: %s is not empty: remove it first (make dist does)", opts.Out)
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, err
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	baseURL := opts.BaseURL
	if baseURL == "" {
		baseURL = DownloadURL(opts.Source.Version)
	}
	work, err := os.MkdirTemp("", "atomic-mcp-dist-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	readme, err := os.ReadFile(filepath.Join(opts.Root, "README.md"))
	if err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	res := &Result{}
	for _, p := range opts.Platforms {
		start := time.Now()
		bin := filepath.Join(work, p.OS+"_"+p.Arch, p.Binary())
		if err := compile(ctx, opts.Root, opts.Source, p, bin); err != nil {
			return nil, err
		}
		exe, err := os.ReadFile(bin)
		if err != nil {
			return nil, err
		}
		base := fmt.Sprintf("atomic-mcp_%s_%s_%s", opts.Source.Version, p.OS, p.Arch)
		archive, err := writeArchive(opts.Out, base, p, exe, readme, opts.Source.Time)
		if err != nil {
			return nil, err
		}
		bundle, err := writeBundle(opts.Out, base, p, exe, opts.Source)
		if err != nil {
			return nil, err
		}
		res.Artifacts = append(res.Artifacts, archive, bundle)
		fmt.Fprintf(logw, "dist: %s: %s, %s (%s)\n", p, archive.Name, bundle.Name, time.Since(start).Round(time.Millisecond))
	}

	var bundles []Artifact
	for _, a := range res.Artifacts {
		if a.Kind == KindBundle {
			bundles = append(bundles, a)
		}
	}
	sj, err := marshal(NewServerJSON(opts.Source.Version, baseURL, bundles))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(opts.Out, "server.json"), sj, 0o644); err != nil {
		return nil, err
	}
	if err := writeSums(opts.Out, res.Artifacts, sj); err != nil {
		return nil, err
	}
	fmt.Fprintf(logw, "dist: wrote %d files, server.json and SHA256SUMS to %s\n", len(res.Artifacts), opts.Out)
	return res, nil
}

// LDFlags stamps the build identity that --version prints.
func LDFlags(src Source) string {
	const pkg = "github.com/atomtelecom/atomic-mcp/internal/buildinfo"
	return fmt.Sprintf("-s -w -X %s.version=%s -X %s.commit=%s -X %s.date=%s",
		pkg, src.Version, pkg, src.Commit, pkg, src.Time.UTC().Format(time.RFC3339))
}

// compile builds the server for p: no cgo (a static binary that runs on any
// machine of that platform), no local paths (-trimpath), and the build
// identity stamped by the linker rather than read from the checkout
// (-buildvcs=false), so a clone, a worktree and a source archive of one
// commit build the same bytes.
func compile(ctx context.Context, root string, src Source, p Platform, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", LDFlags(src), "-o", out, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Arch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("release: go build for %s: %w\n%s", p, err, stderr.String())
	}
	return nil
}

// writeArchive packs the binary and the README: a .tar.gz, or a .zip on
// Windows, where people open zips with a double-click.
func writeArchive(out, base string, p Platform, exe, readme []byte, mtime time.Time) (Artifact, error) {
	files := []file{
		{name: base + "/" + p.Binary(), mode: 0o755, data: exe},
		{name: base + "/README.md", mode: 0o644, data: readme},
	}
	name := base + ".tar.gz"
	write := writeTarGz
	if p.OS == "windows" {
		name, write = base+".zip", writeZip
	}
	if err := write(filepath.Join(out, name), files, mtime); err != nil {
		return Artifact{}, fmt.Errorf("release: %w", err)
	}
	return artifact(out, name, p, KindArchive)
}

// writeBundle packs the MCP Bundle: a zip of manifest.json, icon.png and
// server/<binary>.
func writeBundle(out, base string, p Platform, exe []byte, src Source) (Artifact, error) {
	m, err := NewManifest(p, src.Version)
	if err != nil {
		return Artifact{}, err
	}
	manifest, err := marshal(m)
	if err != nil {
		return Artifact{}, err
	}
	files := []file{
		{name: "manifest.json", mode: 0o644, data: manifest},
		{name: "icon.png", mode: 0o644, data: iconPNG},
		{name: "server/" + p.Binary(), mode: 0o755, data: exe},
	}
	name := base + ".mcpb"
	if err := writeZip(filepath.Join(out, name), files, src.Time); err != nil {
		return Artifact{}, fmt.Errorf("release: %w", err)
	}
	return artifact(out, name, p, KindBundle)
}

func artifact(out, name string, p Platform, kind string) (Artifact, error) {
	data, err := os.ReadFile(filepath.Join(out, name))
	if err != nil {
		return Artifact{}, err
	}
	sum := sha256.Sum256(data)
	return Artifact{Name: name, Platform: p, Kind: kind, SHA256: hex.EncodeToString(sum[:])}, nil
}

// writeSums writes SHA256SUMS in the format `sha256sum -c` reads, sorted by
// file name.
func writeSums(out string, artifacts []Artifact, serverJSON []byte) error {
	sum := sha256.Sum256(serverJSON)
	lines := []string{hex.EncodeToString(sum[:]) + "  server.json"}
	for _, a := range artifacts {
		lines = append(lines, a.SHA256+"  "+a.Name)
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	return os.WriteFile(filepath.Join(out, "SHA256SUMS"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// marshal is indented JSON ending in a newline.
func marshal(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
