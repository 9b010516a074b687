package web

import (
	"sync"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Pages reached by a token instead of a sign-in (a participant's personal
// link, a meeting's read-only room link) are limited per client address,
// so nobody can use them to load the server or to try tokens at speed.
// The room's limit is larger: a room full of people behind one address
// each fetch the meeting again on every step and reopen their streams.
const (
	linkRequestsPerMinute = 120
	roomRequestsPerMinute = 1200
)

// tokenLimiter counts requests per address in fixed one-minute windows.
// Like the sign-in limiter it lives in the process.
type tokenLimiter struct {
	mu     sync.Mutex
	max    int
	now    func() time.Time
	window time.Time
	counts map[string]int
}

func newTokenLimiter(max int, now func() time.Time) *tokenLimiter {
	return &tokenLimiter{max: max, now: now, counts: map[string]int{}}
}

// allow counts a request from addr and returns ETooManyRequests once the
// address has used up this minute.
func (l *tokenLimiter) allow(addr string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.window) >= time.Minute {
		// A new window forgets every address, so the map never grows
		// beyond one minute's callers.
		l.window, l.counts = now.Truncate(time.Minute), map[string]int{}
	}
	l.counts[addr]++
	if l.counts[addr] > l.max {
		return debrief.Errorf(debrief.ETooManyRequests, "", "Too many requests from your address; wait a minute and try again.")
	}
	return nil
}
