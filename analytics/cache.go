package analytics

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Cache keeps recent reports, so that a dashboard or a script asking for
// the same figures again gets them without a scan of every incident. A
// report is reused while the record has not changed (Service.AnalyticsVersion,
// one index lookup) and for at most CacheTTL, which also bounds how stale
// the figures that depend on the clock (open ages, overdue items) can be.
// Reports are kept per filter and per visibility (admins share one; other
// people each see their own private incidents), at most cacheEntries.
type Cache struct {
	svc *debrief.Service
	ttl time.Duration
	now func() time.Time

	// mu guards entries.
	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	version int64
	at      time.Time
	report  *Report
}

// CacheTTL is the longest a cached report is served.
const CacheTTL = 30 * time.Second

const cacheEntries = 256

// NewCache returns an empty cache over svc.
func NewCache(svc *debrief.Service) *Cache {
	return &Cache{svc: svc, ttl: CacheTTL, now: time.Now, entries: map[string]cacheEntry{}}
}

// Report returns the figures for f as the actor in ctx may see them,
// computing them when no fresh report is cached. The permission check and
// the version read happen on every call. Callers must not change the
// report: it is shared.
func (c *Cache) Report(ctx context.Context, f debrief.AnalyticsFilter) (*Report, error) {
	version, err := c.svc.AnalyticsVersion(ctx)
	if err != nil {
		return nil, err
	}
	a, _ := debrief.ActorFrom(ctx)
	key := cacheKey(a, f)
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && e.version == version && now.Sub(e.at) < c.ttl {
		return e.report, nil
	}
	r, err := Compute(ctx, c.svc, f)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.entries) >= cacheEntries {
		for k := range c.entries { // any entry: a full cache is rare
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = cacheEntry{version: version, at: now, report: r}
	c.mu.Unlock()
	return r, nil
}

// cacheKey names what a report depends on besides the record: the filter,
// and whose private incidents it includes (all for admins, the member's
// own for anyone else, by the email the visibility rule compares).
func cacheKey(a debrief.Actor, f debrief.AnalyticsFilter) string {
	var b strings.Builder
	if a.Role == debrief.RoleAdmin {
		b.WriteString("admin")
	} else {
		b.WriteString("member:" + strings.ToLower(a.Email))
	}
	for _, t := range []*time.Time{f.From, f.To} {
		b.WriteString("|")
		if t != nil {
			b.WriteString(t.UTC().Format(time.RFC3339Nano))
		}
	}
	b.WriteString("|" + strings.Join(f.Services, "\x00") + "|" + strings.Join(f.Severities, "\x00"))
	b.WriteString("|team:" + f.Team)
	return b.String()
}
