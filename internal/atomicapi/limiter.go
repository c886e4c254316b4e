package atomicapi

import (
	"context"
	"time"

	"golang.org/x/time/rate"
)

// limiter is this process's own rate budget: burst requests may go at
// once, then one every 1/rate seconds. The Atomic API allows about 10
// requests per second and answers 429 past that; pacing ourselves costs a
// short wait instead of a failed attempt and a Retry-After of whole
// seconds.
//
// It satisfies SharedLimiter, the seam the shared budget in internal/store
// also fills, so the client paces through one interface whichever budget
// is in use.
type limiter struct {
	lim *rate.Limiter
	now func() time.Time
}

func newLimiter(perSecond float64, burst int, now func() time.Time) *limiter {
	return &limiter{lim: rate.NewLimiter(rate.Limit(perSecond), burst), now: now}
}

// reserve takes a turn and says how long to wait for it. A caller that
// must wait holds a reservation (the bucket goes into debt), so concurrent
// callers queue in order without a goroutine or a queue of their own. When
// deadline is not zero and the turn would come after it, the reservation
// is cancelled at once and ok is false: sleeping only to fail at the
// deadline helps nobody.
func (l *limiter) reserve(deadline time.Time) (r *rate.Reservation, wait time.Duration, ok bool) {
	now := l.now()
	r = l.lim.ReserveN(now, 1)
	wait = r.DelayFrom(now)
	if !deadline.IsZero() && now.Add(wait).After(deadline) {
		r.CancelAt(now)
		return nil, wait, false
	}
	return r, wait, true
}

// cancel gives back a turn reserved by a caller that gave up waiting, so
// that those queued behind it are not held back for nothing.
func (l *limiter) cancel(r *rate.Reservation) { r.CancelAt(l.now()) }

// Wait implements SharedLimiter for the process's own budget.
func (l *limiter) Wait(ctx context.Context) (bool, time.Duration, error) {
	deadline, _ := ctx.Deadline()
	r, wait, ok := l.reserve(deadline)
	if !ok {
		return false, wait, nil
	}
	if wait <= 0 {
		return true, 0, nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		l.cancel(r)
		return false, 0, ctx.Err()
	case <-timer.C:
		return true, 0, nil
	}
}

var _ SharedLimiter = (*limiter)(nil)
