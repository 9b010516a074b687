package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/review"
)

// The review pages: the organiser's page (open the review, see proposed
// slots and near misses, choose one, download the invitation, see who has
// not answered and nudge them) and each participant's availability page,
// reached signed in or by a personal link without an account.

// reviewPage is the organiser's page of a postmortem's review.
type reviewPage struct {
	layout
	PM     *debrief.Postmortem
	Review *debrief.Review
	// Form is the open form, filled with the defaults or what was sent.
	Form   reviewForm
	Errors formErrors
	// Invites are personal links just made, shown once.
	Invites []inviteLink
	Notice  string
	CanPlan bool
	// Me is the viewer's own participant entry, when invited.
	Me         *debrief.ReviewParticipant
	Slots      []slotRow
	NearMisses []nearMissRow
	Chosen     string
	Unanswered []string
	Answered   int
	Meeting    *debrief.ReviewMeeting
	ZoneNames  []string
}

type reviewForm struct {
	Title, Zone, WindowStart, WindowEnd, Length, WorkStart, WorkEnd, Participants string
}

type inviteLink struct {
	Email, URL string
}

type slotRow struct {
	Start    string // RFC 3339, what the choose form sends
	Label    string
	Optional []string
	Missing  []string
}

type nearMissRow struct {
	Label    string
	Blockers []string
}

// commonZones are offered in the zone fields' suggestions; any IANA zone
// is accepted.
var commonZones = []string{"UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Warsaw", "Europe/Helsinki",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata",
	"Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland"}

// slotLabel shows a slot in the review's zone, with the zone named.
func slotLabel(loc *time.Location, start, end time.Time) string {
	return start.In(loc).Format("Mon 2 Jan 2006, 15:04") + "–" + end.In(loc).Format("15:04") + " " + loc.String()
}

// participantLines writes participants as the open form's text: one a
// line, "email, required|optional, zone, 09:00-17:00".
func participantLines(ps []debrief.ReviewParticipant, zone string) string {
	var b strings.Builder
	for _, p := range ps {
		kind := "optional"
		if p.Required {
			kind = "required"
		}
		z := p.Zone
		if z == "" {
			z = zone
		}
		hours := ""
		if p.WorkStart != "" && p.WorkEnd != "" {
			hours = ", " + p.WorkStart + "-" + p.WorkEnd
		}
		fmt.Fprintf(&b, "%s, %s, %s%s\n", p.Email, kind, z, hours)
	}
	return b.String()
}

// parseParticipantLines reads the open form's participants; fields after
// the email are optional and may come in any order.
func parseParticipantLines(text, workStart, workEnd string) ([]debrief.ReviewParticipant, error) {
	var out []debrief.ReviewParticipant
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ';' || r == '\t' })
		p := debrief.ReviewParticipant{Email: strings.TrimSpace(parts[0]), WorkStart: workStart, WorkEnd: workEnd}
		for _, f := range parts[1:] {
			f = strings.TrimSpace(f)
			switch lf := strings.ToLower(f); {
			case lf == "required":
				p.Required = true
			case lf == "optional" || lf == "":
			case strings.Contains(f, "/") || f == "UTC":
				p.Zone = f
			case strings.Contains(f, "-") && strings.Contains(f, ":"):
				a, b, _ := strings.Cut(f, "-")
				p.WorkStart, p.WorkEnd = strings.TrimSpace(a), strings.TrimSpace(b)
			default:
				return nil, debrief.Errorf(debrief.EInvalid, "participants", "Line %d: %q is not required, optional, a time zone such as Europe/Berlin or working hours such as 09:00-17:00.", n+1, truncate(f, 60))
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// reviewPageFor fills the organiser's page of pm.
func (s *Server) reviewPageFor(r *http.Request, pm *debrief.Postmortem) (*reviewPage, error) {
	ctx := r.Context()
	p := &reviewPage{layout: newLayout(r, "Review of "+pm.Key, "postmortems"), PM: pm, Errors: formErrors{}, ZoneNames: commonZones}
	// Who may plan decides which controls show; the Service decides again
	// on every change. Asked here, so that merely viewing the page does not
	// leave a refusal in the audit log.
	p.CanPlan = debrief.CanPlanReview(p.Actor, pm)
	rv, err := s.svc.Review(ctx, pm.ID)
	if debrief.IsCode(err, debrief.ENotFound) {
		p.LiveAt = liveStamps{debrief.LiveReview: reviewStamp(nil, nil)}.Encode()
		if !p.CanPlan {
			return p, nil
		}
		def, err := s.svc.ReviewDefaults(ctx, pm.ID, p.Zone)
		if err != nil {
			return nil, err
		}
		p.Form = reviewForm{Title: def.Title, Zone: def.Zone, WindowStart: def.WindowStart, WindowEnd: def.WindowEnd,
			Length: strconv.Itoa(def.LengthMinutes), WorkStart: "09:00", WorkEnd: "17:00", Participants: participantLines(def.Participants, def.Zone)}
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	p.Review = rv
	p.Me = rv.Participant(p.Actor.Email)
	loc, lerr := time.LoadLocation(rv.Zone)
	if lerr != nil {
		loc = time.UTC
	}
	if rv.Chosen != nil {
		p.Chosen = slotLabel(loc, rv.Chosen.Start, rv.Chosen.End)
	}
	if ans, err := s.svc.ReviewAnswers(ctx, pm.ID); err == nil {
		p.Unanswered, p.Answered = ans.Unanswered, len(ans.Answered)
	}
	if m, err := s.svc.ReviewMeeting(ctx, pm.ID); err == nil {
		p.Meeting = m
	}
	p.LiveAt = liveStamps{debrief.LiveReview: reviewStamp(rv, p.Meeting)}.Encode()
	if rv.Status != debrief.ReviewCancelled {
		if res, err := review.Propose(rv, 5); err == nil {
			for _, sl := range res.Slots {
				p.Slots = append(p.Slots, slotRow{Start: sl.Start.UTC().Format(time.RFC3339), Label: slotLabel(loc, sl.Start, sl.End), Optional: sl.Optional, Missing: sl.Missing})
			}
			for _, nm := range res.NearMisses {
				p.NearMisses = append(p.NearMisses, nearMissRow{Label: slotLabel(loc, nm.Start, nm.End), Blockers: nm.Blockers})
			}
		}
	}
	return p, nil
}

func (s *Server) uiReview() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := s.svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		p, err := s.reviewPageFor(r, pm)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "review.html", "layout", p)
	}
}

// renderReviewError shows the organiser's page again with err as a
// sentence, when it is one a person can act on; other errors go up.
func (s *Server) renderReviewError(w http.ResponseWriter, r *http.Request, pm *debrief.Postmortem, err error, keep func(*reviewPage)) error {
	status, ok := shownOnPage(err)
	if !ok {
		return err
	}
	p, perr := s.reviewPageFor(r, pm)
	if perr != nil {
		return perr
	}
	if keep != nil {
		keep(p)
	}
	p.Errors.addAny(err)
	return s.render(w, r, status, "review.html", "layout", p)
}

// shownOnPage returns the status for err and whether a page shows it as a
// sentence beside the form (a refusal a person can act on); the others
// (missing records, sign-in, server faults) get the error page.
func shownOnPage(err error) (int, bool) {
	st := StatusOf(err)
	return st, st < 500 && st != http.StatusNotFound && st != http.StatusUnauthorized
}

// addAny records err against its field, or against the whole form when
// it names none a form shows.
func (fe formErrors) addAny(err error) {
	if !fe.add(err) {
		fe[""] = &fieldError{Message: debrief.ErrorMessage(err)}
	}
}

func (s *Server) uiOpenReview() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		f := r.PostForm
		form := reviewForm{Title: f.Get("title"), Zone: strings.TrimSpace(f.Get("zone")), WindowStart: f.Get("window_start"), WindowEnd: f.Get("window_end"),
			Length: f.Get("length_minutes"), WorkStart: f.Get("work_start"), WorkEnd: f.Get("work_end"), Participants: f.Get("participants")}
		keep := func(p *reviewPage) { p.Form = form }
		in := debrief.NewReview{Title: form.Title, Zone: form.Zone, WindowStart: form.WindowStart, WindowEnd: form.WindowEnd}
		if in.LengthMinutes, err = strconv.Atoi(strings.TrimSpace(form.Length)); err != nil {
			return s.renderReviewError(w, r, pm, debrief.Errorf(debrief.EInvalid, "length_minutes", "Give the meeting's length in minutes, e.g. 60."), keep)
		}
		if in.Participants, err = parseParticipantLines(form.Participants, form.WorkStart, form.WorkEnd); err != nil {
			return s.renderReviewError(w, r, pm, err, keep)
		}
		if len(in.Participants) == 0 {
			return s.renderReviewError(w, r, pm, debrief.Errorf(debrief.EInvalid, "participants", "Invite at least one participant, one a line."), keep)
		}
		rv, invites, err := s.svc.OpenReview(ctx, pm.ID, in)
		if err != nil {
			return s.renderReviewError(w, r, pm, err, keep)
		}
		p, err := s.reviewPageFor(r, pm)
		if err != nil {
			return err
		}
		p.Review = rv
		p.Invites = s.inviteLinks(r, invites)
		p.Notice = "The review is open. Send each participant their personal link below; it is shown only now (make a new one at any time)."
		return s.render(w, r, http.StatusCreated, "review.html", "layout", p)
	}
}

func (s *Server) inviteLinks(r *http.Request, in []debrief.ReviewInvite) []inviteLink {
	var out []inviteLink
	for _, i := range in {
		out = append(out, inviteLink{Email: i.Email, URL: baseURL(s.publicURL, r) + "/review/" + i.Token})
	}
	return out
}

// uiReviewAction handles the organiser's buttons: choose a slot, cancel,
// a new personal link, a reminder.
func (s *Server) uiReviewAction(action string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		f := r.PostForm
		back := "/postmortems/" + pm.Key + "/review"
		switch action {
		case "choose", "cancel":
			version, err := formVersion(r)
			if err != nil {
				return err
			}
			if action == "choose" {
				start, perr := time.Parse(time.RFC3339, f.Get("start"))
				if perr != nil {
					return s.renderReviewError(w, r, pm, debrief.Errorf(debrief.EInvalid, "start", "Choose one of the proposed times."), nil)
				}
				_, err = s.svc.ChooseReviewSlot(ctx, pm.ID, start, version)
			} else {
				_, err = s.svc.CancelReview(ctx, pm.ID, version)
			}
			if err != nil {
				return s.renderReviewError(w, r, pm, err, nil)
			}
			return seeOther(w, r, back)
		case "link":
			inv, err := s.svc.NewReviewLink(ctx, pm.ID, f.Get("email"))
			if err != nil {
				return s.renderReviewError(w, r, pm, err, nil)
			}
			p, err := s.reviewPageFor(r, pm)
			if err != nil {
				return err
			}
			p.Invites = s.inviteLinks(r, []debrief.ReviewInvite{*inv})
			p.Notice = "A new personal link for " + inv.Email + "; the earlier one no longer works."
			return s.render(w, r, http.StatusOK, "review.html", "layout", p)
		case "nudge":
			email := f.Get("email")
			if _, err := s.svc.NudgeReviewParticipant(ctx, pm.ID, email); err != nil {
				return s.renderReviewError(w, r, pm, err, nil)
			}
			p, err := s.reviewPageFor(r, pm)
			if err != nil {
				return err
			}
			p.Notice = "A reminder to answer the questionnaire is on its way to " + email + ", with a new personal link."
			return s.render(w, r, http.StatusOK, "review.html", "layout", p)
		}
		return debrief.Errorf(debrief.ENotFound, "", "No such action.")
	}
}

// uiReviewInvitation downloads the invitation, as the API does.
func (s *Server) uiReviewInvitation() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := s.svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		rv, err := s.svc.Review(r.Context(), pm.ID)
		if err != nil {
			return err
		}
		return writeInvitation(w, r, s.svc, rv, s.publicURL)
	}
}

// availabilityPage is where a participant marks when they can attend and
// answers the questionnaire: signed in, or through their personal link.
type availabilityPage struct {
	layout
	// Base is where the page's forms post: /review/{token} or
	// /postmortems/{key}/review/availability.
	Base     string
	ByLink   bool
	PMKey    string
	Review   *debrief.Review
	Me       debrief.ReviewParticipant
	MyZone   string
	Window   string
	Chosen   string
	Times    []string
	Days     []string
	Rows     []gridRow
	Answer   *debrief.ReviewAnswer
	Notice   string
	Errors   formErrors
	Question []debrief.ReviewQuestion
	// ZoneNames are suggestions for the zone field.
	ZoneNames []string
}

// gridRow is one time of day across the window's working days.
type gridRow struct {
	Time  string
	Cells []gridCell
}

// gridCell is one half hour of one day; Value is its start (RFC 3339),
// empty when the half hour is outside the participant's working time.
type gridCell struct {
	Value, Label string
	Free, Busy   bool
}

// gridStep is the grid's resolution.
const gridStep = 30 * time.Minute

func overlaps(list []debrief.TimeRange, a, b time.Time) bool {
	for _, t := range list {
		if t.Start.Before(b) && t.End.After(a) {
			return true
		}
	}
	return false
}

func covers(list []debrief.TimeRange, a, b time.Time) bool {
	for _, t := range list {
		if !t.Start.After(a) && !t.End.Before(b) {
			return true
		}
	}
	return false
}

// fillGrid lays out the window's working days in the participant's zone,
// half an hour a cell. Unmarked, every working half hour counts as free.
func fillGrid(p *availabilityPage) {
	rv, me := p.Review, p.Me
	loc, err := time.LoadLocation(me.Zone)
	if err != nil {
		loc = time.UTC
	}
	p.MyZone = loc.String()
	from, to, err := rv.Window()
	if err != nil {
		return
	}
	ws, _ := debrief.ParseClock(me.WorkStart)
	we, _ := debrief.ParseClock(me.WorkEnd)
	days := map[string]bool{}
	for _, d := range me.WorkDays {
		days[d] = true
	}
	if len(days) == 0 {
		days = map[string]bool{"mon": true, "tue": true, "wed": true, "thu": true, "fri": true}
	}
	var dayStarts []time.Time
	first := from.In(loc)
	for d := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc); d.Before(to); d = d.AddDate(0, 0, 1) {
		if days[strings.ToLower(d.Format("Mon"))] {
			dayStarts = append(dayStarts, d)
		}
	}
	step := int(gridStep / time.Minute)
	var columns [][]gridCell
	for _, d := range dayStarts {
		var col []gridCell
		any := false
		for m := ws; m+step <= we; m += step {
			a := time.Date(d.Year(), d.Month(), d.Day(), m/60, m%60, 0, 0, loc)
			b := a.Add(gridStep)
			if a.Before(from) || b.After(to) {
				col = append(col, gridCell{})
				continue
			}
			any = true
			col = append(col, gridCell{Value: a.UTC().Format(time.RFC3339), Label: a.Format("Mon 2 Jan 15:04") + " " + loc.String(),
				Free: !me.Marked || covers(me.Available, a, b), Busy: overlaps(me.Busy, a, b)})
		}
		// A day the window only grazes in this zone (an hour after
		// midnight) has no working time in it and gets no column.
		if any {
			columns = append(columns, col)
			p.Days = append(p.Days, d.Format("Mon 2 Jan"))
		}
	}
	for i, m := 0, ws; m+step <= we; i, m = i+1, m+step {
		row := gridRow{Time: fmt.Sprintf("%02d:%02d", m/60, m%60)}
		for _, col := range columns {
			row.Cells = append(row.Cells, col[i])
		}
		p.Rows = append(p.Rows, row)
	}
	if len(columns) == 0 {
		p.Rows = nil
	}
	rloc, err := time.LoadLocation(rv.Zone)
	if err != nil {
		rloc = time.UTC
	}
	p.Window = rv.WindowStart + " to " + rv.WindowEnd + " (" + rv.Zone + ")"
	if rv.Chosen != nil {
		p.Chosen = slotLabel(loc, rv.Chosen.Start, rv.Chosen.End)
		if rloc.String() != loc.String() {
			p.Chosen += " (" + slotLabel(rloc, rv.Chosen.Start, rv.Chosen.End) + ")"
		}
	}
}

// freeRanges turns the grid's ticked cells into the times the participant
// can attend, joining neighbours.
func freeRanges(values []string) ([]debrief.TimeRange, error) {
	var starts []time.Time
	for _, v := range values {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, debrief.Errorf(debrief.EInvalid, "free", "The grid sent a time that is not one; reload the page and mark your times again.")
		}
		starts = append(starts, t.UTC())
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	out := []debrief.TimeRange{}
	for _, t := range starts {
		if n := len(out); n > 0 && !out[n-1].End.Before(t) {
			if e := t.Add(gridStep); e.After(out[n-1].End) {
				out[n-1].End = e
			}
			continue
		}
		out = append(out, debrief.TimeRange{Start: t, End: t.Add(gridStep)})
	}
	return out, nil
}

// availabilityDoor is how an availability page reaches the Service: by
// personal link or signed in. Both doors share the page and its forms.
type availabilityDoor struct {
	base   string
	byLink bool
	pmKey  string
	load   func() (*debrief.Review, string, error)
	mark   func(c debrief.AvailabilityChange, version int) error
	answer func(in debrief.AnswerInput, version int) error
	// keep, when set, puts what was sent back into the page.
	keep func(*availabilityPage)
}

func (s *Server) linkDoor(r *http.Request) *availabilityDoor {
	token := r.PathValue("token")
	ctx := r.Context()
	return &availabilityDoor{base: "/review/" + token, byLink: true,
		load: func() (*debrief.Review, string, error) { return s.svc.ReviewByLink(ctx, token) },
		mark: func(c debrief.AvailabilityChange, v int) error {
			_, _, err := s.svc.MarkAvailabilityByLink(ctx, token, c, v)
			return err
		},
		answer: func(in debrief.AnswerInput, v int) error {
			_, err := s.svc.AnswerReviewByLink(ctx, token, in, v)
			return err
		}}
}

func (s *Server) accountDoor(r *http.Request) (*availabilityDoor, error) {
	ctx := r.Context()
	pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return &availabilityDoor{base: "/postmortems/" + pm.Key + "/review/availability", pmKey: pm.Key,
		load: func() (*debrief.Review, string, error) {
			rv, err := s.svc.ReviewParticipantFor(ctx, pm.ID, "")
			if err != nil {
				return nil, "", err
			}
			a, _ := debrief.ActorFrom(ctx)
			return rv, rv.Participant(a.Email).Email, nil
		},
		mark: func(c debrief.AvailabilityChange, v int) error {
			_, err := s.svc.MarkAvailability(ctx, pm.ID, "", c, v)
			return err
		},
		answer: func(in debrief.AnswerInput, v int) error {
			_, err := s.svc.AnswerReview(ctx, pm.ID, in, v)
			return err
		}}, nil
}

func (s *Server) availabilityPageFor(r *http.Request, d *availabilityDoor) (*availabilityPage, error) {
	rv, email, err := d.load()
	if err != nil {
		return nil, err
	}
	p := &availabilityPage{layout: newLayout(r, "When can you attend? "+rv.Title, "postmortems"), Base: d.base, ByLink: d.byLink, PMKey: d.pmKey,
		Review: rv, Me: *rv.Participant(email), Errors: formErrors{}, Question: debrief.ReviewQuestions, ZoneNames: commonZones}
	if rv.Answer(email) != nil {
		a := *rv.Answer(email)
		p.Answer = &a
	}
	fillGrid(p)
	return p, nil
}

func (s *Server) renderAvailability(w http.ResponseWriter, r *http.Request, d *availabilityDoor, status int, notice string, ferr error) error {
	if d.byLink {
		noStore(w)
	}
	p, err := s.availabilityPageFor(r, d)
	if err != nil {
		return err
	}
	p.Notice = notice
	if d.keep != nil {
		d.keep(p)
	}
	if ferr != nil {
		st, ok := shownOnPage(ferr)
		if !ok || (st == http.StatusForbidden && d.byLink) {
			return ferr
		}
		status = st
		p.Errors.addAny(ferr)
	}
	return s.render(w, r, status, "review_availability.html", "layout", p)
}

// uiAvailability shows the availability page through either door.
func (s *Server) uiAvailability(byLink bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.door(r, byLink)
		if err != nil {
			return err
		}
		return s.renderAvailability(w, r, d, http.StatusOK, "", nil)
	}
}

func (s *Server) door(r *http.Request, byLink bool) (*availabilityDoor, error) {
	if byLink {
		if err := s.linkLimiter.allow(clientIP(r)); err != nil {
			return nil, err
		}
		return s.linkDoor(r), nil
	}
	return s.accountDoor(r)
}

// uiMarkAvailability saves the grid, the zone and the working hours.
func (s *Server) uiMarkAvailability(byLink bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.door(r, byLink)
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		version, err := strconv.Atoi(r.PostForm.Get("version"))
		if err != nil {
			return s.renderAvailability(w, r, d, http.StatusBadRequest, "", debrief.Errorf(debrief.EInvalid, "version", "The form has no version; reload the page and try again."))
		}
		c := debrief.AvailabilityChange{}
		if r.PostForm.Get("grid") == "1" {
			free, err := freeRanges(r.PostForm["free"])
			if err != nil {
				return s.renderAvailability(w, r, d, http.StatusBadRequest, "", err)
			}
			c.Available = &free
		}
		if z := strings.TrimSpace(r.PostForm.Get("zone")); z != "" {
			c.Zone = &z
		}
		if ws, we := strings.TrimSpace(r.PostForm.Get("work_start")), strings.TrimSpace(r.PostForm.Get("work_end")); ws != "" && we != "" {
			c.WorkStart, c.WorkEnd = &ws, &we
		}
		if err := d.mark(c, version); err != nil {
			return s.renderAvailability(w, r, d, http.StatusOK, "", err)
		}
		if c.Available == nil {
			return s.renderAvailability(w, r, d, http.StatusOK, "Your time zone and working hours are saved; the grid now shows them. Mark when you can attend.", nil)
		}
		return s.renderAvailability(w, r, d, http.StatusOK, "Saved: the organiser now sees when you can attend.", nil)
	}
}

// uiImportBusy reads busy times from an uploaded .ics file or a calendar's
// secret URL (fetched once, not kept).
func (s *Server) uiImportBusy(byLink bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.door(r, byLink)
		if err != nil {
			return err
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxCalendarBytes+64<<10)
		if err := r.ParseMultipartForm(MaxCalendarBytes + 64<<10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return s.renderAvailability(w, r, d, http.StatusRequestEntityTooLarge, "", debrief.Errorf(debrief.ETooLarge, "calendar", "The calendar is larger than %d MiB.", MaxCalendarBytes>>20))
		}
		version, err := strconv.Atoi(r.FormValue("version"))
		if err != nil {
			return s.renderAvailability(w, r, d, http.StatusBadRequest, "", debrief.Errorf(debrief.EInvalid, "version", "The form has no version; reload the page and try again."))
		}
		var ics []byte
		in := busyRequest{URL: strings.TrimSpace(r.FormValue("url"))}
		if f, _, ferr := r.FormFile("calendar"); ferr == nil {
			ics, err = io.ReadAll(io.LimitReader(f, MaxCalendarBytes+1))
			f.Close()
			if err != nil {
				return err
			}
			if len(ics) == 0 {
				ics = nil
			}
		}
		if ics == nil && in.URL == "" {
			return s.renderAvailability(w, r, d, http.StatusBadRequest, "", debrief.Errorf(debrief.EInvalid, "calendar", "Choose an .ics file, or paste your calendar's secret address."))
		}
		// The door's load checks who may change these times before the
		// server fetches anything.
		rv, email, err := d.load()
		if err != nil {
			return err
		}
		data, source, err := calendarBytes(r.Context(), s.calendars, in, ics)
		if err != nil {
			return s.renderAvailability(w, r, d, http.StatusOK, "", err)
		}
		busy, err := review.BusyFromICS(rv, email, data)
		if err != nil {
			return s.renderAvailability(w, r, d, http.StatusOK, "", err)
		}
		if err := d.mark(debrief.AvailabilityChange{Busy: &busy, BusySource: source}, version); err != nil {
			return s.renderAvailability(w, r, d, http.StatusOK, "", err)
		}
		return s.renderAvailability(w, r, d, http.StatusOK, fmt.Sprintf("Imported %d busy times from your calendar; they are marked on the grid.", len(busy)), nil)
	}
}

// uiAnswerReview saves the questionnaire.
func (s *Server) uiAnswerReview(byLink bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.door(r, byLink)
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		f := r.PostForm
		version, err := strconv.Atoi(f.Get("version"))
		if err != nil || version < 0 {
			return s.renderAvailability(w, r, d, http.StatusBadRequest, "", debrief.Errorf(debrief.EInvalid, "version", "The form has no version; reload the page and try again."))
		}
		in := debrief.AnswerInput{WentWell: f.Get("went_well"), WasHard: f.Get("was_hard"), Surprised: f.Get("surprised"), WouldChange: f.Get("would_change"), Shared: f.Get("shared") == "1"}
		if err := d.answer(in, version); err != nil {
			// What they wrote stays in the form, whatever the error.
			d.keep = func(p *availabilityPage) {
				p.Answer = &debrief.ReviewAnswer{WentWell: in.WentWell, WasHard: in.WasHard, Surprised: in.Surprised, WouldChange: in.WouldChange, Shared: in.Shared, Version: version}
				if stored := p.Review.Answer(p.Me.Email); stored != nil {
					p.Answer.Version = stored.Version
				}
			}
			return s.renderAvailability(w, r, d, http.StatusOK, "", err)
		}
		return s.renderAvailability(w, r, d, http.StatusOK, "Thank you: your answers are saved.", nil)
	}
}
