package debrief

import (
	"context"
	"strings"
	"time"
)

// EntityReview names review meetings in revisions and the audit log.
const EntityReview = "review"

// ReviewStatus is where the planning of a review meeting stands.
type ReviewStatus string

const (
	// ReviewOpen collects the participants' availability.
	ReviewOpen ReviewStatus = "open"
	// ReviewScheduled has a chosen slot and an invitation.
	ReviewScheduled ReviewStatus = "scheduled"
	// ReviewCancelled was called off; its invitation became a cancellation.
	ReviewCancelled ReviewStatus = "cancelled"
)

// TimeRange is the half-open span [Start, End).
type TimeRange struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// ReviewParticipant is one person invited to the review meeting, with
// where and when they work and when they can attend.
type ReviewParticipant struct {
	Email    string `json:"email"`
	Name     string `json:"name,omitempty"`
	Required bool   `json:"required"`
	// Zone is an IANA time zone name such as Europe/Berlin.
	Zone string `json:"zone"`
	// WorkStart and WorkEnd are local working hours, "09:00" and "17:00".
	WorkStart string `json:"work_start"`
	WorkEnd   string `json:"work_end"`
	// WorkDays are the local working days ("mon" … "sun"); empty means
	// Monday to Friday.
	WorkDays []string `json:"work_days,omitempty"`
	// Marked says the participant marked when they can attend; Available
	// then holds the only times they can (an empty list means none).
	Marked    bool        `json:"marked"`
	Available []TimeRange `json:"available"`
	// Busy are times taken from the participant's calendar.
	Busy []TimeRange `json:"busy"`
	// BusySource says where Busy came from: "ics" (an uploaded file),
	// "url" (a calendar's secret URL, which is not kept) or "" (none).
	BusySource string `json:"busy_source,omitempty"`
	// Version counts the participant's own changes, so that two
	// participants marking their times at once do not conflict.
	Version   int        `json:"version"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	// NudgedAt is when the organiser last reminded them to answer the
	// questionnaire; reminders are limited from it.
	NudgedAt *time.Time `json:"nudged_at,omitempty"`
}

// Review is the postmortem review meeting of one postmortem: who should
// come, when they can, and the slot chosen.
type Review struct {
	ID           int64  `json:"id"`
	PostmortemID int64  `json:"postmortem_id"`
	Owner        string `json:"owner"`
	Title        string `json:"title"`
	// Zone is the organiser's time zone: the window's days are days there,
	// and the invitation names it.
	Zone string `json:"zone"`
	// WindowStart and WindowEnd are the first and last day (YYYY-MM-DD, in
	// Zone) the meeting may take place.
	WindowStart   string              `json:"window_start"`
	WindowEnd     string              `json:"window_end"`
	LengthMinutes int                 `json:"length_minutes"`
	Participants  []ReviewParticipant `json:"participants"`
	Chosen        *TimeRange          `json:"chosen,omitempty"`
	// Sequence is the invitation's SEQUENCE: it grows each time the chosen
	// slot changes or the meeting is cancelled, so calendars replace the
	// earlier invitation.
	Sequence int          `json:"sequence"`
	Status   ReviewStatus `json:"status"`
	// Answers are the participants' questionnaires. They are never part of
	// the review's JSON, revisions or conflicts, because private ones must
	// stay with their author until the meeting; Service.ReviewAnswers
	// shows each caller what they may see.
	Answers   []ReviewAnswer `json:"-"`
	CreatedBy string         `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	Version   int            `json:"version"`
}

// Participant returns the participant with email (compared without case), or nil.
func (r *Review) Participant(email string) *ReviewParticipant {
	for i := range r.Participants {
		if strings.EqualFold(r.Participants[i].Email, email) {
			return &r.Participants[i]
		}
	}
	return nil
}

// Window returns the window as instants: from midnight of WindowStart to
// midnight after WindowEnd, in Zone.
func (r *Review) Window() (from, to time.Time, err error) {
	loc, err := time.LoadLocation(r.Zone)
	if err != nil {
		return time.Time{}, time.Time{}, Errorf(EInvalid, "zone", "%q is not a time zone such as Europe/Berlin.", truncate(r.Zone, 60))
	}
	a, err1 := time.ParseInLocation(time.DateOnly, r.WindowStart, loc)
	b, err2 := time.ParseInLocation(time.DateOnly, r.WindowEnd, loc)
	if err1 != nil {
		return time.Time{}, time.Time{}, Errorf(EInvalid, "window_start", "The window's first day %q is not a date such as 2026-03-09.", truncate(r.WindowStart, 40))
	}
	if err2 != nil {
		return time.Time{}, time.Time{}, Errorf(EInvalid, "window_end", "The window's last day %q is not a date such as 2026-03-20.", truncate(r.WindowEnd, 40))
	}
	return a, b.AddDate(0, 0, 1), nil
}

// Length returns the meeting's length.
func (r *Review) Length() time.Duration { return time.Duration(r.LengthMinutes) * time.Minute }

// Limits of a review.
const (
	MaxReviewParticipants = 50
	MaxReviewWindowDays   = 62
	// MaxReviewRanges bounds a participant's marked or busy times.
	MaxReviewRanges = 2000
)

var weekdayNames = map[string]bool{"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true}

// Validate checks the rules every review keeps, and normalizes emails,
// names and times.
func (r *Review) Validate() error {
	r.Title = strings.TrimSpace(r.Title)
	if r.Title == "" {
		return Errorf(EInvalid, "title", "Give the meeting a title, e.g. 'Review: checkout outage'.")
	}
	if len(r.Title) > MaxTitleLen {
		return Errorf(EInvalid, "title", "The title is %d characters long; keep it under %d.", len(r.Title), MaxTitleLen)
	}
	from, to, err := r.Window()
	if err != nil {
		return err
	}
	if !to.After(from) {
		return Errorf(EInvalid, "window_end", "The window's last day is before its first day.")
	}
	if days := int(to.Sub(from).Hours()/24 + 0.5); days > MaxReviewWindowDays {
		return Errorf(EInvalid, "window_end", "The window is %d days long; keep it under %d.", days, MaxReviewWindowDays)
	}
	if r.LengthMinutes < 15 || r.LengthMinutes > 480 || r.LengthMinutes%5 != 0 {
		return Errorf(EInvalid, "length_minutes", "The meeting length must be 15 to 480 minutes, in steps of 5.")
	}
	switch r.Status {
	case ReviewOpen, ReviewScheduled, ReviewCancelled:
	default:
		return Errorf(EInvalid, "status", "Unknown status %q; use open, scheduled or cancelled.", truncate(string(r.Status), 40))
	}
	if len(r.Participants) == 0 {
		return Errorf(EInvalid, "participants", "Invite at least one participant.")
	}
	if len(r.Participants) > MaxReviewParticipants {
		return Errorf(EInvalid, "participants", "At most %d participants can be invited.", MaxReviewParticipants)
	}
	seen := map[string]bool{}
	required := 0
	for i := range r.Participants {
		p := &r.Participants[i]
		if err := p.validate(r.Zone); err != nil {
			return err
		}
		if seen[p.Email] {
			return Errorf(EInvalid, "participants", "%s is listed twice.", p.Email)
		}
		seen[p.Email] = true
		if p.Required {
			required++
		}
	}
	if required == 0 {
		return Errorf(EInvalid, "participants", "Mark at least one participant as required; the meeting is planned around them.")
	}
	if r.Chosen != nil {
		r.Chosen.Start, r.Chosen.End = normTime(r.Chosen.Start), normTime(r.Chosen.End)
	}
	return nil
}

func (p *ReviewParticipant) validate(defaultZone string) error {
	email, err := NormalizeEmail(p.Email)
	if err != nil {
		return Errorf(EInvalid, "participants", "%q is not an email address such as ada@example.com.", truncate(p.Email, 60))
	}
	p.Email = email
	p.Name = strings.TrimSpace(p.Name)
	if len(p.Name) > 200 {
		return Errorf(EInvalid, "participants", "The name of %s is too long (at most 200 characters).", email)
	}
	if p.Zone == "" {
		p.Zone = defaultZone
	}
	if _, err := time.LoadLocation(p.Zone); err != nil || p.Zone == "Local" {
		return Errorf(EInvalid, "participants", "%s has the time zone %q, which is not a zone such as Europe/Berlin.", email, truncate(p.Zone, 60))
	}
	if p.WorkStart == "" {
		p.WorkStart = "09:00"
	}
	if p.WorkEnd == "" {
		p.WorkEnd = "17:00"
	}
	start, ok1 := ParseClock(p.WorkStart)
	end, ok2 := ParseClock(p.WorkEnd)
	if !ok1 || !ok2 || end <= start {
		return Errorf(EInvalid, "participants", "%s has working hours %s–%s; give them as HH:MM with the end after the start, e.g. 09:00 and 17:00.", email, truncate(p.WorkStart, 10), truncate(p.WorkEnd, 10))
	}
	for i, d := range p.WorkDays {
		d = strings.ToLower(strings.TrimSpace(d))
		if !weekdayNames[d] {
			return Errorf(EInvalid, "participants", "%s has the working day %q; use mon, tue, wed, thu, fri, sat or sun.", email, truncate(d, 20))
		}
		p.WorkDays[i] = d
	}
	if p.Available == nil {
		p.Available = []TimeRange{}
	}
	if p.Busy == nil {
		p.Busy = []TimeRange{}
	}
	if err := checkRanges(email, "available", p.Available); err != nil {
		return err
	}
	return checkRanges(email, "busy", p.Busy)
}

func checkRanges(email, field string, list []TimeRange) error {
	if len(list) > MaxReviewRanges {
		return Errorf(EInvalid, field, "%s has %d %s times; at most %d are kept.", email, len(list), field, MaxReviewRanges)
	}
	for i := range list {
		list[i].Start, list[i].End = normTime(list[i].Start), normTime(list[i].End)
		if !list[i].End.After(list[i].Start) {
			return Errorf(EInvalid, field, "A %s time of %s ends before it starts (%s).", field, email, list[i].Start.Format(time.RFC3339))
		}
	}
	return nil
}

// ParseClock reads "HH:MM" (00:00 to 24:00) as minutes after midnight.
func ParseClock(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err == nil {
		return t.Hour()*60 + t.Minute(), true
	}
	if s == "24:00" {
		return 24 * 60, true
	}
	return 0, false
}

// ReviewQuestion is one question every participant answers before the
// meeting, so that everyone's view is heard, not only the loudest.
type ReviewQuestion struct {
	Key  string `json:"key"`
	Text string `json:"text"`
}

// ReviewQuestions are the questionnaire, in order.
var ReviewQuestions = []ReviewQuestion{
	{Key: "went_well", Text: "What went well?"},
	{Key: "was_hard", Text: "What was hard?"},
	{Key: "surprised", Text: "What surprised you?"},
	{Key: "would_change", Text: "What would you change?"},
}

// MaxAnswerLen bounds one answer.
const MaxAnswerLen = 10000

// ReviewAnswer is one participant's questionnaire.
type ReviewAnswer struct {
	Email       string `json:"email"`
	WentWell    string `json:"went_well"`
	WasHard     string `json:"was_hard"`
	Surprised   string `json:"surprised"`
	WouldChange string `json:"would_change"`
	// Shared answers are open to everyone who can see the review; the
	// others only to their author until the meeting starts.
	Shared     bool      `json:"shared"`
	AnsweredAt time.Time `json:"answered_at"`
	Version    int       `json:"version"`
}

// Answer returns the answer of email, or nil.
func (r *Review) Answer(email string) *ReviewAnswer {
	for i := range r.Answers {
		if strings.EqualFold(r.Answers[i].Email, email) {
			return &r.Answers[i]
		}
	}
	return nil
}

// ReviewLink is a participant's personal link: it lets them mark their
// times without an account until it expires. Only the SHA-256 of the token
// is stored.
type ReviewLink struct {
	ReviewID  int64     `json:"review_id"`
	Email     string    `json:"email"`
	TokenHash string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ReviewStore persists review meetings and participants' links.
type ReviewStore interface {
	// CreateReview inserts r, assigning ID and Version 1, and its links, in
	// one transaction. EConflict (with Current) when the postmortem already
	// has a review.
	CreateReview(ctx context.Context, r *Review, links []*ReviewLink, rev *Revision, mail []*Notification) error
	// Review returns a review by ID, or ENotFound.
	Review(ctx context.Context, id int64) (*Review, error)
	// ReviewByPostmortem returns a postmortem's review, or ENotFound.
	ReviewByPostmortem(ctx context.Context, postmortemID int64) (*Review, error)
	// UpdateReview stores r if its stored version is ifVersion, replacing
	// the links of the participants named in links, and deleting the links
	// of participants no longer invited, and puts mail in the notification
	// outbox (skipping any whose key, channel and target are already
	// there), all in one transaction.
	UpdateReview(ctx context.Context, r *Review, ifVersion int, links []*ReviewLink, rev *Revision, mail []*Notification) error
	// ReviewLinkByHash returns the link whose token hashes to hash, or ENotFound.
	ReviewLinkByHash(ctx context.Context, hash string) (*ReviewLink, error)
	// ReviewLinks returns a review's links, by email.
	ReviewLinks(ctx context.Context, reviewID int64) ([]*ReviewLink, error)
	// ReviewMeetingStore keeps the meeting once it is held.
	ReviewMeetingStore
}
