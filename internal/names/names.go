// Package names decides when two customer names are the same customer to a
// person reading them, and finds the characters that hide text from that
// person. Both guard create_customer: a duplicate that only differs by an
// invisible character, a lookalike letter or a legal suffix is still a
// duplicate to the reseller's staff.
package names

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
)

// Hidden reports the first character of s that a person cannot see but a
// program (or a model) reads: control and format characters (zero-width
// spaces and joiners, soft hyphens, byte-order marks, word joiners, every
// bidirectional control including U+061C, and the Unicode tag characters
// that smuggle text past a reader), line and paragraph separators,
// variation selectors and the other default-ignorable code points.
func Hidden(s string) (rune, bool) {
	for _, r := range s {
		if hidden(r) {
			return r, true
		}
	}
	return 0, false
}

func hidden(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// Describe names a code point for an error message, e.g.
// "U+200B (ZERO WIDTH SPACE)": the character itself would be invisible.
func Describe(r rune) string {
	if name := runenames.Name(r); name != "" && !strings.HasPrefix(name, "<") {
		return fmt.Sprintf("U+%04X (%s)", r, name)
	}
	return fmt.Sprintf("U+%04X", r)
}

// Key is the form in which two names that read the same to a person are
// equal: invisible characters dropped, NFKC (fullwidth Ｈ is H), confusable
// letters mapped to one skeleton (UTS #39: Greek Η and Cyrillic і are H and
// i), case folded, punctuation and spacing set aside, and the spellings of
// legal words folded ("Proprietary Limited" is "Pty Ltd").
func Key(name string) string {
	return strings.Join(words(name), " ")
}

// Base is Key without the legal suffixes ("Pty Ltd", "Limited", "& Co", …)
// at its end: "Harbour Plumbing Pty Ltd" and "Harbour Plumbing" share it.
// Two names with the same Base and different Keys are likely, not surely,
// the same business.
func Base(name string) string {
	w := words(name)
	for len(w) > 1 && legalSuffix[w[len(w)-1]] {
		w = w[:len(w)-1]
	}
	return strings.Join(w, " ")
}

// Match says how existing compares with candidate.
type Match int

const (
	// Different names.
	Different Match = iota
	// LegalSuffix: the names differ only by a legal suffix.
	LegalSuffix
	// Same: the names read the same.
	Same
)

// Compare reports whether candidate reads as existing does.
func Compare(existing, candidate string) Match {
	switch {
	case Key(existing) == Key(candidate):
		return Same
	case Base(existing) == Base(candidate):
		return LegalSuffix
	default:
		return Different
	}
}

var fold = cases.Fold()

// skeleton is the UTS #39 skeleton of s, made case-insensitive. ASCII is
// lowered first because the skeleton maps capital I to l but leaves i
// alone; the skeleton then maps other scripts' capitals to Latin ones
// (Greek Η to H), and a second fold and skeleton settle both.
func skeleton(s string) string {
	s = strings.Map(func(r rune) rune {
		if hidden(r) {
			return -1
		}
		if r < unicode.MaxASCII {
			return unicode.ToLower(r)
		}
		return r
	}, norm.NFKC.String(s))
	s = fold.String(confusables.Skeleton(s))
	return fold.String(confusables.Skeleton(s))
}

// words splits a name's skeleton into words, without punctuation other
// than &, with legal words folded to one spelling.
func words(name string) []string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r == '&':
			return r
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			return -1
		}
		return r
	}, skeleton(name))
	w := strings.Fields(s)
	for i, word := range w {
		if short, ok := legalWords[word]; ok {
			w[i] = short
		}
	}
	return w
}

// legalWords folds the spellings of the words company names end in, keyed
// by their skeletons (the skeleton of "company" is "cornpany").
var legalWords = skeletonKeys(map[string]string{
	"limited": "ltd", "proprietary": "pty", "company": "co", "and": "&",
	"incorporated": "inc", "corporation": "corp",
})

// legalSuffix are the (folded) words that only say what kind of entity a
// business is.
var legalSuffix = func() map[string]bool {
	out := map[string]bool{}
	for _, w := range []string{"pty", "ltd", "co", "&", "inc", "corp", "llc", "plc", "nl", "gmbh"} {
		out[skeleton(w)] = true
	}
	for _, short := range legalWords {
		out[short] = true
	}
	return out
}()

func skeletonKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[skeleton(k)] = skeleton(v)
	}
	return out
}
