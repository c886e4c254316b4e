package prompts

import (
	"strings"
	"testing"
)

// TestDeclarationsMatchDefinitions keeps the bundle manifest's prompt list in
// step with the prompts the server offers: same names, order and arguments,
// and every argument shown where the client's value goes.
func TestDeclarationsMatchDefinitions(t *testing.T) {
	decls, err := Declarations()
	if err != nil {
		t.Fatal(err)
	}
	if len(decls) != len(definitions) {
		t.Fatalf("%d declarations for %d prompts", len(decls), len(definitions))
	}
	for i, d := range decls {
		p := definitions[i]
		if d.Name != p.name || d.Description != p.description || strings.Join(d.Arguments, ",") != strings.Join(p.argNames(), ",") {
			t.Errorf("declaration %d = %+v, want prompt %s with arguments %v", i, d, p.name, p.argNames())
		}
		for _, a := range p.args {
			if !strings.Contains(d.Text, "${arguments."+a.name+"}") {
				t.Errorf("%s: text does not show ${arguments.%s}:\n%s", d.Name, a.name, d.Text)
			}
		}
		if strings.Contains(d.Text, "{{") {
			t.Errorf("%s: unrendered template in text:\n%s", d.Name, d.Text)
		}
	}
}
