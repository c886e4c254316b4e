package auth

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"golang.org/x/time/rate"
)

// DefaultMaxPeople bounds how many people's limiters are held at once.
const DefaultMaxPeople = 10_000

// PerPerson limits each principal's tool calls to a rate of their own, so
// that one person's runaway agent cannot use up the Atomic API's budget
// that the whole team shares. Safe for concurrent use.
type PerPerson struct {
	limit rate.Limit
	burst int
	max   int
	now   func() time.Time

	mu     sync.Mutex
	people map[string]*rate.Limiter
}

// NewPerPerson allows each principal perSecond calls per second, with a
// burst of as many (at least one). At most maxPeople limiters are kept
// (DefaultMaxPeople when 0); beyond that, those of people who have been
// idle long enough to be back at a full burst go first, since forgetting
// them changes nothing.
func NewPerPerson(perSecond float64, maxPeople int, now func() time.Time) *PerPerson {
	if maxPeople <= 0 {
		maxPeople = DefaultMaxPeople
	}
	if now == nil {
		now = time.Now
	}
	return &PerPerson{limit: rate.Limit(perSecond), burst: max(1, int(math.Ceil(perSecond))), max: maxPeople, now: now, people: map[string]*rate.Limiter{}}
}

// Allow takes one call from id's budget; when there is none it says how
// long until there is.
func (l *PerPerson) Allow(id string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	lim, ok := l.people[id]
	if !ok {
		if len(l.people) >= l.max {
			l.evictLocked(now)
		}
		lim = rate.NewLimiter(l.limit, l.burst)
		l.people[id] = lim
	}
	l.mu.Unlock()
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Len is how many limiters are held.
func (l *PerPerson) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.people)
}

// evictLocked drops limiters back at a full burst; if none is, an
// arbitrary one, so the map never grows past its bound. l.mu held.
func (l *PerPerson) evictLocked(now time.Time) {
	for id, lim := range l.people {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.people, id)
		}
	}
	for id := range l.people {
		if len(l.people) < l.max {
			return
		}
		delete(l.people, id)
	}
}

// Guard refuses a tool call over the caller's rate, saying when to retry.
// Calls without a principal (stdio, the CLI) are not limited here.
func (l *PerPerson) Guard(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		p, ok := From(ctx)
		if !ok {
			return next(ctx, req)
		}
		if allowed, wait := l.Allow(p.ID()); !allowed {
			return mcp.NewToolResultError(fmt.Sprintf("%s: not run: you are over your rate limit of %g calls per second on this server (--rate-limit-per-user); nothing was done. Wait %s, then try again.",
				req.Params.Name, float64(l.limit), wait.Round(time.Millisecond))), nil
		}
		return next(ctx, req)
	}
}
