package server

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/auth"
)

// Session limits for streamable HTTP. Each session costs about 13 KB and
// each open event stream a goroutine and a file descriptor, so neither may
// grow without bound.
const (
	// DefaultSessionIdleTimeout ends a session no request has used for
	// this long; its client starts a new one when it comes back (404).
	DefaultSessionIdleTimeout = 30 * time.Minute
	// DefaultMaxSessions and DefaultMaxStreams cap what the whole server
	// holds open; past them new ones get 503 with Retry-After.
	DefaultMaxSessions = 1000
	DefaultMaxStreams  = 1000
	// retryAfter is what a refused client is told to wait, in seconds.
	retryAfter = "30"
)

// errUnknownSession makes mcp-go answer 404, which the specification says
// tells a client to start a new session.
var errUnknownSession = errors.New("unknown or expired session")

// sessions issues streamable-HTTP session ids and accepts only those it
// issued and has not ended. mcp-go's default manager checks only an id's
// format, so a made-up id was served and a deleted session kept working.
// It also counts the standalone GET streams: one per session, and a
// global cap.
//
// A session belongs to the principal that opened it. The MCP security best
// practices ask servers to bind session ids to the user (a key of the form
// <user_id>:<session_id>), so that an id someone else learned is no
// credential: with another person's token the id names no session of
// theirs, which is answered 404 like any unknown id — saying nothing about
// whether it exists for someone else.
type sessions struct {
	maxSessions, maxStreams int

	mu      sync.Mutex
	live    map[string]*session
	streams int
}

type session struct {
	// owner is the auth.Principal ID of whoever opened the session, ""
	// on a server without sign-in.
	owner string
	// stream cancels the session's open GET stream, nil when none is open.
	stream context.CancelFunc
}

var (
	_ server.SessionIdManager         = (*sessions)(nil)
	_ server.SessionIdManagerResolver = (*sessions)(nil)
)

func newSessions(maxSessions, maxStreams int) *sessions {
	if maxSessions <= 0 {
		maxSessions = DefaultMaxSessions
	}
	if maxStreams <= 0 {
		maxStreams = DefaultMaxStreams
	}
	return &sessions{maxSessions: maxSessions, maxStreams: maxStreams, live: map[string]*session{}}
}

// ResolveSessionIdManager gives mcp-go, per request, a manager that binds
// the sessions it generates to the request's principal. Without a request
// (mcp-go's idle sweeper, shutdown) it is s itself.
func (s *sessions) ResolveSessionIdManager(r *http.Request) server.SessionIdManager {
	if r == nil {
		return s
	}
	return ownedSessions{s, auth.IDFrom(r.Context())}
}

// Generate issues a new id, owned by nobody; requests get ownedSessions.
func (s *sessions) Generate() string { return s.generate("") }

// generate issues a new id for owner: 122 random bits.
func (s *sessions) generate(owner string) string {
	id := "mcp-session-" + uuid.NewString()
	s.mu.Lock()
	s.live[id] = &session{owner: owner}
	s.mu.Unlock()
	return id
}

// Validate accepts only live ids this server issued.
func (s *sessions) Validate(id string) (isTerminated bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.live[id]; !ok {
		return false, errUnknownSession
	}
	return false, nil
}

// owns reports whether id is a live session opened by owner.
func (s *sessions) owns(id, owner string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.live[id]
	return ok && sess.owner == owner
}

// ownedSessions is the session manager of one request: what it generates
// belongs to owner, and it validates only owner's sessions.
type ownedSessions struct {
	*sessions
	owner string
}

func (o ownedSessions) Generate() string { return o.generate(o.owner) }

func (o ownedSessions) Validate(id string) (isTerminated bool, err error) {
	if !o.owns(id, o.owner) {
		return false, errUnknownSession
	}
	return false, nil
}

// Terminate ends a session, on DELETE or when the idle sweeper finds it,
// and closes its event stream. The id is forgotten: a later request with
// it is unknown, which is answered 404 just as a terminated one would be.
func (s *sessions) Terminate(id string) (isNotAllowed bool, err error) {
	s.mu.Lock()
	sess, ok := s.live[id]
	delete(s.live, id)
	s.mu.Unlock()
	if ok && sess.stream != nil {
		sess.stream()
	}
	return false, nil
}

// count is the number of live sessions.
func (s *sessions) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

// openStream registers id's GET stream. It fails with the HTTP status to
// answer: 404 for an unknown session, 409 when the session already has
// one, 503 when the server holds its most.
func (s *sessions) openStream(id string, cancel context.CancelFunc) (release func(), status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.live[id]
	switch {
	case !ok:
		return nil, http.StatusNotFound
	case sess.stream != nil:
		return nil, http.StatusConflict
	case s.streams >= s.maxStreams:
		return nil, http.StatusServiceUnavailable
	}
	sess.stream = cancel
	s.streams++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.streams--
		if cur, ok := s.live[id]; ok && cur == sess {
			sess.stream = nil
		}
	}, 0
}

// guard applies the limits mcp-go does not: a request naming a session
// must come from the principal that opened it (mcp-go would let anyone's
// DELETE end it, and open its stream), a GET stream needs a session this
// server issued and is one per session, and new sessions and streams stop
// at the caps. Requests of the 2026-07-28 era have no sessions and
// pass to mcp-go untouched.
func (s *sessions) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion)) {
			next.ServeHTTP(w, r)
			return
		}
		id := r.Header.Get(server.HeaderKeySessionID)
		if id != "" && !s.owns(id, auth.IDFrom(r.Context())) {
			http.Error(w, "Not Found: unknown or expired session; initialize a new one", http.StatusNotFound)
			return
		}
		switch r.Method {
		case http.MethodPost:
			if id == "" && s.count() >= s.maxSessions {
				refuseBusy(w, "too many open sessions")
				return
			}
		case http.MethodGet:
			if id == "" {
				http.Error(w, "Bad Request: a GET stream needs the Mcp-Session-Id of an initialized session", http.StatusBadRequest)
				return
			}
			ctx, cancel := context.WithCancel(r.Context())
			defer cancel()
			release, status := s.openStream(id, cancel)
			switch status {
			case http.StatusNotFound:
				http.Error(w, "Not Found: unknown or expired session; initialize a new one", http.StatusNotFound)
				return
			case http.StatusConflict:
				http.Error(w, "Conflict: this session already has an open stream", http.StatusConflict)
				return
			case http.StatusServiceUnavailable:
				refuseBusy(w, "too many open streams")
				return
			}
			defer release()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

func refuseBusy(w http.ResponseWriter, why string) {
	w.Header().Set("Retry-After", retryAfter)
	http.Error(w, "Service Unavailable: "+why+"; retry after "+retryAfter+" seconds", http.StatusServiceUnavailable)
}
