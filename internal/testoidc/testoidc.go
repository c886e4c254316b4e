// Package testoidc starts a real OpenID provider (zitadel/oidc's op
// package) on loopback for tests: the client-credentials grant, JWT access
// tokens signed with keys it publishes at its jwks_uri, and hooks to rotate
// the keys, to sign with a key it does not publish, and to issue under
// another issuer name. Tokens come from its token endpoint, as from any
// authorization server; nothing here mints a JWT by hand.
package testoidc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/oauth2/clientcredentials"
)

// Client is one OAuth client of the provider (client-credentials grant):
// a person's agent, for the tests.
type Client struct {
	ID, Secret string
	// Subject is the tokens' sub; default ID.
	Subject string
	// Name and Email, when set, are claims of the tokens.
	Name, Email string
	// Audience is the tokens' aud.
	Audience []string
	// Lifetime is how long tokens live; default 5 minutes. A negative one
	// issues tokens that have already expired.
	Lifetime time.Duration
}

// ForeignPath is where the provider also serves under another issuer
// name, with the same keys: Issuer+ForeignPath.
const ForeignPath = "/other"

// Provider is a running OpenID provider.
type Provider struct {
	// Issuer is its issuer identifier, http://127.0.0.1:PORT.
	Issuer string
	srv    *httptest.Server
	st     *storage
}

// Start serves a provider for clients until the test ends.
func Start(t testing.TB, clients ...Client) *Provider {
	t.Helper()
	st := &storage{clients: map[string]*Client{}}
	for i := range clients {
		c := clients[i]
		if c.Subject == "" {
			c.Subject = c.ID
		}
		if c.Lifetime == 0 {
			c.Lifetime = 5 * time.Minute
		}
		st.clients[c.ID] = &c
	}
	st.published = []*signingKey{newKey(t)}
	st.signing = st.published[0]

	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	var cryptoKey [32]byte
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		t.Fatal(err)
	}
	config := &op.Config{CryptoKey: cryptoKey}
	main, err := op.NewProvider(config, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := op.NewProvider(config, st, op.StaticIssuer(issuer+ForeignPath), op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(ForeignPath+"/", http.StripPrefix(ForeignPath, foreign))
	mux.Handle("/", main)
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return &Provider{Issuer: issuer, srv: srv, st: st}
}

// TokenURL is the token endpoint of issuer (Issuer, or Issuer+ForeignPath).
func TokenURL(issuer string) string { return issuer + "/oauth/token" }

// Config is the client-credentials configuration of client at issuer, for
// golang.org/x/oauth2.
func (p *Provider) Config(issuer, clientID string, scopes ...string) clientcredentials.Config {
	c := p.st.client(clientID)
	if c == nil {
		return clientcredentials.Config{ClientID: clientID, TokenURL: TokenURL(issuer), Scopes: scopes}
	}
	return clientcredentials.Config{ClientID: c.ID, ClientSecret: c.Secret, TokenURL: TokenURL(issuer), Scopes: scopes}
}

// Token gets an access token for client with scopes from the provider's
// token endpoint at issuer. It posts the grant itself rather than through
// x/oauth2, which cannot read the negative expires_in of a token issued
// already expired.
func (p *Provider) Token(t testing.TB, issuer, clientID string, scopes ...string) string {
	t.Helper()
	cfg := p.Config(issuer, clientID, scopes...)
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(scopes, " ")}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(cfg.ClientID), url.QueryEscape(cfg.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("testoidc: token for %s: %v", clientID, err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil || out.AccessToken == "" {
		t.Fatalf("testoidc: token for %s: %d %s", clientID, resp.StatusCode, body)
	}
	return out.AccessToken
}

// Rotate makes a new key the signing key. The old one stays published,
// as an authorization server keeps it while its tokens live.
func (p *Provider) Rotate(t testing.TB) {
	k := newKey(t)
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.st.published = append(p.st.published, k)
	p.st.signing = k
}

// SignWithUnpublishedKey makes tokens from now on signed with a key the
// provider does not publish (a kid nobody can check), until Rotate.
func (p *Provider) SignWithUnpublishedKey(t testing.TB) {
	k := newKey(t)
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.st.signing = k
}

// KeysFetched is how many times the key set was served.
func (p *Provider) KeysFetched() int {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	return p.st.keySetServed
}

type signingKey struct {
	id   string
	priv *ecdsa.PrivateKey
}

func newKey(t testing.TB) *signingKey {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	return &signingKey{id: hex.EncodeToString(id), priv: priv}
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k *signingKey) Key() any                                    { return k.priv }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is a published key, as op.Key.
type publicKey struct{ *signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.priv.PublicKey }

// tokenRequest is a client-credentials request, as op.TokenRequest.
type tokenRequest struct {
	client *Client
	scopes []string
}

func (r *tokenRequest) GetSubject() string    { return r.client.Subject }
func (r *tokenRequest) GetAudience() []string { return r.client.Audience }
func (r *tokenRequest) GetScopes() []string   { return r.scopes }

var errUnsupported = errors.New("testoidc: not supported: only the client-credentials grant is")

// storage is the provider's in-memory state: what op.Storage needs for the
// client-credentials grant and JWT access tokens; every other flow is
// refused.
type storage struct {
	mu           sync.Mutex
	clients      map[string]*Client
	published    []*signingKey
	signing      *signingKey
	keySetServed int
}

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.ClientCredentialsStorage       = (*storage)(nil)
	_ op.CanGetPrivateClaimsFromRequest = (*storage)(nil)
)

func (s *storage) client(id string) *Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[id]
}

func (s *storage) ClientCredentials(_ context.Context, clientID, clientSecret string) (op.Client, error) {
	c := s.client(clientID)
	if c == nil || c.Secret != clientSecret {
		return nil, errors.New("wrong client id or secret")
	}
	return opClient{c}, nil
}

func (s *storage) ClientCredentialsTokenRequest(_ context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	c := s.client(clientID)
	if c == nil {
		return nil, errors.New("unknown client")
	}
	return &tokenRequest{client: c, scopes: scopes}, nil
}

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	tr, ok := req.(*tokenRequest)
	if !ok {
		return "", time.Time{}, errUnsupported
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return hex.EncodeToString(id), time.Now().Add(tr.client.Lifetime), nil
}

func (s *storage) GetPrivateClaimsFromRequest(_ context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	claims := map[string]any{}
	if scopes := req.GetScopes(); len(scopes) > 0 {
		claims["scope"] = strings.Join(scopes, " ")
	}
	if tr, ok := req.(*tokenRequest); ok {
		if tr.client.Name != "" {
			claims["name"] = tr.client.Name
		}
		if tr.client.Email != "" {
			claims["email"] = tr.client.Email
		}
	}
	return claims, nil
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signing, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keySetServed++
	out := make([]op.Key, len(s.published))
	for i, k := range s.published {
		out[i] = publicKey{k}
	}
	return out, nil
}

func (s *storage) GetClientByClientID(_ context.Context, clientID string) (op.Client, error) {
	c := s.client(clientID)
	if c == nil {
		return nil, errors.New("unknown client")
	}
	return opClient{c}, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, clientSecret string) error {
	_, err := s.ClientCredentials(ctx, clientID, clientSecret)
	return err
}

func (s *storage) Health(context.Context) error { return nil }

// The flows this provider does not offer.

func (s *storage) CreateAuthRequest(context.Context, *oidc.AuthRequest, string) (op.AuthRequest, error) {
	return nil, errUnsupported
}
func (s *storage) AuthRequestByID(context.Context, string) (op.AuthRequest, error) {
	return nil, errUnsupported
}
func (s *storage) AuthRequestByCode(context.Context, string) (op.AuthRequest, error) {
	return nil, errUnsupported
}
func (s *storage) SaveAuthCode(context.Context, string, string) error { return errUnsupported }
func (s *storage) DeleteAuthRequest(context.Context, string) error    { return errUnsupported }
func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errUnsupported
}
func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errUnsupported
}
func (s *storage) TerminateSession(context.Context, string, string) error { return errUnsupported }
func (s *storage) RevokeToken(context.Context, string, string, string) *oidc.Error {
	return oidc.ErrUnsupportedGrantType()
}
func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}
func (s *storage) SetUserinfoFromToken(context.Context, *oidc.UserInfo, string, string, string) error {
	return errUnsupported
}
func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errUnsupported
}
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errUnsupported
}
func (s *storage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

// opClient is a Client as op.Client: confidential, client-credentials only,
// JWT access tokens.
type opClient struct{ c *Client }

func (c opClient) GetID() string                       { return c.c.ID }
func (c opClient) RedirectURIs() []string              { return nil }
func (c opClient) PostLogoutRedirectURIs() []string    { return nil }
func (c opClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c opClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c opClient) ResponseTypes() []oidc.ResponseType  { return nil }
func (c opClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeClientCredentials}
}
func (c opClient) LoginURL(string) string               { return "" }
func (c opClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (c opClient) IDTokenLifetime() time.Duration       { return time.Minute }
func (c opClient) DevMode() bool                        { return false }
func (c opClient) IsScopeAllowed(string) bool           { return true }
func (c opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c opClient) ClockSkew() time.Duration             { return 0 }
func (c opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
