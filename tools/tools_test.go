package tools

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/server"
)

func TestSelect(t *testing.T) {
	for _, c := range []struct {
		name    string
		opts    Options
		want    []string
		wantErr string
	}{
		{"everything", Options{}, Names(), ""},
		{"read-only", Options{ReadOnly: true}, []string{"list_customers", "list_service_plans"}, ""},
		{"only one", Options{Only: []string{"delete_customer"}}, []string{"delete_customer"}, ""},
		{"only keeps registration order", Options{Only: []string{"create_customer", "list_customers"}}, []string{"list_customers", "create_customer"}, ""},
		{"only and read-only", Options{ReadOnly: true, Only: []string{"list_customers", "create_customer"}}, []string{"list_customers"}, ""},
		{"unknown name", Options{Only: []string{"list_customers", "drop_customer"}}, nil, `unknown tool "drop_customer"`},
		{"names are case-sensitive", Options{Only: []string{"List_Customers"}}, nil, `unknown tool "List_Customers"`},
		{"blank name", Options{Only: []string{""}}, nil, `unknown tool ""`},
		{"unknown name with read-only", Options{ReadOnly: true, Only: []string{"delete"}}, nil, `unknown tool "delete"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Select(testDeps(t), c.opts)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				for _, name := range Names() {
					if !strings.Contains(err.Error(), name) {
						t.Errorf("error %q should list the tool %s", err, name)
					}
				}
				if got != nil {
					t.Errorf("tools %v returned with an error", toolNames(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if names := toolNames(got); !slices.Equal(names, c.want) {
				t.Errorf("tools = %v, want %v", names, c.want)
			}
		})
	}
	// The safety property whatever Select does about it: read-only never
	// lets a write tool through, even when named.
	got, err := Select(testDeps(t), Options{ReadOnly: true, Only: []string{"delete_customer", "create_customer"}})
	if err == nil && len(got) > 0 {
		t.Errorf("read-only exposed %v", toolNames(got))
	}
}

func TestRegisterUnknownAddsNothing(t *testing.T) {
	srv := server.NewMCPServer("t", "1", server.WithToolCapabilities(false))
	if err := register(srv, testDeps(t), Options{Only: []string{"nope"}}); err == nil {
		t.Fatal("Register accepted an unknown tool")
	}
	if tools := srv.ListTools(); len(tools) != 0 {
		t.Errorf("Register added %d tools despite the error", len(tools))
	}
}

// tools/list through the server shows exactly the golden definitions.
func TestToolsListMatchesGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		opts Options
		want []string
	}{
		{"all", Options{}, Names()},
		{"read-only", Options{ReadOnly: true}, []string{"list_customers", "list_service_plans"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{tools: c.opts})
			raw, rpcErr := h.rpc(t, context.Background(), "tools/list", map[string]any{})
			if rpcErr != nil {
				t.Fatal(rpcErr)
			}
			var list struct {
				Tools []json.RawMessage `json:"tools"`
			}
			if err := json.Unmarshal(raw, &list); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tool := range list.Tools {
				var listed map[string]any
				if err := json.Unmarshal(tool, &listed); err != nil {
					t.Fatal(err)
				}
				name, _ := listed["name"].(string)
				names = append(names, name)
				golden, err := readGolden(name)
				if err != nil {
					t.Fatal(err)
				}
				if !jsonEqual(listed, golden) {
					t.Errorf("tools/list shows %s differently from testdata/%s.json:\n%s", name, name, tool)
				}
			}
			slices.Sort(names)
			want := slices.Sorted(slices.Values(c.want))
			if !slices.Equal(names, want) {
				t.Errorf("tools/list = %v, want %v", names, want)
			}
		})
	}
}

func TestReadOnlyServerCannotDelete(t *testing.T) {
	h := newHarness(t, harnessOpts{tools: Options{ReadOnly: true}})
	raw, rpcErr := h.rpc(t, context.Background(), "tools/call", map[string]any{"name": "delete_customer", "arguments": map[string]any{"customer_id": 6}})
	if rpcErr == nil {
		var res toolResult
		_ = json.Unmarshal(raw, &res)
		if !res.IsError {
			t.Fatalf("read-only server ran delete_customer: %s", raw)
		}
	}
	if n := h.deletes() + h.creates(); n != 0 {
		t.Errorf("read-only server sent %d write requests", n)
	}
}

// TestDefinitionsAreTheRegistry: names, definitions and bound tools all come
// from the one declared list, in one order.
func TestDefinitionsAreTheRegistry(t *testing.T) {
	defs := Definitions()
	all := All(Deps{})
	if len(defs) != len(declared) || len(all) != len(declared) || len(Names()) != len(declared) {
		t.Fatalf("declared %d, Definitions %d, All %d, Names() %d", len(declared), len(defs), len(all), len(Names()))
	}
	for i := range declared {
		if defs[i].Name != Names()[i] || all[i].Tool.Name != Names()[i] || all[i].Handler == nil {
			t.Errorf("tool %d: definition %q, bound %q, name %q", i, defs[i].Name, all[i].Tool.Name, Names()[i])
		}
	}
}
