package atomicapi

import (
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestLimiterReserve walks a 10/s, burst-3 bucket through a fake clock:
// the burst goes at once, then one token every 100 ms, reserved in order;
// a token beyond the deadline is refused without being taken; an idle
// bucket refills only up to the burst; a token given back shortens the
// next wait.
func TestLimiterReserve(t *testing.T) {
	start := time.Date(2025, 2, 19, 11, 15, 27, 0, time.UTC)
	now := start
	l := newLimiter(10, 3, func() time.Time { return now })
	ms := time.Millisecond
	steps := []struct {
		name     string
		advance  time.Duration
		deadline time.Duration // from now; 0: none
		cancel   bool          // give back the previous reservation first
		wantWait time.Duration
		wantOK   bool
	}{
		{name: "burst 1", wantOK: true},
		{name: "burst 2", wantOK: true},
		{name: "burst 3", wantOK: true},
		{name: "first paced", wantWait: 100 * ms, wantOK: true},
		{name: "second paced, queued behind the first", wantWait: 200 * ms, wantOK: true},
		{name: "beyond the deadline", deadline: 250 * ms, wantWait: 300 * ms, wantOK: false},
		{name: "refusal took nothing", deadline: 300 * ms, wantWait: 300 * ms, wantOK: true},
		{name: "a waiter gives up", cancel: true, wantWait: 300 * ms, wantOK: true},
		{name: "time passes", advance: 400 * ms, wantWait: 0, wantOK: true},
		{name: "idle refill stops at the burst", advance: time.Hour, wantOK: true},
		{name: "burst 2 after idle", wantOK: true},
		{name: "burst 3 after idle", wantOK: true},
		{name: "paced after idle", wantWait: 100 * ms, wantOK: true},
		{name: "deadline exactly at the token", deadline: 200 * ms, wantWait: 200 * ms, wantOK: true},
		{name: "clock going back is ignored", advance: -time.Minute, wantWait: 300 * ms, wantOK: true},
	}
	var last *rate.Reservation
	for _, s := range steps {
		now = now.Add(s.advance)
		if s.cancel {
			l.cancel(last)
		}
		var deadline time.Time
		if s.deadline != 0 {
			deadline = now.Add(s.deadline)
		}
		r, wait, ok := l.reserve(deadline)
		if ok {
			last = r
		}
		// Float arithmetic may be a few nanoseconds off.
		if ok != s.wantOK || (wait-s.wantWait).Abs() > time.Microsecond {
			t.Fatalf("%s: reserve = %v, %v; want %v, %v", s.name, wait, ok, s.wantWait, s.wantOK)
		}
	}
}
