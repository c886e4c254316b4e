package tools

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

const (
	readmePath  = "../README.md"
	refBegin    = "<!-- tools:begin -->"
	refEnd      = "<!-- tools:end -->"
	regenerated = "<!-- generated from the tool definitions by `make golden`; do not edit by hand -->"
)

// TestReadmeToolReference keeps the README's tool reference in step with the
// definitions: it fails on any drift, and -update (make golden) rewrites it.
func TestReadmeToolReference(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(readme), refBegin)
	_, after, ok2 := strings.Cut(rest, refEnd)
	if !ok1 || !ok2 {
		t.Fatalf("README.md lacks the %s … %s markers", refBegin, refEnd)
	}
	want := "\n" + regenerated + "\n\n" + toolReference(t) + "\n"
	if *update {
		if err := os.WriteFile(readmePath, []byte(before+refBegin+want+refEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := rest[:strings.Index(rest, refEnd)]; got != want {
		t.Errorf("README.md tool reference is out of date: run `make golden` and review the diff.\n--- want\n%s", want)
	}
}

type schemaDoc struct {
	Properties map[string]struct {
		Type        any    `json:"type"`
		OneOf       []any  `json:"oneOf"`
		Description string `json:"description"`
		Default     any    `json:"default"`
		Minimum     *int   `json:"minimum"`
		Maximum     *int   `json:"maximum"`
		MaxLength   *int   `json:"maxLength"`
	} `json:"properties"`
	Required []string `json:"required"`
}

// order recovers the declaration order of properties, which a Go map loses.
func order(raw json.RawMessage) []string {
	var names []string
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	depth := 0
	inProps := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return names
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
				if depth == 1 {
					inProps = false
				}
			}
		case string:
			if depth == 1 && v == "properties" {
				inProps = true
			} else if inProps && depth == 2 && dec.More() {
				names = append(names, v)
				// skip the value
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return names
				}
			}
		}
	}
}

func toolReference(t *testing.T) string {
	var b strings.Builder
	for i, st := range All(testDeps(t)) {
		tool := st.Tool
		if i > 0 {
			b.WriteString("\n")
		}
		a := tool.Annotations
		var hints []string
		for _, h := range []struct {
			on   *bool
			name string
		}{{a.ReadOnlyHint, "read-only"}, {a.DestructiveHint, "destructive"}, {a.IdempotentHint, "idempotent"}, {a.OpenWorldHint, "open-world"}} {
			if h.on != nil && *h.on {
				hints = append(hints, h.name)
			}
		}
		fmt.Fprintf(&b, "### `%s` — %s\n\n*%s*\n\n%s\n", tool.Name, tool.Title, strings.Join(hints, " · "), tool.Description)

		var in schemaDoc
		if err := json.Unmarshal(tool.RawInputSchema, &in); err != nil {
			t.Fatal(err)
		}
		if names := order(tool.RawInputSchema); len(names) > 0 {
			b.WriteString("\n| argument | type | required | description |\n|---|---|---|---|\n")
			for _, name := range names {
				p := in.Properties[name]
				typ := fmt.Sprint(p.Type)
				var limits []string
				if p.Minimum != nil && p.Maximum != nil {
					limits = append(limits, fmt.Sprintf("%d–%d", *p.Minimum, *p.Maximum))
				} else if p.Minimum != nil {
					limits = append(limits, fmt.Sprintf("≥ %d", *p.Minimum))
				}
				if p.MaxLength != nil {
					limits = append(limits, fmt.Sprintf("≤ %d chars", *p.MaxLength))
				}
				if p.Default != nil {
					limits = append(limits, fmt.Sprintf("default %v", p.Default))
				}
				if len(limits) > 0 {
					typ += " (" + strings.Join(limits, ", ") + ")"
				}
				req := "no"
				if slices.Contains(in.Required, name) {
					req = "yes"
				}
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", name, typ, req, strings.ReplaceAll(p.Description, "|", "\\|"))
			}
		} else {
			b.WriteString("\nNo arguments.\n")
		}
		outNames := order(tool.RawOutputSchema)
		for i, n := range outNames {
			outNames[i] = "`" + n + "`"
		}
		fmt.Fprintf(&b, "\nReturns %s.\n", strings.Join(outNames, ", "))
	}
	return b.String()
}
