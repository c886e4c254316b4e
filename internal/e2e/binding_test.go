package e2e

// What belongs to one person stays theirs on a shared server: the browser
// approval of a delete they asked for, and the streamable-HTTP session they
// opened. Two people with --auth-keys, Alice and Bob, over the built binary.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atomtelecom/atomic-mcp/internal/browsertest"
)

const (
	aliceKey = "alice-personal-key-0123456789"
	bobKey   = "bob-personal-key-0123456789ab"
	// aliceName has markup in it: the approval page must show it as text.
	aliceName  = `Alice <b>Admin</b> & "Co"`
	aliceEmail = "alice@example.com"
)

// startAliceAndBob serves the binary with one key each for Alice and Bob,
// both allowed to read, create and delete.
func startAliceAndBob(t *testing.T, transport string, args ...string) *netServer {
	t.Helper()
	sum := func(k string) string { s := sha256.Sum256([]byte(k)); return hex.EncodeToString(s[:]) }
	keys := fmt.Sprintf(`[{"name":%q,"email":%q,"sha256":%q,"scopes":["customers:read","customers:write","customers:delete"]},`+
		`{"name":"bob","sha256":%q,"scopes":["customers:read","customers:write","customers:delete"]}]`, aliceName, aliceEmail, sum(aliceKey), sum(bobKey))
	file := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(file, []byte(keys), 0o600); err != nil {
		t.Fatal(err)
	}
	return startNet(t, netOpts{transport: transport, args: append([]string{"--auth-keys", file}, args...)})
}

// TestBrowserApprovalBoundToPrincipal: the approval link Alice's delete
// produced names her on the page, and only Alice learns its outcome: Bob,
// passing her approval reference before or after she decides, is refused
// saying it was issued to someone else, and retrying the delete himself
// gets an approval of his own.
func TestBrowserApprovalBoundToPrincipal(t *testing.T) {
	t.Parallel()
	ns := startAliceAndBob(t, "http", "--confirm-mode", "browser")
	alice := ns.connect(t, netClient{combo: combos[0], bearer: aliceKey})
	bob := ns.connect(t, netClient{combo: combos[2], bearer: bobKey})

	first := alice.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
	link, _ := first.Structured["approval_url"].(string)
	ref, _ := first.Structured["confirmation_token"].(string)
	if first.Structured["status"] != "approval_required" || link == "" || ref == "" {
		t.Fatalf("Alice's delete: %v, want approval_required with a link", first.Structured)
	}
	bobRefused := func(when string) {
		t.Helper()
		res := bob.callErr(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": ref})
		assertContainsAll(t, "Bob's call with Alice's approval "+when, res.Text, "issued to another person", "not to you (bob)")
		if strings.Contains(res.Text, "approved in the browser") || strings.Contains(res.Text, "Still waiting") {
			t.Errorf("Bob learned the state of Alice's approval %s: %s", when, res.Text)
		}
	}
	bobRefused("before she decides")

	// Bob retrying the same delete gets a link of his own, not Alice's.
	own := bob.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
	if own.Structured["status"] != "approval_required" || own.Structured["confirmation_token"] == ref || own.Structured["approval_url"] == link {
		t.Fatalf("Bob's retry: %v, want an approval of his own (Alice's is %s)", own.Structured, ref)
	}

	// The page shows who asked, as text: markup in a name is not markup.
	page, _ := get(t, link)
	assertContainsAll(t, "Alice's approval page", page, "Requested by", "Alice &lt;b&gt;Admin&lt;/b&gt; &amp; &#34;Co&#34; (alice@example.com)")
	tab := browsertest.Start(t, 90*time.Second)
	if got, want := browserText(t, tab, chromedp.Navigate(link), "#requested-by"), aliceName+" ("+aliceEmail+")"; got != want {
		t.Errorf("Alice's page says requested by %q, want %q", got, want)
	}
	if bold, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll("#requested-by b").length`)); err != nil || bold != 0 {
		t.Errorf("the requester's name became markup: %d <b> elements, %v", bold, err)
	}
	if got := browserText(t, tab, chromedp.Navigate(own.Structured["approval_url"].(string)), "#requested-by"); got != "bob" {
		t.Errorf("Bob's page says requested by %q", got)
	}

	browserText(t, tab, chromedp.Navigate(link), "#customer-name")
	assertContainsAll(t, "page after Delete", browserText(t, tab, chromedp.Click("#delete"), "#outcome"), "was deleted")
	alice.wantDeletes(t, 1, "after Alice pressed Delete")

	bobRefused("after she approved")
	done := alice.callOK(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": ref})
	if done.Structured["status"] != "deleted" || done.Structured["confirmed_via"] != "browser" {
		t.Errorf("Alice's second call: %v, want deleted via browser", done.Structured)
	}
	alice.wantDeletes(t, 1, "in all")
}

// TestSessionBoundToPrincipal: a streamable-HTTP session belongs to whoever
// opened it. While Alice and Bob work in sessions of their own at the same
// time, Bob's requests carrying Alice's Mcp-Session-Id — a call, a GET
// stream, a DELETE — are answered 404, as for an unknown session, and
// Alice's session keeps working throughout.
func TestSessionBoundToPrincipal(t *testing.T) {
	t.Parallel()
	ns := startAliceAndBob(t, "http")
	aliceSession := rawSession(t, ns, "Authorization", "Bearer "+aliceKey)
	bobSession := rawSession(t, ns, "Authorization", "Bearer "+bobKey)

	call := func(t *testing.T, session, key string, id int) rawResponse {
		h := mcpHeaders("Mcp-Session-Id", session, "Mcp-Protocol-Version", v20251125, "Authorization", "Bearer "+key)
		return rawDo(t, http.MethodPost, ns.endpoint(), strings.NewReader(jsonRPC(id, "tools/call", map[string]any{"name": "list_customers"})), h)
	}
	works := func(t *testing.T, who string, r rawResponse) {
		t.Helper()
		if r.status != http.StatusOK || !strings.Contains(r.body, `"result"`) {
			t.Errorf("%s in their own session: %d %s", who, r.status, r.body)
		}
	}
	refused := func(t *testing.T, what string, r rawResponse) {
		t.Helper()
		if r.status != http.StatusNotFound {
			t.Errorf("%s: %d %s, want 404 as for an unknown session", what, r.status, r.body)
		}
	}
	const rounds = 8
	t.Run("concurrent", func(t *testing.T) {
		for i := range rounds {
			t.Run(fmt.Sprint("alice", i), func(t *testing.T) {
				t.Parallel()
				works(t, "Alice", call(t, aliceSession, aliceKey, 100+i))
			})
			t.Run(fmt.Sprint("bob", i), func(t *testing.T) {
				t.Parallel()
				works(t, "Bob", call(t, bobSession, bobKey, 200+i))
			})
			t.Run(fmt.Sprint("bob-hijacks", i), func(t *testing.T) {
				t.Parallel()
				refused(t, "Bob calls in Alice's session", call(t, aliceSession, bobKey, 300+i))
				refused(t, "Alice calls in Bob's session", call(t, bobSession, aliceKey, 400+i))
				h := http.Header{"Accept": {"text/event-stream"}, "Mcp-Session-Id": {aliceSession}, "Mcp-Protocol-Version": {v20251125}, "Authorization": {"Bearer " + bobKey}}
				refused(t, "Bob opens Alice's event stream", rawDo(t, http.MethodGet, ns.endpoint(), nil, h))
				refused(t, "Bob ends Alice's session", rawDo(t, http.MethodDelete, ns.endpoint(), nil, h))
			})
		}
	})
	works(t, "Alice, after Bob's attempts", call(t, aliceSession, aliceKey, 999))
	// Her own DELETE does end it.
	h := http.Header{"Mcp-Session-Id": {aliceSession}, "Mcp-Protocol-Version": {v20251125}, "Authorization": {"Bearer " + aliceKey}}
	if r := rawDo(t, http.MethodDelete, ns.endpoint(), nil, h); r.status != http.StatusOK {
		t.Errorf("Alice ends her session: %d %s", r.status, r.body)
	}
	refused(t, "Alice's ended session", call(t, aliceSession, aliceKey, 1000))
	works(t, "Bob, after Alice left", call(t, bobSession, bobKey, 1001))
}

// TestSSESessionBoundToPrincipal: on the legacy SSE transport too, a
// message POSTed to Alice's session with Bob's key is refused 404 and never
// reaches her stream, while both keep working in their own sessions at the
// same time.
func TestSSESessionBoundToPrincipal(t *testing.T) {
	t.Parallel()
	ns := startAliceAndBob(t, "sse")
	as := http.Header{"Authorization": {"Bearer " + aliceKey}}
	bs := http.Header{"Authorization": {"Bearer " + bobKey}}
	alice, bob := openSSE(t, ns, as), openSSE(t, ns, bs)
	for _, s := range []struct {
		stream *sseStream
		auth   http.Header
	}{{alice, as}, {bob, bs}} {
		if r := s.stream.post(t, jsonRPC(1, "initialize", initializeParams()), s.auth); r.status != http.StatusAccepted {
			t.Fatalf("initialize: %d %s", r.status, r.body)
		}
		s.stream.awaitReply(t, 1)
		s.stream.post(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`, s.auth)
	}
	list := func(id int) string { return jsonRPC(id, "tools/call", map[string]any{"name": "list_customers"}) }
	const rounds = 8
	t.Run("concurrent", func(t *testing.T) {
		for i := range rounds {
			t.Run(fmt.Sprint("alice", i), func(t *testing.T) {
				t.Parallel()
				if r := alice.post(t, list(100+i), as); r.status != http.StatusAccepted {
					t.Errorf("Alice in her own session: %d %s", r.status, r.body)
				}
			})
			t.Run(fmt.Sprint("bob", i), func(t *testing.T) {
				t.Parallel()
				if r := bob.post(t, list(200+i), bs); r.status != http.StatusAccepted {
					t.Errorf("Bob in his own session: %d %s", r.status, r.body)
				}
				if r := alice.post(t, list(300+i), bs); r.status != http.StatusNotFound {
					t.Errorf("Bob posts to Alice's session: %d %s, want 404", r.status, r.body)
				}
			})
		}
	})
	for i := range rounds {
		alice.awaitReply(t, 100+i)
		bob.awaitReply(t, 200+i)
	}
	// Bob's refused messages were never handled: none of their replies
	// is on Alice's stream, even after a later one of hers.
	alice.post(t, list(999), as)
	alice.awaitReply(t, 999)
	for i := range rounds {
		if reply, ok := alice.replyIfAny(300 + i); ok {
			t.Errorf("Bob's message reached Alice's stream: %s", reply)
		}
	}
}
