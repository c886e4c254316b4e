package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// hints are a tool's behaviour annotations. All four are always set: a
// client left to guess assumes the worst (destructive, open world) or, worse,
// the best.
type hints struct {
	readOnly, destructive, idempotent, openWorld bool
}

// spec declares a tool once, as data; define turns it into an mcp.Tool.
type spec struct {
	name, title, description string
	hints                    hints
}

// handlerFunc is a tool's body, given arguments already decoded into In
// and checked.
type handlerFunc[In any] func(ctx context.Context, req mcp.CallToolRequest, in In) (*mcp.CallToolResult, error)

// checker is implemented by inputs that need checks beyond their schema's
// types: ranges, formats, checksums.
type checker interface{ check() problems }

// define builds a server tool whose input and output schemas are reflected
// from In and Out, so that the schema a client sees and the struct the
// handler reads can never drift apart.
func define[In, Out any](d Deps, s spec, handle handlerFunc[In]) server.ServerTool {
	tool := mcp.Tool{
		Name:            s.name,
		Title:           s.title,
		Description:     s.description,
		RawInputSchema:  reflectSchema[In](),
		RawOutputSchema: reflectSchema[Out](),
		Annotations: mcp.ToolAnnotation{
			Title:           s.title,
			ReadOnlyHint:    mcp.ToBoolPtr(s.hints.readOnly),
			DestructiveHint: mcp.ToBoolPtr(s.hints.destructive),
			IdempotentHint:  mcp.ToBoolPtr(s.hints.idempotent),
			OpenWorldHint:   mcp.ToBoolPtr(s.hints.openWorld),
		},
	}
	return server.ServerTool{
		Tool: tool,
		Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			// The raw bytes, not the decoded map: that has already turned
			// every number into a float64, where 7.0000000000000001 is 7.
			in, probs := parseInput[In](req.GetRawArguments())
			if len(probs) > 0 {
				return d.refused(ctx, s.name, req.GetRawArguments(), probs), nil
			}
			return handle(ctx, req, in)
		},
	}
}

// reflected holds each type's reflected schema: reflection is the costliest
// part of building a tool, and Select, Names and the CLI build them again.
var reflected sync.Map // reflect.Type -> json.RawMessage

// reflectSchema renders T's JSON schema inline (no $ref, no $schema), as
// MCP clients expect of tool schemas, once per type.
func reflectSchema[T any]() json.RawMessage {
	key := reflect.TypeFor[T]()
	if raw, ok := reflected.Load(key); ok {
		return raw.(json.RawMessage)
	}
	raw, _ := reflected.LoadOrStore(key, reflectSchemaOnce[T]())
	return raw.(json.RawMessage)
}

func reflectSchemaOnce[T any]() json.RawMessage {
	r := jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Anonymous: true}
	schema := r.Reflect(new(T))
	schema.Version = ""
	raw, err := json.Marshal(schema)
	if err != nil {
		panic(fmt.Sprintf("tools: schema for %T: %v", *new(T), err)) // a programming error, caught by the golden tests
	}
	return raw
}

// parseInput decodes tool arguments strictly — exact names, no unknown
// fields, no silent truncation of 7.5 to 7 — and runs the input's own
// checks, collecting every problem so that they can be fixed in one go.
func parseInput[T any](args any) (T, problems) {
	var in T
	var p problems
	raw, err := rawArgs(args)
	if err != nil {
		p.add("arguments", "could not be read: %v", err)
		return in, p
	}
	bad := map[string]bool{}
	if raw != nil {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			p.add("arguments", "must be a JSON object of named arguments, e.g. {\"customer_id\": 5}")
			return in, p
		}
		v := reflect.ValueOf(&in).Elem()
		fields := jsonFields(v.Type())
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			if _, ok := fields[key]; !ok {
				p.add(argName(truncateRunes(key, 40)), "is not an argument of this tool; the arguments are %s", strings.Join(fieldNames(v.Type()), ", "))
			}
		}
		for _, name := range fieldNames(v.Type()) {
			value, ok := obj[name]
			if !ok || string(bytes.TrimSpace(value)) == "null" {
				continue
			}
			field := v.Field(fields[name])
			if err := json.Unmarshal(value, field.Addr().Interface()); err != nil {
				p.add(name, "must be %s, not %s", kindWord(field.Type()), jsonKind(value))
				field.SetZero()
				bad[name] = true
			}
		}
	}
	if c, ok := any(in).(checker); ok {
		for _, q := range c.check() {
			if !bad[q.Field] {
				p = append(p, q)
			}
		}
	}
	return in, p
}

func rawArgs(args any) ([]byte, error) {
	var raw []byte
	switch a := args.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		raw = a
	default:
		var err error
		if raw, err = json.Marshal(a); err != nil {
			return nil, err
		}
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		return nil, nil
	}
	return raw, nil
}

// jsonFields maps each JSON argument name of t to its field index.
func jsonFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		if name := jsonName(t.Field(i)); name != "" {
			out[name] = i
		}
	}
	return out
}

// fieldNames lists t's JSON argument names in declaration order.
func fieldNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if name := jsonName(f); name != "" {
			names = append(names, name)
		}
	}
	return names
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

// argName shows a client's argument name: plain names as they are,
// anything else quoted, so that an empty name or one holding a line break
// cannot blank or forge a line of the report.
func argName(key string) string {
	plain := func(r rune) bool { return r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	if key != "" && strings.IndexFunc(key, func(r rune) bool { return !plain(r) }) < 0 {
		return key
	}
	return strconv.Quote(key)
}

func kindWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return kindWord(t.Elem())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	default:
		return "a " + t.Kind().String()
	}
}

// jsonKind describes a JSON value without echoing it.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return "nothing"
	case raw[0] == '"':
		return "a string"
	case raw[0] == '{':
		return "an object"
	case raw[0] == '[':
		return "an array"
	case string(raw) == "true" || string(raw) == "false":
		return "a boolean"
	case bytes.ContainsAny(raw, ".eE"):
		return "a fractional number"
	default:
		return "a number out of range"
	}
}
