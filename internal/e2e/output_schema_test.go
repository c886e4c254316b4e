package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"

	jsv "github.com/santhosh-tekuri/jsonschema/v6"
)

// outputSchemas caches, per test server, the output schema of each tool as
// tools/list published it.
var outputSchemas sync.Map // *testServer -> map[string]*jsv.Schema

// checkStructured validates a result's structuredContent against the
// outputSchema its tool published in tools/list. The server does not do it
// on every call (it cost two thirds of a large page's time), so every e2e
// tools/call result is checked here instead.
func checkStructured(t *testing.T, ts *testServer, tool string, raw json.RawMessage) {
	t.Helper()
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return
	}
	cached, ok := outputSchemas.Load(ts)
	if !ok {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		list, err := ts.sess.listTools(ctx)
		if err != nil {
			t.Fatalf("tools/list for output schemas: %v", err)
		}
		schemas := map[string]*jsv.Schema{}
		for _, tl := range list {
			name, _ := tl["name"].(string)
			out, ok := tl["outputSchema"]
			if !ok {
				continue
			}
			doc, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			v, err := jsv.UnmarshalJSON(bytes.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			c := jsv.NewCompiler()
			c.AssertFormat()
			url := "mem:///" + name + "-output.json"
			if err := c.AddResource(url, v); err != nil {
				t.Fatalf("%s output schema: %v", name, err)
			}
			s, err := c.Compile(url)
			if err != nil {
				t.Fatalf("%s output schema does not compile: %v", name, err)
			}
			schemas[name] = s
		}
		cached, _ = outputSchemas.LoadOrStore(ts, schemas)
		t.Cleanup(func() { outputSchemas.Delete(ts) })
	}
	s, ok := cached.(map[string]*jsv.Schema)[tool]
	if !ok {
		t.Fatalf("%s returned structuredContent but published no outputSchema", tool)
	}
	v, err := jsv.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: structuredContent is not JSON: %v", tool, err)
	}
	if err := s.Validate(v); err != nil {
		t.Fatalf("%s: structuredContent %s does not satisfy the published outputSchema: %v", tool, raw, err)
	}
}
