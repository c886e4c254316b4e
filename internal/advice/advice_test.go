package advice_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/atomtelecom/atomic-mcp/internal/advice"
	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

func TestExplain(t *testing.T) {
	dns := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "api.atomic.example", IsNotFound: true}}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"rejected token", &atomicapi.Error{Kind: atomicapi.ErrUnauthorized, Op: "list customers", Status: 401},
			"the Atomic API rejected the access token (HTTP 401): check ATOMIC_API_TOKEN; copy a current token from the Atomic portal (Account Settings > General Settings > Profile Settings)"},
		{"unavailable", &atomicapi.Error{Kind: atomicapi.ErrUnavailable, Op: "list customers", Status: 503, Message: "down"},
			"the Atomic API is unavailable (HTTP 503): try again shortly; if it persists, check ATOMIC_API_URL and the network: down"},
		{"host name does not resolve", &atomicapi.Error{Kind: atomicapi.ErrUnavailable, Op: "list customers", Err: dns},
			"the Atomic API is unavailable: the API's host name did not resolve: check ATOMIC_API_URL and the network (DNS, proxy) (dial tcp: lookup api.atomic.example: no such host)"},
		{"unreadable", &atomicapi.Error{Kind: atomicapi.ErrMalformed, Op: "list customers", Status: 200, Message: "empty body"},
			"the Atomic API sent a response that could not be read (HTTP 200): check that ATOMIC_API_URL points at the Atomic API: empty body"},
		{"redirect", &atomicapi.Error{Op: "list customers", Status: 307},
			"the Atomic API answered with a redirect (HTTP 307), which is not followed so that the token is never sent elsewhere: check ATOMIC_API_URL (https, exact host)"},
		{"validation: the API's words say it", &atomicapi.Error{Kind: atomicapi.ErrValidation, Op: "create customer", Status: 422, Fields: map[string][]string{"postcode": {"Required."}}},
			"the Atomic API rejected the request as invalid (HTTP 422); postcode: Required."},
		{"wrapped keeps its context", fmt.Errorf("read customers://7: %w", &atomicapi.Error{Kind: atomicapi.ErrUnauthorized, Op: "list customers", Status: 403}),
			"read customers://7: list customers: the Atomic API rejected the access token (HTTP 403): check ATOMIC_API_TOKEN; copy a current token from the Atomic portal (Account Settings > General Settings > Profile Settings)"},
		{"not an API error", errors.New("boom"), "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := advice.Explain(tt.err); got != tt.want {
				t.Errorf("Explain =\n  %s\nwant\n  %s", got, tt.want)
			}
		})
	}
}

// TestDNSFailureThroughTheClient: a host name that does not resolve, as the
// real client reports it, is told to check the URL and the network, not to
// wait and retry.
func TestDNSFailureThroughTheClient(t *testing.T) {
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "api.atomic.example", IsNotFound: true}}
	}}
	c, err := atomicapi.New(atomicapi.Options{BaseURL: "https://api.atomic.example", Token: atomicapi.NewToken("t"),
		HTTPClient: &http.Client{Transport: tr}, MaxAttempts: 1, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListServicePlans(context.Background())
	told := advice.Explain(err)
	if !strings.Contains(told, "did not resolve: check ATOMIC_API_URL and the network") || strings.Contains(told, "try again") {
		t.Errorf("%q: want the URL and the network checked, not a retry", told)
	}
}
