package tools

import (
	"github.com/atomtelecom/atomic-mcp/internal/names"

	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	jsv "github.com/santhosh-tekuri/jsonschema/v6"
)

// FuzzToolArguments feeds arbitrary bytes as the arguments of every tool,
// both as raw JSON and as the map[string]any mcp-go decodes a request into.
// Argument parsing must never panic; a refusal must name each field at
// fault, one line each; an accepted input must hold exactly what was sent
// (no 7.5 read as 7, no "7" read as 7) and satisfy its tool's own rules.
//
// The published input schema, checked by mcp-go's own validator
// (santhosh-tekuri/jsonschema), is the oracle: arguments the tool accepts
// always pass the schema, and arguments the schema refuses are always
// refused. The tool may refuse more than the schema, only for the checks a
// JSON schema cannot express (see beyondSchema).
func FuzzToolArguments(f *testing.F) {
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `7`, `{"customer_id":5}`, `{"customer_id":7.5}`, `{"customer_id":"7"}`,
		`{"customer_id":0}`, `{"customer_id":-1}`, `{"customer_id":9223372036854775807}`, `{"customer_id":9223372036854775808}`,
		`{"customer_id":1e2}`, `{"customer_id":5,"confirmation_token":"v1.AAAA.BBBB"}`, `{"customer_id":5,"customer_id":-5}`,
		`{"Customer_ID":5}`, `{"customer_id":null}`, `{"customer_id":[5]}`, `{"customer_id":{"$gt":0}}`,
		`{"customer_name":"Harbour Plumbing","nickname":"Harbour","addr_1":"1 Circular Quay","postcode":"2000","country":"Australia"}`,
		`{"customer_name":" ","nickname":"\t","addr_1":"x","postcode":"2000","country":"AU","abn":"51 824 753 556"}`,
		`{"customer_name":"a\nb","nickname":"n","addr_1":"a","postcode":"200","country":"aus","abn":"51824753557","website":"javascript:alert(1)"}`,
		`{"customer_name":"\u202eevil","nickname":"n","addr_1":"a","postcode":"12345","country":"NZ","website":"例え.jp"}`,
		`{"customer_name":"x","nickname":"x","addr_1":"x","postcode":"x","country":"x","allow_duplicate":"true"}`,
		`{"limit":0}`, `{"limit":501}`, `{"limit":50,"offset":-1}`, `{"limit":null,"offset":null}`, `{"include_deleted":1}`,
		`{"customer_name":"` + strings.Repeat("é", 300) + `"}`, "{\"customer_name\":\"\xff\"}", `{"unknown":1,"another":2}`,
		`{"":1}`, `{"a\nb":1}`, `{"\u202eb":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		type form struct {
			args any
			sent []byte // the JSON the arguments hold
		}
		forms := []form{{json.RawMessage(data), data}}
		// The map form has lost precision before parsing sees it (numbers
		// are float64: 7.0000000000000001 is already 7), so it is held to
		// what it holds, not to data.
		var decoded any
		if json.Unmarshal(data, &decoded) == nil {
			sent, err := json.Marshal(decoded)
			if err != nil {
				t.Fatal(err)
			}
			forms = append(forms, form{decoded, sent})
		}
		for _, f := range forms {
			checkTool[CreateCustomerInput](t, "create_customer", f.args, f.sent, acceptedCreate)
			checkTool[DeleteCustomerInput](t, "delete_customer", f.args, f.sent, acceptedDelete)
			checkTool[ListCustomersInput](t, "list_customers", f.args, f.sent, acceptedList)
			checkTool[ListServicePlansInput](t, "list_service_plans", f.args, f.sent, func(*testing.T, ListServicePlansInput) {})
		}
	})
}

// checkTool parses args, which hold the JSON data, for one tool and checks
// the outcome.
func checkTool[In any](t *testing.T, tool string, args any, data []byte, accepted func(*testing.T, In)) {
	t.Helper()
	in, probs := parseInput[In](args)
	schemaErr := checkInputSchema(t, tool, data, jsonFields(reflect.TypeFor[In]()))
	if len(probs) == 0 && schemaErr != nil {
		t.Fatalf("%s %q: the tool accepts arguments its published schema refuses: %v", tool, data, schemaErr)
	}
	if len(probs) > 0 && schemaErr == nil {
		for _, p := range probs {
			if !beyondSchema(tool, p) {
				t.Fatalf("%s %q: the schema accepts it, yet the tool refuses %s (%s), which the schema could say", tool, data, p.Field, p.Problem)
			}
		}
	}
	if len(probs) > 0 {
		report := probs.report(tool)
		lines := strings.Split(report, "\n")
		if len(lines) != len(probs)+1 || !strings.Contains(lines[0], tool) {
			t.Fatalf("%s %q: the report is not one heading naming the tool and one line per problem:\n%s", tool, data, report)
		}
		for i, p := range probs {
			if strings.TrimSpace(p.Field) == "" || p.Problem == "" {
				t.Fatalf("%s %q: problem %d does not name its field: %+v", tool, data, i, p)
			}
			if !strings.HasPrefix(lines[i+1], "- "+p.Field+": ") {
				t.Fatalf("%s %q: report line %q does not start with the field %q", tool, data, lines[i+1], p.Field)
			}
		}
		return
	}
	checkFaithful(t, tool, data, in)
	accepted(t, in)
}

// checkFaithful: every argument sent is held exactly, in its own type.
func checkFaithful[In any](t *testing.T, tool string, data []byte, in In) {
	t.Helper()
	if t := bytes.TrimSpace(data); len(t) == 0 || string(t) == "null" {
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		t.Fatalf("%s accepted arguments that are not a JSON object: %q", tool, data)
	}
	v := reflect.ValueOf(in)
	fields := jsonFields(v.Type())
	for key, raw := range obj {
		i, ok := fields[key]
		if !ok {
			t.Fatalf("%s accepted the unknown argument %q", tool, key)
		}
		raw = bytes.TrimSpace(raw)
		field := v.Field(i)
		if string(raw) == "null" {
			continue
		}
		if field.Kind() == reflect.Pointer {
			field = field.Elem()
		}
		switch field.Kind() {
		case reflect.Int, reflect.Int64:
			if n, err := strconv.ParseInt(string(raw), 10, 64); err != nil || n != field.Int() {
				t.Fatalf("%s: %s sent as %s was read as %d", tool, key, raw, field.Int())
			}
		case reflect.String:
			var s string
			if raw[0] != '"' || json.Unmarshal(raw, &s) != nil || s != field.String() {
				t.Fatalf("%s: %s sent as %s was read as %q", tool, key, raw, field.String())
			}
		case reflect.Bool:
			if string(raw) != strconv.FormatBool(field.Bool()) {
				t.Fatalf("%s: %s sent as %s was read as %v", tool, key, raw, field.Bool())
			}
		default:
			t.Fatalf("%s: the fuzz test does not know the argument type %s of %s", tool, field.Kind(), key)
		}
	}
}

func acceptedCreate(t *testing.T, in CreateCustomerInput) {
	req, p := in.normalize()
	if len(p) > 0 {
		t.Fatalf("accepted, yet normalize finds %v", p)
	}
	for name, v := range map[string]string{"customer_name": req.CustomerName, "nickname": req.Nickname, "addr_1": req.Addr1, "postcode": req.Postcode, "country": req.Country} {
		if strings.TrimSpace(v) == "" {
			t.Fatalf("accepted a create without %s: %+v", name, req)
		}
	}
	limits := map[string]int{"customer_name": 255, "nickname": 255, "addr_1": 255, "postcode": 10, "country": 100, "abn": 20, "addr_2": 255, "city": 100, "region": 100, "website": 255}
	for name, v := range map[string]string{"customer_name": req.CustomerName, "nickname": req.Nickname, "addr_1": req.Addr1, "postcode": req.Postcode,
		"country": req.Country, "abn": req.ABN, "addr_2": req.Addr2, "city": req.City, "region": req.Region, "website": req.Website} {
		if v != strings.TrimSpace(v) || !utf8.ValidString(v) || hasHidden(v) || utf8.RuneCountInString(v) > limits[name] {
			t.Fatalf("accepted %s %q: untrimmed, invalid UTF-8, control characters or over %d characters", name, v, limits[name])
		}
	}
	if isAustralia(req.Country) {
		if req.Country != "Australia" || !fourDigits().MatchString(req.Postcode) || (req.ABN != "" && !validABN(req.ABN)) {
			t.Fatalf("accepted an Australian customer with country %q, postcode %q, ABN %q", req.Country, req.Postcode, req.ABN)
		}
	}
}

func acceptedDelete(t *testing.T, in DeleteCustomerInput) {
	if in.CustomerID < 1 || len(in.ConfirmationToken) > 200 {
		t.Fatalf("accepted a delete of customer_id %d with a %d-byte token", in.CustomerID, len(in.ConfirmationToken))
	}
}

func acceptedList(t *testing.T, in ListCustomersInput) {
	name := strings.TrimSpace(in.CustomerName)
	if (in.Limit != nil && (*in.Limit < 1 || *in.Limit > 500)) || in.Offset < 0 ||
		utf8.RuneCountInString(name) > 255 || !utf8.ValidString(name) || hasHidden(name) {
		limit := "none"
		if in.Limit != nil {
			limit = strconv.Itoa(*in.Limit)
		}
		t.Fatalf("accepted a list with limit %s, offset %d, customer_name %q", limit, in.Offset, name)
	}
}

// beyondSchema reports whether a problem is one a JSON schema cannot
// express, so the tool may find it in arguments the schema accepts:
//   - text checks: blank after trimming, control or text-direction
//     characters, invalid UTF-8 (the validator sees U+FFFD), lengths counted
//     after trimming;
//   - cross-field rules: an Australian postcode has four digits, an ABN
//     passes its checksum, the country is normalised;
//   - a website must be an http(s) address (format=uri accepts javascript:);
//   - a duplicate key, which a JSON object decoder folds before the schema
//     sees it;
//   - whole numbers: the tool reads them as int64, refusing one written in
//     exponent form (1e2) or out of int64's range, where the schema's
//     "integer" accepts both.
//
// One leniency runs the other way: the tool reads an argument given as null
// as left out, so the oracle drops null arguments before it validates.
func beyondSchema(tool string, p fieldProblem) bool {
	if strings.Contains(p.Problem, "must be a whole number") {
		return true
	}
	text := []string{"empty", "blank", "control characters", "UTF-8", "characters long", "spaces"}
	for _, w := range text {
		if strings.Contains(p.Problem, w) {
			return true
		}
	}
	switch tool {
	case "create_customer":
		return slices.Contains([]string{"postcode", "abn", "website", "country", "customer_name", "nickname", "addr_1"}, p.Field)
	case "list_customers":
		return p.Field == "customer_name"
	}
	return false
}

var (
	inputOnce    sync.Once
	inputSchemas map[string]*jsv.Schema
	inputErr     error
)

// checkInputSchema validates data, as a client would send it, against the
// tool's published input schema.
func checkInputSchema(t *testing.T, tool string, data []byte, args map[string]int) error {
	t.Helper()
	inputOnce.Do(func() {
		inputSchemas, inputErr = compileAll("input", func(t mcp.Tool) json.RawMessage { return t.RawInputSchema })
	})
	if inputErr != nil {
		t.Fatal(inputErr)
	}
	if t := bytes.TrimSpace(data); len(t) == 0 || string(t) == "null" {
		data = []byte("{}") // no arguments at all: mcp-go sends none, the schema sees {}
	}
	v, err := jsv.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	if obj, ok := v.(map[string]any); ok {
		for k, x := range obj {
			if _, known := args[k]; known && x == nil {
				delete(obj, k)
			}
		}
	}
	return inputSchemas[tool].Validate(v)
}

func hasHidden(s string) bool {
	_, hidden := names.Hidden(s)
	return hidden
}
