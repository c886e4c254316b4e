package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Leeway is how far the clocks of this server and the authorization
// server may disagree when exp and nbf are checked.
const Leeway = 30 * time.Second

// discoveryTimeout bounds one discovery (or key fetch) attempt.
const discoveryTimeout = 10 * time.Second

// rediscoverAfter is how long a failed discovery is remembered before a
// request tries again: an unreachable authorization server is not asked on
// every request.
const rediscoverAfter = 5 * time.Second

// SigningAlgs are the only algorithms a token may be signed with:
// asymmetric ones. No "none", and no HMAC, whose "key" would be the
// issuer's public key that anyone can fetch.
var SigningAlgs = []string{
	oidc.RS256, oidc.RS384, oidc.RS512,
	oidc.PS256, oidc.PS384, oidc.PS512,
	oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.EdDSA,
}

// OIDC verifies JWT access tokens from one issuer, found through OpenID
// Connect discovery (or RFC 8414 OAuth metadata). Its signing keys are
// fetched from the issuer's jwks_uri and fetched again when a token names a
// key not seen yet, so a key rotation is picked up without a restart.
type OIDC struct {
	issuer    string
	audiences []string
	names     Names
	client    *http.Client
	now       func() time.Time

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	jwksURL  string
	failedAt time.Time
	lastErr  error
}

// OIDCOptions configures NewOIDC.
type OIDCOptions struct {
	// Issuer is the authorization server's issuer identifier.
	Issuer string
	// Audiences are the aud values that name this server (its --public-url,
	// with and without the MCP endpoint's path). A token must carry one.
	Audiences []string
	// Names map the token's scope strings to permissions.
	Names Names
	// HTTPClient fetches discovery and keys; nil: a client with timeouts.
	HTTPClient *http.Client
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// NewOIDC returns a verifier for opts.Issuer. Discovery happens on the
// first token (or Discover), so a server can start while its authorization
// server is briefly away.
func NewOIDC(opts OIDCOptions) *OIDC {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: discoveryTimeout}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &OIDC{issuer: opts.Issuer, audiences: opts.Audiences, names: opts.Names, client: opts.HTTPClient, now: opts.Now}
}

// Issuer is the issuer tokens must come from.
func (o *OIDC) Issuer() string { return o.issuer }

// Discover reads the issuer's metadata, if not done yet, and returns its
// jwks_uri.
func (o *OIDC) Discover(ctx context.Context) (string, error) {
	_, err := o.get(ctx, true)
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.jwksURL, err
}

// CheckKeys fetches the issuer's key set and counts its keys, for doctor.
func (o *OIDC) CheckKeys(ctx context.Context) (int, error) {
	jwks, err := o.Discover(ctx)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jwks, nil)
	if err != nil {
		return 0, fmt.Errorf("jwks_uri %s: %w", jwks, err)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("fetch keys from %s: %w", jwks, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("fetch keys from %s: HTTP %d", jwks, resp.StatusCode)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&set); err != nil {
		return 0, fmt.Errorf("keys from %s are not a JWK set: %w", jwks, err)
	}
	if len(set.Keys) == 0 {
		return 0, fmt.Errorf("the key set at %s is empty", jwks)
	}
	return len(set.Keys), nil
}

// ErrUnavailable: the authorization server could not be asked; the token
// was neither accepted nor refused.
var ErrUnavailable = errors.New("authorization server unavailable")

func (o *OIDC) get(ctx context.Context, force bool) (*oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.verifier != nil {
		return o.verifier, nil
	}
	if !force && o.now().Sub(o.failedAt) < rediscoverAfter {
		return nil, o.lastErr
	}
	// The key set outlives this request: its refreshes must not end with it.
	keyCtx := oidc.ClientContext(context.WithoutCancel(ctx), o.client)
	dctx, cancel := context.WithTimeout(keyCtx, discoveryTimeout)
	defer cancel()
	p, err := oidc.NewProvider(dctx, o.issuer)
	if err != nil {
		o.failedAt, o.lastErr = o.now(), fmt.Errorf("%w: discovery at %s: %v", ErrUnavailable, o.issuer, err)
		return nil, o.lastErr
	}
	var claims struct {
		JWKS string `json:"jwks_uri"`
	}
	_ = p.Claims(&claims)
	o.jwksURL = claims.JWKS
	o.verifier = p.VerifierContext(keyCtx, &oidc.Config{
		SupportedSigningAlgs: SigningAlgs,
		// Checked below: several audiences name this server, and exp and
		// nbf get the same small leeway.
		SkipClientIDCheck: true,
		SkipExpiryCheck:   true,
	})
	return o.verifier, nil
}

// accessClaims are the claims of an access token this server reads
// (RFC 9068, plus what Entra ID, Okta, Auth0 and Keycloak put there).
type accessClaims struct {
	Subject   string          `json:"sub"`
	Expiry    *json.Number    `json:"exp"`
	NotBefore *json.Number    `json:"nbf"`
	ClientID  string          `json:"client_id"`
	AZP       string          `json:"azp"`
	AppID     string          `json:"appid"`
	Name      string          `json:"name"`
	Username  string          `json:"preferred_username"`
	Email     string          `json:"email"`
	Scope     json.RawMessage `json:"scope"`
	SCP       json.RawMessage `json:"scp"`
	Roles     []string        `json:"roles"`
	Perms     []string        `json:"permissions"`
}

// Verify implements Verifier.
func (o *OIDC) Verify(ctx context.Context, token string) (Principal, error) {
	if strings.Count(token, ".") != 2 {
		return Principal{}, errNotMine // not a JWT: perhaps a per-person key
	}
	v, err := o.get(ctx, false)
	if err != nil {
		return Principal{}, err
	}
	idt, err := v.Verify(ctx, token)
	if err != nil {
		if strings.Contains(err.Error(), "fetching keys") {
			return Principal{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return Principal{}, invalid("%s", strings.TrimPrefix(err.Error(), "oidc: "))
	}
	var c accessClaims
	if err := idt.Claims(&c); err != nil {
		return Principal{}, invalid("claims: %v", err)
	}
	now := o.now()
	exp, ok := unixTime(c.Expiry)
	switch {
	case !ok:
		return Principal{}, invalid("the token has no exp: tokens without an expiry are not accepted")
	case now.After(exp.Add(Leeway)):
		return Principal{}, invalid("the token expired at %s", exp.UTC().Format(time.RFC3339))
	}
	if nbf, ok := unixTime(c.NotBefore); ok && now.Add(Leeway).Before(nbf) {
		return Principal{}, invalid("the token is not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	if !o.audienceOK(idt.Audience) {
		return Principal{}, invalid("the token's audience %q does not name this server (want %s)", idt.Audience, o.audiences[0])
	}
	if c.Subject == "" {
		return Principal{}, invalid("the token has no sub")
	}
	p := Principal{Subject: c.Subject, Via: ViaOAuth, Name: c.Name, Email: c.Email, ClientID: first(c.ClientID, c.AZP, c.AppID)}
	if p.Name == "" && c.Username != p.Email {
		p.Name = c.Username
	}
	granted := append(spaceList(c.Scope), spaceList(c.SCP)...)
	granted = append(append(granted, c.Roles...), c.Perms...)
	p.Scopes = o.names.Grant(granted)
	return p, nil
}

func (o *OIDC) audienceOK(aud []string) bool {
	for _, a := range aud {
		a = strings.TrimRight(a, "/")
		for _, want := range o.audiences {
			if a == strings.TrimRight(want, "/") {
				return true
			}
		}
	}
	return false
}

func unixTime(n *json.Number) (time.Time, bool) {
	if n == nil {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || f <= 0 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

// spaceList reads a scope claim: a space-separated string (RFC 9068,
// Entra's scp) or an array of strings (Okta's scp).
func spaceList(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.Fields(s)
	}
	var list []string
	_ = json.Unmarshal(raw, &list)
	return list
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
