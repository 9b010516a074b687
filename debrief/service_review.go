package debrief

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The review meeting: the postmortem's owner (or any responder) opens it,
// participants mark when they can attend (signed in, or through a personal
// link that needs no account), and the owner chooses a slot, which makes an
// invitation. Slot finding and iCalendar live in package review; the
// Service keeps the record, its permissions and its history.

// NewReview is what it takes to open a review meeting. Empty fields take
// defaults: the title from the postmortem, the zone UTC, a window from
// tomorrow for two weeks, one hour, and as participants the postmortem's
// owner and the incident's responders.
type NewReview struct {
	Title         string              `json:"title,omitempty"`
	Zone          string              `json:"zone,omitempty"`
	WindowStart   string              `json:"window_start,omitempty"`
	WindowEnd     string              `json:"window_end,omitempty"`
	LengthMinutes int                 `json:"length_minutes,omitempty"`
	Participants  []ReviewParticipant `json:"participants,omitempty"`
}

// ReviewInvite is a participant's personal link token, shown only when it
// is made.
type ReviewInvite struct {
	Email     string    `json:"email"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ReviewNotifier writes the e-mails a change of a review sends, and the
// Service stores them in the notification outbox in the same transaction
// as the change: a change and its e-mails commit together or not at all,
// so a crash or a failed write between the two cannot lose an invitation,
// and the outbox's key (event, channel, target) keeps a retried change
// from sending twice. Without a notifier (no mail server) invitations are
// downloaded and reminders refused.
type ReviewNotifier interface {
	// ReviewInvitation writes r's invitation to every participant: method
	// is REQUEST for a chosen or moved slot and CANCEL for a cancellation.
	ReviewInvitation(r *Review, method string) ([]*Notification, error)
	// ReviewNudge writes the reminder to email to answer the
	// questionnaire; token is their new personal link's token (known only
	// now: the store keeps its hash).
	ReviewNudge(r *Review, email, token string) ([]*Notification, error)
	// ReviewLinks writes to each of invites their personal link, made
	// when they were invited or by the organiser's "new link".
	ReviewLinks(r *Review, invites []ReviewInvite) ([]*Notification, error)
	// Queued is told once messages have committed, so the sender can look
	// for them at once rather than at its next round.
	Queued()
}

// WithReviewNotifier sets who is told about invitations to send.
func WithReviewNotifier(n ReviewNotifier) Option { return func(s *Service) { s.reviewNotifier = n } }

// CanPlanReview reports whether a may open or change the review of pm and
// facilitate its meeting: its owner may, whatever their role, and so may
// any responder. The pages ask it to decide which controls to show.
func CanPlanReview(a Actor, pm *Postmortem) bool {
	return a.Role.Includes(RoleResponder) || (a.Email != "" && strings.EqualFold(a.Email, pm.Owner))
}

// planner returns the actor and the postmortem if a may plan its review.
func (s *Service) planner(ctx context.Context, postmortemID int64) (Actor, *Postmortem, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return a, nil, err
	}
	pm, err := s.visiblePostmortem(ctx, a, postmortemID)
	if err != nil {
		return a, nil, err
	}
	if !CanPlanReview(a, pm) {
		s.AuditDenied(ctx, a, "review of postmortem "+idString(postmortemID), "not the owner, role "+string(a.Role))
		return a, nil, Errorf(EForbidden, "", "Only the postmortem's owner (%s) or a responder can plan its review.", pm.Owner)
	}
	return a, pm, nil
}

// plannedReview returns the review of a postmortem if a may plan it and it
// is still at ifVersion; otherwise EConflict with the review as it is.
func (s *Service) plannedReview(ctx context.Context, postmortemID int64, ifVersion int) (Actor, *Review, error) {
	a, _, err := s.planner(ctx, postmortemID)
	if err != nil {
		return a, nil, err
	}
	cur, err := s.store.ReviewByPostmortem(ctx, postmortemID)
	if err != nil {
		return a, nil, err
	}
	if cur.Version != ifVersion {
		return a, nil, Conflict("review", cur, cur.Version)
	}
	return a, cur, nil
}

// OpenReview opens the review meeting of a postmortem and returns it with
// each participant's personal link token (shown only now).
func (s *Service) OpenReview(ctx context.Context, postmortemID int64, in NewReview) (*Review, []ReviewInvite, error) {
	a, pm, err := s.planner(ctx, postmortemID)
	if err != nil {
		return nil, nil, err
	}
	st := s.store
	now := s.Now()
	r := &Review{PostmortemID: pm.ID, Owner: pm.Owner, Title: in.Title, Zone: in.Zone, WindowStart: in.WindowStart, WindowEnd: in.WindowEnd,
		LengthMinutes: in.LengthMinutes, Participants: in.Participants, Status: ReviewOpen, Answers: []ReviewAnswer{},
		CreatedBy: a.Label(), CreatedAt: now, UpdatedAt: now}
	if strings.TrimSpace(r.Title) == "" {
		r.Title = truncate("Review: "+pm.Title, MaxTitleLen)
	}
	if r.Zone == "" {
		r.Zone = "UTC"
	}
	if loc, err := time.LoadLocation(r.Zone); err == nil && r.WindowStart == "" {
		today := now.In(loc)
		r.WindowStart = today.AddDate(0, 0, 1).Format(time.DateOnly)
		if r.WindowEnd == "" {
			r.WindowEnd = today.AddDate(0, 0, 14).Format(time.DateOnly)
		}
	}
	if r.LengthMinutes == 0 {
		r.LengthMinutes = 60
	}
	if len(r.Participants) == 0 {
		r.Participants = s.defaultParticipants(ctx, pm)
	}
	for i := range r.Participants {
		p := &r.Participants[i]
		// Availability is each participant's own to mark.
		p.Marked, p.Available, p.Busy, p.BusySource, p.Version, p.UpdatedAt, p.NudgedAt = false, nil, nil, "", 1, nil, nil
	}
	if err := s.checkReview(r, now); err != nil {
		return nil, nil, err
	}
	links, invites := s.reviewLinks(r, r.Participants, now)
	mail, err := s.linkMail(r, invites)
	if err != nil {
		return nil, nil, err
	}
	if err := st.CreateReview(ctx, r, links, s.revision(a, EntityReview, 0, 1, "create", Snapshot(r)), mail); err != nil {
		return nil, nil, err
	}
	s.queued(mail)
	for _, l := range links {
		l.ReviewID = r.ID
	}
	s.publishReview(r.PostmortemID, r.ID, r.Version, a.Label())
	return r, invites, nil
}

// checkReview validates r and the rules that depend on the time.
func (s *Service) checkReview(r *Review, now time.Time) error {
	// Titles, names, emails and zones obey the text rule of every record;
	// checked first so the answer names the field, not a failed lookup.
	if err := CheckStrings(r); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	from, to, _ := r.Window()
	if !to.After(now) && r.Status == ReviewOpen {
		return Errorf(EInvalid, "window_end", "The window ended on %s; choose days still to come.", r.WindowEnd)
	}
	if r.Status == ReviewScheduled && r.Chosen != nil && (r.Chosen.Start.Before(from) || r.Chosen.Start.After(to)) {
		return Errorf(EInvalid, "window_start", "The meeting is scheduled outside that window; choose a new time first, or cancel it.")
	}
	return nil
}

// defaultParticipants invites the postmortem's owner and the incident's
// commander, scribe and communications lead as required, and its other
// members as optional.
func (s *Service) defaultParticipants(ctx context.Context, pm *Postmortem) []ReviewParticipant {
	var out []ReviewParticipant
	seen := map[string]bool{}
	add := func(email string, required bool) {
		e, err := NormalizeEmail(email)
		if err != nil || seen[e] {
			return
		}
		seen[e] = true
		out = append(out, ReviewParticipant{Email: e, Required: required})
	}
	add(pm.Owner, true)
	if pm.IncidentID != nil {
		if inc, err := s.store.Incident(ctx, *pm.IncidentID); err == nil {
			add(inc.Roles.Commander, true)
			add(inc.Roles.Scribe, true)
			add(inc.Roles.Communications, true)
			for _, m := range inc.Members {
				add(m, false)
			}
		}
	}
	return out
}

// reviewLinks makes a new personal link for each of people. A link works
// until the day after the window ends, and at least a week from now.
func (s *Service) reviewLinks(r *Review, people []ReviewParticipant, now time.Time) ([]*ReviewLink, []ReviewInvite) {
	_, to, _ := r.Window()
	expires := normTime(to.Add(24 * time.Hour))
	if min := now.Add(7 * 24 * time.Hour); expires.Before(min) {
		expires = min
	}
	var links []*ReviewLink
	invites := []ReviewInvite{}
	for _, p := range people {
		token := NewToken()
		links = append(links, &ReviewLink{ReviewID: r.ID, Email: p.Email, TokenHash: HashToken(token), CreatedAt: now, ExpiresAt: expires})
		invites = append(invites, ReviewInvite{Email: p.Email, Token: token, ExpiresAt: expires})
	}
	return links, invites
}

// Review returns a postmortem's review meeting.
func (s *Service) Review(ctx context.Context, postmortemID int64) (*Review, error) {
	if err := s.mayRead(ctx, postmortemID); err != nil {
		return nil, err
	}
	st := s.store
	return st.ReviewByPostmortem(ctx, postmortemID)
}

// mayRead checks the actor may read the postmortem, and so its review.
func (s *Service) mayRead(ctx context.Context, postmortemID int64) error {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return err
	}
	_, err = s.visiblePostmortem(ctx, a, postmortemID)
	return err
}

// ReviewPatch names the fields an update of the plan changes. Participants
// replaces the list; people already invited keep what they marked.
type ReviewPatch struct {
	Title         *string              `json:"title,omitempty"`
	Zone          *string              `json:"zone,omitempty"`
	WindowStart   *string              `json:"window_start,omitempty"`
	WindowEnd     *string              `json:"window_end,omitempty"`
	LengthMinutes *int                 `json:"length_minutes,omitempty"`
	Participants  *[]ReviewParticipant `json:"participants,omitempty"`
}

// UpdateReview changes the plan if the review is still at ifVersion. It
// returns personal link tokens for participants newly invited.
func (s *Service) UpdateReview(ctx context.Context, postmortemID int64, p ReviewPatch, ifVersion int) (*Review, []ReviewInvite, error) {
	a, cur, err := s.plannedReview(ctx, postmortemID, ifVersion)
	if err != nil {
		return nil, nil, err
	}
	st := s.store
	next := *cur
	set(&next.Title, p.Title)
	set(&next.Zone, p.Zone)
	set(&next.WindowStart, p.WindowStart)
	set(&next.WindowEnd, p.WindowEnd)
	set(&next.LengthMinutes, p.LengthMinutes)
	var added []ReviewParticipant
	if p.Participants != nil {
		next.Participants = make([]ReviewParticipant, 0, len(*p.Participants))
		for _, np := range *p.Participants {
			if e, err := NormalizeEmail(np.Email); err == nil {
				np.Email = e
			}
			if old := cur.Participant(np.Email); old != nil {
				// What the participant marked stays theirs.
				np.Marked, np.Available, np.Busy, np.BusySource, np.Version, np.UpdatedAt = old.Marked, old.Available, old.Busy, old.BusySource, old.Version, old.UpdatedAt
				np.NudgedAt = old.NudgedAt
			} else {
				np.Marked, np.Available, np.Busy, np.BusySource, np.Version, np.UpdatedAt, np.NudgedAt = false, nil, nil, "", 1, nil, nil
				added = append(added, np)
			}
			next.Participants = append(next.Participants, np)
		}
	}
	now := s.Now()
	next.UpdatedAt = now
	if err := s.checkReview(&next, now); err != nil {
		return nil, nil, err
	}
	changes := Diff(cur, &next)
	if len(changes) == 0 {
		return cur, []ReviewInvite{}, nil
	}
	// A scheduled meeting whose invitation says something else now (title,
	// zone, length, who is invited) gets an updated invitation.
	resend := next.Status == ReviewScheduled && next.Chosen != nil && invitationChanged(cur, &next)
	if resend {
		chosen := TimeRange{Start: next.Chosen.Start, End: next.Chosen.Start.Add(next.Length())}
		if _, to, _ := next.Window(); chosen.End.After(to) {
			return nil, nil, Errorf(EInvalid, "length_minutes", "The scheduled meeting would then end after the window; choose a new time first.")
		}
		next.Chosen = &chosen
		next.Sequence++
		changes = Diff(cur, &next)
	}
	var mail []*Notification
	if resend {
		if mail, err = s.invitationMail(&next, "REQUEST"); err != nil {
			return nil, nil, err
		}
	}
	links, invites := s.reviewLinks(&next, added, now)
	linked, err := s.linkMail(&next, invites)
	if err != nil {
		return nil, nil, err
	}
	mail = append(mail, linked...)
	if err := st.UpdateReview(ctx, &next, ifVersion, links, s.revision(a, EntityReview, next.ID, ifVersion+1, "update", changes), mail); err != nil {
		return nil, nil, err
	}
	s.publishReview(next.PostmortemID, next.ID, next.Version, a.Label())
	s.queued(mail)
	return &next, invites, nil
}

// invitationChanged reports whether the invitation of b differs from a's
// in what calendars show: title, zone, length or attendees.
func invitationChanged(a, b *Review) bool {
	if a.Title != b.Title || a.Zone != b.Zone || a.LengthMinutes != b.LengthMinutes || len(a.Participants) != len(b.Participants) {
		return true
	}
	for i := range a.Participants {
		pa, pb := a.Participants[i], b.Participants[i]
		if pa.Email != pb.Email || pa.Name != pb.Name || pa.Required != pb.Required {
			return true
		}
	}
	return false
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// NewReviewLink replaces a participant's personal link with a new one (the
// old one stops working) and returns its token.
func (s *Service) NewReviewLink(ctx context.Context, postmortemID int64, email string) (*ReviewInvite, error) {
	a, _, err := s.planner(ctx, postmortemID)
	if err != nil {
		return nil, err
	}
	st := s.store
	cur, err := st.ReviewByPostmortem(ctx, postmortemID)
	if err != nil {
		return nil, err
	}
	p := cur.Participant(email)
	if p == nil {
		return nil, Errorf(EInvalid, "email", "%s is not invited to this review.", truncate(email, 80))
	}
	now := s.Now()
	links, invites := s.reviewLinks(cur, []ReviewParticipant{*p}, now)
	next := *cur
	next.UpdatedAt = now
	rev := s.revision(a, EntityReview, cur.ID, cur.Version+1, "link", []Change{change("link", nil, p.Email)})
	mail, err := s.linkMail(&next, invites)
	if err != nil {
		return nil, err
	}
	if err := st.UpdateReview(ctx, &next, cur.Version, links, rev, mail); err != nil {
		return nil, err
	}
	s.publishReview(next.PostmortemID, next.ID, next.Version, a.Label())
	s.queued(mail)
	return &invites[0], nil
}

// AvailabilityChange is what a participant says about their own time.
// Nil fields stay as they are.
type AvailabilityChange struct {
	// Available, when given, is the only time the participant can attend
	// (within working hours); an empty list means no time at all.
	Available *[]TimeRange `json:"available,omitempty"`
	// Busy, when given, replaces the busy times from a calendar.
	Busy       *[]TimeRange `json:"busy,omitempty"`
	BusySource string       `json:"-"`
	Zone       *string      `json:"zone,omitempty"`
	WorkStart  *string      `json:"work_start,omitempty"`
	WorkEnd    *string      `json:"work_end,omitempty"`
	WorkDays   *[]string    `json:"work_days,omitempty"`
}

// ReviewParticipantFor returns the review and checks that the actor may
// change email's availability: the participant themself, or someone who
// may plan the review. Callers that must do work before the change (fetch
// a calendar) call it first, so nobody else can make the server fetch.
func (s *Service) ReviewParticipantFor(ctx context.Context, postmortemID int64, email string) (*Review, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	pm, err := s.visiblePostmortem(ctx, a, postmortemID)
	if err != nil {
		return nil, err
	}
	st := s.store
	r, err := st.ReviewByPostmortem(ctx, postmortemID)
	if err != nil {
		return nil, err
	}
	if email == "" {
		email = a.Email
	}
	if r.Participant(email) == nil {
		if strings.EqualFold(email, a.Email) {
			return nil, Errorf(EForbidden, "", "You (%s) are not invited to this review; ask %s to add you.", a.Label(), pm.Owner)
		}
		return nil, Errorf(EInvalid, "participant", "%s is not invited to this review.", truncate(email, 80))
	}
	if !strings.EqualFold(email, a.Email) && !CanPlanReview(a, pm) {
		s.AuditDenied(ctx, a, "review of postmortem "+idString(postmortemID), "marking another participant's times")
		return nil, Errorf(EForbidden, "", "Only %s, the postmortem's owner or a responder can mark %s's times.", email, email)
	}
	return r, nil
}

// MarkAvailability applies c to a participant's entry if that entry is
// still at ifVersion (the participant's own version, so participants do
// not conflict with each other). An empty email means the actor.
func (s *Service) MarkAvailability(ctx context.Context, postmortemID int64, email string, c AvailabilityChange, ifVersion int) (*Review, error) {
	r, err := s.ReviewParticipantFor(ctx, postmortemID, email)
	if err != nil {
		return nil, err
	}
	a, _ := ActorFrom(ctx)
	if email == "" {
		email = a.Email
	}
	return s.markAvailability(ctx, r, email, a.Label(), c, ifVersion)
}

// ReviewByLink returns the review a personal link token belongs to and the
// participant's email. It needs no actor: the token is the permission.
func (s *Service) ReviewByLink(ctx context.Context, token string) (*Review, string, error) {
	st := s.store
	gone := Errorf(ENotFound, "", "This personal link does not exist or was replaced by a newer one.")
	if len(token) < 20 || len(token) > 100 {
		return nil, "", gone
	}
	l, err := st.ReviewLinkByHash(ctx, HashToken(token))
	if IsCode(err, ENotFound) {
		return nil, "", gone
	}
	if err != nil {
		return nil, "", err
	}
	if !s.Now().Before(l.ExpiresAt) {
		return nil, "", Errorf(EForbidden, "", "This personal link expired on %s; ask the review's organiser for a new one.", l.ExpiresAt.Format("2 January 2006"))
	}
	r, err := st.Review(ctx, l.ReviewID)
	if err != nil {
		return nil, "", err
	}
	if r.Participant(l.Email) == nil {
		return nil, "", gone
	}
	return r, l.Email, nil
}

// MarkAvailabilityByLink is MarkAvailability for the holder of a personal link.
func (s *Service) MarkAvailabilityByLink(ctx context.Context, token string, c AvailabilityChange, ifVersion int) (*Review, string, error) {
	r, email, err := s.ReviewByLink(ctx, token)
	if err != nil {
		return nil, "", err
	}
	next, err := s.markAvailability(ctx, r, email, email+" (personal link)", c, ifVersion)
	return next, email, err
}

// markAvailability retries when another participant's change lands in
// between: the review's version moved, but this participant's entry did not.
// The first attempt uses cur, which the caller has just read; retries read
// the review again.
func (s *Service) markAvailability(ctx context.Context, cur *Review, email, actor string, c AvailabilityChange, ifVersion int) (*Review, error) {
	if err := CheckStrings(c); err != nil {
		return nil, err
	}
	st := s.store
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			var err error
			if cur, err = st.Review(ctx, cur.ID); err != nil {
				return nil, err
			}
		}
		p := cur.Participant(email)
		if p == nil {
			return nil, Errorf(ENotFound, "", "%s is no longer invited to this review.", email)
		}
		if p.Version != ifVersion {
			return nil, &Error{Code: EConflict, Field: "version", Current: cur,
				Message: "Your times were changed elsewhere since you loaded them (they are now at version " + idString(int64(p.Version)) + "). Reload, check them and try again."}
		}
		next := *cur
		next.Participants = append([]ReviewParticipant(nil), cur.Participants...)
		np := next.Participant(email)
		old := *np
		if c.Available != nil {
			np.Marked, np.Available = true, append([]TimeRange{}, (*c.Available)...)
		}
		if c.Busy != nil {
			np.Busy, np.BusySource = append([]TimeRange{}, (*c.Busy)...), c.BusySource
		}
		set(&np.Zone, c.Zone)
		set(&np.WorkStart, c.WorkStart)
		set(&np.WorkEnd, c.WorkEnd)
		if c.WorkDays != nil {
			np.WorkDays = append([]string{}, (*c.WorkDays)...)
		}
		now := s.Now()
		np.Version, np.UpdatedAt, next.UpdatedAt = old.Version+1, &now, now
		if err := np.validate(next.Zone); err != nil {
			return nil, err
		}
		ob, _ := json.Marshal(old)
		nb, _ := json.Marshal(np)
		rev := &Revision{EntityType: EntityReview, EntityID: cur.ID, Version: cur.Version + 1, Action: "availability", Actor: actor, At: now,
			Changes: []Change{{Field: "participant:" + email, Old: ob, New: nb}}}
		err := st.UpdateReview(ctx, &next, cur.Version, nil, rev, nil)
		if IsCode(err, EConflict) && attempt < 2*MaxReviewParticipants {
			continue // someone else's change; this participant's entry is checked again
		}
		if err != nil {
			return nil, err
		}
		s.publishReview(next.PostmortemID, next.ID, next.Version, actor)
		return &next, nil
	}
}

// ChooseReviewSlot schedules the meeting at start (for the review's length)
// if the review is still at ifVersion. Moving a scheduled meeting raises
// the invitation's sequence, so calendars replace the old time.
func (s *Service) ChooseReviewSlot(ctx context.Context, postmortemID int64, start time.Time, ifVersion int) (*Review, error) {
	a, cur, err := s.plannedReview(ctx, postmortemID, ifVersion)
	if err != nil {
		return nil, err
	}
	st := s.store
	start = normTime(start)
	if start.IsZero() || start.Truncate(5*time.Minute) != start {
		return nil, Errorf(EInvalid, "start", "Give the start as a time on a 5-minute mark, e.g. 2026-03-10T14:00:00Z.")
	}
	from, to, err := cur.Window()
	if err != nil {
		return nil, err
	}
	slot := TimeRange{Start: start, End: start.Add(cur.Length())}
	if slot.Start.Before(from) || slot.End.After(to) {
		return nil, Errorf(EInvalid, "start", "The meeting must fall within the window, %s to %s (%s).", cur.WindowStart, cur.WindowEnd, cur.Zone)
	}
	if cur.Status == ReviewScheduled && cur.Chosen != nil && cur.Chosen.Start.Equal(slot.Start) && cur.Chosen.End.Equal(slot.End) {
		return cur, nil
	}
	next := *cur
	if cur.Status != ReviewOpen || cur.Chosen != nil {
		next.Sequence++
	}
	next.Chosen, next.Status, next.UpdatedAt = &slot, ReviewScheduled, s.Now()
	mail, err := s.invitationMail(&next, "REQUEST")
	if err != nil {
		return nil, err
	}
	if err := st.UpdateReview(ctx, &next, ifVersion, nil, s.revision(a, EntityReview, cur.ID, ifVersion+1, "schedule", Diff(cur, &next)), mail); err != nil {
		return nil, err
	}
	s.publishReview(next.PostmortemID, next.ID, next.Version, a.Label())
	s.queued(mail)
	return &next, nil
}

// CancelReview calls the meeting off if the review is still at ifVersion.
// A scheduled meeting's invitation becomes a cancellation with a higher
// sequence.
func (s *Service) CancelReview(ctx context.Context, postmortemID int64, ifVersion int) (*Review, error) {
	a, cur, err := s.plannedReview(ctx, postmortemID, ifVersion)
	if err != nil {
		return nil, err
	}
	st := s.store
	if cur.Status == ReviewCancelled {
		return nil, Errorf(EUnprocessable, "status", "This review is already cancelled.")
	}
	next := *cur
	if cur.Chosen != nil {
		next.Sequence++
	}
	next.Status, next.UpdatedAt = ReviewCancelled, s.Now()
	var mail []*Notification
	if cur.Chosen != nil {
		// Only a meeting that was in calendars needs calling off there.
		if mail, err = s.invitationMail(&next, "CANCEL"); err != nil {
			return nil, err
		}
	}
	if err := st.UpdateReview(ctx, &next, ifVersion, nil, s.revision(a, EntityReview, cur.ID, ifVersion+1, "cancel", Diff(cur, &next)), mail); err != nil {
		return nil, err
	}
	s.publishReview(next.PostmortemID, next.ID, next.Version, a.Label())
	s.queued(mail)
	return &next, nil
}

// invitationMail returns the e-mails of r's invitation, ready for the
// outbox, or none when this server sends no e-mail.
func (s *Service) invitationMail(r *Review, method string) ([]*Notification, error) {
	if s.reviewNotifier == nil {
		return nil, nil
	}
	ns, err := s.reviewNotifier.ReviewInvitation(r, method)
	if err != nil {
		return nil, fmt.Errorf("debrief: write the %s invitation of review %d: %w", method, r.ID, err)
	}
	s.readyNotifications(ns)
	return ns, nil
}

// linkMail returns the e-mails that bring invites their personal links,
// or none when this server sends no e-mail.
func (s *Service) linkMail(r *Review, invites []ReviewInvite) ([]*Notification, error) {
	if s.reviewNotifier == nil || len(invites) == 0 {
		return nil, nil
	}
	ns, err := s.reviewNotifier.ReviewLinks(r, invites)
	if err != nil {
		return nil, fmt.Errorf("debrief: write the personal links of review %d: %w", r.ID, err)
	}
	s.readyNotifications(ns)
	return ns, nil
}

// queued tells the notifier that mail committed with a change.
func (s *Service) queued(mail []*Notification) {
	if len(mail) > 0 && s.reviewNotifier != nil {
		s.reviewNotifier.Queued()
	}
}

// ReviewDefaults returns what OpenReview would use for the fields left
// empty, so a form can show them before the review is opened.
func (s *Service) ReviewDefaults(ctx context.Context, postmortemID int64, zone string) (*NewReview, error) {
	_, pm, err := s.planner(ctx, postmortemID)
	if err != nil {
		return nil, err
	}
	if _, err := time.LoadLocation(zone); err != nil || zone == "" || zone == "Local" {
		zone = "UTC"
	}
	loc, _ := time.LoadLocation(zone)
	today := s.Now().In(loc)
	return &NewReview{Title: truncate("Review: "+pm.Title, MaxTitleLen), Zone: zone, WindowStart: today.AddDate(0, 0, 1).Format(time.DateOnly),
		WindowEnd: today.AddDate(0, 0, 14).Format(time.DateOnly), LengthMinutes: 60, Participants: s.defaultParticipants(ctx, pm)}, nil
}
