package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/diff"
)

// The history pages: each record's revisions, newest first, with who made
// each change, when, and what changed: long texts as a line diff (package
// diff, the one the section conflict uses), short values as old → new.
// Visibility is the Service's: ListRevisions refuses the history of a
// record on a private incident to a non-member, as reading the record does.

// historyPageSize is how many revisions one page shows.
const historyPageSize = 20

// diffContext is how many unchanged lines are kept around each change; the
// others collapse into a "n unchanged lines" marker.
const diffContext = 2

// historyPage is the history of one record.
type historyPage struct {
	layout
	// Heading names the record ("INC-4 Checkout API returned 500s").
	Heading string
	// Back is the record's own page.
	Back, BackLabel string
	// Related are links to the history of the record's parts or owner.
	Related   []historyLink
	Revisions []revisionView
	// NextURL is the next (older) page; FirstURL the newest, when not on it.
	NextURL, FirstURL string
}

type historyLink struct{ Href, Label string }

// revisionView is one revision as the page shows it.
type revisionView struct {
	Version int
	At      time.Time
	Actor   string
	What    string
	Changes []changeView
}

// changeView is one field's change: Lines for texts (a line diff), or Old
// and New for short values.
type changeView struct {
	Field    string
	Old, New string
	// Note says what happened to the whole field ("removed").
	Note  string
	Lines []diffLine
}

// diffLine is one line of a compacted diff; Gap counts unchanged lines
// left out in its place.
type diffLine struct {
	Op   diff.Op
	Text string
	Gap  int
}

// historyTarget is the record a history page is about, read as the viewer
// (so a private incident's parts are 404 to non-members).
type historyTarget struct {
	entity          string
	id              int64
	heading         string
	back, backLabel string
	related         []historyLink
	base            string // this page's path, for paging links
}

func (s *Server) uiIncidentHistory() HandlerFunc {
	return s.uiHistory(func(r *http.Request) (historyTarget, error) {
		inc, err := s.loadIncident(r)
		if err != nil {
			return historyTarget{}, err
		}
		t := historyTarget{entity: debrief.EntityIncident, id: inc.ID, heading: inc.Key + " " + inc.Title,
			back: "/incidents/" + inc.Key, backLabel: inc.Key, base: "/incidents/" + inc.Key + "/history"}
		pms, err := s.svc.ListPostmortems(r.Context(), debrief.PostmortemFilter{IncidentID: &inc.ID, Limit: 10})
		if err != nil {
			return t, err
		}
		for _, pm := range pms.Items {
			t.related = append(t.related, historyLink{"/postmortems/" + pm.Key + "/history", "History of the postmortem " + pm.Key})
		}
		return t, nil
	})
}

func (s *Server) uiPostmortemHistory() HandlerFunc {
	return s.uiHistory(func(r *http.Request) (historyTarget, error) {
		pm, err := s.svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return historyTarget{}, err
		}
		t := historyTarget{entity: debrief.EntityPostmortem, id: pm.ID, heading: pm.Key + " " + pm.Title,
			back: "/postmortems/" + pm.Key, backLabel: pm.Key, base: "/postmortems/" + pm.Key + "/history"}
		if pm.IncidentID != nil {
			inc, err := s.svc.Incident(r.Context(), *pm.IncidentID)
			if err != nil {
				return t, err
			}
			t.related = append(t.related, historyLink{"/incidents/" + inc.Key + "/history", "History of the incident " + inc.Key})
		}
		return t, nil
	})
}

func (s *Server) uiActionItemHistory() HandlerFunc {
	return s.uiHistory(func(r *http.Request) (historyTarget, error) {
		it, err := s.svc.ActionItemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return historyTarget{}, err
		}
		t := historyTarget{entity: debrief.EntityActionItem, id: it.ID, heading: it.Key + " " + it.Title,
			back: "/action-items", backLabel: "Action items", base: "/action-items/" + it.Key + "/history"}
		if it.IncidentID != nil {
			inc, err := s.svc.Incident(r.Context(), *it.IncidentID)
			if err != nil {
				return t, err
			}
			t.back, t.backLabel = "/incidents/"+inc.Key, inc.Key
		}
		return t, nil
	})
}

func (s *Server) uiEventHistory() HandlerFunc {
	return s.uiHistory(func(r *http.Request) (historyTarget, error) {
		inc, err := s.loadIncident(r)
		if err != nil {
			return historyTarget{}, err
		}
		ev, err := s.loadEvent(r, inc)
		if err != nil {
			return historyTarget{}, err
		}
		back, err := s.eventOnTimeline(r, inc, ev)
		if err != nil {
			return historyTarget{}, err
		}
		return historyTarget{entity: debrief.EntityTimeline, id: ev.ID, heading: "Timeline event of " + inc.Key + ": " + truncate(ev.Text, 80),
			back: back, backLabel: inc.Key + " timeline",
			base:    "/incidents/" + inc.Key + "/timeline/" + strconv.FormatInt(ev.ID, 10) + "/history",
			related: []historyLink{{"/incidents/" + inc.Key + "/history", "History of the incident " + inc.Key}}}, nil
	})
}

// eventOnTimeline is the address of the incident page showing ev: the
// timeline's first page when ev is on it, else the page that starts with
// ev (a long timeline is shown a page at a time).
func (s *Server) eventOnTimeline(r *http.Request, inc *debrief.Incident, ev *debrief.TimelineEvent) (string, error) {
	fragment := "#event-" + strconv.FormatInt(ev.ID, 10)
	first, err := s.svc.TimelinePage(r.Context(), inc.ID, debrief.TimelineFilter{}, "", uiTimelinePageSize)
	if err != nil {
		return "", err
	}
	for _, e := range first.Items {
		if e.ID == ev.ID {
			return timelinePageURL(inc, nil, fragment), nil
		}
	}
	return timelinePageURL(inc, eventPageParams(ev, false), fragment), nil
}

// uiHistory answers a history page: find reads the record the path names.
func (s *Server) uiHistory(find func(r *http.Request) (historyTarget, error)) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := find(r)
		if err != nil {
			return err
		}
		after := r.URL.Query().Get("after")
		revs, err := s.svc.ListRevisions(r.Context(), debrief.RevisionFilter{EntityType: t.entity, EntityID: t.id, Limit: historyPageSize, After: after})
		if err != nil {
			return err
		}
		p := historyPage{layout: newLayout(r, "History of "+t.heading, navOf(t.entity)), Heading: t.heading,
			Back: t.back, BackLabel: t.backLabel, Related: t.related}
		for _, rev := range revs.Items {
			p.Revisions = append(p.Revisions, viewRevision(rev, t.entity, p.Loc))
		}
		if revs.NextCursor != "" {
			p.NextURL = t.base + "?" + url.Values{"after": {revs.NextCursor}}.Encode()
		}
		if after != "" {
			p.FirstURL = t.base
		}
		return s.render(w, r, http.StatusOK, "history.html", "layout", p)
	}
}

func navOf(entity string) string {
	switch entity {
	case debrief.EntityPostmortem:
		return "postmortems"
	case debrief.EntityActionItem:
		return "action-items"
	}
	return "incidents"
}

// viewRevision tells one revision: what was done, and each change.
func viewRevision(rev *debrief.Revision, entity string, loc *time.Location) revisionView {
	v := revisionView{Version: rev.Version, At: rev.At, Actor: rev.Actor}
	what, told := revisionAction(rev, "created it")
	if told && rev.Action != "create" {
		v.What = what
		return v
	}
	v.What = what
	if !told {
		v.What = "changed " + changedFields(rev.Changes)
	}
	for _, c := range rev.Changes {
		if strings.HasSuffix(c.Field, "_id") {
			continue // a link between records, told by the page it is on
		}
		v.Changes = append(v.Changes, viewChanges(c, loc)...)
	}
	return v
}

// revisionAction says in words what a revision did when its action alone
// tells it (created, deleted, timeline events added); told is false for an
// update, which is told by its changes.
func revisionAction(rev *debrief.Revision, created string) (what string, told bool) {
	switch rev.Action {
	case "create":
		return created, true
	case "delete":
		return "deleted it", true
	case "timeline.add":
		n := 0
		for _, c := range rev.Changes {
			_ = json.Unmarshal(c.New, &n)
		}
		if n > 1 {
			return "added " + strconv.Itoa(n) + " timeline events", true
		}
		return "added a timeline event", true
	}
	return "", false
}

// changedFields names the fields a revision changed, in words.
func changedFields(cs []debrief.Change) string {
	names := make([]string, 0, len(cs))
	for _, c := range cs {
		names = append(names, fieldLabel(c.Field))
	}
	switch len(names) {
	case 0:
		return "nothing it recorded"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// fieldLabel names a revision's field for people: "sections.impact" is the
// section "impact", "started_at" is "started at".
func fieldLabel(f string) string {
	if key, ok := strings.CutPrefix(f, "sections."); ok {
		f = "the " + key + " section"
	}
	return strings.ReplaceAll(f, "_", " ")
}

// viewChanges shows one field's change. Whole section lists become one
// change per section that differs.
func viewChanges(c debrief.Change, loc *time.Location) []changeView {
	if c.Field == "sections" {
		return sectionChanges(c)
	}
	if strings.HasPrefix(c.Field, "sections.") {
		var o, n debrief.SectionText
		_ = json.Unmarshal(c.Old, &o)
		_ = json.Unmarshal(c.New, &n)
		cv := changeView{Field: "Section " + n.Heading}
		if n.Heading == "" {
			cv.Field = "Section " + o.Heading
		}
		if o.Heading != n.Heading && o.Heading != "" {
			cv.Old, cv.New = o.Heading, n.Heading
		}
		cv.Lines = compactDiff(diff.Lines(o.Body, n.Body))
		return []changeView{cv}
	}
	old, oldText := plainValue(c.Old, loc)
	new, newText := plainValue(c.New, loc)
	cv := changeView{Field: humanize(fieldLabel(c.Field))}
	if oldText || newText {
		if old == new {
			return nil
		}
		cv.Lines = compactDiff(diff.Lines(old, new))
		return []changeView{cv}
	}
	if old == new {
		return nil // nothing to show, such as an empty field of a new record
	}
	cv.Old, cv.New = old, new
	return []changeView{cv}
}

// sectionChanges compares two whole section lists by key.
func sectionChanges(c debrief.Change) []changeView {
	var old, new []debrief.Section
	_ = json.Unmarshal(c.Old, &old)
	_ = json.Unmarshal(c.New, &new)
	byKey := map[string]debrief.Section{}
	for _, s := range old {
		byKey[s.Key] = s
	}
	var out []changeView
	seen := map[string]bool{}
	for _, n := range new {
		seen[n.Key] = true
		o, had := byKey[n.Key]
		if had && o.Body == n.Body && o.Heading == n.Heading && o.Internal == n.Internal {
			continue
		}
		cv := changeView{Field: "Section " + n.Heading}
		if had && o.Heading != n.Heading {
			cv.Old, cv.New = o.Heading, n.Heading
		}
		if had && o.Internal != n.Internal {
			cv.Field += map[bool]string{true: " (now internal)", false: " (now public)"}[n.Internal]
		}
		if o.Body != n.Body {
			cv.Lines = compactDiff(diff.Lines(o.Body, n.Body))
		}
		if !had {
			cv.Note = "added"
		}
		out = append(out, cv)
	}
	var gone []string
	for _, o := range old {
		if !seen[o.Key] {
			gone = append(gone, o.Key)
		}
	}
	sort.Strings(gone)
	for _, k := range gone {
		o := byKey[k]
		out = append(out, changeView{Field: "Section " + o.Heading, Note: "removed", Lines: compactDiff(diff.Lines(o.Body, ""))})
	}
	return out
}

// plainValue turns a JSON value into text: strings as they are (times in
// loc with the zone named), lists one entry a line, objects as "name: value"
// lines. text is true when the value is prose or a list, which is shown as
// a line diff rather than old → new.
func plainValue(raw json.RawMessage, loc *time.Location) (s string, text bool) {
	var v any
	if len(raw) == 0 || string(raw) == "null" || json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	switch v := v.(type) {
	case string:
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return formatDateTime(loc, t) + " " + loc.String(), false
		}
		return v, strings.Contains(v, "\n") || len(v) > 80
	case bool:
		if v {
			return "yes", false
		}
		return "no", false
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), false
	case []any:
		lines := make([]string, 0, len(v))
		for _, x := range v {
			s, _ := plainValue(mustJSON(x), loc)
			lines = append(lines, s)
		}
		return strings.Join(lines, "\n"), true
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		lines := make([]string, 0, len(keys))
		for _, k := range keys {
			s, _ := plainValue(mustJSON(v[k]), loc)
			if s != "" {
				lines = append(lines, humanize(k)+": "+s)
			}
		}
		return strings.Join(lines, "\n"), true
	}
	return string(raw), false
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// compactDiff keeps the changed lines and diffContext unchanged lines
// around each, and replaces each longer run of unchanged lines by a gap.
func compactDiff(lines []diff.Line) []diffLine {
	keep := make([]bool, len(lines))
	for i, l := range lines {
		if l.Op == diff.Equal {
			continue
		}
		for j := max(0, i-diffContext); j <= min(len(lines)-1, i+diffContext); j++ {
			keep[j] = true
		}
	}
	var out []diffLine
	gap := 0
	for i, l := range lines {
		if !keep[i] {
			gap++
			continue
		}
		if gap > 0 {
			out = append(out, diffLine{Gap: gap})
			gap = 0
		}
		out = append(out, diffLine{Op: l.Op, Text: l.Text})
	}
	if gap > 0 && len(out) > 0 {
		out = append(out, diffLine{Gap: gap})
	}
	return out
}
