package auth

import (
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// Scopes is a set of permissions.
type Scopes uint8

// The permissions. Read covers the list tools, the resources and the
// prompts; Write creates customers; Delete deletes them. None implies
// another: an organisation grants each on its own.
const (
	Read Scopes = 1 << iota
	Write
	Delete

	All = Read | Write | Delete
)

// Has reports whether s holds every permission of want.
func (s Scopes) Has(want Scopes) bool { return s&want == want }

// Names are the scope strings the authorization server issues for each
// permission; --oauth-scopes maps them to an IdP's own names.
type Names struct {
	Read, Write, Delete string
}

// DefaultNames are the scope names of a generic OAuth server.
var DefaultNames = Names{Read: "customers:read", Write: "customers:write", Delete: "customers:delete"}

// Of returns the scope name of one permission.
func (n Names) Of(s Scopes) string {
	switch s {
	case Read:
		return n.Read
	case Write:
		return n.Write
	case Delete:
		return n.Delete
	}
	return ""
}

// List is every scope name, for the metadata's scopes_supported.
func (n Names) List() []string { return []string{n.Read, n.Write, n.Delete} }

// Grant turns the scope strings of a token into permissions; names this
// server does not know are ignored.
func (n Names) Grant(granted []string) Scopes {
	var s Scopes
	for _, g := range granted {
		switch g {
		case n.Read:
			s |= Read
		case n.Write:
			s |= Write
		case n.Delete:
			s |= Delete
		}
	}
	return s
}

// ParseNames reads --oauth-scopes: read=NAME,write=NAME,delete=NAME, any of
// them, the others keeping their defaults.
func ParseNames(spec string) (Names, error) {
	n := DefaultNames
	if strings.TrimSpace(spec) == "" {
		return n, nil
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(spec, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		key, value = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value)
		if !ok || value == "" || strings.ContainsAny(value, " \t\"\\") {
			return Names{}, fmt.Errorf("%q is not permission=scope: give read=NAME,write=NAME,delete=NAME, e.g. read=api://atomic/Customers.Read", part)
		}
		if seen[key] {
			return Names{}, fmt.Errorf("%s is given twice", key)
		}
		seen[key] = true
		switch key {
		case "read":
			n.Read = value
		case "write":
			n.Write = value
		case "delete":
			n.Delete = value
		default:
			return Names{}, fmt.Errorf("unknown permission %q: the permissions are read, write and delete", key)
		}
	}
	if n.Read == n.Write || n.Read == n.Delete || n.Write == n.Delete {
		return Names{}, fmt.Errorf("read, write and delete need three different scope names (got %s, %s, %s)", n.Read, n.Write, n.Delete)
	}
	return n, nil
}

// ToolScopes derives what each tool needs from its annotations, so that a
// new tool is classified where it is declared: read-only tools need Read,
// destructive ones Delete, every other one Write.
func ToolScopes(tools []mcp.Tool) map[string]Scopes {
	out := make(map[string]Scopes, len(tools))
	for _, t := range tools {
		a := t.Annotations
		switch {
		case a.ReadOnlyHint != nil && *a.ReadOnlyHint:
			out[t.Name] = Read
		case a.DestructiveHint == nil || *a.DestructiveHint:
			// MCP's default for a tool that is not read-only is
			// destructive: an unannotated tool needs the most.
			out[t.Name] = Delete
		default:
			out[t.Name] = Write
		}
	}
	return out
}
