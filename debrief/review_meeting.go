package debrief

import (
	"context"
	"strings"
	"time"
)

// EntityReviewMeeting names review meetings in progress in revisions and
// the audit log.
const EntityReviewMeeting = "review_meeting"

// MeetingStage is the part of the agenda the room is looking at.
type MeetingStage string

const (
	// StageAgenda walks through the summary, the starred timeline and the impact.
	StageAgenda MeetingStage = "agenda"
	// StageRound goes around the room, one speaker at a time.
	StageRound MeetingStage = "round"
	// StageAnalytics compares the incident with the team's usual figures.
	StageAnalytics MeetingStage = "analytics"
	// StageGoals turns agreed goals into action items.
	StageGoals MeetingStage = "goals"
	// StageEnded: feedback and goals were saved into the postmortem.
	StageEnded MeetingStage = "ended"
)

// MeetingStages are the stages in agenda order.
var MeetingStages = []MeetingStage{StageAgenda, StageRound, StageAnalytics, StageGoals, StageEnded}

// Speaker turn states.
const (
	TurnWaiting  = "waiting"
	TurnSpeaking = "speaking"
	TurnSpoke    = "spoke"
	TurnSkipped  = "skipped"
)

// MeetingSpeaker is one participant's turn in the go-around.
type MeetingSpeaker struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
	// Points are what the facilitator captured while they spoke, pre-filled
	// from their questionnaire.
	Points string `json:"points"`
	// Turn is waiting, speaking, spoke or skipped.
	Turn string `json:"turn"`
	// SkipReason is what the facilitator said when skipping them: nobody
	// is skipped silently.
	SkipReason string     `json:"skip_reason,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	// Seconds is how long they spoke, counted when their turn ended.
	Seconds int `json:"seconds"`
}

// Label is the speaker's name, or their email.
func (sp MeetingSpeaker) Label() string {
	if sp.Name != "" {
		return sp.Name
	}
	return sp.Email
}

// MeetingGoal is a goal agreed in the meeting and the action item it became.
type MeetingGoal struct {
	Text          string `json:"text"`
	Owner         string `json:"owner"`
	Due           string `json:"due,omitempty"`
	ActionItemID  int64  `json:"action_item_id"`
	ActionItemKey string `json:"action_item_key"`
}

// ReviewMeeting is the state of a review meeting being held: where the
// agenda is, whose turn it is, what each person said and the goals set. It
// is stored, so a reload or a second facilitator's device continues where
// the meeting is.
type ReviewMeeting struct {
	PostmortemID int64            `json:"postmortem_id"`
	ReviewID     int64            `json:"review_id"`
	Stage        MeetingStage     `json:"stage"`
	Speakers     []MeetingSpeaker `json:"speakers"`
	// TurnSeconds is each speaker's time; the timer shows when it is up but
	// does not cut anyone off.
	TurnSeconds int           `json:"turn_seconds"`
	Goals       []MeetingGoal `json:"goals"`
	Notes       string        `json:"notes"`
	// RoomTokenHash is the SHA-256 of the read-only room link's token.
	RoomTokenHash string     `json:"-"`
	StartedBy     string     `json:"started_by"`
	StartedAt     time.Time  `json:"started_at"`
	EndedAt       *time.Time `json:"ended_at,omitempty"`
	UpdatedAt     time.Time  `json:"updated_at"`
	Version       int        `json:"version"`
}

// Speaker returns the speaker with email, or nil.
func (m *ReviewMeeting) Speaker(email string) *MeetingSpeaker {
	for i := range m.Speakers {
		if strings.EqualFold(m.Speakers[i].Email, email) {
			return &m.Speakers[i]
		}
	}
	return nil
}

// Current returns the speaker whose turn it is, or nil.
func (m *ReviewMeeting) Current() *MeetingSpeaker {
	for i := range m.Speakers {
		if m.Speakers[i].Turn == TurnSpeaking {
			return &m.Speakers[i]
		}
	}
	return nil
}

// NotSpoken lists the speakers who have neither spoken nor been skipped.
func (m *ReviewMeeting) NotSpoken() []MeetingSpeaker {
	var out []MeetingSpeaker
	for _, sp := range m.Speakers {
		if sp.Turn == TurnWaiting || sp.Turn == TurnSpeaking {
			out = append(out, sp)
		}
	}
	return out
}

// ReviewMeetingStore persists meetings in progress.
type ReviewMeetingStore interface {
	// CreateReviewMeeting inserts m with Version 1. EConflict (with
	// Current) when the postmortem's meeting already exists.
	CreateReviewMeeting(ctx context.Context, m *ReviewMeeting, rev *Revision) error
	// ReviewMeeting returns a postmortem's meeting, or ENotFound.
	ReviewMeeting(ctx context.Context, postmortemID int64) (*ReviewMeeting, error)
	// ReviewMeetingByRoomHash returns the meeting whose room token hashes
	// to hash, or ENotFound.
	ReviewMeetingByRoomHash(ctx context.Context, hash string) (*ReviewMeeting, error)
	// UpdateReviewMeeting stores m if its stored version is ifVersion;
	// otherwise EConflict with Current.
	UpdateReviewMeeting(ctx context.Context, m *ReviewMeeting, ifVersion int, rev *Revision) error
}
