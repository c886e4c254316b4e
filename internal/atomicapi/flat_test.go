package atomicapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// unmarshalFlat is the fast path alone, for the record *dst.
func unmarshalFlat(data []byte, dst any) bool {
	rec := reflect.ValueOf(dst).Elem()
	return recordTypes[rec.Type()].unmarshalFlat(data, rec)
}

// unmarshalSlow is the reference decoding alone, for the record *dst.
func unmarshalSlow(data []byte, dst any) error {
	rec := reflect.ValueOf(dst).Elem()
	return recordTypes[rec.Type()].unmarshalSlow(data, rec)
}

// referenceList decodes a list the reference way only.
func referenceList[T any](body []byte) ([]T, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, err
	}
	out := make([]T, len(raws))
	for i, raw := range raws {
		if err := unmarshalSlow(raw, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// agree decodes data both ways and fails unless the fast path either
// declines or yields exactly what the reference yields; it also checks the
// public json.Unmarshal path against the reference. It reports whether the
// fast path answered.
func agree[T any](t *testing.T, data []byte) bool {
	t.Helper()
	var ref T
	refErr := unmarshalSlow(data, &ref)
	var fast T
	ok := unmarshalFlat(data, &fast)
	if ok && refErr != nil {
		t.Fatalf("%T: the fast path accepted %q, which the reference rejects: %v", ref, data, refErr)
	}
	if ok && !reflect.DeepEqual(fast, ref) {
		t.Fatalf("%T: from %q the fast path decoded\n%#v\nthe reference\n%#v", ref, data, fast, ref)
	}
	if !ok && !reflect.ValueOf(fast).IsZero() {
		t.Fatalf("%T: the fast path declined %q but left %#v behind", ref, data, fast)
	}
	var pub T
	pubErr := json.Unmarshal(data, &pub)
	if (pubErr == nil) != (refErr == nil) {
		t.Fatalf("%T: json.Unmarshal(%q) error %v, the reference's %v", ref, data, pubErr, refErr)
	}
	if pubErr == nil && !reflect.DeepEqual(pub, ref) {
		t.Fatalf("%T: json.Unmarshal(%q) decoded\n%#v\nthe reference\n%#v", ref, data, pub, ref)
	}
	return ok
}

// flatSeeds are inputs at the fast path's edges: escapes, UTF-8 repair,
// number grammar, literals, keys matched only case-insensitively,
// duplicates, nesting, whitespace and trailing bytes.
var flatSeeds = []string{
	`{"customer_id":5,"customer_name":"waqi sc01","account_number":12345,"nickname":"test 01","abn":"123455","addr_1":"test sc01","addr_2":"","postcode":"3000","city":"MELBOURNE","region":"Victoria","country":"Australia","website":"","created_date":"2022-07-25 02:42:02","delete_date":null}`,
	`{"plan_id":134,"plan_name":"Test Plan","currency":"AUD","plan_type":"SMS Plan","price":1.20}`,
	`{"status":"DELETED","customer_id":"1","customer_name":"Test Customer"}`,
	`{}`, ` { } `, "\t{\r\n\"customer_id\" :\n7 }\n", `{"customer_id":" 7 "}`, `{"customer_id":""}`,
	`{"website":"https:\/\/example.com.au\/"}`,
	`{"customer_name":"Caf\u00e9 \"Zo\u00eb\" \\ \b\f\n\r\t"}`,
	`{"customer_name":"\ud83d\ude00 \ud83d \ude00 \ud83dx \uD83D\uDE00"}`,
	`{"customer_name":"\ud800\ud800\udc00"}`,
	"{\"customer_name\":\"bad \xff\xfe utf8 \xe2\x82\"}", "{\"customer_name\":\"ok \xe2\x82\xac\"}",
	`{"customer_name":"\u0000"}`, "{\"customer_name\":\"tab\there\"}", `{"customer_name":"\'"}`, `{"customer_name":"\x"}`,
	`{"customer_name":"\u12"}`, `{"customer_name":"\uZZZZ"}`, `{"customer_name":"open`, `{"customer_name":"a\`,
	`{"postcode":-0,"abn":1e5,"city":-1.5E-7,"region":0.0}`, `{"postcode":01}`, `{"postcode":1.}`, `{"postcode":-}`,
	`{"postcode":.5}`, `{"postcode":1e}`, `{"postcode":1e+}`, `{"postcode":+1}`,
	`{"customer_name":true,"nickname":false,"abn":null}`, `{"customer_name":nul}`, `{"customer_name":truex}`, `{"customer_name":nullnull}`,
	`{"Customer_ID":5}`, `{"CUSTOMER_NAME":"x","customer_name":"y"}`, `{"customer_name":"y","CUSTOMER_NAME":"x"}`,
	`{"customer_\u0069d":9}`, "{\"customer_name\":\"a\",\"\u212aey\":1}", `{"ſtatus":"x"}`,
	`{"customer_id":1,"customer_id":2}`, `{"customer_id":"x","customer_id":2}`, `{"customer_id":2,"customer_id":"x"}`,
	`{"customer_id":1.5}`, `{"customer_id":9223372036854775808}`, `{"customer_id":true}`, `{"customer_id":{}}`,
	`{"tags":["a"],"meta":{"x":1},"customer_name":"A"}`, `{"customer_name":["A"]}`,
	`{"created_date":" 0000-00-00 00:00:00 ","delete_date":"yesterday"}`, `{"delete_date":"\u00a02023-01-01\u00a0"}`,
	`{"customer_id":1}x`, `{"customer_id":1} `, `{"customer_id":1}}`, `{"customer_id":1,}`, `{,}`, `{"a"}`, `{"a":}`,
	`{"a" 1}`, `{"a":1 "b":2}`, `{'a':1}`, `{a:1}`, `[]`, `null`, `"x"`, ``, ` `, `{`, "\v{}",
}

func FuzzDecodeCustomer(f *testing.F) {
	for _, s := range flatSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		agree[Customer](t, data)
		agree[ServicePlan](t, data)
		agree[Deletion](t, data)
		// The same bytes as a one-element list, through the list path.
		list := append(append([]byte("["), data...), ']')
		if fast, ok := decodeFlatArray[Customer](list); ok {
			ref, err := referenceList[Customer](list)
			if err != nil || !reflect.DeepEqual(fast, ref) {
				t.Fatalf("list %q: fast %#v, reference %#v (%v)", list, fast, ref, err)
			}
		}
	})
}

// TestFastPathTaken: the shapes the API is known to send must not fall
// back to encoding/json, or every list silently costs 40 allocations a
// customer again.
func TestFastPathTaken(t *testing.T) {
	tests := []struct {
		name   string
		decode func(*testing.T, []byte) bool
		in     string
	}{
		{"documented customer", agree[Customer], flatSeeds[0]},
		{"documented plan", agree[ServicePlan], flatSeeds[1]},
		{"documented deletion", agree[Deletion], flatSeeds[2]},
		{"strings for numbers, both date forms", agree[Customer],
			`{"customer_id":"7","account_number":"A1","created_date":"2022-07-25T02:42:02Z","delete_date":"2023-01-01 00:00:00"}`},
		{"PHP json_encode escapes", agree[Customer], `{"website":"https:\/\/example.com.au\/","customer_name":"Caf\u00e9"}`},
		{"unknown scalar fields", agree[Customer], `{"customer_id":5,"unknown":"ignored","other":12,"flag":true}`},
	}
	for _, tt := range tests {
		if !tt.decode(t, []byte(tt.in)) {
			t.Errorf("%s: fell back to encoding/json for %s", tt.name, tt.in)
		}
	}
	if _, ok := decodeFlatArray[Customer](customers10k()); !ok {
		t.Error("the 10,000-customer list fell back to encoding/json")
	}
}

// TestFastPathDeclines: what the fast path must leave to encoding/json,
// because only encoding/json knows the answer (nesting, case-insensitive
// keys) or the error.
func TestFastPathDeclines(t *testing.T) {
	for _, s := range []string{
		`{"Customer_ID":5}`, `{"tags":["a"]}`, `{"meta":{}}`, `{"customer_id":"x"}`, `{"customer_id":1.5}`,
		`{"postcode":01}`, `{"customer_name":"\'"}`, "{\"customer_name\":\"a\nb\"}", `{"customer_id":1}x`, `null`, `[]`,
	} {
		var c Customer
		if unmarshalFlat([]byte(s), &c) {
			t.Errorf("the fast path answered %s: %#v", s, c)
		}
		agree[Customer](t, []byte(s))
	}
	for _, s := range []string{`[null]`, `[{}, 1]`, `[{}`, `[{},]`, `[{}] x`, `[{"a":[1]}]`, `{}`} {
		if items, ok := decodeFlatArray[Customer]([]byte(s)); ok {
			t.Errorf("decodeFlatArray answered %s: %#v", s, items)
		}
	}
}

// TestFlatStringsShareBody: unescaped values are substrings of one copy of
// the body rather than a string each, which is where the allocations went.
func TestFlatStringsShareBody(t *testing.T) {
	body := customers10k()
	allocs := testing.AllocsPerRun(5, func() {
		if _, ok := decodeFlatArray[Customer](body); !ok {
			t.Fatal("fell back")
		}
	})
	if allocs > 4 {
		t.Errorf("%v allocations to decode 10,000 customers, want a handful", allocs)
	}
}

// TestFlatArrayReservesInProportion: braces inside strings must not make
// the decoder reserve room for records that are not there.
func TestFlatArrayReservesInProportion(t *testing.T) {
	body := []byte(`[{"customer_id":1,"customer_name":"` + strings.Repeat("{", 1<<20) + `"}]`)
	var items []Customer
	allocated := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ok bool
			if items, ok = decodeFlatArray[Customer](body); !ok {
				b.Fatal("fell back")
			}
		}
	}).AllocedBytesPerOp()
	if len(items) != 1 || len(items[0].CustomerName) != 1<<20 {
		t.Fatalf("decoded %d customers", len(items))
	}
	if limit := int64(6 * len(body)); allocated > limit {
		t.Errorf("%d bytes allocated for a %d-byte body of one customer, want under %d", allocated, len(body), limit)
	}
}

// BenchmarkDecodeFlat10k measures the fast path alone on 10,000 customers,
// without the HTTP round trip BenchmarkDecodeCustomers10k includes.
func BenchmarkDecodeFlat10k(b *testing.B) {
	body := customers10k()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if items, ok := decodeFlatArray[Customer](body); !ok || len(items) != 10_000 {
			b.Fatal("fell back")
		}
	}
}
