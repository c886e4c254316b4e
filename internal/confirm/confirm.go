// Package confirm issues and redeems the signed, single-use, short-lived
// tokens that stand between a delete request and the DELETE itself: the
// confirmation_token handed to the assistant, and the sealed request state of
// an elicitation round trip.
package confirm

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/store"
)

// DefaultTTL is how long a token stays valid: long enough for a person to
// read and answer, short enough that a stale approval cannot be replayed.
const DefaultTTL = 5 * time.Minute

// Purpose separates tokens minted for different steps, so that a sealed
// elicitation state can never be passed off as a confirmation token.
type Purpose string

// The purposes this server mints tokens for.
const (
	PurposeDeleteToken       Purpose = "delete-confirmation-token"
	PurposeDeleteElicitation Purpose = "delete-elicitation-state"
)

// Subject is what a token binds: the customer as the user was shown it. If
// any of it changes between the question and the answer, the token fails.
type Subject struct {
	CustomerID    int64
	CustomerName  string
	AccountNumber string
	// Principal is who was asked (auth.Principal's ID); "" where the
	// server has no principals (stdio, the CLI). A token minted for one
	// person is refused for another.
	Principal string
}

// Reasons a token is refused; callers branch on them with errors.Is.
var (
	ErrMalformed = errors.New("confirmation token is malformed")
	ErrInvalid   = errors.New("confirmation token is not valid for this customer")
	ErrExpired   = errors.New("confirmation token has expired")
	ErrUsed      = errors.New("confirmation token has already been used")
	// ErrOtherPrincipal: the token was issued to another person. It is an
	// ErrInvalid too, so that callers that know no principals refuse it
	// alike.
	ErrOtherPrincipal = fmt.Errorf("%w: it was issued to another person", ErrInvalid)
)

// Confirmer mints and redeems tokens. Safe for concurrent use.
type Confirmer struct {
	key []byte
	ttl time.Duration
	now func() time.Time

	spent Spent
}

// Spent records redeemed tokens; *store.Memory, *store.File and
// *store.Redis are ones. Sharing it is what makes single use hold across
// processes and restarts.
type Spent interface {
	// Spend reports true to the first caller for key only, until expires.
	Spend(ctx context.Context, key string, expires time.Time) (bool, error)
}

const (
	nonceLen = 12
	tagLen   = 4
	// id, expiry (unix seconds), principal tag, nonce. The tag only tells
	// "issued to someone else" from "altered": the signature, which covers
	// the principal itself, is what refuses both.
	payloadLen = 8 + 8 + tagLen + nonceLen
	nonceAt    = 8 + 8 + tagLen
	version    = "v1"
)

// New returns a Confirmer keyed by secret. An empty secret gets a random
// per-process key: tokens then die with the process, which is the safe
// default for a single server.
func New(secret []byte, ttl time.Duration, now func() time.Time) (*Confirmer, error) {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("confirm: random key: %w", err)
		}
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	// Derive the key so that the configured secret is never used directly.
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("atomic-mcp confirm key"))
	return &Confirmer{key: mac.Sum(nil), ttl: ttl, now: now, spent: store.NewMemoryClock(now)}, nil
}

// SpendIn records redeemed tokens in s instead of this process's memory.
// Call it before the Confirmer is used.
func (c *Confirmer) SpendIn(s Spent) { c.spent = s }

// Issue mints a token for purpose and subject, and says when it expires.
func (c *Confirmer) Issue(purpose Purpose, s Subject) (string, time.Time) {
	expires := c.now().Add(c.ttl).Truncate(time.Second)
	var payload [payloadLen]byte
	binary.BigEndian.PutUint64(payload[0:8], uint64(s.CustomerID))
	binary.BigEndian.PutUint64(payload[8:16], uint64(expires.Unix()))
	copy(payload[16:nonceAt], tag(s.Principal))
	if _, err := rand.Read(payload[nonceAt:]); err != nil {
		panic("confirm: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	enc := base64.RawURLEncoding
	return version + "." + enc.EncodeToString(payload[:]) + "." + enc.EncodeToString(c.sign(purpose, payload[:], s)), expires
}

// Redeem checks a token against purpose and subject and, if it is good,
// marks it used so it cannot be redeemed again: before the caller acts on
// it, so that a failed action cannot be retried on the same approval. When
// the spent set cannot be reached the token is not accepted, and the error
// wraps the store's.
func (c *Confirmer) Redeem(ctx context.Context, purpose Purpose, token string, s Subject) error {
	payload, sig, err := parse(token)
	if err != nil {
		return err
	}
	// Nothing in the payload is trusted before the signature checks out.
	if !hmac.Equal(sig, c.sign(purpose, payload[:], s)) {
		if !hmac.Equal(payload[16:nonceAt], tag(s.Principal)) {
			return ErrOtherPrincipal
		}
		return ErrInvalid
	}
	// The signature covers the payload's id but not the subject's, so a
	// token for a customer of the same name and account number under
	// another id would pass it. (The API gives every customer its own
	// account number, so this is defence, not a path callers see.)
	if int64(binary.BigEndian.Uint64(payload[0:8])) != s.CustomerID {
		return ErrInvalid
	}
	expires := time.Unix(int64(binary.BigEndian.Uint64(payload[8:16])), 0)
	now := c.now()
	if !now.Before(expires) {
		return ErrExpired
	}
	first, err := c.spent.Spend(ctx, string(purpose)+":"+hex.EncodeToString(payload[nonceAt:]), expires)
	if err != nil {
		return fmt.Errorf("confirmation token could not be checked: %w", err)
	}
	if !first {
		return ErrUsed
	}
	return nil
}

func (c *Confirmer) sign(purpose Purpose, payload []byte, s Subject) []byte {
	mac := hmac.New(sha256.New, c.key)
	// Length-prefix every variable field so that no two subjects can be
	// made to produce the same byte stream.
	for _, field := range []string{string(purpose), string(payload), s.CustomerName, s.AccountNumber, s.Principal} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(field)))
		mac.Write(n[:])
		mac.Write([]byte(field))
	}
	return mac.Sum(nil)
}

// tag names a principal in a token in 4 bytes of a hash, too few to tell
// who it is. It is not keyed, so that a token from another server (another
// secret) is still told apart from one for another person.
func tag(principal string) []byte {
	sum := sha256.Sum256([]byte("atomic-mcp principal\x00" + principal))
	return sum[:tagLen]
}

func parse(token string) ([payloadLen]byte, []byte, error) {
	var payload [payloadLen]byte
	token = strings.TrimSpace(token)
	if len(token) > 200 {
		return payload, nil, ErrMalformed
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != version {
		return payload, nil, ErrMalformed
	}
	enc := base64.RawURLEncoding.Strict()
	p, err := enc.DecodeString(parts[1])
	if err != nil || len(p) != payloadLen {
		return payload, nil, ErrMalformed
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil || len(sig) != sha256.Size {
		return payload, nil, ErrMalformed
	}
	copy(payload[:], p)
	return payload, sig, nil
}
