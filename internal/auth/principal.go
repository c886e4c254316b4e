// Package auth makes atomic-mcp an OAuth 2.1 resource server: it checks the
// bearer token of every MCP request (a JWT from the organisation's
// authorization server, a per-person key from --auth-keys, or the one shared
// ATOMIC_MCP_AUTH_TOKEN), says who is calling (the Principal), and decides
// from the token's scopes which tools that person may see and call.
package auth

import (
	"context"
	"log/slog"
)

// How a principal proved who it is.
const (
	ViaOAuth  = "oauth"  // a JWT access token from --oauth-issuer
	ViaKey    = "key"    // a named key from --auth-keys
	ViaShared = "shared" // the one ATOMIC_MCP_AUTH_TOKEN everyone shares
)

// Principal is the person (or agent) behind a request.
type Principal struct {
	// Subject is the token's sub, or the name of an --auth-keys entry.
	Subject string `json:"sub"`
	// ClientID is the OAuth client the token was issued to (client_id or
	// azp), when the token names one.
	ClientID string `json:"client_id,omitempty"`
	// Name and Email are for people reading the audit trail; they are
	// never used to decide anything.
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	// Via is how the principal authenticated: oauth, key or shared.
	Via string `json:"via"`
	// Scopes are what the principal may do.
	Scopes Scopes `json:"-"`
}

// ID is what confirmations, approvals and rate limits are bound to: stable
// for one person, different between people.
func (p Principal) ID() string {
	if p.Subject == "" && p.Via == "" {
		return ""
	}
	return p.Via + ":" + p.Subject
}

// Display names the principal for people: the display name, else the
// email, else the subject.
func (p Principal) Display() string {
	switch {
	case p.Name != "":
		return p.Name
	case p.Email != "":
		return p.Email
	}
	return p.Subject
}

// LogValue makes a principal one group in log lines.
func (p Principal) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("sub", p.Subject), slog.String("via", p.Via)}
	if p.ClientID != "" {
		attrs = append(attrs, slog.String("client_id", p.ClientID))
	}
	if p.Name != "" {
		attrs = append(attrs, slog.String("name", p.Name))
	}
	if p.Email != "" {
		attrs = append(attrs, slog.String("email", p.Email))
	}
	return slog.GroupValue(attrs...)
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the principal of ctx; ok is false outside an authenticated
// request (stdio, the CLI, an HTTP server without authentication).
func From(ctx context.Context) (p Principal, ok bool) {
	p, ok = ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// IDFrom is From(ctx).ID(), "" without a principal.
func IDFrom(ctx context.Context) string {
	p, _ := From(ctx)
	return p.ID()
}
