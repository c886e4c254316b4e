package tools

import "testing"

func TestNameKey(t *testing.T) {
	same := [][2]string{
		{"Redfern Print Co Pty Ltd", " redfern  print co. pty. ltd. "},
		{"Harbour Plumbing Pty Ltd", "Harbour Plumbing Proprietary Limited"},
		{"Smith & Sons", "Smith and Sons"},
		{"O'Brien Electrical", "OBrien Electrical"},
		{"Acme Company Pty Ltd", "Acme Co Pty Ltd"},
	}
	for _, p := range same {
		if nameKey(p[0]) != nameKey(p[1]) {
			t.Errorf("%q and %q should count as the same customer name", p[0], p[1])
		}
	}
	different := [][2]string{
		{"Redfern Print Co", "Redfern Printing Co"},
		{"Harbour Plumbing", "Harbour Plumbing Sydney"},
	}
	for _, p := range different {
		if nameKey(p[0]) == nameKey(p[1]) {
			t.Errorf("%q and %q should not count as the same name", p[0], p[1])
		}
	}
}
