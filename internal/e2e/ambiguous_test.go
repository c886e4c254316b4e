package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lostAnswers is the sandbox, but the answers to writes are lost after the
// write was made: a create is answered 500, a DELETE never answers.
func lostAnswers(t *testing.T) (url string, count func(method string) int) {
	t.Helper()
	sb, _ := newSandbox(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			sb.ServeHTTP(httptest.NewRecorder(), r)
			http.Error(w, `{"message":"Server Error"}`, http.StatusInternalServerError)
		case http.MethodDelete:
			sb.ServeHTTP(httptest.NewRecorder(), r)
			<-r.Context().Done() // until the server gives up: a timeout
		default:
			sb.ServeHTTP(w, r)
		}
	})
	return newUpstream(t, h), func(method string) int {
		n := 0
		for _, req := range sb.Requests() {
			if req.Method == method {
				n++
			}
		}
		return n
	}
}

// TestAmbiguousWritesReconciled: issue 9 measured a create answered 500
// after the customer really was created ("may have been created", audited
// failed) and a DELETE that timed out (audited approved → failed). Each is
// now settled by a fresh read, told to the user definitively, audited
// unknown then the reconciled outcome, and never re-sent.
func TestAmbiguousWritesReconciled(t *testing.T) {
	t.Parallel()
	url, count := lostAnswers(t)
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	c := startRawSession(t, upstreamEnv(url), "--api-timeout", "1s", "--audit-log", auditPath)

	res, _ := c.call(t, "create_customer", map[string]any{"customer_name": "Harbour Plumbing Pty Ltd", "nickname": "Harbour",
		"addr_1": "1 Circular Quay", "postcode": "2000", "country": "Australia"})
	if res.IsError || !strings.Contains(res.Text, "WAS created") {
		t.Fatalf("create answered 500 after creating: isError %v\n%s", res.IsError, res.Text)
	}
	id := fmtID(t, res.Structured)
	if n := count(http.MethodPost); n != 1 {
		t.Errorf("%d POSTs, want 1: an ambiguous write is never re-sent", n)
	}

	first, _ := c.call(t, "delete_customer", map[string]any{"customer_id": json.Number(id)})
	token, _ := first.Structured["confirmation_token"].(string)
	if token == "" {
		t.Fatalf("no confirmation token: %s", first.Text)
	}
	res, _ = c.call(t, "delete_customer", map[string]any{"customer_id": json.Number(id), "confirmation_token": token})
	if res.IsError || res.Structured["status"] != "deleted" || !strings.Contains(res.Text, "IS deleted") {
		t.Fatalf("DELETE timed out after deleting: isError %v\n%s", res.IsError, res.Text)
	}
	if n := count(http.MethodDelete); n != 1 {
		t.Errorf("%d DELETEs, want 1", n)
	}

	var outcomes []string
	raw, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var e struct{ Tool, Outcome string }
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		outcomes = append(outcomes, e.Tool+":"+e.Outcome)
	}
	want := "create_customer:unknown create_customer:created delete_customer:confirmation_requested delete_customer:approved delete_customer:unknown delete_customer:deleted"
	if got := strings.Join(outcomes, " "); got != want {
		t.Errorf("audit outcomes\n got %s\nwant %s", got, want)
	}
	assertJSONRPCOnly(t, c.p)
}
