package atomicapi

import (
	"sync"
	"time"
)

// limiter is a token bucket: burst requests may go at once, then one every
// 1/rate seconds. The Atomic API allows about 10 requests per second and
// answers 429 past that; pacing ourselves costs a short wait instead of a
// failed attempt and a Retry-After of whole seconds.
//
// A caller that must wait reserves the next free token (the bucket goes
// into debt), so concurrent callers queue in order without a goroutine or a
// queue of their own.
type limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu     sync.Mutex
	tokens float64 // negative while tokens are reserved ahead
	last   time.Time
}

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, tokens: float64(burst), last: now()}
}

// reserve takes a token and says how long to wait before using it. When
// deadline is not zero and the token would come after it, nothing is taken
// and ok is false: sleeping only to fail at the deadline helps nobody.
func (l *limiter) reserve(deadline time.Time) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if elapsed := now.Sub(l.last); elapsed > 0 {
		l.tokens = min(l.burst, l.tokens+elapsed.Seconds()*l.rate)
		l.last = now
	}
	if l.tokens >= 1 {
		l.tokens--
		return 0, true
	}
	wait = time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
	if !deadline.IsZero() && now.Add(wait).After(deadline) {
		return wait, false
	}
	l.tokens--
	return wait, true
}

// unreserve gives back a token reserved by a caller that gave up waiting,
// so that those queued behind it are not held back for nothing.
func (l *limiter) unreserve() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tokens = min(l.burst, l.tokens+1)
}
