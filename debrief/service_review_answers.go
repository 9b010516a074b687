package debrief

import (
	"context"
	"strings"
)

// AnswerInput is a participant's questionnaire as they send it.
type AnswerInput struct {
	WentWell    string `json:"went_well"`
	WasHard     string `json:"was_hard"`
	Surprised   string `json:"surprised"`
	WouldChange string `json:"would_change"`
	Shared      bool   `json:"shared"`
}

// ReviewAnswers is what a caller may see of the questionnaires.
type ReviewAnswers struct {
	Questions []ReviewQuestion `json:"questions"`
	// Answers are the caller's own, the shared ones, and once the meeting
	// has started all of them.
	Answers []ReviewAnswer `json:"answers"`
	// Answered lists everyone who answered, Unanswered the participants
	// who have not yet, so the organiser knows whom to nudge.
	Answered   []string `json:"answered"`
	Unanswered []string `json:"unanswered"`
	// Private counts answers kept from the caller until the meeting.
	Private int `json:"private"`
}

// ReviewAnswers returns the questionnaires of a postmortem's review as the
// caller may see them.
func (s *Service) ReviewAnswers(ctx context.Context, postmortemID int64) (*ReviewAnswers, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	r, err := s.Review(ctx, postmortemID)
	if err != nil {
		return nil, err
	}
	return s.visibleAnswers(r, a.Email), nil
}

// visibleAnswers applies the privacy rule for viewer (an email, or "").
func (s *Service) visibleAnswers(r *Review, viewer string) *ReviewAnswers {
	out := &ReviewAnswers{Questions: ReviewQuestions, Answers: []ReviewAnswer{}, Answered: []string{}, Unanswered: []string{}}
	started := r.Chosen != nil && r.Status == ReviewScheduled && !s.Now().Before(r.Chosen.Start)
	for _, ans := range r.Answers {
		out.Answered = append(out.Answered, ans.Email)
		if ans.Shared || started || (viewer != "" && strings.EqualFold(ans.Email, viewer)) {
			out.Answers = append(out.Answers, ans)
		} else {
			out.Private++
		}
	}
	for _, p := range r.Participants {
		if r.Answer(p.Email) == nil {
			out.Unanswered = append(out.Unanswered, p.Email)
		}
	}
	return out
}

// AnswerReview stores the caller's own questionnaire if their answer is
// still at ifVersion (0 when they have not answered yet).
func (s *Service) AnswerReview(ctx context.Context, postmortemID int64, in AnswerInput, ifVersion int) (*ReviewAnswer, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	r, err := s.Review(ctx, postmortemID)
	if err != nil {
		return nil, err
	}
	if a.Email == "" || r.Participant(a.Email) == nil {
		// A rule of the review, not of the caller's role: 422, as for any
		// other well-formed request the record's state refuses.
		return nil, Errorf(EUnprocessable, "", "Only the review's participants answer its questionnaire, each their own; %s is not invited.", a.Label())
	}
	return s.answer(ctx, r, r.Participant(a.Email).Email, a.Label(), in, ifVersion)
}

// AnswerReviewByLink is AnswerReview for the holder of a personal link.
func (s *Service) AnswerReviewByLink(ctx context.Context, token string, in AnswerInput, ifVersion int) (*ReviewAnswer, error) {
	r, email, err := s.ReviewByLink(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.answer(ctx, r, email, email+" (personal link)", in, ifVersion)
}

// answer stores one participant's questionnaire, retrying when another
// participant's change lands in between (as markAvailability does). The
// revision records that an answer was given, not its text: history is
// visible to every viewer, and a private answer is not yet. The first
// attempt uses cur, which the caller has just read; retries read it again.
func (s *Service) answer(ctx context.Context, cur *Review, email, actor string, in AnswerInput, ifVersion int) (*ReviewAnswer, error) {
	fields := []struct{ name, value string }{{"went_well", in.WentWell}, {"was_hard", in.WasHard}, {"surprised", in.Surprised}, {"would_change", in.WouldChange}}
	empty := true
	for _, f := range fields {
		if err := CheckText(f.name, f.value, false); err != nil {
			return nil, err
		}
		if len(f.value) > MaxAnswerLen {
			return nil, Errorf(EInvalid, f.name, "The answer is %d characters long; keep it under %d.", len(f.value), MaxAnswerLen)
		}
		empty = empty && strings.TrimSpace(f.value) == ""
	}
	if empty {
		return nil, Errorf(EInvalid, "went_well", "Answer at least one of the questions.")
	}
	st := s.store
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			var err error
			if cur, err = st.Review(ctx, cur.ID); err != nil {
				return nil, err
			}
		}
		old := cur.Answer(email)
		have := 0
		if old != nil {
			have = old.Version
		}
		if have != ifVersion {
			return nil, &Error{Code: EConflict, Field: "version",
				Message: "Your answers were changed elsewhere since you loaded them (they are now at version " + idString(int64(have)) + "). Reload, merge and try again."}
		}
		now := s.Now()
		ans := ReviewAnswer{Email: email, WentWell: strings.TrimSpace(in.WentWell), WasHard: strings.TrimSpace(in.WasHard),
			Surprised: strings.TrimSpace(in.Surprised), WouldChange: strings.TrimSpace(in.WouldChange), Shared: in.Shared, AnsweredAt: now, Version: have + 1}
		next := *cur
		next.Answers = make([]ReviewAnswer, 0, len(cur.Answers)+1)
		for _, x := range cur.Answers {
			if !strings.EqualFold(x.Email, email) {
				next.Answers = append(next.Answers, x)
			}
		}
		next.Answers = append(next.Answers, ans)
		next.UpdatedAt = now
		rev := &Revision{EntityType: EntityReview, EntityID: cur.ID, Version: cur.Version + 1, Action: "answer", Actor: actor, At: now,
			Changes: []Change{change("answer:"+email, nil, map[string]any{"version": ans.Version, "shared": ans.Shared})}}
		err := st.UpdateReview(ctx, &next, cur.Version, nil, rev, nil)
		if IsCode(err, EConflict) && attempt < 2*MaxReviewParticipants {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.publishReview(next.PostmortemID, next.ID, next.Version, actor)
		return &ans, nil
	}
}
