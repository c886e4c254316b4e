package e2e

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/release"
)

// TestBundle installs the linux/amd64 MCP Bundle as a host does — unpack it,
// resolve its mcp_config with the person's settings ({sandbox: true}) by the
// MCPB rules — starts what that resolves to, and takes a customer through
// list, create and a confirmed delete with the official Go SDK client.
func TestBundle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a release")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("the bundle under test is linux/amd64; this is %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	t.Parallel()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	linux := release.Platform{OS: "linux", Arch: "amd64"}
	src := release.Source{Version: "0.0.0-e2e", Commit: "e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dist := filepath.Join(t.TempDir(), "dist")
	res, err := release.Build(ctx, release.Options{Root: root, Out: dist, Source: src, Platforms: []release.Platform{linux}})
	if err != nil {
		t.Fatal(err)
	}
	bundle, ok := res.Bundle(linux)
	if !ok {
		t.Fatalf("no linux/amd64 bundle in %+v", res.Artifacts)
	}

	// Install: unpack where the host keeps extensions, modes kept.
	dir := filepath.Join(t.TempDir(), "Claude Extensions", "atomic-mcp")
	unzip(t, filepath.Join(dist, bundle.Name), dir)
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m release.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	run := release.ResolveMCPConfig(m, dir, map[string]any{"sandbox": true}, "linux")
	for k, v := range run.Env {
		if strings.Contains(v, "${") {
			t.Errorf("env %s=%q left unsubstituted", k, v)
		}
	}
	if want := filepath.Join(dir, "server", "atomic-mcp"); run.Command != want {
		t.Errorf("command %q, want %q", run.Command, want)
	}

	ts := startServer(t, serverOpts{combo: combo{goSDK, v20251125}, command: run.Command, args: run.Args, env: run.Environ()})

	list := ts.callOK(t, "list_customers", nil)
	before := len(customerIDs(t, list.Structured))
	if before == 0 {
		t.Fatal("the sandbox lists no customers")
	}
	created := ts.callOK(t, "create_customer", map[string]any{
		"customer_name": "Bundle Bakery Pty Ltd", "nickname": "Bundle Bakery",
		"addr_1": "1 Circular Quay", "city": "Sydney", "postcode": "2000", "country": "Australia",
	})
	customer, _ := created.Structured["customer"].(map[string]any)
	id := num(t, customer, "customer_id")
	if after := customerIDs(t, ts.callOK(t, "list_customers", nil).Structured); len(after) != before+1 {
		t.Errorf("after the create, %d customers listed, want %d", len(after), before+1)
	}

	first := ts.callOK(t, "delete_customer", map[string]any{"customer_id": id})
	token, _ := first.Structured["confirmation_token"].(string)
	if first.Structured["status"] != "confirmation_required" || token == "" {
		t.Fatalf("first delete: %v, want confirmation_required with a token", first.Structured)
	}
	done := ts.callOK(t, "delete_customer", map[string]any{"customer_id": id, "confirmation_token": token})
	if done.Structured["status"] != "deleted" {
		t.Fatalf("confirmed delete: %v", done.Structured)
	}
	for _, got := range customerIDs(t, ts.callOK(t, "list_customers", nil).Structured) {
		if got == id {
			t.Errorf("customer %d still listed after its delete", id)
		}
	}
}

// unzip extracts the bundle into dest as an MCPB host does: every entry
// under dest, the Unix mode of each kept.
func unzip(t *testing.T, bundle, dest string) {
	t.Helper()
	zr, err := zip.OpenReader(bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		path := filepath.Join(dest, filepath.FromSlash(f.Name))
		if !strings.HasPrefix(path, dest+string(filepath.Separator)) {
			t.Fatalf("bundle entry %q escapes the extension directory", f.Name)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, f.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}
