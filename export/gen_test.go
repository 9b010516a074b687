package export

import (
	"fmt"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"pgregory.net/rapid"
)

// Generators of arbitrary but well-formed records, for the property tests.
// Text is deliberately hostile: pipes, newlines, markers, front-matter
// fences, escapes, HTML, surrounding spaces and any Unicode.

var trickyText = []string{
	"", " ", "|", "a | b", "\\", "\\|", "<br>", "<BR>", "\\<br>", "line one\nline two", "\n", "\n\n", "trailing\n", "\nleading",
	"---", "...", "# not a title", "## not a heading", "<!-- debrief:section x -->", "<!-- debrief:timeline -->",
	"  <!-- debrief:action-items -->", "<!-- comment -->", "&#13;", "&#32;", "&amp;", "a\r\nb", "\r", "\t", " spaced ",
	"`code | pipe`", "**bold**", "{{incident.title}}", "- item\n- item", "| a | b |\n|---|---|\n| 1 | 2 |",
	"éñ日本語🙂", "\u2028", "\u00a0nbsp\u00a0", "null", "true", "123", "2024-01-01", "key: value", "- list", "> quote", "@anchor", "*alias",
	"%YAML", "!!str", "'quoted'", "\"double\"", "#comment", "x: [1, 2]", "\x7f", "\x01ctl", "\ufeffbom",
}

func textGen() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.SampledFrom(trickyText),
		rapid.String(),
		rapid.Custom(func(t *rapid.T) string {
			parts := rapid.SliceOfN(rapid.OneOf(rapid.SampledFrom(trickyText), rapid.StringN(0, 8, -1)), 1, 6).Draw(t, "parts")
			return strings.Join(parts, "")
		}),
	)
}

var zones = []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham",
	"America/St_Johns", "Asia/Kathmandu", "Europe/London", "+05:30", "-03:00", "+00:00", "", "Mars/Olympus", "weird | zone", " spaced "}

func timeGen() *rapid.Generator[time.Time] {
	return rapid.Custom(func(t *rapid.T) time.Time {
		sec := rapid.Int64Range(0, 4102444800).Draw(t, "sec") // 1970..2100
		usec := rapid.OneOf(rapid.Just(int64(0)), rapid.Int64Range(0, 999999)).Draw(t, "usec")
		return time.Unix(sec, usec*1000).UTC()
	})
}

func optTime(t *rapid.T, label string) *time.Time {
	if rapid.Bool().Draw(t, label+"?") {
		v := timeGen().Draw(t, label)
		return &v
	}
	return nil
}

func optID(t *rapid.T, label string) *int64 {
	if rapid.Bool().Draw(t, label+"?") {
		v := rapid.Int64Range(1, 1<<40).Draw(t, label)
		return &v
	}
	return nil
}

func listGen() *rapid.Generator[[]string] {
	return rapid.OneOf(rapid.Just([]string(nil)), rapid.SliceOfN(textGen(), 0, 4))
}

func keyGen() *rapid.Generator[string] {
	return rapid.OneOf(rapid.SampledFrom([]string{"summary", "impact", "root-cause", "timeline", "action-items", "learnings", "trigger"}),
		rapid.StringMatching(`[a-z0-9_-]{1,20}`))
}

func documentGen() *rapid.Generator[*Document] {
	return rapid.Custom(func(t *rapid.T) *Document {
		doc := &Document{}
		project := rapid.Bool().Draw(t, "project")
		var incID int64
		if !project {
			incID = rapid.Int64Range(1, 1<<40).Draw(t, "incidentID")
			doc.Incident = &debrief.Incident{
				ID: incID, Key: debrief.IncidentKey(incID), Title: textGen().Draw(t, "incTitle"),
				Severity: rapid.SampledFrom([]string{"SEV1", "SEV2", "SEV3", "SEV4"}).Draw(t, "severity"),
				Status:   rapid.SampledFrom(debrief.IncidentStatuses).Draw(t, "status"),
				Services: listGen().Draw(t, "services"), Customers: listGen().Draw(t, "customers"), Impact: textGen().Draw(t, "impact"),
				Labels: listGen().Draw(t, "labels"),
				Roles: debrief.Roles{Commander: textGen().Draw(t, "commander"), Scribe: textGen().Draw(t, "scribe"),
					Communications: textGen().Draw(t, "comms")},
				StartedAt: timeGen().Draw(t, "started"), DetectedAt: optTime(t, "detected"), AcknowledgedAt: optTime(t, "acked"),
				MitigatedAt: optTime(t, "mitigated"), ResolvedAt: optTime(t, "resolved"),
				Private: rapid.Bool().Draw(t, "private"), Members: listGen().Draw(t, "members"), RepeatOf: optID(t, "repeatOf"),
				CreatedBy: textGen().Draw(t, "incCreatedBy"), CreatedAt: timeGen().Draw(t, "incCreated"), UpdatedAt: timeGen().Draw(t, "incUpdated"),
				Version: rapid.IntRange(0, 1000).Draw(t, "incVersion"),
			}
		}
		pmID := rapid.Int64Range(1, 1<<40).Draw(t, "pmID")
		pm := &debrief.Postmortem{
			ID: pmID, Key: fmt.Sprintf("PM-%d", pmID), Kind: debrief.KindIncident,
			Title: textGen().Draw(t, "title"), Owner: textGen().Draw(t, "owner"),
			Status:   rapid.SampledFrom([]debrief.PostmortemStatus{debrief.PostmortemDraft, debrief.PostmortemInReview, debrief.PostmortemPublished}).Draw(t, "pmStatus"),
			Template: textGen().Draw(t, "template"), TemplateVersion: rapid.IntRange(0, 50).Draw(t, "tplVersion"),
			RootCause: textGen().Draw(t, "rootCause"), ContributingFactors: listGen().Draw(t, "factors"),
			Lessons:     debrief.Lessons{WentWell: listGen().Draw(t, "well"), WentWrong: listGen().Draw(t, "wrong"), GotLucky: listGen().Draw(t, "lucky")},
			PublishedAt: optTime(t, "published"), CreatedBy: textGen().Draw(t, "pmCreatedBy"), CreatedAt: timeGen().Draw(t, "pmCreated"),
			UpdatedAt: timeGen().Draw(t, "pmUpdated"), Version: rapid.IntRange(0, 1000).Draw(t, "pmVersion"),
		}
		if project {
			pm.Kind = debrief.KindProject
			fb := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) debrief.Feedback {
				return debrief.Feedback{Member: textGen().Draw(t, "member"), Text: textGen().Draw(t, "text")}
			}), 0, 3).Draw(t, "feedback")
			pm.Project = &debrief.Project{LiveFrom: optTime(t, "liveFrom"), LiveUntil: optTime(t, "liveUntil"), Feedback: fb}
		} else {
			pm.IncidentID = &incID
		}
		keys := rapid.SliceOfNDistinct(keyGen(), 0, 8, func(s string) string { return s }).Draw(t, "keys")
		if len(keys) > 0 || rapid.Bool().Draw(t, "emptySections") {
			pm.Sections = make([]debrief.Section, len(keys))
		}
		for i, k := range keys {
			pm.Sections[i] = debrief.Section{Key: k, Heading: textGen().Draw(t, "heading"), Body: textGen().Draw(t, "body"),
				Guidance: textGen().Draw(t, "guidance"), Required: rapid.Bool().Draw(t, "required"), Internal: rapid.Bool().Draw(t, "internal")}
		}
		doc.Postmortem = pm
		if !project {
			ids := rapid.SliceOfNDistinct(rapid.Int64Range(1, 1<<40), 0, 8, func(n int64) int64 { return n }).Draw(t, "eventIDs")
			for _, id := range ids {
				doc.Timeline = append(doc.Timeline, &debrief.TimelineEvent{
					ID: id, IncidentID: incID, At: timeGen().Draw(t, "at"), Zone: rapid.SampledFrom(zones).Draw(t, "zone"),
					Source: rapid.SampledFrom(debrief.EventSources).Draw(t, "source"),
					Kind:   rapid.SampledFrom(debrief.EventKinds).Draw(t, "kind"),
					Text:   textGen().Draw(t, "eventText"), Actor: textGen().Draw(t, "actor"), ExternalID: textGen().Draw(t, "external"),
					Alert:     textGen().Draw(t, "alert"),
					Starred:   rapid.Bool().Draw(t, "starred"),
					Lifecycle: rapid.SampledFrom([]debrief.Lifecycle{"", "started", "detected", "acknowledged", "mitigated", "resolved"}).Draw(t, "lifecycle"),
					CreatedAt: timeGen().Draw(t, "eventCreated"), Version: rapid.IntRange(0, 100).Draw(t, "eventVersion"),
				})
			}
		}
		aids := rapid.SliceOfNDistinct(rapid.Int64Range(1, 1<<40), 0, 6, func(n int64) int64 { return n }).Draw(t, "actionIDs")
		for _, id := range aids {
			a := &debrief.ActionItem{ID: id, Key: fmt.Sprintf("AI-%d", id), PostmortemID: &pmID, Title: textGen().Draw(t, "actionTitle"),
				Owner: textGen().Draw(t, "actionOwner"), Priority: rapid.SampledFrom([]debrief.Priority{"P1", "P2", "P3", "P4"}).Draw(t, "prio"),
				Type:        rapid.SampledFrom([]debrief.ActionType{"prevent", "detect", "mitigate", "process", "investigate"}).Draw(t, "type"),
				Status:      rapid.SampledFrom([]debrief.ActionStatus{"open", "in_progress", "done", "wont_do"}).Draw(t, "aStatus"),
				TrackerURL:  rapid.SampledFrom([]string{"", "https://tracker.example.com/X-1", "https://e.example/a|b?c=d&e"}).Draw(t, "tracker"),
				CompletedAt: optTime(t, "completed"), CreatedBy: textGen().Draw(t, "aCreatedBy"),
				CreatedAt: timeGen().Draw(t, "aCreated"), UpdatedAt: timeGen().Draw(t, "aUpdated"), Version: rapid.IntRange(0, 100).Draw(t, "aVersion"),
			}
			if !project {
				a.IncidentID = &incID
			}
			if rapid.Bool().Draw(t, "due?") {
				d := timeGen().Draw(t, "due")
				if rapid.Bool().Draw(t, "dueDate") {
					d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
				}
				a.DueDate = &d
			}
			doc.ActionItems = append(doc.ActionItems, a)
		}
		return doc
	})
}
