package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

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

// handlerFunc is a tool's body, given arguments already decoded into In.
type handlerFunc[In any] func(ctx context.Context, req mcp.CallToolRequest, in In) (*mcp.CallToolResult, error)

// define builds a server tool whose input and output schemas are reflected
// from In and Out, so that the schema a client sees and the struct the
// handler reads can never drift apart.
func define[In, Out any](s spec, handle handlerFunc[In]) server.ServerTool {
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
			in, err := decodeArgs[In](req.Params.Arguments)
			if err != nil {
				return mcp.NewToolResultError(fmt.Sprintf("%s was not run: %v", s.name, err)), nil
			}
			return handle(ctx, req, in)
		},
	}
}

// reflectSchema renders T's JSON schema inline (no $ref, no $schema), as
// MCP clients expect of tool schemas.
func reflectSchema[T any]() json.RawMessage {
	r := jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Anonymous: true}
	schema := r.Reflect(new(T))
	schema.Version = ""
	raw, err := json.Marshal(schema)
	if err != nil {
		panic(fmt.Sprintf("tools: schema for %T: %v", *new(T), err)) // a programming error, caught by the golden tests
	}
	return raw
}

// decodeArgs decodes tool arguments strictly: unknown fields and wrong types
// are errors naming the field, never silently dropped or truncated.
func decodeArgs[T any](args any) (T, error) {
	var in T
	var raw []byte
	switch a := args.(type) {
	case nil:
		return in, nil
	case json.RawMessage:
		raw = a
	default:
		var err error
		if raw, err = json.Marshal(a); err != nil {
			return in, fmt.Errorf("arguments could not be read: %w", err)
		}
	}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return in, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, argError(err, reflect.TypeFor[T]())
	}
	return in, nil
}

func argError(err error, t reflect.Type) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		want := typeErr.Type.Kind().String()
		switch typeErr.Type.Kind() {
		case reflect.Int, reflect.Int64, reflect.Int32:
			want = "a whole number"
		case reflect.String:
			want = "a string"
		case reflect.Bool:
			want = "true or false"
		}
		return fmt.Errorf("argument %q must be %s, not a JSON %s", typeErr.Field, want, typeErr.Value)
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		return fmt.Errorf("unknown argument %s: the accepted arguments are %s", strings.TrimPrefix(msg, "json: unknown field "), fieldNames(t))
	}
	return fmt.Errorf("arguments are not a valid JSON object: %w", err)
}

func fieldNames(t reflect.Type) string {
	var names []string
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}
