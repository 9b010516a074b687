package debrief

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Facilitation: the review meeting held. The facilitator (whoever may plan
// the review) starts it, walks the agenda, goes around the room, turns
// goals into action items and ends it, which saves everyone's feedback
// into the postmortem. Every step is a versioned change of one stored
// record, so a reload or a second device continues where the meeting is.

// DefaultTurnSeconds is each speaker's time unless the facilitator sets
// another.
const DefaultTurnSeconds = 180

// FeedbackSectionKey is the postmortem section the meeting's feedback is
// saved into when it ends.
const FeedbackSectionKey = "review-feedback"

// NudgeInterval is how long after a reminder the same participant can be
// reminded again.
const NudgeInterval = 12 * time.Hour

// StartMeeting says how the go-around is ordered: Order lists emails in
// the order chosen (the others follow in the review's order), Shuffle
// draws the order at random.
type StartMeeting struct {
	Order   []string `json:"order,omitempty"`
	Shuffle bool     `json:"shuffle,omitempty"`
}

// StartReviewMeeting starts the meeting of a postmortem's review and
// returns it with the read-only room link's token (shown only now). A
// meeting already started answers EConflict with it, so a second device
// joins instead of starting again.
func (s *Service) StartReviewMeeting(ctx context.Context, postmortemID int64, in StartMeeting) (*ReviewMeeting, string, error) {
	if err := CheckStrings(in); err != nil {
		return nil, "", err
	}
	a, _, err := s.planner(ctx, postmortemID)
	if err != nil {
		return nil, "", err
	}
	st := s.store
	r, err := st.ReviewByPostmortem(ctx, postmortemID)
	if err != nil {
		return nil, "", err
	}
	if r.Status == ReviewCancelled {
		return nil, "", Errorf(EUnprocessable, "status", "This review was cancelled; open it again before holding the meeting.")
	}
	speakers, err := meetingSpeakers(r, in)
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	token := NewToken()
	m := &ReviewMeeting{PostmortemID: postmortemID, ReviewID: r.ID, Stage: StageAgenda, Speakers: speakers, TurnSeconds: DefaultTurnSeconds,
		Goals: []MeetingGoal{}, RoomTokenHash: HashToken(token), StartedBy: a.Label(), StartedAt: now, UpdatedAt: now}
	if err := st.CreateReviewMeeting(ctx, m, s.revision(a, EntityReviewMeeting, postmortemID, 1, "start", Snapshot(m))); err != nil {
		return nil, "", err
	}
	s.publishReview(postmortemID, m.ReviewID, m.Version, a.Label())
	return m, token, nil
}

// meetingSpeakers puts the review's participants in the chosen or a random
// order, each with their questionnaire as the points to start from.
func meetingSpeakers(r *Review, in StartMeeting) ([]MeetingSpeaker, error) {
	var ordered []ReviewParticipant
	taken := map[string]bool{}
	for _, e := range in.Order {
		p := r.Participant(strings.TrimSpace(e))
		if p == nil {
			return nil, Errorf(EInvalid, "order", "%s is not invited to this review.", truncate(e, 80))
		}
		if !taken[p.Email] {
			taken[p.Email] = true
			ordered = append(ordered, *p)
		}
	}
	for _, p := range r.Participants {
		if !taken[p.Email] {
			ordered = append(ordered, p)
		}
	}
	if in.Shuffle {
		rand.Shuffle(len(ordered), func(i, j int) { ordered[i], ordered[j] = ordered[j], ordered[i] })
	}
	out := make([]MeetingSpeaker, 0, len(ordered))
	for _, p := range ordered {
		out = append(out, MeetingSpeaker{Email: p.Email, Name: p.Name, Points: answerPoints(r.Answer(p.Email)), Turn: TurnWaiting})
	}
	return out, nil
}

// answerPoints writes a questionnaire as the points a speaker starts from.
func answerPoints(a *ReviewAnswer) string {
	if a == nil {
		return ""
	}
	var b strings.Builder
	for _, f := range []struct{ label, text string }{{"Went well", a.WentWell}, {"Was hard", a.WasHard}, {"Surprised", a.Surprised}, {"Would change", a.WouldChange}} {
		if f.text != "" {
			fmt.Fprintf(&b, "- %s: %s\n", f.label, f.text)
		}
	}
	return strings.TrimSpace(b.String())
}

// ReviewMeeting returns the meeting of a postmortem's review.
func (s *Service) ReviewMeeting(ctx context.Context, postmortemID int64) (*ReviewMeeting, error) {
	if err := s.mayRead(ctx, postmortemID); err != nil {
		return nil, err
	}
	st := s.store
	return st.ReviewMeeting(ctx, postmortemID)
}

// ReviewMeetingByRoom returns the meeting a read-only room link belongs
// to. It needs no actor: the token is the permission, and it only reads.
// The link stops working when the meeting has ended for a day.
func (s *Service) ReviewMeetingByRoom(ctx context.Context, token string) (*ReviewMeeting, error) {
	gone := Errorf(ENotFound, "", "This room link does not exist or was replaced by a newer one.")
	if len(token) < 20 || len(token) > 100 {
		return nil, gone
	}
	st := s.store
	m, err := st.ReviewMeetingByRoomHash(ctx, HashToken(token))
	if IsCode(err, ENotFound) {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	if m.EndedAt != nil && s.Now().After(m.EndedAt.Add(24*time.Hour)) {
		return nil, Errorf(EForbidden, "", "This meeting ended on %s; its room link no longer works.", m.EndedAt.Format("2 January 2006"))
	}
	return m, nil
}

// facilitated returns the meeting if a may facilitate it and it is still
// at ifVersion, and not ended.
func (s *Service) facilitated(ctx context.Context, postmortemID int64, ifVersion int) (Actor, *Postmortem, *ReviewMeeting, error) {
	a, pm, err := s.planner(ctx, postmortemID)
	if err != nil {
		return a, nil, nil, err
	}
	st := s.store
	m, err := st.ReviewMeeting(ctx, postmortemID)
	if err != nil {
		return a, nil, nil, err
	}
	if m.Version != ifVersion {
		return a, nil, nil, &Error{Code: EConflict, Field: "version", Current: m,
			Message: "The meeting moved on since this page was loaded (another device or facilitator changed it); here is where it is now."}
	}
	if m.Stage == StageEnded {
		return a, nil, nil, Errorf(EUnprocessable, "stage", "This meeting has ended; its feedback is in the postmortem.")
	}
	return a, pm, m, nil
}

// NewReviewRoomLink replaces the meeting's read-only room link (the old one
// stops working) and returns its token.
func (s *Service) NewReviewRoomLink(ctx context.Context, postmortemID int64, ifVersion int) (*ReviewMeeting, string, error) {
	a, _, cur, err := s.facilitated(ctx, postmortemID, ifVersion)
	if err != nil {
		return nil, "", err
	}
	token := NewToken()
	next := cloneMeeting(cur)
	next.RoomTokenHash, next.UpdatedAt = HashToken(token), s.Now()
	rev := s.revision(a, EntityReviewMeeting, postmortemID, ifVersion+1, "room_link", []Change{change("room_link", nil, "replaced")})
	if err := s.store.UpdateReviewMeeting(ctx, next, ifVersion, rev); err != nil {
		return nil, "", err
	}
	s.publishReview(postmortemID, next.ReviewID, next.Version, a.Label())
	return next, token, nil
}

func cloneMeeting(m *ReviewMeeting) *ReviewMeeting {
	next := *m
	next.Speakers = append([]MeetingSpeaker(nil), m.Speakers...)
	next.Goals = append([]MeetingGoal(nil), m.Goals...)
	return &next
}

// Meeting actions.
const (
	MeetingStageTo = "stage"   // Stage: show another part of the agenda
	MeetingSpeak   = "speak"   // Email: their turn now (the current one has spoken)
	MeetingNext    = "next"    // the current speaker has spoken; the next waiting one's turn
	MeetingSkip    = "skip"    // Email, Text (why): skipped, on the facilitator's word
	MeetingPoints  = "points"  // Email, Text: what they said
	MeetingOrder   = "order"   // Order: the go-around's new order
	MeetingShuffle = "shuffle" // a new random order for those still waiting
	MeetingNotes   = "notes"   // Text: the meeting's notes
	MeetingTimer   = "timer"   // Seconds: each speaker's time
)

// MeetingChange is one step of the facilitator.
type MeetingChange struct {
	Action  string       `json:"action"`
	Stage   MeetingStage `json:"stage,omitempty"`
	Email   string       `json:"email,omitempty"`
	Text    string       `json:"text,omitempty"`
	Order   []string     `json:"order,omitempty"`
	Seconds int          `json:"seconds,omitempty"`
}

// ChangeReviewMeeting applies one facilitator step if the meeting is still
// at ifVersion.
func (s *Service) ChangeReviewMeeting(ctx context.Context, postmortemID int64, c MeetingChange, ifVersion int) (*ReviewMeeting, error) {
	if err := CheckStrings(c); err != nil {
		return nil, err
	}
	a, _, cur, err := s.facilitated(ctx, postmortemID, ifVersion)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	next := cloneMeeting(cur)
	if err := applyMeetingChange(next, c, now); err != nil {
		return nil, err
	}
	next.UpdatedAt = now
	changes := Diff(cur, next)
	if len(changes) == 0 {
		return cur, nil
	}
	if err := s.store.UpdateReviewMeeting(ctx, next, ifVersion, s.revision(a, EntityReviewMeeting, postmortemID, ifVersion+1, c.Action, changes)); err != nil {
		return nil, err
	}
	s.publishReview(postmortemID, next.ReviewID, next.Version, a.Label())
	return next, nil
}

// endTurn closes the current speaker's turn, counting their time.
func endTurn(m *ReviewMeeting, now time.Time) {
	if sp := m.Current(); sp != nil {
		sp.Turn = TurnSpoke
		if sp.StartedAt != nil {
			sp.Seconds += int(now.Sub(*sp.StartedAt) / time.Second)
		}
	}
}

func applyMeetingChange(m *ReviewMeeting, c MeetingChange, now time.Time) error {
	speaker := func() (*MeetingSpeaker, error) {
		sp := m.Speaker(strings.TrimSpace(c.Email))
		if sp == nil {
			return nil, Errorf(EInvalid, "email", "%q is not one of the meeting's participants.", truncate(c.Email, 80))
		}
		return sp, nil
	}
	switch c.Action {
	case MeetingStageTo:
		ok := false
		for _, st := range MeetingStages {
			ok = ok || (st == c.Stage && st != StageEnded)
		}
		if !ok {
			return Errorf(EInvalid, "stage", "Unknown stage %q; use agenda, round, analytics or goals (end the meeting to save it).", truncate(string(c.Stage), 40))
		}
		m.Stage = c.Stage
	case MeetingSpeak:
		sp, err := speaker()
		if err != nil {
			return err
		}
		if sp.Turn == TurnSpeaking {
			return nil
		}
		endTurn(m, now)
		sp.Turn, sp.SkipReason, sp.StartedAt = TurnSpeaking, "", &now
		m.Stage = StageRound
	case MeetingNext:
		endTurn(m, now)
		for i := range m.Speakers {
			if m.Speakers[i].Turn == TurnWaiting {
				m.Speakers[i].Turn, m.Speakers[i].StartedAt = TurnSpeaking, &now
				break
			}
		}
		m.Stage = StageRound
	case MeetingSkip:
		sp, err := speaker()
		if err != nil {
			return err
		}
		reason := strings.TrimSpace(c.Text)
		if reason == "" {
			return Errorf(EInvalid, "text", "Say why %s is skipped (e.g. 'not in the room', 'prefers to pass'); nobody is skipped without a reason on record.", sp.Label())
		}
		if len(reason) > 500 {
			return Errorf(EInvalid, "text", "Keep the reason under 500 characters.")
		}
		if sp.Turn == TurnSpoke {
			return Errorf(EUnprocessable, "email", "%s has already spoken.", sp.Label())
		}
		if sp.Turn == TurnSpeaking && sp.StartedAt != nil {
			sp.Seconds += int(now.Sub(*sp.StartedAt) / time.Second)
		}
		sp.Turn, sp.SkipReason = TurnSkipped, reason
	case MeetingPoints:
		sp, err := speaker()
		if err != nil {
			return err
		}
		if len(c.Text) > MaxAnswerLen {
			return Errorf(EInvalid, "text", "The points are %d characters long; keep them under %d.", len(c.Text), MaxAnswerLen)
		}
		sp.Points = strings.TrimSpace(c.Text)
	case MeetingOrder, MeetingShuffle:
		order := c.Order
		if c.Action == MeetingShuffle {
			order = nil
			for _, sp := range m.Speakers {
				order = append(order, sp.Email)
			}
			rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		return reorder(m, order)
	case MeetingNotes:
		if len(c.Text) > MaxTextLen {
			return Errorf(EInvalid, "text", "The notes are too long (%d bytes; at most %d).", len(c.Text), MaxTextLen)
		}
		m.Notes = strings.TrimSpace(c.Text)
	case MeetingTimer:
		if c.Seconds < 30 || c.Seconds > 3600 {
			return Errorf(EInvalid, "seconds", "Give each speaker 30 seconds to an hour.")
		}
		m.TurnSeconds = c.Seconds
	default:
		return Errorf(EInvalid, "action", "Unknown action %q; use stage, speak, next, skip, points, order, shuffle, notes or timer.", truncate(c.Action, 40))
	}
	return nil
}

// reorder puts the speakers still waiting in the order named; those who
// spoke, are speaking or were skipped keep their places at the front, and
// waiting speakers not named follow in their current order.
func reorder(m *ReviewMeeting, order []string) error {
	var done, waiting []MeetingSpeaker
	for _, sp := range m.Speakers {
		if sp.Turn == TurnWaiting {
			waiting = append(waiting, sp)
		} else {
			done = append(done, sp)
		}
	}
	var placed []MeetingSpeaker
	taken := map[string]bool{}
	for _, e := range order {
		if m.Speaker(strings.TrimSpace(e)) == nil {
			return Errorf(EInvalid, "order", "%q is not one of the meeting's participants.", truncate(e, 80))
		}
		for _, sp := range waiting {
			if strings.EqualFold(sp.Email, strings.TrimSpace(e)) && !taken[sp.Email] {
				taken[sp.Email] = true
				placed = append(placed, sp)
			}
		}
	}
	for _, sp := range waiting {
		if !taken[sp.Email] {
			placed = append(placed, sp)
		}
	}
	m.Speakers = append(done, placed...)
	return nil
}

// AddMeetingGoal turns a goal agreed in the meeting into an action item of
// the postmortem, with its owner and due date, and records it in the
// meeting. The item is made first: if the meeting moved on in between, the
// goal is recorded on the meeting as it is then.
func (s *Service) AddMeetingGoal(ctx context.Context, postmortemID int64, g MeetingGoal, ifVersion int) (*ReviewMeeting, error) {
	if err := CheckStrings(g); err != nil {
		return nil, err
	}
	a, pm, cur, err := s.facilitated(ctx, postmortemID, ifVersion)
	if err != nil {
		return nil, err
	}
	g.Text, g.Owner, g.Due = strings.TrimSpace(g.Text), strings.TrimSpace(g.Owner), strings.TrimSpace(g.Due)
	if g.Text == "" {
		return nil, Errorf(EInvalid, "text", "Write the goal, e.g. 'Alert on checkout error rate above 2%%'.")
	}
	if g.Owner == "" {
		return nil, Errorf(EInvalid, "owner", "Every goal needs an owner who agreed to it.")
	}
	item := &ActionItem{PostmortemID: &pm.ID, IncidentID: pm.IncidentID, Title: g.Text, Owner: g.Owner}
	if g.Due != "" {
		d, err := time.Parse(time.DateOnly, g.Due)
		if err != nil {
			return nil, Errorf(EInvalid, "due", "The due date %q is not a date such as 2026-03-31.", truncate(g.Due, 40))
		}
		item.DueDate = &d
	}
	created, err := s.CreateActionItem(ctx, item)
	if err != nil {
		return nil, err
	}
	g.ActionItemID, g.ActionItemKey = created.ID, created.Key
	st := s.store
	for attempt := 0; ; attempt++ {
		next := cloneMeeting(cur)
		next.Goals = append(next.Goals, g)
		next.UpdatedAt = s.Now()
		err := st.UpdateReviewMeeting(ctx, next, cur.Version, s.revision(a, EntityReviewMeeting, postmortemID, cur.Version+1, "goal", []Change{change("goals", nil, g)}))
		if IsCode(err, EConflict) && attempt < 5 {
			if cur, err = st.ReviewMeeting(ctx, postmortemID); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		s.publishReview(postmortemID, next.ReviewID, next.Version, a.Label())
		return next, nil
	}
}

// EndReviewMeeting ends the meeting if it is still at ifVersion and
// everyone has spoken or was skipped on the facilitator's word, and saves
// each person's feedback, the goals and the notes into the postmortem's
// "Feedback from the review meeting" section (a new postmortem version,
// so it is in the history). Ending again after a failure writes the same
// section again.
func (s *Service) EndReviewMeeting(ctx context.Context, postmortemID int64, ifVersion int) (*ReviewMeeting, *Postmortem, error) {
	a, _, cur, err := s.facilitated(ctx, postmortemID, ifVersion)
	if err != nil {
		return nil, nil, err
	}
	if left := cur.NotSpoken(); len(left) > 0 {
		var names []string
		for _, sp := range left {
			names = append(names, sp.Label())
		}
		return nil, nil, Errorf(EUnprocessable, "speakers", "%s %s not spoken yet; give them their turn, or skip them and say why.", strings.Join(names, ", "), map[bool]string{true: "has", false: "have"}[len(names) == 1])
	}
	now := s.Now()
	pm, err := s.saveMeetingFeedback(ctx, a, cur, now)
	if err != nil {
		return nil, nil, err
	}
	next := cloneMeeting(cur)
	next.Stage, next.EndedAt, next.UpdatedAt = StageEnded, &now, now
	if err := s.store.UpdateReviewMeeting(ctx, next, ifVersion, s.revision(a, EntityReviewMeeting, postmortemID, ifVersion+1, "end", Diff(cur, next))); err != nil {
		return nil, nil, err
	}
	s.publishReview(postmortemID, next.ReviewID, next.Version, a.Label())
	return next, pm, nil
}

// saveMeetingFeedback writes the meeting into the postmortem, reading it
// again when someone saved it in between, so nobody's edit is lost.
func (s *Service) saveMeetingFeedback(ctx context.Context, a Actor, m *ReviewMeeting, now time.Time) (*Postmortem, error) {
	st := s.store
	body := meetingFeedback(m, now)
	for attempt := 0; ; attempt++ {
		cur, err := st.Postmortem(ctx, m.PostmortemID)
		if err != nil {
			return nil, err
		}
		next := *cur
		next.Sections = append([]Section(nil), cur.Sections...)
		if sec := next.Section(FeedbackSectionKey); sec != nil {
			sec.Body = body
		} else {
			next.Sections = append(next.Sections, Section{Key: FeedbackSectionKey, Heading: "Feedback from the review meeting", Body: body, Internal: true})
		}
		if next.Kind == KindProject {
			pr := Project{Feedback: []Feedback{}}
			if cur.Project != nil {
				pr = *cur.Project
			}
			pr.Feedback = nil
			for _, sp := range m.Speakers {
				if sp.Turn == TurnSpoke && sp.Points != "" {
					pr.Feedback = append(pr.Feedback, Feedback{Member: sp.Label(), Text: sp.Points})
				}
			}
			next.Project = &pr
		}
		if err := next.Validate(); err != nil {
			return nil, err
		}
		stampSections(cur, next.Sections)
		next.UpdatedAt = now
		err = st.UpdatePostmortem(ctx, &next, cur.Version, s.revision(a, EntityPostmortem, cur.ID, cur.Version+1, "review_feedback", Diff(cur, &next)))
		if IsCode(err, EConflict) && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.publishPostmortem(nil, &next, a.Label())
		return &next, nil
	}
}

// meetingFeedback writes the meeting as Markdown: each person's points,
// who was skipped and why, the goals and the notes.
func meetingFeedback(m *ReviewMeeting, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Review meeting of %s, facilitated by %s.\n\n", now.UTC().Format("2 January 2006"), m.StartedBy)
	for _, sp := range m.Speakers {
		fmt.Fprintf(&b, "### %s\n\n", sp.Label())
		switch {
		case sp.Turn == TurnSkipped:
			fmt.Fprintf(&b, "Skipped by the facilitator: %s\n\n", sp.SkipReason)
		case sp.Points == "":
			b.WriteString("Spoke; no points were written down.\n\n")
		default:
			b.WriteString(sp.Points + "\n\n")
		}
	}
	if len(m.Goals) > 0 {
		b.WriteString("### Goals agreed\n\n")
		for _, g := range m.Goals {
			fmt.Fprintf(&b, "- %s (owner %s", g.Text, g.Owner)
			if g.Due != "" {
				fmt.Fprintf(&b, ", due %s", g.Due)
			}
			fmt.Fprintf(&b, "; %s)\n", g.ActionItemKey)
		}
		b.WriteString("\n")
	}
	if m.Notes != "" {
		b.WriteString("### Notes\n\n" + m.Notes + "\n")
	}
	return strings.TrimSpace(b.String())
}

// NudgeReviewParticipant reminds a participant who has not answered the
// questionnaire, by e-mail with a new personal link (the old one stops
// working). One reminder per participant per NudgeInterval.
func (s *Service) NudgeReviewParticipant(ctx context.Context, postmortemID int64, email string) (*Review, error) {
	if err := CheckText("email", email, true); err != nil {
		return nil, err
	}
	a, _, err := s.planner(ctx, postmortemID)
	if err != nil {
		return nil, err
	}
	if s.reviewNotifier == nil {
		return nil, Errorf(EUnprocessable, "", "Reminders go by e-mail, and this server has no mail server configured (serve --smtp-addr); send the participant their personal link yourself.")
	}
	st := s.store
	cur, err := st.ReviewByPostmortem(ctx, postmortemID)
	if err != nil {
		return nil, err
	}
	if cur.Status == ReviewCancelled {
		return nil, Errorf(EUnprocessable, "status", "This review was cancelled.")
	}
	p := cur.Participant(email)
	if p == nil {
		return nil, Errorf(EInvalid, "email", "%s is not invited to this review.", truncate(email, 80))
	}
	if cur.Answer(p.Email) != nil {
		return nil, Errorf(EUnprocessable, "email", "%s has already answered the questionnaire.", p.Email)
	}
	now := s.Now()
	if p.NudgedAt != nil && now.Before(p.NudgedAt.Add(NudgeInterval)) {
		return nil, Errorf(ETooManyRequests, "email", "%s was reminded at %s UTC; the next reminder can go after %s UTC.", p.Email,
			p.NudgedAt.Format("2 Jan 15:04"), p.NudgedAt.Add(NudgeInterval).Format("2 Jan 15:04"))
	}
	next := *cur
	next.Participants = append([]ReviewParticipant(nil), cur.Participants...)
	np := next.Participant(email)
	np.NudgedAt = &now
	next.UpdatedAt = now
	links, invites := s.reviewLinks(&next, []ReviewParticipant{*np}, now)
	// The reminder carries the new link, and is stored with it: the link
	// replaces the old one only if the reminder that brings it is sent.
	mail, err := s.reviewNotifier.ReviewNudge(&next, np.Email, invites[0].Token)
	if err != nil {
		return nil, fmt.Errorf("debrief: write the reminder to %s: %w", np.Email, err)
	}
	s.readyNotifications(mail)
	rev := s.revision(a, EntityReview, cur.ID, cur.Version+1, "nudge", []Change{change("nudge", nil, np.Email)})
	if err := st.UpdateReview(ctx, &next, cur.Version, links, rev, mail); err != nil {
		return nil, err
	}
	s.publishReview(next.PostmortemID, next.ID, next.Version, a.Label())
	s.queued(mail)
	return &next, nil
}
