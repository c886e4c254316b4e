package auth

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Options configures New: any of an OAuth issuer, per-person keys and the
// shared token.
type Options struct {
	// Issuer is --oauth-issuer; PublicURL (--public-url) is then the
	// resource identifier and the audience tokens must carry.
	Issuer    string
	PublicURL string
	// Endpoints are the paths of the MCP endpoints (e.g. /mcp): each is
	// also an accepted audience and gets its own metadata document.
	Endpoints []string
	Names     Names
	Keys      *Keys
	// SharedToken is ATOMIC_MCP_AUTH_TOKEN.
	SharedToken string
	// Tools are the registered tools, whose annotations say which scope
	// each needs.
	Tools []mcp.Tool
	// PerUserRate is --rate-limit-per-user (calls/s); 0: none.
	PerUserRate float64
	Logger      *slog.Logger
}

// ResourceServer is everything that decides who may do what on a network
// server: the HTTP gate, the metadata documents, and the checks inside the
// MCP server.
type ResourceServer struct {
	opts   Options
	OIDC   *OIDC // nil without an issuer
	gate   *Gate
	policy *Policy
	limit  *PerPerson
}

// New assembles the resource server. It returns nil when opts names no way
// to authenticate: such a server (loopback only) trusts every caller.
func New(opts Options) *ResourceServer {
	var chain Chain
	if opts.Keys != nil {
		chain = append(chain, opts.Keys)
	}
	if opts.SharedToken != "" {
		chain = append(chain, NewSharedToken(opts.SharedToken))
	}
	rs := &ResourceServer{opts: opts}
	if opts.Issuer != "" {
		audiences := []string{strings.TrimRight(opts.PublicURL, "/")}
		for _, ep := range opts.Endpoints {
			audiences = append(audiences, strings.TrimRight(opts.PublicURL, "/")+ep)
		}
		rs.OIDC = NewOIDC(OIDCOptions{Issuer: opts.Issuer, Audiences: audiences, Names: opts.Names})
		chain = append(chain, rs.OIDC)
	}
	if len(chain) == 0 {
		return nil
	}
	rs.policy = NewPolicy(opts.Names, opts.Tools, true)
	rs.gate = NewGate(GateOptions{Verifier: chain, Names: rs.policy.Names(), Tools: rs.policy.Tools(), Logger: opts.Logger})
	if opts.PerUserRate > 0 {
		rs.limit = NewPerPerson(opts.PerUserRate, 0, nil)
	}
	return rs
}

// Guard wraps an MCP endpoint at path: authentication (401), then limit
// (the caller's body cap), then the scope check (403), which reads the body.
func (rs *ResourceServer) Guard(path string, limit func(http.Handler) http.Handler, next http.Handler) http.Handler {
	g := rs.gate.ForEndpoint(rs.metadataURL(path))
	return g.Authenticate(limit(g.Authorize(next)))
}

// Metadata are the Protected Resource Metadata documents (RFC 9728), keyed
// by the path they are served at: the server's own, and one per endpoint.
// Without an issuer there are none.
func (rs *ResourceServer) Metadata() map[string]http.Handler {
	if rs.OIDC == nil {
		return nil
	}
	base := strings.TrimRight(rs.opts.PublicURL, "/")
	out := map[string]http.Handler{}
	for _, resource := range append([]string{base}, rs.endpointResources()...) {
		out[server.ProtectedResourceMetadataPath(resource)] = server.NewProtectedResourceMetadataHandler(server.ProtectedResourceMetadataConfig{
			Resource:               resource,
			AuthorizationServers:   []string{rs.opts.Issuer},
			ScopesSupported:        rs.policy.Names().List(),
			BearerMethodsSupported: []string{"header"},
			ResourceName:           "Atomic (Atom Telecom) customers",
		})
	}
	return out
}

func (rs *ResourceServer) endpointResources() []string {
	base := strings.TrimRight(rs.opts.PublicURL, "/")
	var out []string
	for _, ep := range rs.opts.Endpoints {
		out = append(out, base+ep)
	}
	return out
}

// metadataURL is the absolute URL of path's metadata document, "" without
// an issuer.
func (rs *ResourceServer) metadataURL(path string) string {
	if rs.OIDC == nil {
		return ""
	}
	resource := strings.TrimRight(rs.opts.PublicURL, "/") + path
	u, err := url.Parse(resource)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + server.ProtectedResourceMetadataPath(resource)
}

// ToolFilter filters tools/list by the caller's scopes.
func (rs *ResourceServer) ToolFilter() server.ToolFilterFunc { return rs.policy.Filter }

// CallGuards check every tool call: scopes, then the caller's rate.
func (rs *ResourceServer) CallGuards() []server.ToolHandlerMiddleware {
	out := []server.ToolHandlerMiddleware{rs.policy.Guard}
	if rs.limit != nil {
		out = append(out, rs.limit.Guard)
	}
	return out
}
