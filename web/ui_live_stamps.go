package web

import (
	"encoding/binary"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// The render→stream gap. A live page learns of changes from its stream,
// which the browser opens only after the page has arrived: a change made in
// between would be missed. So a live page carries what it was rendered
// from, part by part (liveStamps, in its stream's address as at=…), and the
// stream, as it opens, reads the same parts again and sends the event of
// each part that differs, which the page refreshes as if it had heard the
// change. The stamps come from the store, not from memory of past events,
// so this holds on either engine and whichever instance the stream reaches.

// liveStamps maps the kind of event that refreshes a part of a page
// (debrief.LiveTimeline, …) to a short digest of that part's records.
type liveStamps map[string]string

// Encode returns the stamps as the at parameter carries them:
// kind:digest pairs, by kind, separated by commas.
func (st liveStamps) Encode() string {
	kinds := make([]string, 0, len(st))
	for k := range st {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var b strings.Builder
	for i, k := range kinds {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + ":" + st[k])
	}
	return b.String()
}

// maxStampKinds bounds how many parts an at parameter may name.
const maxStampKinds = 8

// parseLiveStamps reads an at parameter made by Encode; "" (a page from
// before stamps, or one that has none) is no stamps.
func parseLiveStamps(s string) (liveStamps, error) {
	st := liveStamps{}
	if s == "" {
		return st, nil
	}
	bad := debrief.Errorf(debrief.EInvalid, "at", "The at parameter names what the page was rendered from; use the address the page gave.")
	parts := strings.Split(s, ",")
	if len(s) > 400 || len(parts) > maxStampKinds {
		return nil, bad
	}
	for _, p := range parts {
		kind, digest, ok := strings.Cut(p, ":")
		if !ok || kind == "" || digest == "" || !plainID(kind) || !plainID(digest) {
			return nil, bad
		}
		st[kind] = digest
	}
	return st, nil
}

// stampOf digests versioned records by their IDs and versions, in the order
// given: any record added, removed or changed changes it.
func stampOf[T any](records []T, idVersion func(T) (int64, int)) string {
	h := fnv.New64a()
	var b [16]byte
	for _, r := range records {
		id, v := idVersion(r)
		binary.LittleEndian.PutUint64(b[:8], uint64(id))
		binary.LittleEndian.PutUint64(b[8:], uint64(v))
		h.Write(b[:])
	}
	return strconv.FormatUint(h.Sum64(), 36) + "n" + strconv.Itoa(len(records))
}

// timelineStamp is the stamp of a whole timeline, as the postmortem's
// reading view shows it.
func timelineStamp(events []*debrief.TimelineEvent) string {
	return stampOf(events, func(e *debrief.TimelineEvent) (int64, int) { return e.ID, e.Version })
}

// timelinePageStamp is the stamp of a page of a timeline as the incident
// page shows it: the events of the page, and the summary of the whole,
// whose counts the header shows and whose first and last times decide the
// page's date headings. So an event added, starred or deleted on any page
// changes it, and one edited on another page does not.
func timelinePageStamp(sum debrief.TimelineSummary, events []*debrief.TimelineEvent) string {
	parts := make([][2]int64, 0, len(events)+2)
	parts = append(parts, [2]int64{int64(sum.Events), int64(sum.Starred)}, [2]int64{sum.First.UnixMicro(), sum.Last.UnixMicro()})
	for _, e := range events {
		parts = append(parts, [2]int64{e.ID, int64(e.Version)})
	}
	return stampOf(parts, func(p [2]int64) (int64, int) { return p[0], int(p[1]) })
}

func itemsStamp(items []*debrief.ActionItem) string {
	return stampOf(items, func(i *debrief.ActionItem) (int64, int) { return i.ID, i.Version })
}

// versionStamp is the stamp of one record: its version.
func versionStamp(version int) string { return "v" + strconv.Itoa(version) }

// liveCheck computes, as the stream's viewer, the stamp of one part now.
type liveCheck func(r *http.Request) (string, error)

// writeChanged writes the event of each part the page names in its at
// parameter whose stamp is no longer what the page was rendered from. A
// part the viewer can no longer read says nothing: the heartbeat's check
// ends the stream.
func writeChanged(b *strings.Builder, r *http.Request, at liveStamps, checks map[string]liveCheck) {
	kinds := make([]string, 0, len(at))
	for k := range at {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, kind := range kinds {
		check := checks[kind]
		if check == nil {
			continue
		}
		if now, err := check(r); err == nil && now != at[kind] {
			event := kind
			if kind == liveMeeting {
				event = debrief.LiveReview
			}
			writeEvent(b, event, "{}")
		}
	}
}

// incidentChecks are the parts of incident id's page.
func (s *Server) incidentChecks(id int64) map[string]liveCheck {
	return map[string]liveCheck{
		debrief.LiveIncident: func(r *http.Request) (string, error) {
			inc, err := s.svc.Incident(r.Context(), id)
			if err != nil {
				return "", err
			}
			return versionStamp(inc.Version), nil
		},
		// The page of the timeline the page shows, which its stream's
		// address names as the page's own does (after, starred).
		debrief.LiveTimeline: func(r *http.Request) (string, error) {
			params := timelineParams(r.URL.Query())
			sum, err := s.svc.TimelineSummary(r.Context(), id)
			if err != nil {
				return "", err
			}
			page, err := s.svc.TimelinePage(r.Context(), id, debrief.TimelineFilter{Starred: params.Get("starred") == "1"}, params.Get("after"), uiTimelinePageSize)
			return timelinePageStamp(sum, page.Items), err
		},
		debrief.LiveActionItems: func(r *http.Request) (string, error) {
			items, err := s.svc.ListActionItems(r.Context(), debrief.ActionItemFilter{IncidentID: &id, Limit: debrief.MaxPageSize})
			return itemsStamp(items.Items), err
		},
		debrief.LivePostmortem: func(r *http.Request) (string, error) {
			_, _, stamp, err := s.incidentPostmortems(r.Context(), id, time.UTC)
			return stamp, err
		},
	}
}

// postmortemChecks are the parts of pm's reading view and editor: the
// postmortem itself (its version moves with every section saved), its
// action items, and its incident's facts and timeline.
func (s *Server) postmortemChecks(pm *debrief.Postmortem) map[string]liveCheck {
	checks := map[string]liveCheck{
		debrief.LivePostmortem: func(r *http.Request) (string, error) {
			cur, err := s.svc.Postmortem(r.Context(), pm.ID)
			if err != nil {
				return "", err
			}
			return versionStamp(cur.Version), nil
		},
		debrief.LiveActionItems: func(r *http.Request) (string, error) {
			items, err := s.svc.ListActionItems(r.Context(), debrief.ActionItemFilter{PostmortemID: &pm.ID, Limit: debrief.MaxPageSize})
			return itemsStamp(items.Items), err
		},
	}
	if pm.IncidentID != nil {
		incidentID := *pm.IncidentID
		checks[debrief.LiveIncident] = s.incidentChecks(incidentID)[debrief.LiveIncident]
		// The reading view shows the whole timeline.
		checks[debrief.LiveTimeline] = func(r *http.Request) (string, error) {
			events, err := s.svc.ListTimeline(r.Context(), incidentID, debrief.TimelineFilter{})
			return timelineStamp(events), err
		}
	}
	return checks
}

// liveMeeting names the stamp of a review meeting's pages (the
// facilitator's and the room views), which refresh on debrief.LiveReview
// like the organiser's page, whose stamp is reviewStamp's.
const liveMeeting = "meeting"

// reviewStamp is the stamp of the organiser's review page: the review's
// version (0 before it is opened) and its meeting's (0 before it starts).
func reviewStamp(rv *debrief.Review, m *debrief.ReviewMeeting) string {
	v, mv := 0, 0
	if rv != nil {
		v = rv.Version
	}
	if m != nil {
		mv = m.Version
	}
	return versionStamp(v) + "m" + strconv.Itoa(mv)
}

// reviewChecks are the parts of postmortem id's review pages.
func (s *Server) reviewChecks(id int64) map[string]liveCheck {
	meeting := func(r *http.Request) (*debrief.ReviewMeeting, error) {
		m, err := s.svc.ReviewMeeting(r.Context(), id)
		if debrief.IsCode(err, debrief.ENotFound) {
			return nil, nil
		}
		return m, err
	}
	return map[string]liveCheck{
		debrief.LiveReview: func(r *http.Request) (string, error) {
			rv, err := s.svc.Review(r.Context(), id)
			if debrief.IsCode(err, debrief.ENotFound) {
				rv, err = nil, nil
			}
			if err != nil {
				return "", err
			}
			m, err := meeting(r)
			return reviewStamp(rv, m), err
		},
		liveMeeting: func(r *http.Request) (string, error) {
			m, err := meeting(r)
			if err != nil || m == nil {
				return versionStamp(0), err
			}
			return versionStamp(m.Version), nil
		},
	}
}
