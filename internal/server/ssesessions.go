package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/atomtelecom/atomic-mcp/internal/auth"
)

// sseOwners binds legacy SSE session ids to the principal that opened the
// stream, as sessions does for streamable HTTP: the id carries a MAC of
// the owner, so a POST /message naming another person's session is
// answered 404 without the server keeping any record per session (mcp-go
// forgets a session when its stream ends; nothing here has to).
type sseOwners struct{ key []byte }

func newSSEOwners() *sseOwners {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic("server: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return &sseOwners{key: key}
}

// generate is mcp-go's SessionIDGenFunc: a random id, a dot, and its tag
// for the principal of the GET /sse request.
func (o *sseOwners) generate(_ context.Context, r *http.Request) (string, error) {
	id := uuid.NewString()
	return id + "." + o.tag(id, auth.IDFrom(r.Context())), nil
}

func (o *sseOwners) tag(id, owner string) string {
	mac := hmac.New(sha256.New, o.key)
	mac.Write([]byte(id + "\x00" + owner))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

// owns reports whether sessionID was generated for owner.
func (o *sseOwners) owns(sessionID, owner string) bool {
	id, tag, ok := strings.Cut(sessionID, ".")
	return ok && hmac.Equal([]byte(tag), []byte(o.tag(id, owner)))
}

// guard refuses a message POSTed to a session that is not the caller's.
func (o *sseOwners) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.URL.Query().Get("sessionId"); id != "" && !o.owns(id, auth.IDFrom(r.Context())) {
			http.Error(w, "Not Found: unknown session; open a new /sse stream", http.StatusNotFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}
