package approval_test

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atomtelecom/atomic-mcp/internal/approval"
	"github.com/atomtelecom/atomic-mcp/internal/browsertest"
)

// screenshot, when set (make screenshots), is where TestPageScreenshot
// writes the README's picture of the page. Tests never write into the tree
// otherwise.
var screenshot = flag.String("screenshot", "", "write the approval page's picture to this file")

var card = approval.Card{CustomerID: 6, Name: "Redfern Print Co Pty Ltd", AccountNumber: "12346",
	Address: "12 Regent St, Redfern, NSW, 2016, Australia", Created: "2024-03-18T09:30:00Z"}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// serve runs a store's pages on loopback; the returned counter counts the
// actions run (the DELETEs that would go upstream).
func serve(t *testing.T, now func() time.Time) (*approval.Store, *httptest.Server, *atomic.Int32) {
	t.Helper()
	st := approval.NewStore(0, now)
	srv := httptest.NewServer(st.Handler(func(*http.Request) string { return "" }, nil))
	t.Cleanup(srv.Close)
	return st, srv, &atomic.Int32{}
}

func count(n *atomic.Int32) approval.Action {
	return func(context.Context) approval.Outcome {
		n.Add(1)
		time.Sleep(20 * time.Millisecond) // a DELETE takes a while: widen the race window
		return approval.Outcome{Deleted: true}
	}
}

func csrfOf(t *testing.T, link string) string {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(b.String())
	if m == nil {
		t.Fatalf("no CSRF token on %s", link)
	}
	return m[1]
}

func postApprove(link, origin, csrf string) int {
	req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader(url.Values{"decision": {"delete"}, "csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestConcurrentApprovalsDeleteOnce: many approving POSTs at once (double
// clicks, replays) run the delete exactly once.
func TestConcurrentApprovalsDeleteOnce(t *testing.T) {
	st, srv, n := serve(t, nil)
	rec := st.Create(card, "", count(n))
	link := srv.URL + approval.PathPrefix + rec.ID
	csrf := csrfOf(t, link)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() { postApprove(link, srv.URL, csrf) })
	}
	wg.Wait()
	if got := n.Load(); got != 1 {
		t.Fatalf("%d deletes from 16 concurrent approvals, want 1", got)
	}
	got, err := st.Lookup(rec.ID, 6)
	if err != nil || got.State != approval.Deleted || got.DecidedAt.IsZero() {
		t.Errorf("after approval: %+v, %v; want deleted with a decision time", got, err)
	}
	if _, err := st.Lookup(rec.ID, 7); err != approval.ErrOther {
		t.Errorf("lookup for another customer: %v, want ErrOther", err)
	}
}

// TestExpiredLinkRefused: after five minutes the link shows that it
// expired, in a real browser, and an approval posted then deletes nothing.
func TestExpiredLinkRefused(t *testing.T) {
	c := &clock{now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	st, srv, n := serve(t, c.Now)
	rec := st.Create(card, "", count(n))
	link := srv.URL + approval.PathPrefix + rec.ID
	csrf := csrfOf(t, link)
	c.Add(approval.DefaultTTL)

	if code := postApprove(link, srv.URL, csrf); code != http.StatusSeeOther {
		t.Logf("POST after expiry: %d", code)
	}
	if got := n.Load(); got != 0 {
		t.Fatalf("an expired link ran %d deletes", got)
	}
	tab := browsertest.Start(t, 60*time.Second)
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible("#outcome")); err != nil {
		t.Fatal(err)
	}
	text, _ := chromedp.Run(ctx, chromedp.Text("#outcome"))
	if !strings.Contains(text, "expired") || !strings.Contains(text, "Nothing was deleted") {
		t.Errorf("expired page says %q", text)
	}
	if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#delete") === null`)); !ok {
		t.Error("an expired page still offers a Delete button")
	}
	if got, _ := st.Lookup(rec.ID, 6); got.State != approval.Expired {
		t.Errorf("state %s, want expired", got.State)
	}
}

// TestPageScreenshot renders the pending page in Chromium: keyboard focus
// reaches both buttons, which carry their names; with -screenshot it writes
// the README's picture.
func TestPageScreenshot(t *testing.T) {
	st, srv, n := serve(t, nil)
	rec := st.Create(card, "", count(n))
	tab := browsertest.Start(t, 60*time.Second)
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+approval.PathPrefix+rec.ID), chromedp.WaitVisible("#delete")); err != nil {
		t.Fatal(err)
	}
	// Tab order: Delete, then Cancel, both reachable without a mouse.
	for _, want := range []string{"delete", "cancel"} {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
		if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`)); got != want {
			t.Errorf("Tab focused %q, want %q", got, want)
		}
	}
	label, _ := chromedp.Run(ctx, chromedp.Text("#delete"))
	if !strings.Contains(label, card.Name) {
		t.Errorf("the Delete button reads %q: it should name the customer", label)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil || len(png) < 1000 {
		t.Fatalf("screenshot: %d bytes, %v", len(png), err)
	}
	if *screenshot != "" {
		if err := os.WriteFile(*screenshot, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() != 0 {
		t.Error("rendering the page ran the delete")
	}
}
