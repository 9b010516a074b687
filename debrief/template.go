package debrief

import "strings"

// TemplateSection is one section a template puts into a new postmortem.
type TemplateSection struct {
	Key      string `json:"key" yaml:"key"`
	Heading  string `json:"heading" yaml:"heading"`
	Guidance string `json:"guidance" yaml:"guidance"`
	Required bool   `json:"required" yaml:"required"`
	// StartingText is the body a new section starts with; it may hold
	// variables such as {{incident.title}}.
	StartingText string `json:"starting_text,omitempty" yaml:"starting_text,omitempty"`
	Internal     bool   `json:"internal,omitempty" yaml:"internal,omitempty"`
}

// Template is the shape of a new postmortem.
type Template struct {
	Key         string            `json:"key" yaml:"key"`
	Name        string            `json:"name" yaml:"name"`
	Description string            `json:"description" yaml:"description"`
	Kind        PostmortemKind    `json:"kind" yaml:"kind"`
	Version     int               `json:"version" yaml:"version"`
	BuiltIn     bool              `json:"built_in" yaml:"-"`
	Sections    []TemplateSection `json:"sections" yaml:"sections"`
}

// Sections returns fresh postmortem sections made from the template.
func (t *Template) NewSections() []Section {
	out := make([]Section, len(t.Sections))
	for i, s := range t.Sections {
		out[i] = Section{Key: s.Key, Heading: s.Heading, Body: s.StartingText, Guidance: s.Guidance, Required: s.Required, Internal: s.Internal}
	}
	return out
}

// IsStartingText reports whether body is still what the template put there,
// i.e. nobody has written the section yet.
func (s TemplateSection) IsStartingText(body string) bool {
	return strings.TrimSpace(body) == strings.TrimSpace(s.StartingText)
}

// Built-in template keys.
const (
	TemplateIncident = "incident"
	TemplateSRE      = "sre"
	TemplateProject  = "project"
)

// BuiltInTemplates returns the templates every installation has.
func BuiltInTemplates() []*Template {
	return []*Template{
		{
			Key: TemplateIncident, Name: "Incident postmortem", Kind: KindIncident, Version: 1, BuiltIn: true,
			Description: "The five parts every incident report needs: summary, root cause, how it was diagnosed and resolved, timeline, and what we learned.",
			Sections: []TemplateSection{
				{Key: "summary", Heading: "Summary", Required: true,
					Guidance: "In a few sentences for someone who was not there: what happened, how long it lasted, which services and which customers were affected, and how many."},
				{Key: "root-cause", Heading: "Root cause analysis", Required: true,
					Guidance: "Why it happened. Keep asking why past the first answer; name the conditions and contributing factors, not people. 'Human error' is a starting point, not a root cause."},
				{Key: "resolution", Heading: "Diagnosis, assessment and resolution", Required: true,
					Guidance: "The steps taken to diagnose, assess and resolve the incident: what was tried, what worked, what did not, and why."},
				{Key: "timeline", Heading: "Timeline", Required: true,
					Guidance: "The significant moments, with times and zone: when it started, when it was detected, key decisions, mitigation and resolution. Built from the incident's timeline."},
				{Key: "learnings", Heading: "Learnings and next steps", Required: true,
					Guidance: "What went well, what went wrong, where we got lucky, and the action items (each with an owner and a due date) that keep it from happening again."},
			},
		},
		{
			Key: TemplateSRE, Name: "Google SRE book", Kind: KindIncident, Version: 1, BuiltIn: true,
			Description: "The layout of the example postmortem in the Google SRE book.",
			Sections: []TemplateSection{
				{Key: "summary", Heading: "Summary", Required: true, Guidance: "One or two sentences: what happened and its effect."},
				{Key: "impact", Heading: "Impact", Required: true, Guidance: "Who was affected and how much: users, requests, revenue, duration. Use numbers."},
				{Key: "root-causes", Heading: "Root causes", Required: true, Guidance: "The conditions that made the incident possible, and why they existed."},
				{Key: "trigger", Heading: "Trigger", Required: true, Guidance: "The change or event that set the root causes off."},
				{Key: "resolution", Heading: "Resolution", Required: true, Guidance: "What was done to mitigate and then resolve the incident."},
				{Key: "detection", Heading: "Detection", Required: true, Guidance: "How and when the problem was noticed, and how it could have been noticed sooner."},
				{Key: "action-items", Heading: "Action items", Required: true, Guidance: "Each with a type (prevent, detect, mitigate, process), an owner and a due date."},
				{Key: "lessons-learned", Heading: "Lessons learned", Required: true, Guidance: "What went well, what went wrong, where we got lucky."},
				{Key: "timeline", Heading: "Timeline", Required: true, Guidance: "Times with zone, most significant moments starred."},
				{Key: "supporting-information", Heading: "Supporting information", Required: false, Guidance: "Links to dashboards, graphs, chat logs and documents.", Internal: true},
			},
		},
		{
			Key: TemplateProject, Name: "Project postmortem", Kind: KindProject, Version: 1, BuiltIn: true,
			Description: "For a project or launch rather than an incident: what was launched, what it achieved, and what everyone on the team thinks.",
			Sections: []TemplateSection{
				{Key: "dates", Heading: "Dates live", Required: true, Guidance: "When the project went live and, if it has ended, when it ended."},
				{Key: "why", Heading: "Why we launched it", Required: true, Guidance: "The problem or opportunity, and the goal we set at the start."},
				{Key: "what", Heading: "What we launched", Required: true, Guidance: "What changed for users: screenshots, and data on what changed."},
				{Key: "results", Heading: "Results and metrics", Required: true, Guidance: "The numbers against the goal: adoption, revenue, latency, whatever was promised."},
				{Key: "feedback", Heading: "Team feedback", Required: true, Guidance: "Every team member's view, in their own words. Go around the room so everyone speaks."},
				{Key: "why-results", Heading: "Why the results came out as they did", Required: true, Guidance: "What explains the results, good and bad, and what we would do differently."},
			},
		},
	}
}

// BuiltInTemplate returns the built-in template with key, or nil.
func BuiltInTemplate(key string) *Template {
	for _, t := range BuiltInTemplates() {
		if t.Key == key {
			return t
		}
	}
	return nil
}
