package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/atomtelecom/atomic-mcp/internal/app"
	"github.com/atomtelecom/atomic-mcp/internal/auth"
	"github.com/atomtelecom/atomic-mcp/internal/config"
)

// checkTeam reports on who may call a network server: the OAuth issuer is
// reachable and its keys can be fetched, the audience is set, and how many
// people have keys.
func checkTeam(ctx context.Context, r *report, cfg config.Config) {
	if cfg.AuthKeys != nil {
		r.ok("auth keys", fmt.Sprintf("%d people have keys in %s", cfg.AuthKeys.Len(), cfg.AuthKeysFile))
	}
	if cfg.OAuthIssuer == "" {
		return
	}
	audiences := []string{cfg.PublicURL}
	for _, ep := range app.Endpoints(cfg.Transport) {
		audiences = append(audiences, cfg.PublicURL+ep)
	}
	r.ok("OAuth audience", "tokens must be issued for "+strings.Join(audiences, " or ")+" (--public-url)")
	o := auth.NewOIDC(auth.OIDCOptions{Issuer: cfg.OAuthIssuer, Audiences: audiences, Names: cfg.OAuthScopes})
	ctx, cancel := context.WithTimeout(ctx, networkTimeout)
	defer cancel()
	jwks, err := o.Discover(ctx)
	if err != nil {
		r.problem("OAuth issuer", err.Error(), "check --oauth-issuer (ATOMIC_MCP_OAUTH_ISSUER): it must be the issuer exactly as "+cfg.OAuthIssuer+"/.well-known/openid-configuration states it, reachable from this machine")
		return
	}
	r.ok("OAuth issuer", cfg.OAuthIssuer+" answers discovery; keys at "+jwks)
	n, err := o.CheckKeys(ctx)
	if err != nil {
		r.problem("OAuth keys", err.Error(), "the issuer's jwks_uri must serve its public signing keys to this machine")
		return
	}
	n2 := cfg.OAuthScopes
	r.ok("OAuth keys", fmt.Sprintf("fetched %d signing key(s); scopes %s, %s, %s", n, n2.Read, n2.Write, n2.Delete))
}
