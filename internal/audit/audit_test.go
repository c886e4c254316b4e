package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func open(t *testing.T) (*Log, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l, path
}

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Errorf("the file does not end with a newline: a later append would join two lines")
	}
	return out
}

// The line format is what log shippers and auditors parse: changes to it
// must be deliberate.
func TestLineFormatGolden(t *testing.T) {
	l, path := open(t)
	e := Entry{
		Time:           time.Date(2025, 2, 19, 11, 15, 27, 123_000_000, time.FixedZone("AEDT", 11*3600)),
		Tool:           "delete_customer",
		CustomerID:     6,
		CustomerName:   "Redfern Print Co Pty Ltd",
		Outcome:        Deleted,
		Confirmation:   ViaToken,
		ClientName:     "claude-ai",
		ClientVersion:  "0.1.0",
		UpstreamStatus: 200,
	}
	refused := Entry{Time: e.Time, Tool: "create_customer", CustomerName: "Harbour Plumbing", Outcome: Refused,
		Reason: "an active customer with this name exists (customer_id 12)", ClientName: "claude-ai", ClientVersion: "0.1.0", UpstreamStatus: 200}
	for _, entry := range []Entry{e, refused} {
		if err := l.Record(context.Background(), entry); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "lines.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/audit -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("audit lines changed:\n got %s\nwant %s", got, want)
	}
}

func TestConcurrentRecordsAreWholeLines(t *testing.T) {
	l, path := open(t)
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e := Entry{Tool: "create_customer", CustomerID: int64(i + 1), CustomerName: strings.Repeat("x", 1000), Outcome: Created}
			if err := l.Record(context.Background(), e); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	lines := readLines(t, path)
	if len(lines) != n {
		t.Fatalf("%d lines, want %d", len(lines), n)
	}
	seen := map[float64]bool{}
	for _, m := range lines {
		seen[m["customer_id"].(float64)] = true
		if _, err := time.Parse(time.RFC3339Nano, m["time"].(string)); err != nil {
			t.Errorf("time %v: %v", m["time"], err)
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct records, want %d", len(seen), n)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	wide := filepath.Join(dir, "wide.jsonl")
	if err := os.WriteFile(wide, []byte("{\"earlier\":true}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, path string
		wantErr    string
	}{
		{"new file", filepath.Join(dir, "new.jsonl"), ""},
		{"existing file readable by others is narrowed", wide, ""},
		{"missing directory", filepath.Join(dir, "no-such-dir", "audit.jsonl"), "directory must exist"},
		{"a directory", dir, "is a directory"},
		{"not a regular file", os.DevNull, "not a regular file"},
		{"empty path", "", "no file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := Open(c.path)
			if c.wantErr != "" {
				if err == nil {
					l.Close()
					t.Fatalf("Open(%q) succeeded, want an error mentioning %q", c.path, c.wantErr)
				}
				if !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Open(%q) = %v, want it to mention %q", c.path, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			info, err := os.Stat(c.path)
			if err != nil {
				t.Fatal(err)
			}
			if perm := info.Mode().Perm(); perm != 0o600 {
				t.Errorf("mode %#o, want 0600", perm)
			}
		})
	}

	// Narrowing keeps what was there: the trail is appended to, never
	// truncated.
	l, err := Open(wide)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Record(context.Background(), Entry{Tool: "delete_customer", Outcome: Declined}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if lines := readLines(t, wide); len(lines) != 2 || lines[0]["earlier"] != true {
		t.Errorf("existing lines not kept: %v", lines)
	}
}

func TestRecordAfterCloseFails(t *testing.T) {
	l, _ := open(t)
	l.Close()
	if err := l.Record(context.Background(), Entry{Tool: "create_customer", Outcome: Created}); err == nil {
		t.Fatal("Record after Close succeeded")
	}
}

// session is an initialized pre-2026 session with client info.
type session struct{ info mcp.Implementation }

func (s *session) Initialize()                                         {}
func (s *session) Initialized() bool                                   { return true }
func (s *session) NotificationChannel() chan<- mcp.JSONRPCNotification { return nil }
func (s *session) SessionID() string                                   { return "s" }
func (s *session) GetClientInfo() mcp.Implementation                   { return s.info }
func (s *session) SetClientInfo(i mcp.Implementation)                  { s.info = i }
func (s *session) GetClientCapabilities() mcp.ClientCapabilities       { return mcp.ClientCapabilities{} }
func (s *session) SetClientCapabilities(mcp.ClientCapabilities)        {}
func (s *session) RequestElicitation(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return nil, fmt.Errorf("not in this test")
}

func TestRecordFillsInFromContext(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Token: "t"})
	hs := httptest.NewServer(sb)
	defer hs.Close()
	api, err := atomicapi.New(atomicapi.Options{BaseURL: hs.URL, Token: atomicapi.NewToken("t")})
	if err != nil {
		t.Fatal(err)
	}
	traced := func(ctx context.Context) context.Context {
		ctx = atomicapi.WithTrace(ctx, &atomicapi.Trace{})
		if _, err := api.ListServicePlans(ctx); err != nil {
			t.Fatal(err)
		}
		return ctx
	}
	legacy := server.NewMCPServer("t", "1").WithContext(context.Background(), &session{info: mcp.Implementation{Name: "claude-ai", Version: "0.1.0"}})
	modern := server.WithRequestProtocolInfo(context.Background(), &server.RequestProtocolInfo{
		Modern: true, ClientInfo: &mcp.Implementation{Name: "inspector", Version: "2.0"}})

	for _, c := range []struct {
		name            string
		ctx             context.Context
		entry           Entry
		client, version string
		status          float64
	}{
		{"nothing known", context.Background(), Entry{}, "", "", 0},
		{"session client info", legacy, Entry{}, "claude-ai", "0.1.0", 0},
		{"per-request client info wins", server.WithRequestProtocolInfo(legacy, &server.RequestProtocolInfo{
			Modern: true, ClientInfo: &mcp.Implementation{Name: "inspector", Version: "2.0"}}), Entry{}, "inspector", "2.0", 0},
		{"modern request", modern, Entry{}, "inspector", "2.0", 0},
		{"upstream status from the trace", traced(context.Background()), Entry{}, "", "", 200},
		{"caller's values are kept", traced(modern), Entry{ClientName: "mine", UpstreamStatus: 503}, "mine", "", 503},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, path := open(t)
			c.entry.Tool, c.entry.Outcome = "create_customer", Failed
			if err := l.Record(c.ctx, c.entry); err != nil {
				t.Fatal(err)
			}
			m := readLines(t, path)[0]
			if got, _ := m["client_name"].(string); got != c.client {
				t.Errorf("client_name %q, want %q", got, c.client)
			}
			if got, _ := m["client_version"].(string); got != c.version {
				t.Errorf("client_version %q, want %q", got, c.version)
			}
			if got := m["upstream_status"]; got != c.status {
				t.Errorf("upstream_status %v, want %v", got, c.status)
			}
		})
	}
}
