// Package approval is the browser approval of a delete: a page on a
// loopback (or the server's own) listener where a person, not the
// assistant, approves or cancels one delete. The assistant only ever gets a
// link; opening the link (GET) changes nothing, and approving takes a POST
// from the page itself, carrying the page's CSRF token and its own origin.
package approval

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"sync"
	"time"
)

// DefaultTTL is how long an approval link stays usable.
const DefaultTTL = 5 * time.Minute

// keep is how long a decided or expired approval is remembered after it
// expires, so that the assistant's second call can still learn its outcome.
const keep = 30 * time.Minute

// State is where an approval stands.
type State string

// The states of an approval.
const (
	Pending  State = "pending"
	Deleting State = "deleting" // approved; the DELETE is in flight
	Deleted  State = "deleted"
	Failed   State = "failed" // approved, but the DELETE did not succeed
	Declined State = "declined"
	Expired  State = "expired"
)

// Card is what the person is shown and approves.
type Card struct {
	CustomerID    int64
	Name          string
	AccountNumber string
	Address       string
	Created       string
	// RequestedBy names who asked for the delete (display name and email),
	// so that the person approving sees whose request it is; empty on a
	// server without sign-in.
	RequestedBy string
}

// Outcome is what the approved action did, as the page and the assistant's
// second call report it.
type Outcome struct {
	Deleted bool
	// Message is one sentence for the person, e.g. why the delete failed.
	Message string
}

// Action performs the approved delete. It runs at most once per approval.
type Action func(ctx context.Context) Outcome

// Record is one approval.
type Record struct {
	ID      string
	Card    Card
	State   State
	Created time.Time
	Expires time.Time
	// DecidedAt is when the person pressed Delete or Cancel.
	DecidedAt time.Time
	Outcome   Outcome
	// Principal is the auth.Principal ID of who asked for the delete: only
	// they learn its outcome. Empty on a server without sign-in.
	Principal string

	csrf   string
	action Action
}

// Errors of Lookup.
var (
	ErrUnknown = errors.New("no such approval")
	ErrOther   = errors.New("the approval is for another customer")
)

// Store holds approvals in memory. Safe for concurrent use.
type Store struct {
	ttl time.Duration
	now func() time.Time
	// ended, if set, is told when an approval is declined or expires
	// (telemetry counts them); approvals are audited when they delete.
	ended func(State)

	mu      sync.Mutex
	records map[string]*Record
}

// NewStore returns an empty store; ttl 0 means DefaultTTL, now nil means
// the clock.
func NewStore(ttl time.Duration, now func() time.Time) *Store {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Store{ttl: ttl, now: now, records: map[string]*Record{}}
}

// Create records a pending approval of card, to run action when approved.
func (s *Store) Create(card Card, principal string, action Action) Record {
	now := s.now()
	r := &Record{ID: randomID(), Card: card, State: Pending, Created: now, Expires: now.Add(s.ttl), Principal: principal, csrf: randomID(), action: action}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	s.records[r.ID] = r
	return *r
}

// Lookup returns the approval id as it stands, checked against customerID.
func (s *Store) Lookup(id string, customerID int64) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.get(id)
	if !ok {
		return Record{}, ErrUnknown
	}
	if r.Card.CustomerID != customerID {
		return Record{}, ErrOther
	}
	return *r, nil
}

// get returns a record, marking it expired if its time is up. s.mu held.
func (s *Store) get(id string) (*Record, bool) {
	now := s.now()
	s.sweep(now)
	r, ok := s.records[id]
	if ok && r.State == Pending && !now.Before(r.Expires) {
		r.State = Expired
		s.notify(Expired)
	}
	return r, ok
}

func (s *Store) sweep(now time.Time) {
	for id, r := range s.records {
		if now.After(r.Expires.Add(keep)) {
			if r.State == Pending {
				s.notify(Expired) // expired with nobody asking
			}
			delete(s.records, id)
		}
	}
}

// OnEnded has f told of every approval that is declined or expires, once
// each (an expiry when it is next noticed). f runs under the store's lock:
// it must return at once and not call the store.
func (s *Store) OnEnded(f func(State)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = f
}

func (s *Store) notify(st State) {
	if s.ended != nil {
		s.ended(st)
	}
}

// decide moves a pending approval to its decision and, for an approval,
// runs its action, exactly once however many requests race here.
func (s *Store) decide(ctx context.Context, id string, approve bool) (Record, bool) {
	s.mu.Lock()
	r, ok := s.get(id)
	if !ok || r.State != Pending {
		var out Record
		if ok {
			out = *r
		}
		s.mu.Unlock()
		return out, false
	}
	r.DecidedAt = s.now()
	if !approve {
		r.State = Declined
		s.notify(Declined)
		out := *r
		s.mu.Unlock()
		return out, true
	}
	r.State = Deleting
	action := r.action
	s.mu.Unlock()

	outcome := action(ctx)

	s.mu.Lock()
	defer s.mu.Unlock()
	r.Outcome = outcome
	r.State = Failed
	if outcome.Deleted {
		r.State = Deleted
	}
	return *r, true
}

// randomID is 256 bits from crypto/rand, URL-safe.
func randomID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("approval: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
