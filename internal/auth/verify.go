package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
)

// Verifier turns a bearer token into the principal it belongs to.
type Verifier interface {
	// Verify returns the token's principal, or an error wrapping
	// ErrInvalidToken (refused: 401) or any other error (this server could
	// not check it, e.g. the authorization server is unreachable: 503).
	Verify(ctx context.Context, token string) (Principal, error)
}

// ErrInvalidToken: the token is not one this server accepts. The text
// after it says why (expired, wrong audience, ...), naming no secret.
var ErrInvalidToken = errors.New("invalid token")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidToken, fmt.Sprintf(format, args...))
}

// errNotMine: a verifier that does not recognise the token's kind at all
// (an opaque key shown to the JWT verifier), so the next one may try.
var errNotMine = fmt.Errorf("%w: not a token this server issued or trusts", ErrInvalidToken)

// Chain tries each verifier in turn; the first that recognises the token
// decides.
type Chain []Verifier

// Verify implements Verifier.
func (c Chain) Verify(ctx context.Context, token string) (Principal, error) {
	err := errNotMine
	for _, v := range c {
		p, verr := v.Verify(ctx, token)
		if verr == nil {
			return p, nil
		}
		if !errors.Is(verr, errNotMine) {
			return Principal{}, verr
		}
	}
	return Principal{}, err
}

// SharedToken accepts the one ATOMIC_MCP_AUTH_TOKEN: everyone who has it is
// the same principal, with every permission.
type SharedToken struct{ sum [sha256.Size]byte }

// NewSharedToken returns the verifier of token.
func NewSharedToken(token string) *SharedToken {
	return &SharedToken{sum: sha256.Sum256([]byte(token))}
}

// SharedSubject is the subject of the shared token's principal.
const SharedSubject = "shared-token"

// Verify implements Verifier, in constant time.
func (s *SharedToken) Verify(_ context.Context, token string) (Principal, error) {
	got := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(got[:], s.sum[:]) != 1 {
		return Principal{}, errNotMine
	}
	return Principal{Subject: SharedSubject, Via: ViaShared, Scopes: All}, nil
}
