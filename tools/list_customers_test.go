package tools

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

func TestListCustomers(t *testing.T) {
	// The sandbox seeds customers 5, 6, 7, 8 (deleted) and 9.
	next := func(n int) *int { return &n }
	for _, c := range []struct {
		name       string
		args       map[string]any
		ids        []int64
		total      int
		offset     int
		nextOffset *int
		hidden     int
		text       []string
	}{
		{"default", nil, []int64{5, 6, 7, 9}, 4, 0, nil, 1, []string{"1–4 of 4 customers", "1 deleted customer(s) hidden"}},
		{"include deleted", map[string]any{"include_deleted": true}, []int64{5, 6, 7, 8, 9}, 5, 0, nil, 0, []string{"[deleted 2024-11-02]"}},
		{"first page", map[string]any{"limit": 2}, []int64{5, 6}, 4, 0, next(2), 1, []string{"1–2 of 4", "call again with offset 2"}},
		{"last page exactly", map[string]any{"limit": 2, "offset": 2}, []int64{7, 9}, 4, 2, nil, 1, []string{"3–4 of 4"}},
		{"odd offset", map[string]any{"limit": 2, "offset": 1}, []int64{6, 7}, 4, 1, next(3), 1, nil},
		{"short last page", map[string]any{"limit": 3, "offset": 3}, []int64{9}, 4, 3, nil, 1, nil},
		{"limit one", map[string]any{"limit": 1}, []int64{5}, 4, 0, next(1), 1, nil},
		{"offset at the end", map[string]any{"offset": 4}, []int64{}, 4, 4, nil, 1, []string{"No customers from offset 4 (there are 4)"}},
		{"offset past the end", map[string]any{"offset": 100, "limit": 10}, []int64{}, 4, 100, nil, 1, nil},
		{"deleted paged", map[string]any{"include_deleted": true, "limit": 2, "offset": 2}, []int64{7, 8}, 5, 2, next(4), 0, nil},
		{"max limit", map[string]any{"limit": 500}, []int64{5, 6, 7, 9}, 4, 0, nil, 1, nil},
		{"name filter", map[string]any{"customer_name": "pty"}, []int64{6, 7}, 2, 0, nil, 1, []string{`customers matching "pty"`}},
		{"name filter trimmed, any case", map[string]any{"customer_name": "  PTY "}, []int64{6, 7}, 2, 0, nil, 1, nil},
		{"no match", map[string]any{"customer_name": "Nonexistent"}, []int64{}, 0, 0, nil, 0, []string{`No customers matching "Nonexistent".`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			res := h.call(t, "list_customers", c.args)
			out := ok[ListCustomersOutput](t, "list_customers", res)
			var ids []int64
			for _, cu := range out.Customers {
				ids = append(ids, cu.CustomerID)
			}
			if ids == nil {
				ids = []int64{}
			}
			if !slices.Equal(ids, c.ids) {
				t.Errorf("customers = %v, want %v", ids, c.ids)
			}
			if out.Total != c.total || out.Returned != len(c.ids) || out.Offset != c.offset || out.DeletedHidden != c.hidden {
				t.Errorf("total %d returned %d offset %d hidden %d, want %d %d %d %d",
					out.Total, out.Returned, out.Offset, out.DeletedHidden, c.total, len(c.ids), c.offset, c.hidden)
			}
			if (out.NextOffset == nil) != (c.nextOffset == nil) || (out.NextOffset != nil && *out.NextOffset != *c.nextOffset) {
				t.Errorf("next_offset = %v, want %v", ptrString(out.NextOffset), ptrString(c.nextOffset))
			}
			// next_offset is always present: null, not missing, at the end.
			var rawOut map[string]json.RawMessage
			_ = json.Unmarshal(res.StructuredContent, &rawOut)
			if c.nextOffset == nil && string(rawOut["next_offset"]) != "null" {
				t.Errorf("next_offset = %s, want null", rawOut["next_offset"])
			}
			if string(rawOut["customers"]) == "null" {
				t.Error("customers is null, want []")
			}
			for _, s := range c.text {
				if !strings.Contains(res.text(), s) {
					t.Errorf("text %q lacks %q", res.text(), s)
				}
			}
			if c.nextOffset == nil && strings.Contains(res.text(), "More:") {
				t.Errorf("text offers a next page at the end: %q", res.text())
			}
			if h.lists() != 1 {
				t.Errorf("%d list requests, want 1", h.lists())
			}
		})
	}
}

func TestListCustomersSendsTrimmedFilter(t *testing.T) {
	h := newHarness(t)
	ok[ListCustomersOutput](t, "list_customers", h.call(t, "list_customers", map[string]any{"customer_name": "  Redfern  "}))
	reqs := h.sb.Requests()
	if len(reqs) != 1 || reqs[0].RawQuery != "customer_name=Redfern" {
		t.Fatalf("requests %+v, want one with customer_name=Redfern", reqs)
	}
}

func TestListCustomersEmptyAndPagedUpstream(t *testing.T) {
	t.Run("empty account", func(t *testing.T) {
		h := newHarness(t, harnessOpts{sandbox: sandbox.Options{Empty: true}})
		res := h.call(t, "list_customers", nil)
		out := ok[ListCustomersOutput](t, "list_customers", res)
		if out.Total != 0 || out.Customers == nil || len(out.Customers) != 0 {
			t.Errorf("empty account: %+v", out)
		}
		if !strings.Contains(res.text(), "No customers.") {
			t.Errorf("text %q", res.text())
		}
	})
	t.Run("upstream pages of 2", func(t *testing.T) {
		h := newHarness(t, harnessOpts{sandbox: sandbox.Options{PageSize: 2}})
		out := ok[ListCustomersOutput](t, "list_customers", h.call(t, "list_customers", map[string]any{"include_deleted": true}))
		if out.Total != 5 || out.Returned != 5 {
			t.Errorf("with upstream paging: total %d returned %d, want 5 5", out.Total, out.Returned)
		}
		if n := h.lists(); n != 3 {
			t.Errorf("%d upstream list requests, want 3 pages", n)
		}
	})
}

// Arguments that break the schema never reach the handler or the API.
func TestListCustomersRejectsBadArguments(t *testing.T) {
	for _, args := range []map[string]any{
		{"limit": 0},
		{"limit": 501},
		{"limit": -1},
		{"offset": -1},
		{"limit": 2.5},
		{"limit": "2"},
		{"include_deleted": "yes"},
		{"customer_name": 5},
		{"customer_name": strings.Repeat("x", 256)},
		{"page": 2},
	} {
		t.Run(fmt.Sprint(args), func(t *testing.T) {
			h := newHarness(t)
			res := h.call(t, "list_customers", args)
			if !res.IsError {
				t.Fatalf("accepted %v: %s", args, res.text())
			}
			if h.lists() != 0 {
				t.Errorf("%d list requests sent for bad arguments", h.lists())
			}
		})
	}
}
