package e2e

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// TestElicitationDeadline: a client that declares elicitation and never
// answers (as some desktop hosts do) no longer hangs a delete. On stdio,
// where every waiting call holds one of mcp-go's tool-call workers, eight
// such deletes at once must not starve a list call either. The later
// answers delete nothing, and the next delete in that session skips the
// question.
func TestElicitationDeadline(t *testing.T) {
	t.Parallel()
	const deadline = 3 * time.Second
	for _, c := range []combo{{goSDK, v20251125}, {mcpGo, v20251125}} {
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			var once sync.Once
			unblock := func() { once.Do(func() { close(release) }) }
			t.Cleanup(unblock)
			ts := startServer(t, serverOpts{combo: c, args: []string{"--elicitation-timeout", deadline.String()},
				elicit: func(elicitation) answer {
					<-release // the user never sees the question; the answer comes late
					return answer{Action: "accept", Content: map[string]any{"confirm": true}}
				}})

			const waiting = 8
			type outcome struct {
				res  toolResult
				took time.Duration
			}
			results := make(chan outcome, waiting)
			start := time.Now()
			for range waiting {
				go func() {
					res := ts.call(t, "delete_customer", map[string]any{"customer_id": 6})
					results <- outcome{res, time.Since(start)}
				}()
			}
			// Once all eight are waiting, a list call still gets its worker.
			waitFor(t, func() bool { return len(ts.elicitations()) == waiting }, deadline, "eight questions asked")
			listStart := time.Now()
			plans := ts.callOK(t, "list_service_plans", nil)
			t.Logf("list_service_plans answered in %s while %d deletes waited", time.Since(listStart).Round(time.Millisecond), waiting)
			if took := time.Since(listStart); took > time.Second {
				t.Errorf("list_service_plans took %s while %d deletes waited, want under 1s", took.Round(time.Millisecond), waiting)
			}
			if plans.Structured == nil {
				t.Errorf("list_service_plans answered %s", plans.Text)
			}

			for range waiting {
				o := <-results
				t.Logf("unanswered delete ended after %s (deadline %s)", o.took.Round(time.Millisecond), deadline)
				if o.took > deadline+5*time.Second {
					t.Errorf("a delete took %s, want within the %s deadline plus 5s", o.took.Round(time.Millisecond), deadline)
				}
				if o.res.IsError || o.res.Structured["status"] != "confirmation_required" {
					t.Fatalf("an unanswered delete answered %v / %s, want confirmation_required", o.res.Structured, o.res.Text)
				}
				if tok, _ := o.res.Structured["confirmation_token"].(string); tok == "" {
					t.Errorf("the fallback has no confirmation_token: %v", o.res.Structured)
				}
			}

			// The session is marked: the next delete does not ask again.
			nextStart := time.Now()
			res := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6})
			if took := time.Since(nextStart); took > time.Second {
				t.Errorf("the next delete took %s, want the token at once", took.Round(time.Millisecond))
			}
			if res.Structured["status"] != "confirmation_required" {
				t.Errorf("next delete status = %v, want confirmation_required", res.Structured["status"])
			}
			if n := len(ts.elicitations()); n != waiting {
				t.Errorf("%d questions asked, want %d (none after the deadline)", n, waiting)
			}

			// The answers arrive late: they find nobody waiting and delete nothing.
			unblock()
			time.Sleep(500 * time.Millisecond)
			ts.callOK(t, "list_customers", nil) // the server is still answering
			ts.wantDeletes(t, 0, "after the late answers")

			// The operator learns once which client does not answer.
			logs := ts.stderr.String()
			if n := strings.Count(logs, "did not answer a delete confirmation in time"); n != 1 {
				t.Errorf("%d log lines about the silent client, want 1:\n%s", n, logs)
			}
			assertContainsAll(t, "silent-client log line", logs, "e2e-")
		})
	}
}

// waitFor polls cond until it holds or limit passes.
func waitFor(t *testing.T, cond func() bool, limit time.Duration, what string) {
	t.Helper()
	end := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %s waiting for: %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestConfirmModes: each --confirm-mode with a client that can elicit (and
// approves) and one that cannot, on both protocol eras.
func TestConfirmModes(t *testing.T) {
	t.Parallel()
	approve := func(elicitation) answer { return answer{Action: "accept", Content: map[string]any{"confirm": true}} }
	for _, tc := range []struct {
		mode       string
		eliciting  bool
		wantStatus string // "" for an error result
		wantText   string
		wantAsked  int
		wantDel    int
	}{
		{"auto", true, "deleted", "Deleted", 1, 1},
		{"auto", false, "confirmation_required", "confirmation_token", 0, 0},
		{"elicitation", true, "deleted", "Deleted", 1, 1},
		{"elicitation", false, "", "elicitation mode", 0, 0},
		{"token", true, "confirmation_required", "confirmation_token", 0, 0},
		{"token", false, "confirmation_required", "confirmation_token", 0, 0},
		{"browser", true, "approval_required", "/approve/", 0, 0},
		{"browser", false, "approval_required", "/approve/", 0, 0},
	} {
		for _, version := range []string{v20251125, v20260728} {
			kind := "non-eliciting"
			if tc.eliciting {
				kind = "eliciting"
			}
			t.Run(tc.mode+"/"+kind+"/"+version, func(t *testing.T) {
				t.Parallel()
				opts := serverOpts{combo: combo{goSDK, version}, args: []string{"--confirm-mode", tc.mode}}
				if tc.eliciting {
					opts.elicit = approve
				}
				ts := startServer(t, opts)
				res := ts.call(t, "delete_customer", map[string]any{"customer_id": 6})
				if tc.wantStatus == "" {
					if !res.IsError {
						t.Fatalf("want an error result, got %v", res.Structured)
					}
				} else if res.IsError || res.Structured["status"] != tc.wantStatus {
					t.Fatalf("status = %v (%s), want %s", res.Structured["status"], res.Text, tc.wantStatus)
				}
				assertContainsAll(t, "result text", res.Text, tc.wantText)
				if n := len(ts.elicitations()); n != tc.wantAsked {
					t.Errorf("asked %d questions, want %d", n, tc.wantAsked)
				}
				ts.wantDeletes(t, tc.wantDel, tc.mode)

				// The token path is closed where the mode says so.
				tok, _ := res.Structured["confirmation_token"].(string)
				switch tc.mode {
				case "elicitation":
					forged := ts.callErr(t, "delete_customer", map[string]any{"customer_id": 7, "confirmation_token": "v1.AAAA.BBBB"})
					assertContainsAll(t, "token in elicitation mode", forged.Text, "nothing was deleted")
				case "browser":
					// The approval id alone, before anyone approved, deletes nothing.
					again := ts.callOK(t, "delete_customer", map[string]any{"customer_id": 6, "confirmation_token": tok})
					if again.Structured["status"] != "approval_pending" {
						t.Errorf("approval id before approval: status %v, want approval_pending", again.Structured["status"])
					}
					ts.wantDeletes(t, 0, "browser mode, token alone")
				}
			})
		}
	}
}

// TestBadConfirmMode: a mistyped mode stops start-up with exit 2 and the fix.
func TestBadConfirmMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  string
		want []string
	}{
		{[]string{"--sandbox", "--confirm-mode", "popup"}, "", []string{`--confirm-mode "popup"`, "auto, elicitation, token or browser"}},
		{[]string{"--sandbox"}, "ATOMIC_MCP_CONFIRM_MODE=tokens", []string{`ATOMIC_MCP_CONFIRM_MODE="tokens"`, "auto, elicitation, token or browser"}},
		{[]string{"--sandbox", "--elicitation-timeout", "soon"}, "", []string{`--elicitation-timeout "soon"`, "45s"}},
	} {
		env := []string{}
		if tc.env != "" {
			env = append(env, tc.env)
		}
		stdout, stderr, code := runOnce(t, env, tc.args...)
		if code != 2 || stdout != "" {
			t.Errorf("%v %s: exit %d, stdout %q; want exit 2 and nothing on stdout", tc.args, tc.env, code, stdout)
		}
		assertContainsAll(t, "start-up error", stderr, tc.want...)
	}
}
