package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/browsertest"
)

// TestBrowserApproval: in browser mode the assistant gets a link, and only
// a person pressing Delete on that page in a real browser deletes, once.
// Fetching the link, replaying the form, or posting from another origin
// deletes nothing.
func TestBrowserApproval(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{combo: combo{goSDK, v20251125}, args: []string{"--confirm-mode", "browser"},
		elicit: func(elicitation) answer { return answer{Action: "accept", Content: map[string]any{"confirm": true}} }})
	tab := browsertest.Start(t, 90*time.Second)

	res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
	link, _ := res.Structured["approval_url"].(string)
	id, _ := res.Structured["confirmation_token"].(string)
	if res.Structured["status"] != "approval_required" || !strings.HasPrefix(link, "http://127.0.0.1:") || !strings.HasSuffix(link, "/approve/"+id) {
		t.Fatalf("first call: %v, want approval_required with a loopback approval_url", res.Structured)
	}
	if len(id) < 22 { // 128 bits in base64url
		t.Errorf("approval id %q is shorter than 128 bits", id)
	}
	assertContainsAll(t, "first call text", res.Text, link, "give the user this link", "cannot approve it yourself")
	if n := len(ts.elicitations()); n != 0 {
		t.Errorf("browser mode asked %d elicitation questions", n)
	}

	// A fetch tool GETs the page: it sees the card and deletes nothing.
	page, resp := get(t, link)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", link, resp.Status)
	}
	assertContainsAll(t, "approval page", page, "Redfern Print Co Pty Ltd", "12346", "Delete", "Cancel")
	assertContainsAll(t, "approval page headers", resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'", "default-src 'none'")
	if strings.Contains(page, "https://") || strings.Contains(page, "<script") {
		t.Errorf("the page loads third-party or script resources:\n%s", page)
	}
	ts.wantDeletes(t, 0, "after a plain GET")
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	origin := strings.TrimSuffix(link, "/approve/"+id)

	// Forged POSTs: no token, a wrong token, a foreign origin, no origin, cross-site fetch metadata.
	for _, tc := range []struct {
		name    string
		form    url.Values
		headers map[string]string
	}{
		{"no csrf", url.Values{"decision": {"delete"}}, map[string]string{"Origin": origin}},
		{"wrong csrf", url.Values{"decision": {"delete"}, "csrf": {"x" + csrf[1]}}, map[string]string{"Origin": origin}},
		{"foreign origin", url.Values{"decision": {"delete"}, "csrf": {csrf[1]}}, map[string]string{"Origin": "https://evil.example"}},
		{"no origin", url.Values{"decision": {"delete"}, "csrf": {csrf[1]}}, nil},
		{"cross-site", url.Values{"decision": {"delete"}, "csrf": {csrf[1]}}, map[string]string{"Origin": origin, "Sec-Fetch-Site": "cross-site"}},
	} {
		if code := post(t, link, tc.form, tc.headers); code != http.StatusForbidden {
			t.Errorf("POST %s: status %d, want 403", tc.name, code)
		}
	}
	ts.wantDeletes(t, 0, "after forged POSTs")
	if again := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": id}); again.Structured["status"] != "approval_pending" {
		t.Errorf("before approval the second call says %v, want approval_pending", again.Structured["status"])
	}

	// A person opens the link, sees the card and presses Delete.
	name := browserText(t, tab, chromedp.Navigate(link), "#customer-name")
	if name != "Redfern Print Co Pty Ltd" {
		t.Errorf("the card shows %q", name)
	}
	outcome := browserText(t, tab, chromedp.Click("#delete"), "#outcome")
	assertContainsAll(t, "page after Delete", outcome, "was deleted")
	ts.wantDeletes(t, 1, "after pressing Delete")
	if body := ts.deleteBodies()[0]; body != `{"customer_id":6}` {
		t.Errorf("DELETE body %s", body)
	}

	// A reload, and a replay of the form, send nothing more.
	outcome = browserText(t, tab, chromedp.Reload(), "#outcome")
	assertContainsAll(t, "page after reload", outcome, "was deleted")
	post(t, link, url.Values{"decision": {"delete"}, "csrf": {csrf[1]}}, map[string]string{"Origin": origin, "Sec-Fetch-Site": "same-origin"})
	ts.wantDeletes(t, 1, "after a reload and a second POST")

	// The assistant's second call learns the outcome.
	done := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": id})
	if done.Structured["status"] != "deleted" || done.Structured["confirmed_via"] != "browser" {
		t.Errorf("second call: %v, want deleted via browser", done.Structured)
	}
	assertContainsAll(t, "second call text", done.Text, "approved in the browser at")
	ts.wantDeletes(t, 1, "after the second call")

	// Cancel: declined, nothing sent.
	res = ts.callOK(t, "delete_customer", map[string]any{"customer_id": 7})
	link7, _ := res.Structured["approval_url"].(string)
	browserText(t, tab, chromedp.Navigate(link7), "#customer-name")
	outcome = browserText(t, tab, chromedp.Click("#cancel"), "#outcome")
	assertContainsAll(t, "page after Cancel", outcome, "Nothing was deleted")
	declined := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 7, "confirmation_token": res.Structured["confirmation_token"]})
	if declined.Structured["status"] != "declined" {
		t.Errorf("after Cancel the second call says %v, want declined", declined.Structured["status"])
	}
	if n := ts.sb.CountRequests("DELETE", atomicapi.PathDeleteCustomer); n != 1 {
		t.Errorf("%d DELETEs in all, want 1", n)
	}
}

// browserText runs step in the tab and returns the text of sel once visible.
func browserText(t *testing.T, tab context.Context, step chromedp.Action[chromedp.Void], sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, step, chromedp.WaitVisible(sel)); err != nil {
		body, _ := chromedp.Run(tab, chromedp.Text("body"))
		t.Fatalf("browser: waiting for %s: %v; the page says:\n%s", sel, err, body)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return strings.TrimSpace(text)
}

func get(t *testing.T, link string) (string, *http.Response) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatalf("GET %s: %v", link, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body), resp
}

// post submits form as a non-browser client would, without following the
// redirect, and returns the status.
func post(t *testing.T, link string, form url.Values, headers map[string]string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", link, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestBrowserApprovalOverHTTP: on the HTTP transports the approval page is
// served on the server's own listener, outside the bearer check (a browser
// has no token), and at --public-url when that is set.
func TestBrowserApprovalOverHTTP(t *testing.T) {
	t.Parallel()
	const bearer = "0123456789abcdef0123456789abcdef"
	t.Run("own listener", func(t *testing.T) {
		t.Parallel()
		ns := startNet(t, netOpts{transport: "http", args: []string{"--confirm-mode", "browser"}, env: []string{"ATOMIC_MCP_AUTH_TOKEN=" + bearer}})
		ts := ns.connect(t, netClient{combo: combo{mcpGo, v20251125}, bearer: bearer})
		res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
		link, _ := res.Structured["approval_url"].(string)
		if !strings.HasPrefix(link, ns.base+"/approve/") {
			t.Fatalf("approval_url %q, want it on the server's own listener %s", link, ns.base)
		}
		tab := browsertest.Start(t, 60*time.Second)
		browserText(t, tab, chromedp.Navigate(link), "#customer-name")
		assertContainsAll(t, "page after Delete", browserText(t, tab, chromedp.Click("#delete"), "#outcome"), "was deleted")
		ts.wantDeletes(t, 1, "after pressing Delete")
		done := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": res.Structured["confirmation_token"]})
		if done.Structured["status"] != "deleted" {
			t.Errorf("second call: %v", done.Structured)
		}
	})
	t.Run("public url", func(t *testing.T) {
		t.Parallel()
		const public = "https://mcp.example.test"
		ns := startNet(t, netOpts{transport: "sse", args: []string{"--confirm-mode", "browser", "--public-url", public}})
		ts := ns.connect(t, netClient{combo: combo{goSDK, v20251125}})
		res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
		link, _ := res.Structured["approval_url"].(string)
		if !strings.HasPrefix(link, public+"/approve/") {
			t.Fatalf("approval_url %q, want it under --public-url %s", link, public)
		}
		// Reached through a proxy at the public URL: only that origin may approve.
		local := ns.base + strings.TrimPrefix(link, public)
		page, _ := get(t, local)
		csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
		if csrf == nil {
			t.Fatalf("no CSRF token:\n%s", page)
		}
		form := url.Values{"decision": {"delete"}, "csrf": {csrf[1]}}
		if code := post(t, local, form, map[string]string{"Origin": ns.base}); code != http.StatusForbidden {
			t.Errorf("POST from the listen origin: %d, want 403 (the page's origin is %s)", code, public)
		}
		ts.wantDeletes(t, 0, "after a POST from another origin")
		if code := post(t, local, form, map[string]string{"Origin": public, "Sec-Fetch-Site": "same-origin"}); code != http.StatusSeeOther {
			t.Errorf("POST from the public origin: %d, want 303", code)
		}
		ts.wantDeletes(t, 1, "after the approval")
	})
}
