package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tailscale/hujson"
)

// The configuration files are edited as text: the parser (hujson, which
// also reads the comments and trailing commas VS Code allows) only says
// where each value starts and ends, and an edit replaces, inserts or
// removes the bytes of one member. Everything else in the file — other
// servers, their order, spacing and comments — stays byte for byte.

// errNotObject is a configuration whose value at a path is not an object.
var errNotObject = errors.New("is not a JSON object")

// member finds the member named name in the object v.
func member(v *hujson.Value, name string) (*hujson.ObjectMember, int) {
	obj, _ := v.Value.(*hujson.Object)
	if obj == nil {
		return nil, -1
	}
	for i := range obj.Members {
		if lit, ok := obj.Members[i].Name.Value.(hujson.Literal); ok && lit.String() == name {
			return &obj.Members[i], i
		}
	}
	return nil, -1
}

// parse reads src, which must hold one JSON (or JSONC) object.
func parse(src []byte) (hujson.Value, error) {
	root, err := hujson.Parse(src)
	if err != nil {
		return root, fmt.Errorf("is not valid JSON: %w", err)
	}
	if _, ok := root.Value.(*hujson.Object); !ok {
		return root, fmt.Errorf("the document %w", errNotObject)
	}
	return root, nil
}

// isBlank reports whether src holds nothing but whitespace: a file just
// created, which is treated as an empty object.
func isBlank(src []byte) bool { return len(bytes.TrimSpace(src)) == 0 }

// lookup returns the value at path (object member names) in src, as
// standard JSON, or nil when some member on the path is absent.
func lookup(src []byte, path ...string) (json.RawMessage, error) {
	if isBlank(src) {
		return nil, nil
	}
	root, err := parse(src)
	if err != nil {
		return nil, err
	}
	v := &root
	for i, name := range path {
		if _, ok := v.Value.(*hujson.Object); !ok {
			return nil, fmt.Errorf("%s %w", strings.Join(path[:i], "."), errNotObject)
		}
		m, _ := member(v, name)
		if m == nil {
			return nil, nil
		}
		v = &m.Value
	}
	return standard(*v), nil
}

// set makes value the member name of the object at path in src, creating
// the objects on the path as needed, and returns the new document.
func set(src []byte, path []string, name string, value any) ([]byte, error) {
	if isBlank(src) {
		// A new document, two-space indented like the clients' own.
		doc := any(orderedObject{{name, value}})
		for i := len(path) - 1; i >= 0; i-- {
			doc = orderedObject{{path[i], doc}}
		}
		out, err := render(doc, "", "  ")
		return append(out, '\n'), err
	}
	root, err := parse(src)
	if err != nil {
		return nil, err
	}
	style := detectStyle(src)
	v := &root
	for i, key := range path {
		m, _ := member(v, key)
		if m == nil {
			// Insert the rest of the path, with the member inside.
			var nested any = orderedObject{{name, value}}
			for j := len(path) - 1; j > i; j-- {
				nested = orderedObject{{path[j], nested}}
			}
			return insertMember(src, v, key, nested, style)
		}
		if _, ok := m.Value.Value.(*hujson.Object); !ok {
			return nil, fmt.Errorf("%s %w", strings.Join(path[:i+1], "."), errNotObject)
		}
		v = &m.Value
	}
	if m, _ := member(v, name); m != nil {
		indent := lineIndent(src, m.Name.StartOffset)
		out, err := render(value, indent, style.unit)
		if err != nil {
			return nil, err
		}
		if !style.multiline(src, v) {
			if out, err = render(value, "", ""); err != nil {
				return nil, err
			}
		}
		return splice(src, m.Value.StartOffset, m.Value.EndOffset, out), nil
	}
	return insertMember(src, v, name, value, style)
}

// remove deletes the member name of the object at path in src, with its
// separating comma, and reports whether there was one.
func remove(src []byte, path []string, name string) ([]byte, bool, error) {
	if isBlank(src) {
		return src, false, nil
	}
	root, err := parse(src)
	if err != nil {
		return nil, false, err
	}
	v := &root
	for _, key := range path {
		m, _ := member(v, key)
		if m == nil {
			return src, false, nil
		}
		v = &m.Value
	}
	m, i := member(v, name)
	if m == nil {
		return src, false, nil
	}
	obj := v.Value.(*hujson.Object)
	spans := make([]span, len(obj.Members))
	for j, om := range obj.Members {
		spans[j] = span{om.Name.StartOffset, om.Value.EndOffset}
	}
	return removeItem(src, v, spans, i), true, nil
}

// span is where one item of an object or array starts (a member's name,
// an element's value) and ends (its value), without separators.
type span struct{ start, end int }

// removeItem deletes item i of the object or array v, whose items are at
// spans, with one separating comma.
func removeItem(src []byte, v *hujson.Value, spans []span, i int) []byte {
	switch {
	case len(spans) == 1:
		// The only item: leave the container empty, {} or [].
		return splice(src, v.StartOffset+1, v.EndOffset-1, nil)
	case i > 0:
		// From the end of the previous item: its comma goes too.
		return splice(src, spans[i-1].end, spans[i].end, nil)
	default:
		// The first of several: up to where the next one starts.
		return splice(src, spans[0].start, spans[1].start, nil)
	}
}

// insertMember adds "name": value as the last member of the object v.
func insertMember(src []byte, v *hujson.Value, name string, value any, style style) ([]byte, error) {
	obj := v.Value.(*hujson.Object)
	key, _ := json.Marshal(name)
	if len(obj.Members) == 0 {
		parent := lineIndent(src, v.StartOffset)
		indent := parent + style.unit
		out, err := render(value, indent, style.unit)
		if err != nil {
			return nil, err
		}
		text := "\n" + indent + string(key) + ": " + string(out) + "\n" + parent
		inner := src[v.StartOffset+1 : v.EndOffset-1]
		if len(bytes.TrimSpace(inner)) == 0 {
			return splice(src, v.StartOffset+1, v.EndOffset-1, []byte(text)), nil
		}
		// Comments inside: keep them, after the new member.
		return splice(src, v.StartOffset+1, v.StartOffset+1, []byte(text)), nil
	}
	last := obj.Members[len(obj.Members)-1]
	colon := ": "
	if b := last.Value.BeforeExtra; len(bytes.TrimSpace(b)) == 0 {
		colon = ":" + string(b)
	}
	var text string
	if style.multiline(src, v) {
		indent := lineIndent(src, last.Name.StartOffset)
		out, err := render(value, indent, style.unit)
		if err != nil {
			return nil, err
		}
		text = ",\n" + indent + string(key) + colon + string(out)
	} else {
		out, err := render(value, "", "")
		if err != nil {
			return nil, err
		}
		text = "," + string(last.Name.BeforeExtra) + string(key) + colon + string(out)
	}
	return splice(src, last.Value.EndOffset, last.Value.EndOffset, []byte(text)), nil
}

// style is how a document is laid out, so an insertion looks like the rest.
type style struct{ unit string }

// detectStyle takes the indentation unit from the first indented line.
func detectStyle(src []byte) style {
	for _, line := range bytes.Split(src, []byte("\n"))[1:] {
		if n := len(line) - len(bytes.TrimLeft(line, " \t")); n > 0 && n < len(line) {
			return style{unit: string(line[:n])}
		}
	}
	return style{unit: "  "}
}

// multiline reports whether the object v spreads over several lines.
func (style) multiline(src []byte, v *hujson.Value) bool {
	return bytes.ContainsRune(src[v.StartOffset:v.EndOffset], '\n')
}

// lineIndent is the leading whitespace of the line holding offset.
func lineIndent(src []byte, offset int) string {
	start := bytes.LastIndexByte(src[:offset], '\n') + 1
	line := src[start:offset]
	return string(line[:len(line)-len(bytes.TrimLeft(line, " \t"))])
}

func splice(src []byte, from, to int, text []byte) []byte {
	out := make([]byte, 0, len(src)-(to-from)+len(text))
	out = append(out, src[:from]...)
	out = append(out, text...)
	return append(out, src[to:]...)
}

// render encodes v as JSON, indented with unit after a prefix on every
// line but the first (compact when unit is ""), without escaping <>&.
func render(v any, prefix, unit string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if unit != "" {
		enc.SetIndent(prefix, unit)
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// orderedObject is a JSON object whose members keep their order.
type orderedObject []struct {
	key   string
	value any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		val, err := render(m.value, "", "")
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// appendElement adds value as the last element of the array that is the
// top-level member name of src, creating it when absent, unless an element
// already satisfies has.
func appendElement(src []byte, name string, value any, has func(json.RawMessage) bool) ([]byte, bool, error) {
	if isBlank(src) {
		out, err := set(src, nil, name, []any{value})
		return out, true, err
	}
	root, err := parse(src)
	if err != nil {
		return nil, false, err
	}
	m, _ := member(&root, name)
	if m == nil {
		out, err := insertMember(src, &root, name, []any{value}, detectStyle(src))
		return out, true, err
	}
	arr, ok := m.Value.Value.(*hujson.Array)
	if !ok {
		return nil, false, fmt.Errorf("%s is not a JSON array", name)
	}
	for _, e := range arr.Elements {
		if has(standard(e)) {
			return src, false, nil
		}
	}
	style := detectStyle(src)
	if len(arr.Elements) == 0 {
		parent := lineIndent(src, m.Name.StartOffset)
		out, err := render(value, parent+style.unit, style.unit)
		if err != nil {
			return nil, false, err
		}
		text := "\n" + parent + style.unit + string(out) + "\n" + parent
		return splice(src, m.Value.StartOffset+1, m.Value.EndOffset-1, []byte(text)), true, nil
	}
	last := arr.Elements[len(arr.Elements)-1]
	indent := lineIndent(src, last.StartOffset)
	out, err := render(value, indent, style.unit)
	if err != nil {
		return nil, false, err
	}
	sep := ", "
	if bytes.ContainsRune(last.BeforeExtra, '\n') {
		sep = ",\n" + indent
	}
	return splice(src, last.EndOffset, last.EndOffset, []byte(sep+string(out))), true, nil
}

// removeElement deletes the first element of the top-level array name
// that satisfies match, and reports whether there was one.
func removeElement(src []byte, name string, match func(json.RawMessage) bool) ([]byte, bool, error) {
	if isBlank(src) {
		return src, false, nil
	}
	root, err := parse(src)
	if err != nil {
		return nil, false, err
	}
	m, _ := member(&root, name)
	if m == nil {
		return src, false, nil
	}
	arr, ok := m.Value.Value.(*hujson.Array)
	if !ok {
		return src, false, nil
	}
	spans := make([]span, len(arr.Elements))
	for i, e := range arr.Elements {
		spans[i] = span{e.StartOffset, e.EndOffset}
	}
	for i, e := range arr.Elements {
		if match(standard(e)) {
			return removeItem(src, &m.Value, spans, i), true, nil
		}
	}
	return src, false, nil
}

// standard returns v as standard JSON, without comments or spacing.
func standard(v hujson.Value) json.RawMessage {
	v = v.Clone()
	v.BeforeExtra, v.AfterExtra = nil, nil
	v.Standardize()
	return json.RawMessage(v.Pack())
}
