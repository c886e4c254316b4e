package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// Gate is the resource server's check in front of the MCP endpoints: who is
// calling (401 when nobody, or a token this server does not accept), and
// whether their scopes allow this request (403 insufficient_scope).
type Gate struct {
	verifier Verifier
	names    Names
	tools    map[string]Scopes
	metadata string
	log      *slog.Logger
}

// GateOptions configures NewGate.
type GateOptions struct {
	Verifier Verifier
	// Names are the scope strings put in WWW-Authenticate.
	Names Names
	// Tools says what each tool needs (ToolScopes).
	Tools map[string]Scopes
	// MetadataURL, when set, is the absolute URL of this endpoint's
	// Protected Resource Metadata, announced in every challenge.
	MetadataURL string
	Logger      *slog.Logger
}

// NewGate returns a gate.
func NewGate(opts GateOptions) *Gate {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Names == (Names{}) {
		opts.Names = DefaultNames
	}
	return &Gate{verifier: opts.Verifier, names: opts.Names, tools: opts.Tools, metadata: opts.MetadataURL, log: opts.Logger}
}

// ForEndpoint returns a copy of g announcing another metadata URL (one per
// MCP endpoint).
func (g *Gate) ForEndpoint(metadataURL string) *Gate {
	c := *g
	c.metadata = metadataURL
	return &c
}

// Authenticate refuses a request without an acceptable bearer token, and
// puts the token's principal in the context of one that has it. It reads
// only headers: nothing of an unauthenticated request's body is read.
func (g *Gate) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			g.challenge(w, http.StatusUnauthorized, "", "", g.names.Read, "Unauthorized: send Authorization: Bearer <token> (an OAuth access token or your personal key)")
			return
		}
		p, err := g.verifier.Verify(r.Context(), token)
		switch {
		case errors.Is(err, ErrInvalidToken):
			why := strings.TrimPrefix(err.Error(), ErrInvalidToken.Error()+": ")
			g.log.WarnContext(r.Context(), "request refused: invalid bearer token", "reason", why, "remote", r.RemoteAddr)
			g.challenge(w, http.StatusUnauthorized, "invalid_token", why, g.names.Read, "Unauthorized: "+why)
			return
		case err != nil:
			g.log.ErrorContext(r.Context(), "bearer token could not be checked", "error", err)
			w.Header().Set("Retry-After", "5")
			http.Error(w, "Service Unavailable: the authorization server could not be reached to check the token; try again shortly", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// Authorize refuses a JSON-RPC message that the principal's scopes do not
// allow, with 403 insufficient_scope naming the scope to ask for. It reads
// the body once (the caller has capped its size) and hands it on intact.
func (g *Gate) Authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := From(r.Context())
		if !ok || r.Method != http.MethodPost || r.Body == nil {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "Request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "Bad request: the body could not be read", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if need := g.needed(body); !p.Scopes.Has(need) {
			missing := need &^ p.Scopes
			scope := g.scopeString(missing)
			g.log.WarnContext(r.Context(), "request refused: insufficient scope", "principal", p, "needs", scope)
			g.challenge(w, http.StatusForbidden, "insufficient_scope", "this request needs "+scope, scope,
				fmt.Sprintf("Forbidden: your token does not grant %s, which this request needs; ask for it when you sign in", scope))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// needed is what the message (or batch) in body requires. A body that is
// not JSON-RPC needs nothing here: the MCP handler answers it with its own
// parse error.
func (g *Gate) needed(body []byte) Scopes {
	type message struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	var msgs []message
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
		_ = json.Unmarshal(trimmed, &msgs)
	} else {
		var m message
		if json.Unmarshal(trimmed, &m) == nil {
			msgs = []message{m}
		}
	}
	var need Scopes
	for _, m := range msgs {
		need |= g.MethodScopes(m.Method, m.Params.Name)
	}
	return need
}

// MethodScopes is what one request needs: a tool call what its tool needs;
// reading resources, prompts and completions Read; the session's own
// mechanics (initialize, ping, notifications, tools/list, which is
// filtered instead) nothing.
func (g *Gate) MethodScopes(method, tool string) Scopes {
	switch {
	case method == "tools/call":
		if s, ok := g.tools[tool]; ok {
			return s
		}
		return Read
	case strings.HasPrefix(method, "resources/"), strings.HasPrefix(method, "prompts/"), method == "completion/complete":
		return Read
	}
	return 0
}

func (g *Gate) scopeString(s Scopes) string {
	var out []string
	for _, one := range []Scopes{Read, Write, Delete} {
		if s.Has(one) {
			out = append(out, g.names.Of(one))
		}
	}
	return strings.Join(out, " ")
}

// challenge answers 401 or 403 with WWW-Authenticate (RFC 6750 §3, RFC
// 9728 §5.1). A missing token gets no error code, as RFC 6750 says.
func (g *Gate) challenge(w http.ResponseWriter, status int, code, description, scope, text string) {
	params := []string{}
	if code != "" {
		params = append(params, fmt.Sprintf("error=%q", code))
		if description != "" {
			params = append(params, fmt.Sprintf("error_description=%q", headerSafe(description)))
		}
	}
	params = append(params, fmt.Sprintf("scope=%q", scope))
	if g.metadata != "" {
		params = append([]string{fmt.Sprintf("resource_metadata=%q", g.metadata)}, params...)
	} else {
		params = append([]string{`realm="atomic-mcp"`}, params...)
	}
	w.Header().Set("WWW-Authenticate", "Bearer "+strings.Join(params, ", "))
	http.Error(w, text, status)
}

// headerSafe keeps a description to printable ASCII without quotes or
// backslashes, as RFC 6750 requires of error_description.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '\''
		}
		return r
	}, s)
}

// bearer extracts the token of "Authorization: Bearer <token>".
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}
