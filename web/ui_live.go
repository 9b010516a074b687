package web

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/live"
)

// Live pages. The incident page and the postmortem editor open a stream of
// server-sent events (htmx's SSE extension) on their record's topic. The
// stream says which part changed; the page fetches that part again as its
// viewer (hx-get with hx-select on the page's own URL), so what a stream
// carries is never more than a kind, an ID, a version and a name. The
// stream itself is presence: while it is open the page is "here", renewed
// every live.Heartbeat; the editor also posts which section has focus.
// Text boxes are never replaced while someone types in them: a section
// saved by someone else is loaded only when the viewer has no unsaved text
// in it, and otherwise announced (static/live.js).

// LivePage returns a new random identifier for the page being rendered, so
// presence can tell two open pages of one person apart.
func (layout) LivePage() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// streamPage reads the page identifier a stream or a presence post names,
// refusing anything but a short plain token.
func streamPage(v string) (string, error) {
	if v == "" || len(v) > 32 || !plainID(v) {
		return "", debrief.Errorf(debrief.EInvalid, "page", "Name the page with the identifier the server gave it.")
	}
	return v, nil
}

// viewerName is how presence shows a person.
func viewerName(a debrief.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Label()
}

// uiIncidentLive streams the live updates of an incident's page; a private
// incident is 404 to a non-member, as its page is.
func (s *Server) uiIncidentLive() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		inc, err := s.loadIncident(r)
		if err != nil {
			return err
		}
		still := func(r *http.Request) error { _, err := s.svc.Incident(r.Context(), inc.ID); return err }
		return s.stream(w, r, debrief.IncidentTopic(inc.ID), s.incidentChecks(inc.ID), still)
	}
}

// uiPostmortemLive streams the live updates of a postmortem's pages.
func (s *Server) uiPostmortemLive() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := s.svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		headings := map[string]string{}
		for _, sec := range pm.Sections {
			headings[sec.Key] = sec.Heading
		}
		still := func(r *http.Request) error { _, err := s.svc.Postmortem(r.Context(), pm.ID); return err }
		a, _ := debrief.ActorFrom(r.Context())
		ls := liveStream{topic: debrief.PostmortemTopic(pm.ID), name: viewerName(a), headings: headings, still: s.signedIn(still), versions: s.sectionVersions(pm.ID),
			checks: s.postmortemChecks(pm)}
		if pm.IncidentID != nil {
			// The reading view shows the incident's timeline and facts.
			ls.also, ls.alsoKinds = debrief.IncidentTopic(*pm.IncidentID), []string{debrief.LiveTimeline, debrief.LiveIncident}
		}
		return s.streamLive(w, r, ls)
	}
}

// uiPresence answers POST /postmortems/{id}/presence: the editor says which
// section its text box with focus belongs to ("" when none). 204.
func (s *Server) uiPresence() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := s.svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		page, err := streamPage(r.PostForm.Get("page"))
		if err != nil {
			return err
		}
		section := r.PostForm.Get("section")
		if section != "" && pm.Section(section) == nil {
			return debrief.Errorf(debrief.EInvalid, "section", "This postmortem has no section %q.", section)
		}
		a, _ := debrief.ActorFrom(r.Context())
		s.live.Editing(debrief.PostmortemTopic(pm.ID), page, viewerName(a), section)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// stream serves topic's events as server-sent events until the viewer
// leaves, the server stops, or still (the viewer's permission to read the
// record, checked again with the request's credentials every heartbeat)
// fails: a revoked session or a record made private ends the stream.
// checks are the parts of the page the stream compares with what the page
// was rendered from as it opens (ui_live_stamps.go).
func (s *Server) stream(w http.ResponseWriter, r *http.Request, topic string, checks map[string]liveCheck, still func(*http.Request) error) error {
	a, _ := debrief.ActorFrom(r.Context())
	return s.streamLive(w, r, liveStream{topic: topic, name: viewerName(a), still: s.signedIn(still), checks: checks})
}

// signedIn makes a heartbeat check of a signed-in viewer: their
// credentials as they are now (a revoked session or token ends the
// stream), then still as that actor.
func (s *Server) signedIn(still func(*http.Request) error) func(*http.Request) error {
	return func(r *http.Request) error {
		actor, err := s.authenticate(r)
		if err != nil {
			return err
		}
		return still(r.WithContext(debrief.WithActor(r.Context(), actor)))
	}
}

// liveStream says what one page's stream carries and to whom: the name
// presence shows, the headings of the sections presence names, and still,
// which says every heartbeat whether the viewer may still follow the
// record. A viewer by link (hidePresence) is counted among those present
// but is not told who else is: the link shows the meeting, not the names
// of the people viewing it.
type liveStream struct {
	topic        string
	name         string
	headings     map[string]string
	still        func(*http.Request) error
	hidePresence bool
	// versions, when not nil, writes the record's current section
	// versions (liveSections) when the stream opens and after every
	// resync, so a page that missed events, or reconnects after a dropped
	// connection, learns which sections changed meanwhile without reading
	// them all again.
	versions func(*http.Request) (string, error)
	// also is another topic whose events of alsoKinds the page shows too
	// (a postmortem's page shows its incident's timeline); presence stays
	// on topic.
	also      string
	alsoKinds []string
	// checks compute the stamps of the page's parts now, by the kind of
	// event that refreshes each: as the stream opens, a part whose stamp
	// differs from the one the page names (at=) gets its event, so a
	// change made between the page's render and its stream is not missed.
	checks map[string]liveCheck
}

// streamLive serves ls as server-sent events until the viewer leaves, the
// server stops, or ls.still fails; see stream.
func (s *Server) streamLive(w http.ResponseWriter, r *http.Request, ls liveStream) error {
	topic, headings, versions := ls.topic, ls.headings, ls.versions
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		return debrief.Errorf(debrief.EInvalid, "", "This address streams live updates to an open page; ask for text/event-stream.")
	}
	page, err := streamPage(r.URL.Query().Get("page"))
	if err != nil {
		return err
	}
	at, err := parseLiveStamps(r.URL.Query().Get("at"))
	if err != nil {
		return err
	}
	me := ls.name
	sub := s.live.Subscribe(topic)
	defer sub.Close()
	var alsoEvents <-chan live.Event // nil: never ready
	var alsoSub *live.Subscription
	if ls.also != "" {
		alsoSub = s.live.Subscribe(ls.also)
		defer alsoSub.Close()
		alsoEvents = alsoSub.Events()
	}
	s.live.Here(topic, page, me)
	defer s.live.Gone(topic, page)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx would hold the events back
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	var b strings.Builder
	// A dropped connection is retried by the browser after a second.
	b.WriteString("retry: 1000\n\n")
	presence := func() {
		if !ls.hidePresence {
			writePresence(&b, s.live.Viewers(topic), page, me, headings)
		}
	}
	presence()
	writeVersions := func() {
		if versions == nil {
			return
		}
		// A record the viewer can no longer read says nothing; still
		// ends the stream at the next heartbeat.
		if data, err := versions(r); err == nil {
			writeEvent(&b, liveSections, data)
		}
	}
	writeVersions()
	// Subscribed before reading: a change from now on is both heard and,
	// if it committed before the read, seen by it.
	writeChanged(&b, r, at, ls.checks)
	heartbeat := time.NewTicker(s.liveBeat)
	defer heartbeat.Stop()
	for {
		if b.Len() > 0 {
			if _, err := w.Write([]byte(b.String())); err != nil {
				return nil // the viewer left
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
			b.Reset()
		}
		select {
		case <-r.Context().Done():
			return nil
		case <-sub.Done():
			return nil // the server is stopping; the browser reconnects elsewhere
		case ev := <-alsoEvents:
			if alsoSub.Missed() {
				writeEvent(&b, live.KindResync, "")
			}
			if slices.Contains(ls.alsoKinds, ev.Kind) {
				data, _ := json.Marshal(liveData{ID: ev.ID, Version: ev.Version, By: ev.By})
				writeEvent(&b, ev.Kind, string(data))
			}
		case ev := <-sub.Events():
			if sub.Missed() {
				writeEvent(&b, live.KindResync, "")
				writeVersions()
			}
			switch ev.Kind {
			case live.KindPresence:
				presence()
			case live.KindResync:
				writeEvent(&b, live.KindResync, "")
				presence()
				writeVersions()
			default:
				data, _ := json.Marshal(liveData{ID: ev.ID, Version: ev.Version, Section: ev.Section, By: ev.By})
				writeEvent(&b, ev.Kind, string(data))
			}
		case <-heartbeat.C:
			// Credentials and visibility are what they are now, not what
			// they were when the page opened.
			if err := ls.still(r); err != nil {
				return nil
			}
			s.live.Here(topic, page, me)
			b.WriteString(": still here\n\n") // keeps proxies from closing an idle connection
		}
	}
}

// liveData is an event's data: what changed and who changed it.
type liveData struct {
	ID      int64  `json:"id,omitempty"`
	Version int    `json:"version,omitempty"`
	Section string `json:"section,omitempty"`
	By      string `json:"by,omitempty"`
}

// writeEvent writes one server-sent event; data is one line.
func writeEvent(b *strings.Builder, kind, data string) {
	fmt.Fprintf(b, "event: %s\ndata: %s\n\n", kind, data)
}

// writePresence writes the presence event: who else has the page open and
// which section each is editing, as one line of HTML the page swaps in.
func writePresence(b *strings.Builder, viewers []live.Viewer, page, me string, headings map[string]string) {
	var out strings.Builder
	seen := map[string]int{} // name → index in parts
	var parts []string
	for _, v := range viewers {
		if v.Page == page || v.Who == me {
			continue
		}
		part := `<span class="viewer">` + html.EscapeString(v.Who) + `</span>`
		if v.Section != "" {
			heading := headings[v.Section]
			if heading == "" {
				heading = v.Section
			}
			part += ` <span class="editing">(editing <a href="#section-` + html.EscapeString(v.Section) + `">` + html.EscapeString(heading) + `</a>)</span>`
		}
		if i, ok := seen[v.Who]; ok {
			if v.Section != "" {
				parts[i] = part // one person's pages: show the one editing
			}
			continue
		}
		seen[v.Who] = len(parts)
		parts = append(parts, part)
	}
	if len(parts) > 0 {
		out.WriteString(`<span class="muted">Also here:</span> `)
		out.WriteString(strings.Join(parts, ", "))
	}
	writeEvent(b, live.KindPresence, out.String())
}

// liveSections is the event that carries a postmortem's section versions,
// {"key": version, …}: the editor compares them with the versions its
// sections started from (static/live.js).
const liveSections = "sections"

// sectionVersions returns what the editor's stream writes as liveSections
// for postmortem id, read as the stream's viewer.
func (s *Server) sectionVersions(id int64) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) {
		pm, err := s.svc.Postmortem(r.Context(), id)
		if err != nil {
			return "", err
		}
		v := make(map[string]int, len(pm.Sections))
		for _, sec := range pm.Sections {
			v[sec.Key] = sec.Version
		}
		data, err := json.Marshal(v)
		return string(data), err
	}
}

// uiActionItemsLive streams the live updates of the action items board:
// an item changed somewhere, with no more said (debrief.ActionItemsTopic);
// the board reads itself again as its viewer.
func (s *Server) uiActionItemsLive() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		still := func(r *http.Request) error {
			_, err := s.svc.ListActionItems(r.Context(), debrief.ActionItemFilter{Limit: 1})
			return err
		}
		if err := still(r); err != nil {
			return err
		}
		// The board's filter comes with its stream, so the stream reads
		// the items the board shows.
		f, _ := boardFilter(r.URL.Query())
		checks := map[string]liveCheck{debrief.LiveActionItems: func(r *http.Request) (string, error) {
			page, err := s.svc.ListActionItems(r.Context(), f)
			return itemsStamp(page.Items), err
		}}
		return s.stream(w, r, debrief.ActionItemsTopic, checks, still)
	}
}
