package web

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	arran "github.com/arran4/golang-ical"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	// Calendars travel as text; the OpenAPI check reads them as strings.
	openapi3filter.RegisterBodyDecoder("text/calendar", func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(body)
		return string(b), err
	})
}

// busyICS is a participant's calendar with one busy hour on 10 March,
// 15:00-16:00 in Berlin (14:00-15:00 UTC).
const busyICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:busy-1\r\n" +
	"DTSTART;TZID=Europe/Berlin:20260310T150000\r\nDTEND;TZID=Europe/Berlin:20260310T160000\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

func TestReviewAPISQLite(t *testing.T)   { reviewAPIScenario(t, openSQLite(t)) }
func TestReviewAPIPostgres(t *testing.T) { reviewAPIScenario(t, openPostgres(t)) }

func reviewAPIScenario(t *testing.T, store debrief.Store) {
	e := newEnv(t, store, Config{})
	f := seed(t, e)
	base := "/api/v1/postmortems/" + strconv.FormatInt(f.pm, 10) + "/review"
	json := map[string]string{"Content-Type": "application/json"}

	// Nothing before it is opened.
	if x := e.do("GET", base, "", nil); x.status != 404 {
		t.Fatalf("GET review before opening = %d, want 404", x.status)
	}
	if x := e.do("GET", base+"/invitation.ics", "", nil); x.status != 404 {
		t.Fatalf("GET invitation before opening = %d, want 404", x.status)
	}
	bad := e.must(400, "POST", base, `{"zone": "Mars/Olympus"}`, json)
	if code, field := bad.errorCode(); code != "invalid" || field != "zone" {
		t.Errorf("open with a bad zone = %s/%s, want invalid/zone", code, field)
	}

	open := e.must(201, "POST", base, `{"zone": "Europe/Berlin", "window_start": "2026-03-09", "window_end": "2026-03-20", "length_minutes": 60,
		"participants": [
			{"email": "ana@example.com", "name": "Ana Keller", "required": true, "zone": "Europe/Berlin"},
			{"email": "Bo@Example.com", "required": true, "zone": "America/New_York", "work_start": "08:00", "work_end": "16:00"},
			{"email": "kei@example.com", "required": false, "zone": "Asia/Tokyo"}]}`, json)
	var opened reviewBody
	open.decode(t, &opened)
	if len(opened.Invites) != 3 || opened.Invites[1].Email != "bo@example.com" || !strings.HasPrefix(opened.Invites[1].Path, "/api/v1/review-invites/") {
		t.Fatalf("open answered invites %+v, want one personal link per participant", opened.Invites)
	}
	links := map[string]string{}
	for _, in := range opened.Invites {
		links[in.Email] = in.Path
	}
	x := e.must(409, "POST", base, `{}`, json)
	if !strings.Contains(string(x.body), `"current"`) {
		t.Errorf("second open = %s, want the existing review in current", x.body)
	}

	// Proposals: Berlin 9-17 and New York 8-16 overlap 12:00-16:00 UTC
	// (New York is on summer time from 8 March); Tokyo never does.
	proposals := func() proposalsBody {
		t.Helper()
		var p proposalsBody
		e.must(200, "GET", base+"/proposals?limit=3", "", nil).decode(t, &p)
		return p
	}
	p := proposals()
	if p.Earliest == nil || !p.Earliest.Start.Equal(time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)) || len(p.Slots) != 3 {
		t.Fatalf("proposals = %+v, want the earliest at 12:00 UTC on 9 March and 3 slots", p)
	}
	if len(p.Slots[0].Missing) != 1 || p.Slots[0].Missing[0] != "kei@example.com" {
		t.Errorf("first slot misses %v, want kei (Tokyo)", p.Slots[0].Missing)
	}

	// Bo marks 10 March 13:00-16:00 UTC through the link; Ana uploads a
	// calendar that is busy 14:00-15:00 UTC that day.
	e.must(200, "GET", links["bo@example.com"], "", nil)
	e.must(200, "PUT", links["bo@example.com"]+"/availability",
		`{"available": [{"start": "2026-03-10T13:00:00Z", "end": "2026-03-10T16:00:00Z"}], "version": 1}`, json)
	stale := e.must(409, "PUT", links["bo@example.com"]+"/availability", `{"available": [], "version": 1}`, json)
	if code, _ := stale.errorCode(); code != "conflict" {
		t.Errorf("stale availability = %s, want conflict", code)
	}
	upload := e.must(200, "POST", links["ana@example.com"]+"/busy?version=1", busyICS, map[string]string{"Content-Type": "text/calendar"})
	var view inviteView
	upload.decode(t, &view)
	if len(view.Participant.Busy) != 1 || view.Participant.BusySource != "ics" || !view.Participant.Busy[0].Start.Equal(time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("after the upload ana's entry = %+v, want one busy hour from 14:00 UTC", view.Participant)
	}
	e.must(400, "POST", links["ana@example.com"]+"/busy?version=2", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:yesterday\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", map[string]string{"Content-Type": "text/calendar"})
	p = proposals()
	if p.Earliest == nil || !p.Earliest.Start.Equal(time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC)) || p.Slots[0].Start.Equal(time.Date(2026, 3, 10, 13, 30, 0, 0, time.UTC)) {
		t.Fatalf("proposals after marking = %+v, want 13:00 UTC on 10 March first", p)
	}
	for _, s := range p.Slots {
		if s.Start.Before(time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)) && s.End.After(time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)) {
			t.Errorf("proposal %v overlaps ana's busy hour", s.Interval)
		}
	}

	// The calendar's secret URL: a server on 127.0.0.1 is refused by
	// default and fetched when the admin allows private addresses.
	cal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		io.WriteString(w, busyICS)
	}))
	defer cal.Close()
	refused := e.must(422, "POST", links["kei@example.com"]+"/busy", `{"url": "`+cal.URL+`/kei.ics", "version": 1}`, json)
	if !strings.Contains(string(refused.body), "internal address") {
		t.Errorf("URL import from 127.0.0.1 = %s, want a refusal of the internal address", refused.body)
	}
	allowed := newEnv(t, store, Config{CalendarAllowPrivate: true})
	allowed.must(200, "POST", links["kei@example.com"]+"/busy", `{"url": "`+cal.URL+`/kei.ics", "version": 1}`, json)

	// Choose, move and cancel; the invitation keeps its UID and raises its
	// sequence, and an independent parser reads it.
	cur := func() *debrief.Review {
		var r debrief.Review
		e.must(200, "GET", base, "", nil).decode(t, &r)
		return &r
	}
	rv := cur()
	e.must(400, "POST", base+"/choose", `{"start": "2026-04-01T12:00:00Z", "version": `+strconv.Itoa(rv.Version)+`}`, json)
	e.must(422, "GET", base+"/invitation.ics", "", nil)
	e.must(200, "POST", base+"/choose", `{"start": "`+p.Earliest.Start.Format(time.RFC3339)+`", "version": `+strconv.Itoa(rv.Version)+`}`, json)
	first := parseInvitation(t, e.must(200, "GET", base+"/invitation.ics", "", nil))
	if first.method != "REQUEST" || first.sequence != "0" || first.attendees != 3 || !first.start.Equal(p.Earliest.Start) || first.url != "http://example.com/postmortems/"+strconv.FormatInt(f.pm, 10) {
		t.Errorf("first invitation = %+v, want REQUEST, sequence 0, 3 attendees, the chosen start and a link back", first)
	}
	e.must(409, "POST", base+"/choose", `{"start": "2026-03-11T12:00:00Z", "version": `+strconv.Itoa(rv.Version)+`}`, json)
	rv = cur()
	e.must(200, "POST", base+"/choose", `{"start": "2026-03-11T12:00:00Z", "version": `+strconv.Itoa(rv.Version)+`}`, json)
	moved := parseInvitation(t, e.must(200, "GET", base+"/invitation.ics", "", nil))
	if moved.uid != first.uid || moved.sequence != "1" || !moved.start.Equal(time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("moved invitation = %+v, want the same UID %q at sequence 1 and the new start", moved, first.uid)
	}
	rv = cur()
	e.must(200, "POST", base+"/cancel", `{"version": `+strconv.Itoa(rv.Version)+`}`, json)
	cancelled := parseInvitation(t, e.must(200, "GET", base+"/invitation.ics", "", nil))
	if cancelled.uid != first.uid || cancelled.method != "CANCEL" || cancelled.sequence != "2" || cancelled.status != "CANCELLED" {
		t.Errorf("cancellation = %+v, want METHOD:CANCEL, STATUS:CANCELLED, same UID, sequence 2", cancelled)
	}

	// Every change is in the review's history (and so in the audit log).
	revs, err := store.ListRevisions(e.ctx(), debrief.RevisionFilter{EntityType: debrief.EntityReview, EntityID: rv.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range revs.Items {
		actions = append(actions, r.Action+" by "+r.Actor)
	}
	want := "cancel by local,schedule by local,schedule by local,availability by kei@example.com (personal link),availability by ana@example.com (personal link),availability by bo@example.com (personal link),create by local"
	if strings.Join(actions, ",") != want {
		t.Errorf("review history = %s\nwant %s", strings.Join(actions, ","), want)
	}

	// The questionnaire: Ana answers privately through her link, Bo
	// openly; the organiser sees Bo's answer and that Kei has not answered.
	ana := e.must(200, "PUT", links["ana@example.com"]+"/answers", `{"went_well": "The rollback took four minutes.", "was_hard": "Finding the diff", "version": 0}`, json)
	if !strings.Contains(string(ana.body), `"version":1`) {
		t.Errorf("ana's answer = %s, want version 1", ana.body)
	}
	e.must(409, "PUT", links["ana@example.com"]+"/answers", `{"went_well": "Again", "version": 0}`, json)
	e.must(200, "PUT", links["bo@example.com"]+"/answers", `{"surprised": "How calm the channel was", "shared": true, "version": 0}`, json)
	e.must(422, "PUT", base+"/answers", `{"went_well": "I am not invited", "version": 0}`, json)
	var answers debrief.ReviewAnswers
	e.must(200, "GET", base+"/answers", "", nil).decode(t, &answers)
	if len(answers.Answers) != 1 || answers.Answers[0].Email != "bo@example.com" || answers.Private != 1 || strings.Join(answers.Unanswered, ",") != "kei@example.com" {
		t.Errorf("answers as the organiser = %+v, want bo's shared one, ana's kept private, kei unanswered", answers)
	}
	var own inviteView
	e.must(200, "GET", links["ana@example.com"], "", nil).decode(t, &own)
	if own.Answer == nil || own.Answer.WentWell != "The rollback took four minutes." || len(own.Questions) != 4 {
		t.Errorf("ana's link shows %+v, want her own answer and the four questions", own)
	}

	// A personal link that does not exist.
	e.must(404, "GET", "/api/v1/review-invites/"+strings.Repeat("x", 43), "", nil)
	// A new link replaces the old.
	var inv inviteBody
	e.must(201, "POST", base+"/links", `{"email": "bo@example.com"}`, json).decode(t, &inv)
	e.must(404, "GET", links["bo@example.com"], "", nil)
	e.must(200, "GET", inv.Path, "", nil)
}

type parsedInvitation struct {
	method, uid, sequence, status, url string
	start                              time.Time
	attendees                          int
}

// parseInvitation reads an invitation with arran4/golang-ical.
func parseInvitation(t *testing.T, x exchange) parsedInvitation {
	t.Helper()
	if ct := x.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Fatalf("invitation Content-Type = %q, want text/calendar", ct)
	}
	cal, err := arran.ParseCalendar(bytes.NewReader(x.body))
	if err != nil || len(cal.Events()) != 1 {
		t.Fatalf("golang-ical cannot read the invitation (%v):\n%s", err, x.body)
	}
	var out parsedInvitation
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == "METHOD" {
			out.method = p.Value
		}
	}
	ev := cal.Events()[0]
	out.uid = ev.Id()
	get := func(name arran.ComponentProperty) string {
		if p := ev.GetProperty(name); p != nil {
			return p.Value
		}
		return ""
	}
	out.sequence, out.status, out.url = get(arran.ComponentPropertySequence), get(arran.ComponentPropertyStatus), get(arran.ComponentPropertyUrl)
	out.start, _ = ev.GetStartAt()
	out.attendees = len(ev.Attendees())
	return out
}

// TestReviewAPIErrors checks bad input is refused with the field named and
// nothing stored.
func TestReviewAPIErrors(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	f := seed(t, e)
	base := "/api/v1/postmortems/" + strconv.FormatInt(f.pm, 10) + "/review"
	json := map[string]string{"Content-Type": "application/json"}
	for _, tc := range []struct {
		name, body, field string
	}{
		{"unknown field", `{"colour": "red"}`, "colour"},
		{"short meeting", `{"length_minutes": 5}`, "length_minutes"},
		{"reversed window", `{"window_start": "2026-03-20", "window_end": "2026-03-09"}`, "window_end"},
		{"bad date", `{"window_start": "next week"}`, "window_start"},
		{"bad email", `{"participants": [{"email": "not an email", "required": true}]}`, "participants"},
		{"nobody required", `{"participants": [{"email": "a@example.com"}]}`, "participants"},
		{"bad hours", `{"participants": [{"email": "a@example.com", "required": true, "work_start": "18:00", "work_end": "09:00"}]}`, "participants"},
		{"twice", `{"participants": [{"email": "a@example.com", "required": true}, {"email": "A@example.com"}]}`, "participants"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := e.must(400, "POST", base, tc.body, json)
			if _, field := x.errorCode(); field != tc.field {
				t.Errorf("POST %s = field %q, want %q", tc.body, field, tc.field)
			}
		})
	}
	e.must(404, "GET", base, "", nil)
	// With defaults: the owner and the incident's commander and scribe.
	var opened reviewBody
	e.must(201, "POST", base, "", nil).decode(t, &opened)
	var got []string
	for _, p := range opened.Review.Participants {
		got = append(got, p.Email)
	}
	if strings.Join(got, ",") != "alice@example.com,bob@example.com" {
		t.Errorf("default participants = %v, want the commander (also the owner) and the scribe", got)
	}
	e.must(400, "PUT", base+"/availability", `{"participant": "alice@example.com", "available": []}`, json)
	e.must(400, "PUT", base+"/availability", `{"participant": "nobody@example.com", "available": [], "version": 1}`, json)
	e.must(400, "PUT", base+"/availability", `{"participant": "alice@example.com", "available": [{"start": "2026-03-10T16:00:00Z", "end": "2026-03-10T15:00:00Z"}], "version": 1}`, json)
	e.must(415, "POST", base+"/busy?participant=alice@example.com&version=1", busyICS, map[string]string{"Content-Type": "text/plain"})
	e.must(400, "POST", base+"/busy", `{"participant": "alice@example.com", "version": 1}`, json)
	e.must(400, "GET", base+"/proposals?limit=0", "", nil)
	e.must(400, "POST", base+"/choose", `{"start": "2026-03-10T12:03:00Z", "version": 1}`, json)
	var rv debrief.Review
	e.must(200, "GET", base, "", nil).decode(t, &rv)
	if rv.Version != 1 || rv.Participant("alice@example.com").Version != 1 {
		t.Errorf("after refused changes the review is at version %d, alice at %d; want both unchanged at 1", rv.Version, rv.Participant("alice@example.com").Version)
	}
}
