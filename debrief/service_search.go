package debrief

import (
	"context"
	"sort"
	"strings"
	"time"
)

// Search runs a parsed query (package search parses the query language)
// for the actor in ctx, who sees only the private incidents they are a
// member of unless they are an admin. owner:me means the actor.
func (s *Service) Search(ctx context.Context, q *SearchQuery) (*SearchResults, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	if q == nil || q.Empty() {
		return nil, Errorf(EInvalid, "q", "Type words to search for, or a filter such as service:checkout.")
	}
	if q.Offset < 0 || q.Offset > MaxSearchOffset {
		return nil, Errorf(EInvalid, "offset", "The offset must be between 0 and %d; narrow the search to see older results.", MaxSearchOffset)
	}
	if q.Limit < 0 {
		return nil, Errorf(EInvalid, "limit", "The limit must be positive.")
	}
	qq := *q
	qq.Limit = PageLimit(q.Limit)
	for _, sv := range qq.Severities {
		if !knownSeverity(s.severities, sv) {
			return nil, Errorf(EInvalid, "q", "Unknown severity %q; use one of %s.", sv, severityNames(s.severities))
		}
	}
	if len(qq.Owners) > 0 {
		owners := make([]string, 0, len(qq.Owners))
		for _, o := range qq.Owners {
			if o == "me" && a.Email != "" {
				o = strings.ToLower(a.Email)
			}
			owners = append(owners, o)
		}
		qq.Owners = owners
	}
	return s.store.Search(ctx, &qq, a)
}

// SimilarIncidents returns the past incidents most like the incident id
// (shared services, contributing factors, alert names and words), each
// with the components of its score, so people see why it was suggested.
func (s *Service) SimilarIncidents(ctx context.Context, id int64) ([]SimilarIncident, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	inc, err := s.store.Incident(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.CanSee(inc) {
		return nil, Errorf(ENotFound, "", "There is no incident %s.", IncidentKey(id))
	}
	out, err := s.store.SimilarIncidents(ctx, SimilarProbe{IncidentID: id, Limit: SimilarLimit}, a)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []SimilarIncident{}
	}
	return out, nil
}

// OnThisDay returns incidents that started on day's date (UTC) in earlier
// years, newest first: at most limit, or all (up to a digest's bound) when
// limit is 0. On 28 February of a year without 29 February it includes
// incidents of 29 February, so they are remembered every year.
func (s *Service) OnThisDay(ctx context.Context, day time.Time, limit int) ([]DigestEntry, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	if day.IsZero() {
		day = s.Now()
	}
	day = day.UTC()
	out, err := s.store.IncidentsOnDay(ctx, day.Month(), day.Day(), day, a, limit)
	if err != nil {
		return nil, err
	}
	if day.Month() == time.February && day.Day() == 28 && !searchLeapYear(day.Year()) {
		leap, err := s.store.IncidentsOnDay(ctx, time.February, 29, day, a, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, leap...)
		sort.SliceStable(out, func(i, j int) bool { return out[i].Date.After(out[j].Date) })
		if limit > 0 && len(out) > limit {
			out = out[:limit]
		}
	}
	if out == nil {
		out = []DigestEntry{}
	}
	return out, nil
}

func searchLeapYear(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// WeeklyDigest lists the postmortems published in one week.
type WeeklyDigest struct {
	// From and To bound the week: From ≤ published < To.
	From        time.Time     `json:"from"`
	To          time.Time     `json:"to"`
	Postmortems []DigestEntry `json:"postmortems"`
}

// WeekStart returns the Monday 00:00 UTC that starts t's week (ISO weeks).
func WeekStart(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	offset := (int(d.Weekday()) + 6) % 7 // Monday = 0
	return d.AddDate(0, 0, -offset)
}

// MaxDigestWeeks bounds how many weeks one request may ask for.
const MaxDigestWeeks = 52

// WeeklyDigests returns the last weeks (newest first, the current week so
// far included) of newly published postmortems, ending with the week that
// holds until. Weeks run Monday to Monday, UTC.
func (s *Service) WeeklyDigests(ctx context.Context, until time.Time, weeks int) ([]WeeklyDigest, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	if weeks <= 0 || weeks > MaxDigestWeeks {
		return nil, Errorf(EInvalid, "weeks", "Ask for 1 to %d weeks.", MaxDigestWeeks)
	}
	if until.IsZero() {
		until = s.Now()
	}
	end := WeekStart(until).AddDate(0, 0, 7)
	start := end.AddDate(0, 0, -7*weeks)
	entries, err := s.store.PublishedPostmortems(ctx, start, end, a)
	if err != nil {
		return nil, err
	}
	out := make([]WeeklyDigest, weeks)
	for i := range out {
		to := end.AddDate(0, 0, -7*i)
		out[i] = WeeklyDigest{From: to.AddDate(0, 0, -7), To: to, Postmortems: []DigestEntry{}}
	}
	for _, e := range entries {
		if e.PublishedAt == nil {
			continue
		}
		i := int(end.Sub(*e.PublishedAt) / (7 * 24 * time.Hour))
		if end.Sub(*e.PublishedAt)%(7*24*time.Hour) == 0 {
			i--
		}
		if i >= 0 && i < weeks {
			out[i].Postmortems = append(out[i].Postmortems, e)
		}
	}
	return out, nil
}

// Reindex rebuilds the search index from the records; admins only, since
// it holds the writer for as long as it takes.
func (s *Service) Reindex(ctx context.Context) (int, error) {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return 0, err
	}
	n, err := s.store.Reindex(ctx)
	if err != nil {
		return 0, err
	}
	// The rebuild changes no record, so its entry follows it rather than
	// sharing its transaction.
	return n, s.appendAudit(ctx, s.audit(ctx, a, AuditReindex, TargetSearchIndex, "", []Change{change("documents", nil, n)}))
}
