package debrief

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// A project postmortem's own parts (the dates it was live, the metrics
// table and each member's feedback) are saved one part at a time, each
// checked against the version at which that part last changed, like a
// section: people saving different parts, or their own feedback, never
// conflict, while a stale save of the same part gets EConflict with the
// stored postmortem. Every save is a postmortem update with its revision
// (so it is in the history and the audit log).

// maxProjectRetries bounds how often a part's save is retried when another
// part was saved between the read and the write. Each round lets at least
// one of the writers through, so n people saving at once need at most n
// rounds; the bound only stops a loop that would never end.
const maxProjectRetries = 100

// SetProjectDates sets when the project was live. baseVersion is the
// Project.DatesVersion the caller started from.
func (s *Service) SetProjectDates(ctx context.Context, id int64, liveFrom, liveUntil *time.Time, baseVersion int) (*Postmortem, error) {
	liveFrom, liveUntil = normTimePtr(liveFrom), normTimePtr(liveUntil)
	return s.updateProject(ctx, id, func(a Actor, cur *Postmortem, pr *Project, version int) (bool, error) {
		if pr.DatesVersion != baseVersion {
			return false, partConflict(cur, "dates", "the dates the project was live", pr.DatesVersion)
		}
		if sameTime(pr.LiveFrom, liveFrom) && sameTime(pr.LiveUntil, liveUntil) {
			return false, nil
		}
		pr.LiveFrom, pr.LiveUntil, pr.DatesVersion = liveFrom, liveUntil, version
		return true, nil
	})
}

// SetProjectMetrics replaces the project's metrics table. baseVersion is
// the Project.MetricsVersion the caller started from.
func (s *Service) SetProjectMetrics(ctx context.Context, id int64, metrics []Metric, baseVersion int) (*Postmortem, error) {
	// The text rule, with the fields named as the caller sent them.
	if err := CheckStrings(&struct {
		Metrics []Metric `json:"metrics"`
	}{metrics}); err != nil {
		return nil, err
	}
	return s.updateProject(ctx, id, func(a Actor, cur *Postmortem, pr *Project, version int) (bool, error) {
		if pr.MetricsVersion != baseVersion {
			return false, partConflict(cur, "metrics", "the metrics table", pr.MetricsVersion)
		}
		next := (&Project{Metrics: metrics}).Clone().Metrics
		if next == nil {
			next = []Metric{}
		}
		for i := range next {
			next[i].Name, next[i].Unit = strings.TrimSpace(next[i].Name), strings.TrimSpace(next[i].Unit)
		}
		if metricsEqual(pr.Metrics, next) {
			return false, nil
		}
		pr.Metrics, pr.MetricsVersion = next, version
		return true, nil
	})
}

// SetProjectFeedback saves the caller's own feedback entry: each team
// member has one, and nobody else can change it. Empty text removes it.
// baseVersion is the entry's Version the caller started from (0 when they
// had none).
func (s *Service) SetProjectFeedback(ctx context.Context, id int64, text string, baseVersion int) (*Postmortem, error) {
	if err := CheckText("text", text, false); err != nil {
		return nil, err
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if len(text) > MaxTextLen {
		return nil, Errorf(EInvalid, "text", "Your feedback is too long (%d bytes; at most %d).", len(text), MaxTextLen)
	}
	return s.updateProject(ctx, id, func(a Actor, cur *Postmortem, pr *Project, version int) (bool, error) {
		member := a.Label()
		mine := pr.FeedbackOf(member)
		stored := 0
		if mine != nil {
			stored = mine.Version
		}
		if stored != baseVersion {
			return false, partConflict(cur, "feedback", "your feedback (in another tab or window)", stored)
		}
		switch {
		case mine == nil && text == "":
			return false, nil
		case text == "":
			kept := pr.Feedback[:0]
			for _, f := range pr.Feedback {
				if f.Member != member {
					kept = append(kept, f)
				}
			}
			pr.Feedback = kept
			return true, nil
		case mine != nil && mine.Text == text:
			return false, nil
		}
		now := s.Now()
		entry := Feedback{Member: member, Name: a.Name, Text: text, UpdatedAt: &now, Version: version}
		if mine != nil {
			*mine = entry
		} else {
			pr.Feedback = append(pr.Feedback, entry)
		}
		return true, nil
	})
}

// updateProject applies one part's change to a project postmortem as a
// responder who can see it. apply checks the part's version against the
// caller's base and changes pr, returning false when nothing changes; a
// write that loses to a save of another part is applied again on the newer
// postmortem, since apply's check is what decides about this part.
func (s *Service) updateProject(ctx context.Context, id int64, apply func(a Actor, cur *Postmortem, pr *Project, version int) (bool, error)) (*Postmortem, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		cur, err := s.visiblePostmortem(ctx, a, id)
		if err != nil {
			return nil, err
		}
		if cur.Kind != KindProject {
			return nil, Errorf(EInvalid, "kind", "%s is an incident postmortem; only project postmortems have dates live, metrics and team feedback.", cur.Key)
		}
		pr := cur.Project.Clone()
		if pr == nil {
			pr = &Project{}
		}
		if pr.Feedback == nil {
			pr.Feedback = []Feedback{}
		}
		changed, err := apply(a, cur, pr, cur.Version+1)
		if err != nil || !changed {
			if err != nil {
				return nil, err
			}
			return cur, nil
		}
		next := clonePostmortem(cur)
		next.Project = pr
		if err := next.Validate(); err != nil {
			return nil, err
		}
		next.UpdatedAt = s.Now()
		err = s.store.UpdatePostmortem(ctx, next, cur.Version, s.revision(a, EntityPostmortem, id, cur.Version+1, "update", Diff(cur, next)))
		if IsCode(err, EConflict) && attempt < maxProjectRetries {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.storeQualityScore(ctx, next)
		// The reading view shows the project's dates, metrics and feedback.
		s.publishPostmortem(nil, next, a.Label())
		return next, nil
	}
}

// projectPatch is what a whole-postmortem update makes of a project's
// details: the dates and the metrics as sent, each part's version moved on
// when it changes (so a stale save of that part alone still conflicts),
// and the feedback kept as stored, since each entry is its member's own:
// a patch that would change someone's entry is refused.
func (s *Service) projectPatch(cur *Postmortem, in *Project) (*Project, error) {
	stored := cur.Project.Clone()
	if stored == nil {
		stored = &Project{}
	}
	pr := in.Clone()
	pr.LiveFrom, pr.LiveUntil = normTimePtr(pr.LiveFrom), normTimePtr(pr.LiveUntil)
	pr.DatesVersion, pr.MetricsVersion = stored.DatesVersion, stored.MetricsVersion
	version := cur.Version + 1
	if !sameTime(pr.LiveFrom, stored.LiveFrom) || !sameTime(pr.LiveUntil, stored.LiveUntil) {
		pr.DatesVersion = version
	}
	if pr.Metrics == nil {
		pr.Metrics = stored.Metrics
	} else if !metricsEqual(pr.Metrics, stored.Metrics) {
		pr.MetricsVersion = version
	}
	if pr.Feedback != nil && !feedbackEqual(pr.Feedback, stored.Feedback) {
		return nil, Errorf(EInvalid, "project.feedback", "Team feedback is each member's own: save yours with PUT /api/v1/postmortems/%s/project/feedback; leave feedback out of this update.", cur.Key)
	}
	pr.Feedback = stored.Feedback
	if pr.Feedback == nil {
		pr.Feedback = []Feedback{}
	}
	return pr, nil
}

func feedbackEqual(a, b []Feedback) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Member != b[i].Member || a[i].Text != b[i].Text {
			return false
		}
	}
	return true
}

// partConflict is the EConflict of a stale save of one part of a project
// postmortem; Current is the stored postmortem, so the caller can show
// what is saved now beside what they wrote.
func partConflict(cur *Postmortem, field, what string, version int) error {
	return &Error{Code: EConflict, Field: field, Current: cur,
		Message: "Someone else saved " + what + " after you loaded it (it is now at version " + strconv.Itoa(version) + "), so yours was not saved. Look at what is saved now, merge your change and save again."}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func metricsEqual(a, b []Metric) bool {
	if len(a) != len(b) {
		return false
	}
	num := func(x, y *float64) bool {
		if x == nil || y == nil {
			return x == nil && y == nil
		}
		return *x == *y
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Unit != b[i].Unit || !num(a[i].Baseline, b[i].Baseline) || !num(a[i].Target, b[i].Target) || !num(a[i].Result, b[i].Result) {
			return false
		}
	}
	return true
}
