package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

var allTools = []string{"create_customer", "delete_customer", "list_customers", "list_service_plans"}

func TestToolsList(t *testing.T) {
	t.Parallel()
	want := map[string]hintSet{
		"list_customers":     {readOnly: true, idempotent: true, openWorld: true},
		"list_service_plans": {readOnly: true, idempotent: true, openWorld: true},
		"create_customer":    {openWorld: true},
		"delete_customer":    {destructive: true, idempotent: true, openWorld: true},
	}
	for _, mode := range []struct {
		name  string
		args  []string
		tools []string
	}{
		{"all", nil, allTools},
		{"read-only", []string{"--read-only"}, []string{"list_customers", "list_service_plans"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			forEachCombo(t, func(t *testing.T, c combo) {
				ts := startServer(t, serverOpts{combo: c, args: mode.args})
				ctx, cancel := callContext()
				defer cancel()
				tools, err := ts.sess.listTools(ctx)
				if err != nil {
					t.Fatalf("tools/list: %v", err)
				}
				var names []string
				for _, tool := range tools {
					names = append(names, tool["name"].(string))
				}
				sort.Strings(names)
				if !slices.Equal(names, mode.tools) {
					t.Fatalf("tools = %v, want exactly %v", names, mode.tools)
				}
				for _, tool := range tools {
					name := tool["name"].(string)
					checkAnnotations(t, name, tool, want[name])
					checkSchema(t, name, "inputSchema", tool["inputSchema"], true)
					checkSchema(t, name, "outputSchema", tool["outputSchema"], false)
					if d, _ := tool["description"].(string); len(d) < 40 {
						t.Errorf("%s: description %q is too thin for a model to choose the tool", name, d)
					}
				}
				if ts.requestCount() != 0 {
					t.Errorf("listing tools sent %d upstream requests", ts.requestCount())
				}
			})
		})
	}
}

// hintSet is the four behaviour annotations a tool must declare.
type hintSet struct{ readOnly, destructive, idempotent, openWorld bool }

func checkAnnotations(t *testing.T, name string, tool map[string]any, want hintSet) {
	t.Helper()
	ann, ok := tool["annotations"].(map[string]any)
	if !ok {
		t.Errorf("%s: no annotations", name)
		return
	}
	for key, w := range map[string]bool{
		"readOnlyHint":    want.readOnly,
		"destructiveHint": want.destructive,
		"idempotentHint":  want.idempotent,
		"openWorldHint":   want.openWorld,
	} {
		got, set := ann[key].(bool)
		switch {
		case !set:
			t.Errorf("%s: annotation %s is not set (a client would assume the default)", name, key)
		case got != w:
			t.Errorf("%s: annotation %s = %v, want %v", name, key, got, w)
		}
	}
}

func checkSchema(t *testing.T, name, which string, schema any, closed bool) {
	t.Helper()
	m, ok := schema.(map[string]any)
	if !ok {
		t.Errorf("%s: no %s (got %T)", name, which, schema)
		return
	}
	if m["type"] != "object" {
		t.Errorf("%s: %s type = %v, want object", name, which, m["type"])
	}
	if closed && m["additionalProperties"] != false {
		t.Errorf("%s: %s additionalProperties = %v, want false", name, which, m["additionalProperties"])
	}
	raw, _ := json.Marshal(schema)
	for _, bad := range []string{`"$ref"`, `"$defs"`, `"$schema"`} {
		if strings.Contains(string(raw), bad) {
			t.Errorf("%s: %s contains %s: %s", name, which, bad, raw)
		}
	}
}

func TestListCustomers(t *testing.T) {
	t.Parallel()
	forEachCombo(t, func(t *testing.T, c combo) {
		ts := startServer(t, serverOpts{combo: c})

		// Default: the deleted seed customer (8) is hidden and counted.
		res := ts.callOK(t, "list_customers", nil)
		if got, want := customerIDs(t, res.Structured), []int{5, 6, 7, 9}; !slices.Equal(got, want) {
			t.Errorf("default listing ids = %v, want %v", got, want)
		}
		if num(t, res.Structured, "total") != 4 || num(t, res.Structured, "deleted_hidden") != 1 {
			t.Errorf("default listing total/deleted_hidden = %v/%v, want 4/1", res.Structured["total"], res.Structured["deleted_hidden"])
		}
		checkShortText(t, res)
		assertContainsAll(t, "listing text", res.Text, "Redfern Print Co Pty Ltd", "include_deleted")

		// include_deleted shows all five, the deleted one with its date.
		res = ts.callOK(t, "list_customers", map[string]any{"include_deleted": true})
		if got, want := customerIDs(t, res.Structured), []int{5, 6, 7, 8, 9}; !slices.Equal(got, want) {
			t.Errorf("include_deleted ids = %v, want %v", got, want)
		}
		if num(t, res.Structured, "deleted_hidden") != 0 {
			t.Errorf("include_deleted deleted_hidden = %v, want 0", res.Structured["deleted_hidden"])
		}
		for _, cu := range res.Structured["customers"].([]any) {
			cu := cu.(map[string]any)
			if num(t, cu, "customer_id") == 8 && cu["delete_date"] == nil {
				t.Errorf("deleted customer 8 has no delete_date: %v", cu)
			}
		}

		// The name filter goes upstream as customer_name.
		before := ts.requestCount()
		res = ts.callOK(t, "list_customers", map[string]any{"customer_name": "sala"})
		reqs := ts.sb.Requests()[before:]
		if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != atomicapi.PathListCustomers {
			t.Fatalf("filtered listing sent %+v, want one GET %s", reqs, atomicapi.PathListCustomers)
		}
		q, err := url.ParseQuery(reqs[0].RawQuery)
		if err != nil || q.Get("customer_name") != "sala" {
			t.Errorf("upstream query = %q, want customer_name=sala", reqs[0].RawQuery)
		}
		if reqs[0].Authorization != testToken {
			t.Errorf("upstream Authorization = %q, want the configured token", reqs[0].Authorization)
		}
		if got := customerIDs(t, res.Structured); !slices.Equal(got, []int{9}) {
			t.Errorf("filter sala ids = %v, want [9]", got)
		}
		if name := res.Structured["customers"].([]any)[0].(map[string]any)["customer_name"]; name != "Salamanca Bookkeeping" {
			t.Errorf("filter sala found %v, want Salamanca Bookkeeping", name)
		}

		// Characters that mean something in a query string stay data.
		before = ts.requestCount()
		res = ts.callOK(t, "list_customers", map[string]any{"customer_name": "Print & Co?x=1#"})
		reqs = ts.sb.Requests()[before:]
		if q, err := url.ParseQuery(reqs[0].RawQuery); err != nil || len(q) != 1 || q.Get("customer_name") != "Print & Co?x=1#" {
			t.Errorf("upstream query = %q, want only customer_name=\"Print & Co?x=1#\"", reqs[0].RawQuery)
		}
		if num(t, res.Structured, "total") != 0 {
			t.Errorf("odd filter matched %v customers, want 0", res.Structured["total"])
		}

		// Paging: follow next_offset to the end.
		var seen []int
		offset := 0
		for page := 0; ; page++ {
			if page > 3 {
				t.Fatalf("paging did not end after %d pages", page)
			}
			res = ts.callOK(t, "list_customers", map[string]any{"limit": 2, "offset": offset})
			ids := customerIDs(t, res.Structured)
			seen = append(seen, ids...)
			if num(t, res.Structured, "returned") != len(ids) || num(t, res.Structured, "offset") != offset || num(t, res.Structured, "total") != 4 {
				t.Errorf("page at offset %d: returned/offset/total = %v/%v/%v", offset,
					res.Structured["returned"], res.Structured["offset"], res.Structured["total"])
			}
			next, present := res.Structured["next_offset"]
			if !present {
				t.Fatalf("page at offset %d has no next_offset key (want a number or null)", offset)
			}
			if next == nil {
				if offset != 2 {
					t.Errorf("next_offset null at offset %d, want it only on the last page (offset 2)", offset)
				}
				break
			}
			if page == 0 && num(t, res.Structured, "next_offset") != 2 {
				t.Errorf("limit 2 next_offset = %v, want 2", next)
			}
			offset = num(t, res.Structured, "next_offset")
		}
		if !slices.Equal(seen, []int{5, 6, 7, 9}) {
			t.Errorf("pages held %v, want [5 6 7 9]", seen)
		}
	})
}

// checkShortText: the text is a summary for the model, not a second copy of
// the structured content.
func checkShortText(t *testing.T, res toolResult) {
	t.Helper()
	if res.Text == "" {
		t.Error("no text content")
	}
	var v any
	if json.Unmarshal([]byte(res.Text), &v) == nil {
		t.Errorf("text content is JSON, not a summary: %s", res.Text)
	}
	if strings.Contains(res.Text, `"customer_id":`) || len(res.Text) >= len(res.RawStructured) {
		t.Errorf("text content (%d bytes) repeats the structured content (%d bytes):\n%s", len(res.Text), len(res.RawStructured), res.Text)
	}
}

func TestListServicePlans(t *testing.T) {
	t.Parallel()
	forEachCombo(t, func(t *testing.T, c combo) {
		ts := startServer(t, serverOpts{combo: c})
		res := ts.callOK(t, "list_service_plans", nil)
		var out struct {
			Plans []map[string]any `json:"plans"`
		}
		if err := json.Unmarshal(res.RawStructured, &out); err != nil {
			t.Fatal(err)
		}
		want := []map[string]any{
			{"plan_id": 123.0, "plan_name": "Acme Plan", "currency": "AUD", "plan_type": "SIP Trunk", "price": "1.99"},
			{"plan_id": 134.0, "plan_name": "Test Plan", "currency": "AUD", "plan_type": "SMS Plan", "price": "1.20"},
		}
		if !reflect.DeepEqual(out.Plans, want) {
			t.Errorf("plans = %v, want %v", out.Plans, want)
		}
		// The price is a string, exactly as the API states it: 1.20, not 1.2.
		if !strings.Contains(string(res.RawStructured), `"price":"1.20"`) {
			t.Errorf("structured content does not carry price \"1.20\" verbatim: %s", res.RawStructured)
		}
		assertContainsAll(t, "plans text", res.Text, "1.20", "AUD", "Test Plan")
		if n := ts.sb.CountRequests("GET", atomicapi.PathListServicePlans); n != 1 {
			t.Errorf("%d plan requests upstream, want 1", n)
		}
	})
}

// harbour is a valid Australian customer, as a user would dictate it.
func harbour() map[string]any {
	return map[string]any{
		"customer_name": "Harbour Plumbing",
		"nickname":      "Harbour Plumbing",
		"addr_1":        "1 Circular Quay",
		"postcode":      "2000",
		"country":       "Australia",
		"abn":           "51 824 753 556",
		"city":          "Sydney",
		"region":        "New South Wales",
		"website":       "harbourplumbing.com.au",
	}
}

func TestCreateCustomer(t *testing.T) {
	t.Parallel()
	forEachCombo(t, func(t *testing.T, c combo) {
		ts := startServer(t, serverOpts{combo: c})

		res := ts.callOK(t, "create_customer", harbour())
		if res.Structured["status"] != "created" {
			t.Errorf("status = %v, want created", res.Structured["status"])
		}
		created, _ := res.Structured["customer"].(map[string]any)
		id := num(t, created, "customer_id")
		if id < 10 {
			t.Errorf("new customer_id = %d, want a fresh id (seeds end at 9)", id)
		}
		assertContainsAll(t, "create text", res.Text, "Harbour Plumbing", "customer_id "+itoa(id))
		body := onlyPost(t, ts, 1)
		if body["abn"] != "51824753556" || body["country"] != "Australia" || body["customer_name"] != "Harbour Plumbing" || body["postcode"] != "2000" {
			t.Errorf("POST body = %v, want abn 51824753556 (no spaces), country Australia", body)
		}
		if !sandboxHas(ts, int64(id), "Harbour Plumbing") {
			t.Errorf("customer %d is not in the sandbox after create", id)
		}

		// Same name as an active customer, in other case and spacing: refused
		// before anything is sent.
		dup := harbour()
		dup["customer_name"] = "  redfern print co pty ltd  "
		dup["abn"] = ""
		res = ts.callErr(t, "create_customer", dup)
		assertContainsAll(t, "duplicate refusal", res.Text, "Redfern Print Co Pty Ltd", "allow_duplicate")
		onlyPost(t, ts, 1)

		// The user confirmed a second customer of that name. "AU" is sent as
		// Australia.
		dup["allow_duplicate"] = true
		dup["country"] = "AU"
		res = ts.callOK(t, "create_customer", dup)
		second := num(t, res.Structured["customer"].(map[string]any), "customer_id")
		if second == id || second == 6 {
			t.Errorf("allow_duplicate created customer_id %d, want a new id", second)
		}
		body = onlyPost(t, ts, 2)
		if body["customer_name"] != "redfern print co pty ltd" || body["country"] != "Australia" {
			t.Errorf("second POST body = %v, want the trimmed name and country Australia", body)
		}
	})
}

// onlyPost checks that exactly n create requests reached the API and returns
// the last one's JSON body.
func onlyPost(t *testing.T, ts *testServer, n int) map[string]any {
	t.Helper()
	var posts [][]byte
	for _, r := range ts.sb.Requests() {
		if r.Method == "POST" {
			if r.Path != atomicapi.PathCreateCustomer {
				t.Errorf("POST to %s", r.Path)
			}
			if r.ContentType != "application/json" {
				t.Errorf("POST Content-Type = %q", r.ContentType)
			}
			posts = append(posts, r.Body)
		}
	}
	if len(posts) != n {
		t.Fatalf("%d POSTs upstream, want %d", len(posts), n)
	}
	if n == 0 {
		return nil
	}
	var body map[string]any
	if err := json.Unmarshal(posts[n-1], &body); err != nil {
		t.Fatalf("POST body %s: %v", posts[n-1], err)
	}
	return body
}

func sandboxHas(ts *testServer, id int64, name string) bool {
	for _, c := range ts.sb.Customers() {
		if c.CustomerID == id && c.CustomerName == name && c.DeleteDate == nil {
			return true
		}
	}
	return false
}

// TestSandboxFlag: --sandbox needs no token and no URL.
func TestSandboxFlag(t *testing.T) {
	t.Parallel()
	forEachCombo(t, func(t *testing.T, c combo) {
		ts := startServer(t, serverOpts{combo: c, args: []string{"--sandbox"}, env: []string{}})
		res := ts.callOK(t, "list_customers", nil)
		if num(t, res.Structured, "total") != 4 {
			t.Errorf("sandbox total = %v, want 4", res.Structured["total"])
		}
		assertContainsAll(t, "stderr", ts.stderr.String(), "sandbox")
	})
}

// TestSignalExit: SIGTERM (a host shutting down) is a clean, quick exit.
func TestSignalExit(t *testing.T) {
	t.Parallel()
	_, url := newSandbox(t)
	p := startRaw(t, upstreamEnv(url))
	p.request(1, "initialize", initializeParams())
	p.awaitReplies(1)
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatal("still running 5s after SIGTERM")
	}
	if code := exitCode(t, p.cmd.Wait()); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0\nstderr:\n%s", code, p.stderr)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("SIGTERM took %s to take effect", d)
	}
}

// TestAPIURLWithPath: an ATOMIC_API_URL with a path prefix (a gateway)
// keeps it, with or without a trailing slash.
func TestAPIURLWithPath(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"/gw/v1", "/gw/v1/"} {
		t.Run(suffix, func(t *testing.T) {
			t.Parallel()
			sb := sandbox.New(sandbox.Options{Token: testToken})
			base := newUpstream(t, http.StripPrefix("/gw/v1", sb))
			ts := startServer(t, serverOpts{combo: combos[0], env: upstreamEnv(base + suffix)})
			res := ts.callOK(t, "list_service_plans", nil)
			if n := len(res.Structured["plans"].([]any)); n != 2 {
				t.Errorf("%d plans through the gateway, want 2", n)
			}
			if n := sb.CountRequests("GET", atomicapi.PathListServicePlans); n != 1 {
				t.Errorf("%d plan requests reached the API behind the gateway, want 1", n)
			}
		})
	}
}

// TestEveryToolCallIsLogged: one stderr line per tools/call, whatever
// stopped it, so an operator can count what assistants tried.
func TestEveryToolCallIsLogged(t *testing.T) {
	t.Parallel()
	_, url := newSandbox(t)
	p := startRaw(t, upstreamEnv(url), "--log-format", "json")
	p.request(1, "initialize", initializeParams())
	p.awaitReplies(1)
	p.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	calls := []map[string]any{
		{"name": "list_customers", "arguments": map[string]any{}},
		{"name": "list_customers", "arguments": map[string]any{"limit": "abc"}},
		{"name": "create_customer", "arguments": map[string]any{"customer_name": "X"}},
		{"name": "delete_customer", "arguments": map[string]any{"customer_id": 999}},
	}
	ids := []int{}
	for i, call := range calls {
		p.request(10+i, "tools/call", call)
		ids = append(ids, 10+i)
	}
	p.awaitReplies(ids...)
	if code := p.closeAndWait(); code != 0 {
		t.Errorf("exit code %d", code)
	}
	logged := 0
	for _, line := range strings.Split(p.stderr.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "tool call" {
			logged++
		}
	}
	if logged != len(calls) {
		t.Errorf("%d tool call log lines for %d calls:\n%s", logged, len(calls), p.stderr)
	}
}

// TestStdoutPurity: stdout carries JSON-RPC and nothing else, logs go to
// stderr, and stdin EOF is a clean exit.
func TestStdoutPurity(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			_, url := newSandbox(t)
			p := startRaw(t, upstreamEnv(url), "--log-level", "debug", "--log-format", format)
			p.request(1, "initialize", initializeParams())
			p.awaitReplies(1)
			p.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
			p.request(2, "tools/list", nil)
			p.request(3, "tools/call", map[string]any{"name": "list_customers", "arguments": map[string]any{"limit": 2}})
			p.request(4, "tools/call", map[string]any{"name": "create_customer", "arguments": map[string]any{"customer_name": " ", "nickname": "n", "addr_1": "a", "postcode": "x", "country": "Australia"}})
			p.request(5, "tools/call", map[string]any{"name": "list_customers", "arguments": map[string]any{"limit": "abc"}})
			p.request(6, "tools/call", map[string]any{"name": "no_such_tool", "arguments": map[string]any{}})
			p.request(7, "ping", nil)
			p.awaitReplies(2, 3, 4, 5, 6, 7)
			if code := p.closeAndWait(); code != 0 {
				t.Errorf("exit code on stdin EOF = %d, want 0\nstderr:\n%s", code, p.stderr)
			}

			lines := p.stdout()
			if len(lines) < 7 {
				t.Errorf("%d stdout lines, want at least 7", len(lines))
			}
			assertJSONRPCOnly(t, p)
			if r := p.reply(4)["result"].(map[string]any); r["isError"] != true {
				t.Errorf("bad create answered %v, want isError", r)
			}
			if p.reply(6)["error"] == nil {
				t.Errorf("unknown tool answered %v, want a JSON-RPC error", p.reply(6))
			}

			stderr := p.stderr.String()
			assertContainsAll(t, "stderr", stderr, "tool call", "list_customers")
			if strings.Contains(stderr, "\x1b[") {
				t.Errorf("stderr is a pipe but has colour escapes:\n%q", stderr)
			}
			if strings.Contains(stderr, testToken) || strings.Contains(strings.Join(lines, "\n"), testToken) {
				t.Errorf("the API token appears in the output")
			}
			if format == "json" {
				for i, line := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
					var obj map[string]any
					if err := json.Unmarshal([]byte(line), &obj); err != nil {
						t.Errorf("stderr line %d is not a JSON object: %q", i+1, line)
					}
				}
			}
		})
	}
}
