package auth

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Policy applies the principal's scopes inside the MCP server: tools/list
// shows only the tools they may call, and every call is checked again, so
// that no path around the HTTP gate (a transport that batches, a future
// one) reaches a tool the token does not allow.
type Policy struct {
	names Names
	tools map[string]Scopes
	// required: a call without a principal is refused. Set on a network
	// server with authentication; stdio and the CLI have no principals.
	required bool
}

// NewPolicy returns the policy for tools. With required set, a request
// that carries no principal is refused rather than trusted.
func NewPolicy(names Names, tools []mcp.Tool, required bool) *Policy {
	if names == (Names{}) {
		names = DefaultNames
	}
	return &Policy{names: names, tools: ToolScopes(tools), required: required}
}

// Tools is what each tool needs.
func (p *Policy) Tools() map[string]Scopes { return p.tools }

// Names are the scope names in use.
func (p *Policy) Names() Names { return p.names }

// allowed reports whether ctx's principal may call tool.
func (p *Policy) allowed(ctx context.Context, tool string) (bool, Scopes) {
	need, ok := p.tools[tool]
	if !ok {
		need = Read
	}
	who, ok := From(ctx)
	if !ok {
		return !p.required, need
	}
	return who.Scopes.Has(need), need
}

// Filter is a tools/list filter: only the tools the caller may call.
func (p *Policy) Filter(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
	out := make([]mcp.Tool, 0, len(tools))
	for _, t := range tools {
		if ok, _ := p.allowed(ctx, t.Name); ok {
			out = append(out, t)
		}
	}
	return out
}

// Guard refuses a call the caller's scopes do not allow, as a tool error
// naming the scope to ask for.
func (p *Policy) Guard(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if ok, need := p.allowed(ctx, req.Params.Name); !ok {
			return mcp.NewToolResultError(fmt.Sprintf("%s: not allowed: your sign-in does not grant the scope %s, which this tool needs; nothing was done. Ask your administrator for it, then sign in again.",
				req.Params.Name, p.names.Of(need))), nil
		}
		return next(ctx, req)
	}
}
