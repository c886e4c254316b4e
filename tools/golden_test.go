package tools

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/atomtelecom/atomic-mcp/internal/confirm"
)

var update = flag.Bool("update", false, "rewrite tools/testdata/<tool>.json from the current tool definitions (make golden)")

// testDeps are enough to build the tool definitions; no handler runs.
func testDeps(t testing.TB) Deps {
	t.Helper()
	c, err := confirm.New([]byte("golden"), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Deps{Confirmer: c}
}

func testdataFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", name))
}

// toolJSON renders a tool exactly as tools/list carries it, indented.
func toolJSON(t *testing.T, name string, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: marshal: %v", name, err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		t.Fatalf("%s: indent: %v", name, err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

func TestGolden(t *testing.T) {
	all := All(testDeps(t))
	var names []string
	for _, st := range all {
		names = append(names, st.Tool.Name)
	}
	if !slices.Equal(names, Names()) {
		t.Fatalf("All() yields %v, Names says %v", names, Names())
	}

	for _, st := range all {
		t.Run(st.Tool.Name, func(t *testing.T) {
			got := toolJSON(t, st.Tool.Name, st.Tool)
			path := filepath.Join("testdata", st.Tool.Name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v: create it with `make golden` (go test ./tools -run TestGolden -update) and review it", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("tool %s no longer matches %s: what clients see in tools/list has changed.\n"+
					"Review the difference below; if it is intended, run `make golden` and commit the new file.\n%s",
					st.Tool.Name, path, lineDiff(string(want), string(got)))
			}
		})
	}

	// No golden file may outlive its tool.
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".json"); !slices.Contains(Names(), name) {
			t.Errorf("%s belongs to no tool: delete it", f)
		}
	}
}

// lineDiff shows the changed region between want and got, with a little
// context: enough to review a schema change without a diff tool.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	start := 0
	for start < len(w) && start < len(g) && w[start] == g[start] {
		start++
	}
	endW, endG := len(w), len(g)
	for endW > start && endG > start && w[endW-1] == g[endG-1] {
		endW--
		endG--
	}
	const context = 3
	var b strings.Builder
	for i := max(0, start-context); i < start; i++ {
		fmt.Fprintf(&b, "  %d   %s\n", i+1, w[i])
	}
	for i := start; i < endW; i++ {
		fmt.Fprintf(&b, "- %d   %s\n", i+1, w[i])
	}
	for i := start; i < endG; i++ {
		fmt.Fprintf(&b, "+ %d   %s\n", i+1, g[i])
	}
	for i := endW; i < min(len(w), endW+context); i++ {
		fmt.Fprintf(&b, "  %d   %s\n", i+1, w[i])
	}
	return b.String()
}

// TestToolInvariants checks, independently of the golden files, what every
// client relies on.
func TestToolInvariants(t *testing.T) {
	readOnly := map[string]bool{}
	for _, st := range All(testDeps(t)) {
		tool := st.Tool
		t.Run(tool.Name, func(t *testing.T) {
			if tool.Title == "" || tool.Description == "" {
				t.Errorf("title %q / description %q must both be set", tool.Title, tool.Description)
			}
			raw, err := json.Marshal(tool)
			if err != nil {
				t.Fatalf("tools/list could not marshal the tool: %v", err)
			}
			var listed map[string]any
			if err := json.Unmarshal(raw, &listed); err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"$ref", "$schema", "$defs", "definitions"} {
				if path := findKey(listed, bad, "tool"); path != "" {
					t.Errorf("%s found at %s: MCP clients want inline schemas", bad, path)
				}
			}

			in, _ := listed["inputSchema"].(map[string]any)
			if in == nil {
				t.Fatal("no inputSchema")
			}
			if in["type"] != "object" {
				t.Errorf("inputSchema.type = %v, want object", in["type"])
			}
			if in["additionalProperties"] != false {
				t.Errorf("inputSchema.additionalProperties = %v, want false", in["additionalProperties"])
			}
			props, _ := in["properties"].(map[string]any)
			for name, p := range props {
				pm, _ := p.(map[string]any)
				if d, _ := pm["description"].(string); strings.TrimSpace(d) == "" {
					t.Errorf("input property %s has no description", name)
				}
				if _, ok := pm["type"]; !ok {
					t.Errorf("input property %s has no type", name)
				}
			}
			required, _ := in["required"].([]any)
			for _, r := range required {
				if _, ok := props[r.(string)]; !ok {
					t.Errorf("required %v is not a property", r)
				}
			}

			// mcp-go silently skips validation against a schema that does
			// not compile, so compile both here with the same validator.
			for kind, raw := range map[string][]byte{"input": tool.RawInputSchema, "output": tool.RawOutputSchema} {
				if _, err := compileSchema(tool.Name+"-"+kind, raw); err != nil {
					t.Errorf("%s schema does not compile: %v", kind, err)
				}
			}

			out, _ := listed["outputSchema"].(map[string]any)
			if out == nil || out["type"] != "object" {
				t.Errorf("outputSchema must be an object schema (structuredContent is an object), got %v", listed["outputSchema"])
			}

			a := tool.Annotations
			if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil {
				t.Fatalf("every annotation hint must be set: %+v", a)
			}
			if a.Title != tool.Title {
				t.Errorf("annotations.title %q != title %q", a.Title, tool.Title)
			}
			if *a.ReadOnlyHint && *a.DestructiveHint {
				t.Error("a read-only tool cannot be destructive")
			}
			readOnly[tool.Name] = *a.ReadOnlyHint
			if tool.Name == "delete_customer" && !*a.DestructiveHint {
				t.Error("delete_customer must be annotated destructive")
			}
			if tool.Name == "create_customer" && *a.IdempotentHint {
				t.Error("create_customer is not idempotent: a repeat creates a second customer with allow_duplicate")
			}
		})
	}
	var ro []string
	for name, r := range readOnly {
		if r {
			ro = append(ro, name)
		}
	}
	slices.Sort(ro)
	if want := []string{"list_customers", "list_service_plans"}; !slices.Equal(ro, want) {
		t.Errorf("read-only tools = %v, want exactly %v", ro, want)
	}
}

// findKey returns the path of the first object key named key, or "".
func findKey(v any, key, path string) string {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if k == key {
				return path + "." + k
			}
			if p := findKey(v[k], key, path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		for _, e := range v {
			if p := findKey(e, key, path+"[]"); p != "" {
				return p
			}
		}
	}
	return ""
}
