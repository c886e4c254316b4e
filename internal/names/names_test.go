package names

import (
	"testing"
)

// The names measured in the issue: each was created beside an existing
// "Harbour Plumbing Pty Ltd" instead of being refused.
func TestCompare(t *testing.T) {
	const existing = "Harbour Plumbing Pty Ltd"
	tests := []struct {
		name, candidate string
		want            Match
	}{
		{"identical", "Harbour Plumbing Pty Ltd", Same},
		{"case and spacing", "  HARBOUR   plumbing pty ltd ", Same},
		{"punctuation", "Harbour Plumbing Pty. Ltd.", Same},
		{"long legal words", "Harbour Plumbing Proprietary Limited", Same},
		{"zero width space", "Harbour\u200b Plumbing Pty Ltd", Same},
		{"zero width joiner", "Harbour Plum\u200dbing Pty Ltd", Same},
		{"soft hyphen", "Harbour Plum\u00adbing Pty Ltd", Same},
		{"byte order mark", "\ufeffHarbour Plumbing Pty Ltd", Same},
		{"word joiner", "Harbour\u2060 Plumbing Pty Ltd", Same},
		{"arabic letter mark", "Harbour Plumbing\u061c Pty Ltd", Same},
		{"tag characters", "Harbour Plumbing Pty Ltd\U000e0041\U000e0042", Same},
		{"greek capital eta", "\u0397arbour Plumbing Pty Ltd", Same},
		{"cyrillic i", "Harbour Plumb\u0456ng Pty Ltd", Same},
		{"fullwidth", "Ｈａｒｂｏｕｒ Plumbing Pty Ltd", Same},
		{"digit one for l", "Harbour P1umbing Pty Ltd", Same},
		{"capital I against i", "HARBOUR PLUMBING PTY LTD", Same},
		{"no legal suffix", "Harbour Plumbing", LegalSuffix},
		{"other legal suffix", "Harbour Plumbing Limited", LegalSuffix},
		{"and co", "Harbour Plumbing & Co", LegalSuffix},
		{"different business", "Harbour Electrical Pty Ltd", Different},
		{"different word order", "Plumbing Harbour Pty Ltd", Different},
		{"suffix alone is not the business", "Pty Ltd", Different},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Compare(existing, tt.candidate); got != tt.want {
				t.Errorf("Compare(%q, %q) = %v, want %v (keys %q / %q, bases %q / %q)", existing, tt.candidate, got, tt.want,
					Key(existing), Key(tt.candidate), Base(existing), Base(tt.candidate))
			}
		})
	}
}

// The comparison is symmetric: the existing record may be the disguised one.
func TestCompareSymmetric(t *testing.T) {
	pairs := [][2]string{
		{"Harbour Plumbing", "\u0397arbour Plumbing"},
		{"Harbour Plumbing", "Harbour Plumbing Pty Ltd"},
		{"HARBOUR PLUMBING", "harbour plumbing"},
	}
	for _, p := range pairs {
		if Compare(p[0], p[1]) != Compare(p[1], p[0]) {
			t.Errorf("Compare(%q, %q) != Compare(%q, %q)", p[0], p[1], p[1], p[0])
		}
	}
}

func TestHidden(t *testing.T) {
	tests := []struct {
		in   string
		want rune
		ok   bool
	}{
		{"Harbour Plumbing", 0, false},
		{"Café Ōtautahi", 0, false},
		{"O'Brien & Sons", 0, false},
		{"a\u200bb", 0x200b, true},
		{"a\u200db", 0x200d, true},
		{"a\u00adb", 0xad, true},
		{"\ufeffa", 0xfeff, true},
		{"a\u2060b", 0x2060, true},
		{"a\u061cb", 0x61c, true},
		{"a\u202eb", 0x202e, true},
		{"a\u2067b", 0x2067, true},
		{"a\U000e0041", 0xe0041, true},
		{"a\nb", '\n', true},
		{"a\u2028b", 0x2028, true},
		{"a\ufe0fb", 0xfe0f, true},
		{"a\u3164b", 0x3164, true}, // Hangul filler: a letter that draws nothing
	}
	for _, tt := range tests {
		got, ok := Hidden(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Hidden(%q) = %U, %v; want %U, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := map[rune]string{
		0x200b:  "U+200B (ZERO WIDTH SPACE)",
		0x61c:   "U+061C (ARABIC LETTER MARK)",
		0xe0041: "U+E0041 (TAG LATIN CAPITAL LETTER A)",
		'\n':    "U+000A",
	}
	for r, want := range tests {
		if got := Describe(r); got != want {
			t.Errorf("Describe(%U) = %q, want %q", r, got, want)
		}
	}
}

func BenchmarkKey(b *testing.B) {
	for b.Loop() {
		_ = Key("Harbour Plumbing Proprietary Limited")
	}
}

// The spellings that people vary, carried over from the first duplicate
// guard.
func TestKeyPairs(t *testing.T) {
	same := [][2]string{
		{"Redfern Print Co Pty Ltd", " redfern  print co. pty. ltd. "},
		{"Harbour Plumbing Pty Ltd", "Harbour Plumbing Proprietary Limited"},
		{"Smith & Sons", "Smith and Sons"},
		{"O'Brien Electrical", "OBrien Electrical"},
		{"O’Brien Electrical", "OBrien Electrical"},
		{"Acme Company Pty Ltd", "Acme Co Pty Ltd"},
	}
	for _, p := range same {
		if Key(p[0]) != Key(p[1]) {
			t.Errorf("%q and %q should count as the same customer name (%q, %q)", p[0], p[1], Key(p[0]), Key(p[1]))
		}
	}
	different := [][2]string{
		{"Redfern Print Co", "Redfern Printing Co"},
		{"Harbour Plumbing", "Harbour Plumbing Sydney"},
	}
	for _, p := range different {
		if Compare(p[0], p[1]) != Different {
			t.Errorf("%q and %q should not count as the same name", p[0], p[1])
		}
	}
}
