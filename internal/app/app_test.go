package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

const apiToken = "app-test-token-QWERTY"

func newApp(t *testing.T, cfg config.Config, opts ...Option) (*App, *sandbox.Server) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Token: apiToken})
	hs := httptest.NewServer(sb)
	t.Cleanup(hs.Close)
	cfg.APIURL, cfg.APIToken = hs.URL, atomicapi.NewToken(apiToken)
	a, err := New(context.Background(), cfg, "test", slog.New(slog.DiscardHandler), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a, sb
}

func connect(t *testing.T, a *App, version string) *client.Client {
	t.Helper()
	var opts []client.ClientOption
	if version != "" {
		opts = append(opts, client.WithProtocolVersion(version))
	}
	c, err := client.NewInProcessClientWithOptions(a.Server, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var init mcp.InitializeRequest
	init.Params.ClientInfo = mcp.Implementation{Name: "app-test", Version: "9.9"}
	res, err := c.Initialize(ctx, init)
	if err != nil {
		t.Fatal(err)
	}
	caps := res.Capabilities
	if caps.Prompts == nil || caps.Resources == nil || caps.Completions == nil || caps.Tools == nil {
		t.Fatalf("capabilities %+v: want tools, prompts, resources and completions", caps)
	}
	return c
}

// Every write attempt leaves exactly one line with its outcome, even when
// calls arrive together, and no line holds a token.
func TestAuditTrailUnderConcurrentCalls(t *testing.T) {
	for _, version := range []string{mcp.ProtocolVersion20251125, ""} {
		name := version
		if name == "" {
			name = "default (2026-07-28)"
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			a, sb := newApp(t, config.Config{AuditLog: path})
			c := connect(t, a, version)

			const n = 4
			type call struct {
				tool string
				args map[string]any
			}
			var calls []call
			for i := range n {
				calls = append(calls,
					call{"create_customer", map[string]any{"customer_name": fmt.Sprintf("Harbour Plumbing %d", i), "nickname": "Harbour", "addr_1": "1 Circular Quay", "postcode": "2000", "country": "Australia"}},
					call{"create_customer", map[string]any{"customer_name": "Redfern Print Co Pty Ltd", "nickname": "Redfern", "addr_1": "1 Circular Quay", "postcode": "2000", "country": "Australia"}},
					call{"delete_customer", map[string]any{"customer_id": 7}},
					call{"delete_customer", map[string]any{"customer_id": 999}},
					call{"list_customers", nil}, // not a write: not audited
				)
			}
			var (
				wg     sync.WaitGroup
				mu     sync.Mutex
				tokens []string
			)
			for _, cl := range calls {
				wg.Go(func() {
					var req mcp.CallToolRequest
					req.Params.Name, req.Params.Arguments = cl.tool, cl.args
					res, err := c.CallTool(context.Background(), req)
					if err != nil {
						t.Error(err)
						return
					}
					if m, ok := res.StructuredContent.(map[string]any); ok {
						if tok, ok := m["confirmation_token"].(string); ok {
							mu.Lock()
							tokens = append(tokens, tok)
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
			if len(tokens) != n {
				t.Fatalf("%d confirmation tokens, want %d", len(tokens), n)
			}

			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range append(tokens, apiToken) {
				if strings.Contains(string(data), secret) {
					t.Fatalf("the audit trail holds a token %q", secret)
				}
			}
			counts := map[string]int{}
			sc := bufio.NewScanner(strings.NewReader(string(data)))
			for sc.Scan() {
				var e struct {
					Tool           string `json:"tool"`
					Outcome        string `json:"outcome"`
					Confirmation   string `json:"confirmation"`
					ClientName     string `json:"client_name"`
					ClientVersion  string `json:"client_version"`
					UpstreamStatus int    `json:"upstream_status"`
					CustomerID     int64  `json:"customer_id"`
				}
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
					t.Fatalf("line %q: %v", sc.Text(), err)
				}
				counts[e.Tool+" "+e.Outcome+" "+e.Confirmation]++
				if e.ClientName != "app-test" || e.ClientVersion != "9.9" {
					t.Errorf("client %q %q, want app-test 9.9: %s", e.ClientName, e.ClientVersion, sc.Text())
				}
				// A create's line carries its POST's status; a lookup answered
				// from the cache sent nothing upstream, so 0 is right there.
				if (e.Outcome == "created" && e.UpstreamStatus != 200) || (e.UpstreamStatus != 0 && e.UpstreamStatus != 200) {
					t.Errorf("upstream_status %d (from the call's trace): %s", e.UpstreamStatus, sc.Text())
				}
			}
			want := map[string]int{
				"create_customer created ":                     n,
				"create_customer refused ":                     n,
				"delete_customer confirmation_requested token": n,
				"delete_customer refused ":                     n,
			}
			if fmt.Sprint(counts) != fmt.Sprint(want) {
				t.Errorf("audit lines by outcome:\n got %v\nwant %v", counts, want)
			}
			if got := sb.CountRequests("POST", atomicapi.PathCreateCustomer); got != n {
				t.Errorf("%d creates sent, want %d", got, n)
			}
			info, err := os.Stat(path)
			if err != nil || info.Mode().Perm() != 0o600 {
				t.Errorf("audit file mode %v (%v), want 0600", info.Mode().Perm(), err)
			}
		})
	}
}

func TestUnwritableAuditLogStopsStartUp(t *testing.T) {
	_, err := New(context.Background(), config.Config{
		APIURL: "http://127.0.0.1:1", APIToken: atomicapi.NewToken("x"),
		AuditLog: filepath.Join(t.TempDir(), "missing", "audit.jsonl"),
	}, "test", slog.New(slog.DiscardHandler))
	var cfgErr *config.Error
	if !errors.As(err, &cfgErr) || !strings.Contains(err.Error(), "--audit-log") {
		t.Fatalf("New = %v, want a start-up error naming --audit-log", err)
	}
}

// A read-only server offers only the prompt it can finish, and still
// serves the resources.
func TestReadOnlyServerOffersWhatItCanFinish(t *testing.T) {
	a, _ := newApp(t, config.Config{ReadOnly: true})
	c := connect(t, a, mcp.ProtocolVersion20251125)
	prompts, err := c.ListPrompts(context.Background(), mcp.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(prompts.Prompts) != 1 || prompts.Prompts[0].Name != "account_overview" {
		t.Errorf("prompts %+v, want account_overview only", prompts.Prompts)
	}
	resources, err := c.ListResources(context.Background(), mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(resources.Resources) != 1 || resources.Resources[0].URI != "atomic://service-plans" {
		t.Errorf("resources %+v", resources.Resources)
	}
}

// A create refused by schema validation, before any handler runs, is still
// an attempt: the trail records it as refused, and its report is the tool's
// own, naming every problem.
func TestSchemaRefusedWritesAreAudited(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	a, sb := newApp(t, config.Config{AuditLog: path})
	c := connect(t, a, mcp.ProtocolVersion20251125)
	var req mcp.CallToolRequest
	req.Params.Name = "create_customer"
	req.Params.Arguments = map[string]any{"customer_name": "Harbour Plumbing", "nickname": "Harbour", "addr_1": "1 Circular Quay", "country": "AU", "abn": "51 824 753 557"}
	res, err := c.CallTool(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	text := res.Content[0].(mcp.TextContent).Text
	if !res.IsError || !strings.Contains(text, "postcode: is required") || !strings.Contains(text, "abn:") {
		t.Fatalf("want one report naming postcode and abn, got %v %q", res.IsError, text)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Tool, Outcome, Reason string }
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &e) != nil {
		t.Fatalf("want one audit line, got:\n%s", data)
	}
	if e.Tool != "create_customer" || e.Outcome != "refused" || !strings.Contains(e.Reason, "postcode") || !strings.Contains(e.Reason, "abn") {
		t.Errorf("audit line %s", lines[0])
	}
	if n := len(sb.Requests()); n != 0 {
		t.Errorf("%d requests reached the API", n)
	}
}
