package e2e

import (
	"strconv"
	"strings"
	"testing"
)

// TestLookalikeNamesRefused: after "Harbour Plumbing Pty Ltd" exists, the
// names issue 9 measured being created beside it are refused, and nothing
// more is POSTed: invisible characters by validation (naming the field and
// the code point), lookalike letters and a missing legal suffix as
// duplicates naming the existing customer_id.
func TestLookalikeNamesRefused(t *testing.T) {
	t.Parallel()
	sb, url := newSandbox(t)
	c := startRawSession(t, upstreamEnv(url))
	args := func(name string) map[string]any {
		return map[string]any{"customer_name": name, "nickname": "Harbour", "addr_1": "1 Circular Quay", "postcode": "2000", "country": "Australia"}
	}
	res, _ := c.call(t, "create_customer", args("Harbour Plumbing Pty Ltd"))
	if res.IsError {
		t.Fatalf("first create: %s", res.Text)
	}
	id := fmtID(t, res.Structured)
	posts := func() int { return sb.CountRequests("POST", "/api/atomic/customer/create") }
	if posts() != 1 {
		t.Fatalf("%d POSTs after the first create", posts())
	}
	tests := []struct {
		name, customerName string
		want               []string
	}{
		{"zero width space", "Harbour\u200b Plumbing Pty Ltd", []string{"customer_name", "U+200B"}},
		{"zero width joiner", "Harbour Plum\u200dbing Pty Ltd", []string{"customer_name", "U+200D"}},
		{"soft hyphen", "Harbour Plum\u00adbing Pty Ltd", []string{"customer_name", "U+00AD"}},
		{"byte order mark", "Harbour\ufeff Plumbing Pty Ltd", []string{"customer_name", "U+FEFF"}},
		{"word joiner", "Harbour\u2060 Plumbing Pty Ltd", []string{"customer_name", "U+2060"}},
		{"arabic letter mark", "Harbour Plumbing\u061c Pty Ltd", []string{"customer_name", "U+061C"}},
		{"tag characters", "Harbour Plumbing Pty Ltd\U000e0041\U000e0042", []string{"customer_name", "U+E0041"}},
		{"greek capital eta", "\u0397arbour Plumbing Pty Ltd", []string{"already exists", "customer_id " + id}},
		{"cyrillic i", "Harbour Plumb\u0456ng Pty Ltd", []string{"already exists", "customer_id " + id}},
		{"fullwidth", "Ｈａｒｂｏｕｒ Plumbing Pty Ltd", []string{"already exists", "customer_id " + id}},
		{"without the legal suffix", "Harbour Plumbing", []string{"legal suffix", "customer_id " + id}},
	}
	for _, tt := range tests {
		res, _ := c.call(t, "create_customer", args(tt.customerName))
		if !res.IsError {
			t.Errorf("%s: %q was created: %s", tt.name, tt.customerName, res.Text)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(res.Text, w) {
				t.Errorf("%s: refusal lacks %q:\n%s", tt.name, w, res.Text)
			}
		}
	}
	if got := posts(); got != 1 {
		t.Errorf("%d POSTs reached the API; want only the first", got)
	}
	// allow_duplicate still overrides the guard, for a person who means it.
	dup := args("Harbour Plumbing")
	dup["allow_duplicate"] = true
	if res, _ := c.call(t, "create_customer", dup); res.IsError {
		t.Errorf("allow_duplicate: %s", res.Text)
	}
	assertJSONRPCOnly(t, c.p)
}

// fmtID is the customer_id of a create_customer result, as text.
func fmtID(t *testing.T, structured map[string]any) string {
	t.Helper()
	customer, _ := structured["customer"].(map[string]any)
	id, ok := customer["customer_id"].(float64)
	if !ok {
		t.Fatalf("no customer_id in %v", structured)
	}
	return strconv.FormatInt(int64(id), 10)
}
