package tools

import (
	"net/http"
	"net/http/httptest"
	"strings"
	syncatomic "sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/confirm"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

// failingUpstream serves the sandbox but answers 503 (retryable) on one
// method and path, counting those requests in failed.
func failingUpstream(sb *sandbox.Server, method, path string, failed *syncatomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == method && r.URL.Path == path {
			failed.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"message":"Service Unavailable"}`))
			return
		}
		sb.ServeHTTP(w, r)
	}))
}

func TestUpstreamFailures(t *testing.T) {
	for _, c := range []struct {
		name, tool   string
		args         map[string]any
		failMethod   string
		failPath     string
		token        string
		want         string
		wantFailed   int32 // requests that reached the failing endpoint
		deleteWithOK bool  // first get a token, then call with it
	}{
		{"wrong API token", "list_customers", nil, "", "", "wrong", "could not list customers: the Atomic API rejected the access token (HTTP 401): check ATOMIC_API_TOKEN; copy a current token from the Atomic portal", 0, false},
		{"plans unavailable", "list_service_plans", nil, "GET", atomicapi.PathListServicePlans, "t", "could not list service plans: the Atomic API is unavailable (HTTP 503): try again shortly", 3, false},
		{"duplicate check fails: nothing created", "create_customer", createArgs("Harbour Plumbing"), "GET", listPath, "t", "check for an existing customer", 3, false},
		{"create fails, not retried", "create_customer", createArgs("Harbour Plumbing"), "POST", createPath, "t", "could not create the customer", 1, false},
		{"lookup before delete fails", "delete_customer", map[string]any{"customer_id": 6}, "GET", listPath, "t", "look up the customer before deleting", 3, false},
		{"delete fails, not retried", "delete_customer", map[string]any{"customer_id": 6}, "DELETE", deletePath, "t", "could not delete customer_id 6", 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			sb := sandbox.New(sandbox.Options{Token: "t"})
			var failedReqs syncatomic.Int32
			hs := failingUpstream(sb, c.failMethod, c.failPath, &failedReqs)
			t.Cleanup(hs.Close)
			api, err := atomicapi.New(atomicapi.Options{BaseURL: hs.URL, Token: atomicapi.NewToken(c.token), BaseBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			conf, err := confirm.New(nil, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			h := &harness{sb: sb, deps: Deps{API: api, Confirmer: conf}}
			h.srv = server.NewMCPServer("t", "1", server.WithToolCapabilities(false), server.WithInputSchemaValidation(), server.WithOutputSchemaValidation())
			if err := register(h.srv, h.deps, Options{}); err != nil {
				t.Fatal(err)
			}
			args := c.args
			if c.deleteWithOK {
				tok := ok[DeleteCustomerOutput](t, "delete_customer", h.call(t, "delete_customer", args)).ConfirmationToken
				args = map[string]any{"customer_id": 6, "confirmation_token": tok}
			}
			res := h.call(t, c.tool, args)
			failed(t, c.tool, res, c.want)
			// "could not list customers: list customers: …" says it twice.
			if doing, rest, ok := strings.Cut(strings.TrimPrefix(res.text(), "could not "), ": "); ok && strings.HasPrefix(rest, strings.TrimPrefix(doing, "the ")) {
				t.Errorf("the error repeats what was being done: %q", res.text())
			}
			if strings.Contains(res.text(), "t\"") || strings.Contains(res.text(), "wrong") {
				t.Errorf("error text may leak the token: %q", res.text())
			}
			if got := failedReqs.Load(); got != c.wantFailed {
				t.Errorf("%d requests to the failing endpoint, want %d (GET retried, POST and DELETE sent once)", got, c.wantFailed)
			}
			if h.deletes()+h.creates() != 0 {
				t.Errorf("%d writes reached the sandbox", h.deletes()+h.creates())
			}
		})
	}
}
