package atomicapi

import (
	"reflect"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// The API's records are flat JSON objects of scalars. Decoding them through
// encoding/json and the flex types costs about 38 allocations per customer
// (the element is scanned four times and every field allocates), which made
// a 10,000-customer list take 100 ms. The fast path below reads such objects
// directly, and values that need no unescaping become substrings of the one
// copy of the body, so a list costs a few allocations however long it is.
//
// It is a fast path only: it accepts exactly what the encoding/json path
// would accept and yields the same values, and for anything else (nested
// values, keys that match a field only case-insensitively, malformed input,
// values a field rejects) it reports false and the caller falls back to
// encoding/json, which gives the answer or the error. FuzzDecodeCustomer
// checks the two paths against each other. Which keys a record has, and
// how each is read, comes from the record's struct (record.go).

// unmarshalFlat decodes data into the record rec (addressable) when the
// fast path can, leaving rec untouched otherwise.
func (rt *recordType) unmarshalFlat(data []byte, rec reflect.Value) bool {
	v := reflect.New(rec.Type())
	rest, ok := rt.decodeFlat(string(data), v.UnsafePointer())
	if !ok || skipSpace(rest) != "" {
		return false
	}
	rec.Set(v.Elem())
	return true
}

// minRecordBytes is less than any real record takes in JSON (a service
// plan takes about 100 bytes, a customer 300).
const minRecordBytes = 64

// decodeFlatArray decodes a JSON array of flat objects. The returned
// records' strings share one copy of body, which the cache keeps alive no
// longer than the records themselves.
func decodeFlatArray[T any](body []byte) ([]T, bool) {
	rt := recordTypes[reflect.TypeFor[T]()]
	if rt == nil {
		return nil, false
	}
	s := skipSpace(string(body))
	if s == "" || s[0] != '[' {
		return nil, false
	}
	s = skipSpace(s[1:])
	// Every element opens with '{', so counting them sizes the slice in one
	// go on a large account. Braces inside strings count too, so the count
	// is also capped by the body's length: a body of braces must not make
	// us reserve a hundred times its size.
	items := make([]T, 0, min(strings.Count(s, "{"), len(s)/minRecordBytes))
	if s != "" && s[0] == ']' {
		return items, skipSpace(s[1:]) == ""
	}
	for {
		items = append(items, *new(T))
		rest, ok := rt.decodeFlat(s, unsafe.Pointer(&items[len(items)-1]))
		if !ok {
			return nil, false
		}
		s = skipSpace(rest)
		if s == "" {
			return nil, false
		}
		switch s[0] {
		case ',':
			s = skipSpace(s[1:])
		case ']':
			return items, skipSpace(s[1:]) == ""
		default:
			return nil, false
		}
	}
}

// decodeFlat reads the flat object at the start of s into the record at
// rec, of type rt, and returns what follows it.
func (rt *recordType) decodeFlat(s string, rec unsafe.Pointer) (rest string, ok bool) {
	s = skipSpace(s)
	if s == "" || s[0] != '{' {
		return s, false
	}
	s = skipSpace(s[1:])
	if s != "" && s[0] == '}' {
		return s[1:], true
	}
	next := 0 // the field the next key most likely names
	for {
		// Records come with their keys in the same order, so the next key
		// is first compared, quotes and all, with the one after the field
		// set last; only another key is read and looked up.
		i := -1
		var key string
		if next < len(rt.fields) && strings.HasPrefix(s, rt.fields[next].quoted) {
			i, s = next, s[len(rt.fields[next].quoted):]
		} else {
			k, after, ok := readString(s)
			if !ok {
				return s, false
			}
			i, key, s = rt.field(k), k, after
		}
		s = skipSpace(s)
		if s == "" || s[0] != ':' {
			return s, false
		}
		text, after, ok := readScalar(skipSpace(s[1:]))
		if !ok {
			return s, false
		}
		if i >= 0 {
			if !rt.fields[i].set(rec, text) {
				return s, false
			}
			next = i + 1
		} else if !ignorable(key, rt.keys) {
			return s, false
		}
		s = skipSpace(after)
		if s == "" {
			return s, false
		}
		switch s[0] {
		case ',':
			s = skipSpace(s[1:])
		case '}':
			return s[1:], true
		default:
			return s, false
		}
	}
}

// skipSpace skips JSON whitespace, which is narrower than Unicode's.
func skipSpace(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return s[i:]
		}
	}
	return ""
}

// readScalar reads a string, number, true, false or null, giving its text
// as flexString does. Objects and arrays are left to encoding/json.
func readScalar(s string) (text, rest string, ok bool) {
	if s == "" {
		return "", s, false
	}
	switch c := s[0]; {
	case c == '"':
		return readString(s)
	case c == '-' || ('0' <= c && c <= '9'):
		n := numberLen(s)
		return s[:n], s[n:], n > 0
	case strings.HasPrefix(s, "null"):
		return "", s[4:], true
	case strings.HasPrefix(s, "true"):
		return s[:4], s[4:], true
	case strings.HasPrefix(s, "false"):
		return s[:5], s[5:], true
	}
	return "", s, false
}

// numberLen is the length of the JSON number at the start of s, 0 if there
// is none: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func numberLen(s string) int {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = digits(s, i)
	default:
		return 0
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return 0
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return 0
		}
		i = j
	}
	return i
}

func digits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// readString reads the JSON string at the start of s. The common string,
// with no escapes and valid UTF-8, is returned as a substring of s.
func readString(s string) (text, rest string, ok bool) {
	if s == "" || s[0] != '"' {
		return "", s, false
	}
	for i := 1; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			return s[1:i], s[i+1:], true
		case c == '\\' || c < 0x20:
			return unquoteSlow(s, i)
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return unquoteSlow(s, i)
			}
			i += size
		}
	}
	return "", s, false
}

// unquoteSlow finishes a string that needs unescaping or UTF-8 repair,
// from byte i on, exactly as encoding/json does: invalid UTF-8 and unpaired
// surrogates become U+FFFD.
func unquoteSlow(s string, i int) (text, rest string, ok bool) {
	var b strings.Builder
	b.Grow(len(s[:i]) + 16)
	b.WriteString(s[1:i])
	for i < len(s) {
		switch c := s[i]; {
		case c == '"':
			return b.String(), s[i+1:], true
		case c < 0x20:
			return "", s, false
		case c == '\\':
			if i+1 >= len(s) {
				return "", s, false
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r := hex4(s[i:])
				if r < 0 {
					return "", s, false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if pair := utf16.DecodeRune(r, hex4(s[i:])); pair != utf8.RuneError {
						b.WriteRune(pair)
						i += 6
						continue
					}
					r = utf8.RuneError
				}
				b.WriteRune(r)
				continue
			default:
				return "", s, false
			}
			i += 2
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r) // RuneError for invalid bytes, one per byte
			i += size
		}
	}
	return "", s, false
}

// hex4 reads a \uXXXX escape at the start of s, -1 if there is none.
func hex4(s string) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range []byte(s[2:6]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// ignorable reports whether encoding/json would ignore key: it matches
// struct fields case-insensitively, so a key that differs from a field
// only in case is not ignored but must go the slow way.
func ignorable(key string, known []string) bool {
	for _, k := range known {
		if strings.EqualFold(key, k) {
			return false
		}
	}
	return true
}
