package atomicapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unsafe"
)

// A record type (Customer, ServicePlan, Deletion) lists its fields once, as
// its struct with json tags. Both decodings are made from that list when
// the package starts: the fast path (flat.go) sets fields by key, and the
// reference decoding unmarshals into a struct of flex types built with the
// same keys, so encoding/json matches keys and reports errors as it would
// for a hand-written one. A string field tagged api:"time" holds a time
// (flexTime); an int64 field an id (flexID); any other string, text
// (flexString).

// recordType is how one record type decodes.
type recordType struct {
	what   string // names the record in errors, e.g. "customer"
	fields []recordField
	keys   []string     // the fields' keys, for ignorable
	raw    reflect.Type // the reference decoding's struct: fields[i] is its field i
}

type recordField struct {
	key    string
	quoted string  // key as JSON writes it, for the fast path
	index  int     // in the record's struct
	offset uintptr // of the field in the record, for the fast path
	kind   fieldKind
}

type fieldKind uint8

const (
	textField fieldKind = iota
	idField
	timeField
)

// recordTypes finds a record type's decoding from its Go type, for the
// generic list decoder.
var recordTypes = map[reflect.Type]*recordType{}

// newRecordType reads T's fields. A field it cannot decode is a
// programming error, reported when the package starts.
func newRecordType[T any](what string) *recordType {
	t := reflect.TypeFor[T]()
	rt := &recordType{what: what}
	var raw []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !plainKey(key) {
			panic(fmt.Sprintf("atomicapi: %s.%s has no json key of plain ASCII", t.Name(), f.Name))
		}
		var kind fieldKind
		var flex reflect.Type
		switch {
		case f.Type.Kind() == reflect.Int64:
			kind, flex = idField, reflect.TypeFor[flexID]()
		case f.Type.Kind() == reflect.String && f.Tag.Get("api") == "time":
			kind, flex = timeField, reflect.TypeFor[flexTime]()
		case f.Type.Kind() == reflect.String:
			kind, flex = textField, reflect.TypeFor[flexString]()
		default:
			panic(fmt.Sprintf("atomicapi: %s.%s is a %s, not a string or an int64 id", t.Name(), f.Name, f.Type))
		}
		rt.fields = append(rt.fields, recordField{key: key, quoted: `"` + key + `"`, index: i, offset: f.Offset, kind: kind})
		rt.keys = append(rt.keys, key)
		raw = append(raw, reflect.StructField{Name: f.Name, Type: flex, Tag: reflect.StructTag(`json:"` + key + `"`)})
	}
	rt.raw = reflect.StructOf(raw)
	recordTypes[t] = rt
	return rt
}

// plainKey reports whether key is a json key that JSON text can hold only
// as itself, so that the fast path may compare the text with it quoted.
func plainKey(key string) bool {
	for _, c := range []byte(key) {
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return key != "" && key != "-"
}

// unmarshal decodes data into the record *dst, the fast way when it can.
func (rt *recordType) unmarshal(data []byte, dst any) error {
	rec := reflect.ValueOf(dst).Elem()
	if rt.unmarshalFlat(data, rec) {
		return nil
	}
	return rt.unmarshalSlow(data, rec)
}

// field finds key's field, -1 if there is none.
func (rt *recordType) field(key string) int {
	for i := range rt.fields {
		if rt.fields[i].key == key {
			return i
		}
	}
	return -1
}

// set writes a member's text, as flexString reads it, into its field of
// the record at rec, and reports false when only the reference decoding
// can decide. It writes through the field's offset: through reflect, a
// 10,000-customer list took 10% longer. newRecordType checked the field's
// type, so the pointer is one to a field of that type.
func (f recordField) set(rec unsafe.Pointer, text string) bool {
	switch f.kind {
	case idField:
		n, err := parseID(text)
		if err != nil {
			return false
		}
		*(*int64)(unsafe.Add(rec, f.offset)) = n
	case timeField:
		*(*string)(unsafe.Add(rec, f.offset)) = timeText(text)
	default:
		*(*string)(unsafe.Add(rec, f.offset)) = text
	}
	return true
}

// unmarshalSlow is the reference decoding of the record rec (addressable),
// which the fast path must agree with; it also reports every error. rec is
// left untouched on error.
func (rt *recordType) unmarshalSlow(data []byte, rec reflect.Value) error {
	raw := reflect.New(rt.raw)
	if err := json.Unmarshal(data, raw.Interface()); err != nil {
		return fmt.Errorf("%s: %w", rt.what, err)
	}
	rec.SetZero()
	for i, f := range rt.fields {
		v := raw.Elem().Field(i)
		if f.kind == idField {
			rec.Field(f.index).SetInt(v.Int())
		} else {
			rec.Field(f.index).SetString(v.String())
		}
	}
	return nil
}
