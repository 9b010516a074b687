package debrief

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Metric is one result of a project measured against its goal: what was
// measured, in which unit, where it started, what was aimed for and what
// came out. A number not known yet is nil.
type Metric struct {
	Name     string   `json:"name"`
	Unit     string   `json:"unit,omitempty"`
	Baseline *float64 `json:"baseline,omitempty"`
	Target   *float64 `json:"target,omitempty"`
	Result   *float64 `json:"result,omitempty"`
}

// FormatMetric writes one number of a metric with its unit the way people
// read it ("3.4%", "520 ms"), or "" when it is not known, so every view of
// the table writes it alike.
func FormatMetric(v *float64, unit string) string {
	if v == nil {
		return ""
	}
	s := strconv.FormatFloat(*v, 'f', -1, 64)
	switch unit {
	case "":
		return s
	case "%":
		return s + "%"
	}
	return s + " " + unit
}

// MaxMetrics bounds a project's metrics table; MaxUnitLen a metric's unit.
const (
	MaxMetrics = 30
	MaxUnitLen = 40
)

// Clone returns a deep copy of p, so a caller may change it without
// changing the value it came from (a cache's, or another reader's).
func (p *Project) Clone() *Project {
	if p == nil {
		return nil
	}
	c := *p
	c.LiveFrom, c.LiveUntil = cloneTime(p.LiveFrom), cloneTime(p.LiveUntil)
	c.Feedback = slices.Clone(p.Feedback)
	for i := range c.Feedback {
		c.Feedback[i].UpdatedAt = cloneTime(c.Feedback[i].UpdatedAt)
	}
	if p.Metrics != nil {
		c.Metrics = make([]Metric, len(p.Metrics))
		for i, m := range p.Metrics {
			m.Baseline, m.Target, m.Result = cloneFloat(m.Baseline), cloneFloat(m.Target), cloneFloat(m.Result)
			c.Metrics[i] = m
		}
	}
	return &c
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

func cloneFloat(f *float64) *float64 {
	if f == nil {
		return nil
	}
	c := *f
	return &c
}

// FeedbackOf returns member's feedback entry, or nil.
func (p *Project) FeedbackOf(member string) *Feedback {
	if p == nil {
		return nil
	}
	for i := range p.Feedback {
		if p.Feedback[i].Member == member {
			return &p.Feedback[i]
		}
	}
	return nil
}

// validate checks the project's own rules; Postmortem.Validate calls it.
func (p *Project) validate() error {
	if p.LiveFrom != nil && p.LiveUntil != nil && p.LiveUntil.Before(*p.LiveFrom) {
		return Errorf(EUnprocessable, "project.live_until", "The project cannot end before it went live.")
	}
	if len(p.Metrics) > MaxMetrics {
		return Errorf(EInvalid, "project.metrics", "A project has at most %d metrics; this table has %d.", MaxMetrics, len(p.Metrics))
	}
	for i := range p.Metrics {
		m := &p.Metrics[i]
		row := "Metric " + strconv.Itoa(i+1)
		m.Name, m.Unit = strings.TrimSpace(m.Name), strings.TrimSpace(m.Unit)
		if m.Name == "" {
			return Errorf(EInvalid, "project.metrics", "%s needs a name, e.g. \"Checkout conversion\".", row)
		}
		if len(m.Name) > MaxTitleLen {
			return Errorf(EInvalid, "project.metrics", "%s's name is %d bytes long; keep it under %d.", row, len(m.Name), MaxTitleLen)
		}
		if len(m.Unit) > MaxUnitLen {
			return Errorf(EInvalid, "project.metrics", "The unit of %q is %d bytes long; keep it under %d, e.g. \"%%\" or \"ms\".", m.Name, len(m.Unit), MaxUnitLen)
		}
		for _, v := range []*float64{m.Baseline, m.Target, m.Result} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				return Errorf(EInvalid, "project.metrics", "The numbers of %q must be finite.", m.Name)
			}
		}
	}
	seen := map[string]bool{}
	for i := range p.Feedback {
		f := &p.Feedback[i]
		f.Member = strings.TrimSpace(f.Member)
		if f.Member == "" {
			return Errorf(EInvalid, "project.feedback", "Each feedback entry names the team member who gave it.")
		}
		if seen[f.Member] {
			return Errorf(EInvalid, "project.feedback", "%s has two feedback entries; each person has one.", f.Member)
		}
		seen[f.Member] = true
		if len(f.Text) > MaxTextLen {
			return Errorf(EInvalid, "project.feedback", "The feedback of %s is too long (%d bytes; at most %d).", f.Member, len(f.Text), MaxTextLen)
		}
	}
	return nil
}
