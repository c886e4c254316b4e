package telemetry

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/mark3labs/mcp-go/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/semconv/v1.41.0/mcpconv"
	"go.opentelemetry.io/otel/trace"
)

// errorTypeToolError is error.type for a tools/call whose result has
// isError set, as the MCP conventions say.
const errorTypeToolError = "tool_error"

// Instrument adds the MCP server spans and mcp.server.operation.duration to
// a server: it registers its hooks on hooks and returns the options that
// install it. mcp-go opens one span around each request it dispatches, on
// every transport, covering the handler; this package gives that span the
// conventions' name and attributes (mcp-go's own tracing uses others) and
// takes the parent from params._meta. Disabled, it returns nothing and adds
// no hook.
func (t *Telemetry) Instrument(hooks *server.Hooks) []server.ServerOption {
	if !t.Enabled() {
		return nil
	}
	tr := &mcpTracer{tracer: t.tracer.Tracer(ScopeName), metrics: t.metrics, stdio: t.transport == "stdio"}
	switch t.transport {
	case "stdio":
		tr.transport = "pipe"
	case "":
	default:
		tr.transport = "tcp"
	}
	hooks.AddBeforeAny(beforeRequest)
	hooks.AddOnSuccess(afterSuccess)
	hooks.AddOnError(afterError)
	return []server.ServerOption{
		server.WithTracer(tr),
		server.WithMetaPropagator(metaPropagator{t.prop}),
	}
}

// mcpTracer opens the MCP server spans for mcp-go. Only the span around a
// request (kind server) is made; the internal per-tool span mcp-go also
// asks for would only duplicate it.
type mcpTracer struct {
	tracer    trace.Tracer
	metrics   *Metrics
	transport string // network.transport
	stdio     bool
}

// mcpGoMethodKey is the attribute in which mcp-go passes the method.
const mcpGoMethodKey = "mcp.method"

func (t *mcpTracer) Start(ctx context.Context, name string, kind tracing.SpanKind, attrs ...tracing.Attribute) (context.Context, tracing.Span) {
	if kind != tracing.SpanKindServer {
		return tracing.NoopTracer().Start(ctx, name, kind)
	}
	s := &serverSpan{metrics: t.metrics, start: time.Now()}
	for _, a := range attrs {
		if a.Key == mcpGoMethodKey {
			s.method = a.Value
		}
	}
	s.protocol = server.RequestProtocolVersion(ctx)
	start := []attribute.KeyValue{semconv.McpMethodNameKey.String(s.method)}
	if s.protocol != "" {
		start = append(start, semconv.McpProtocolVersion(s.protocol))
	}
	if t.transport != "" {
		start = append(start, semconv.NetworkTransportKey.String(t.transport))
	}
	// A stdio server has one client and no MCP session id; mcp-go names
	// its stdio session "stdio", which identifies nothing.
	if session := server.ClientSessionFromContext(ctx); session != nil && !t.stdio {
		if id := session.SessionID(); id != "" {
			start = append(start, semconv.McpSessionID(id))
		}
	}
	ctx, s.span = t.tracer.Start(ctx, s.method, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(start...))
	return tracing.ContextWithSpan(ctx, s), s
}

// serverSpan is one request's span and what its duration is recorded with.
// mcp-go ends it when the response is ready; the hooks fill it in before.
type serverSpan struct {
	span    trace.Span
	metrics *Metrics
	start   time.Time

	mu        sync.Mutex
	method    string
	protocol  string
	tool      string // gen_ai.tool.name
	prompt    string // gen_ai.prompt.name
	errorType string
	rpcCode   string
	message   string // the JSON-RPC error message, for the span status
}

// SetAttributes drops mcp-go's attributes, which use its own names; the
// hooks set the conventions' ones.
func (*serverSpan) SetAttributes(...tracing.Attribute) {}

// RecordError drops the handler's error: its text may quote arguments
// (customer names), and error.type already classifies it.
func (*serverSpan) RecordError(error) {}

func (s *serverSpan) SetStatus(code tracing.StatusCode, description string) {
	if code != tracing.StatusError {
		return
	}
	s.mu.Lock()
	if s.message == "" {
		s.message = description
	}
	s.mu.Unlock()
}

func (s *serverSpan) End() {
	s.mu.Lock()
	defer s.mu.Unlock()
	attrs := make([]attribute.KeyValue, 0, 5)
	// A name a client made up (a tool that does not exist) fails with a
	// JSON-RPC error: it names neither the span nor a metric series, so
	// that callers cannot grow them without bound.
	if s.rpcCode == "" {
		switch {
		case s.tool != "":
			attrs = append(attrs, semconv.GenAIToolName(s.tool), semconv.GenAIOperationNameExecuteTool)
			s.span.SetName(s.method + " " + s.tool)
		case s.prompt != "":
			attrs = append(attrs, semconv.GenAIPromptName(s.prompt))
			s.span.SetName(s.method + " " + s.prompt)
		}
	}
	if s.errorType != "" {
		attrs = append(attrs, semconv.ErrorTypeKey.String(s.errorType))
		if s.rpcCode != "" {
			attrs = append(attrs, semconv.RPCResponseStatusCode(s.rpcCode))
		}
		s.span.SetStatus(codes.Error, s.message)
	}
	s.span.SetAttributes(attrs...)
	if s.protocol != "" {
		attrs = append(attrs, semconv.McpProtocolVersion(s.protocol))
	}
	s.metrics.operation.Record(context.Background(), time.Since(s.start).Seconds(), mcpconv.MethodNameAttr(s.method), attrs...)
	s.span.End()
}

func spanOf(ctx context.Context) *serverSpan {
	s, _ := tracing.SpanFromContext(ctx).(*serverSpan)
	return s
}

// beforeRequest records the request id and the tool or prompt a request
// is about.
func beforeRequest(ctx context.Context, id any, _ mcp.MCPMethod, message any) {
	s := spanOf(ctx)
	if s == nil {
		return
	}
	if rid := requestID(id); rid != "" {
		s.span.SetAttributes(semconv.JSONRPCRequestID(rid))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m := message.(type) {
	case *mcp.CallToolRequest:
		s.tool = m.Params.Name
	case *mcp.GetPromptRequest:
		s.prompt = m.Params.Name
	}
}

// afterSuccess marks a tool's error result.
func afterSuccess(ctx context.Context, _ any, _ mcp.MCPMethod, _ any, result any) {
	s := spanOf(ctx)
	if s == nil {
		return
	}
	if res, ok := result.(*mcp.CallToolResult); ok && res.IsError {
		s.mu.Lock()
		s.errorType, s.message = errorTypeToolError, "tool returned an error result"
		s.mu.Unlock()
	}
}

// jsonrpcError is what mcp-go's request errors can turn into.
type jsonrpcError interface{ ToJSONRPCError() mcp.JSONRPCError }

// afterError classifies a JSON-RPC error by its code, as the conventions
// ask.
func afterError(ctx context.Context, _ any, _ mcp.MCPMethod, _ any, err error) {
	s := spanOf(ctx)
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var coded jsonrpcError
	if errors.As(err, &coded) {
		e := coded.ToJSONRPCError().Error
		s.rpcCode = strconv.Itoa(e.Code)
		s.errorType, s.message = s.rpcCode, e.Message
		return
	}
	s.rpcCode, s.errorType = string(mcpconv.ErrorTypeOther), string(mcpconv.ErrorTypeOther)
}

// requestID is a JSON-RPC id as text: a number as JSON wrote it, not in
// Go's exponent form.
func requestID(id any) string {
	switch v := id.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case mcp.RequestId:
		return v.String()
	case interface{ String() string }:
		return v.String()
	}
	return ""
}

// metaPropagator reads W3C trace context from params._meta, where the MCP
// conventions (SEP-414) carry it on every transport.
type metaPropagator struct{ prop propagation.TextMapPropagator }

func (p metaPropagator) ExtractMeta(ctx context.Context, meta *mcp.Meta) context.Context {
	if meta == nil || len(meta.AdditionalFields) == 0 {
		return ctx
	}
	carrier := propagation.MapCarrier{}
	for _, k := range p.prop.Fields() {
		if v, ok := meta.AdditionalFields[k].(string); ok {
			carrier[k] = v
		}
	}
	if len(carrier) == 0 {
		return ctx
	}
	return p.prop.Extract(ctx, carrier)
}

// InjectMeta is for clients; the server never sends requests that carry
// its context.
func (metaPropagator) InjectMeta(_ context.Context, meta *mcp.Meta) *mcp.Meta { return meta }
