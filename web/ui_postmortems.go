package web

import (
	"net/http"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
)

// exportLink is one export button of the reading view.
type exportLink struct {
	Label, Format string
}

var postmortemExports = []exportLink{{"Markdown", "md"}, {"HTML", "html"}, {"PDF", "pdf"}, {"JSON", "json"}}

type pmSection struct {
	debrief.Section
	Timeline, Actions bool
	// Part names the project part (dates, metrics, feedback) this section
	// shows, with Project, in a project postmortem (ui_project.go).
	Part    string
	Project *projectView
}

// postmortemPage is the reading view of a postmortem.
type postmortemPage struct {
	layout
	PM       *debrief.Postmortem
	Incident *debrief.Incident
	// Sections are the postmortem's sections; the timeline and the action
	// items are shown inside the section that hosts them, as in the exports,
	// or at the end (TimelineEnd, ActionsEnd) when none does.
	Sections                []pmSection
	TimelineEnd, ActionsEnd bool
	Timeline                []timelineRow
	Items                   []actionRow
	Exports                 []exportLink
	// HasLessons is true when any of the three lesson lists has an entry.
	HasLessons bool
	// Attachments are the first page of the postmortem's files, listed for
	// download, with a link to the rest.
	Attachments *attachmentsPanel
	// Project is a project postmortem's dates, metrics and feedback.
	Project *projectView
	// Ideas are the improvement ideas raised in it (ui_pm_ideas.go).
	Ideas *ideasPanel
}

func (s *Server) uiPostmortem() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		p := postmortemPage{layout: newLayout(r, pm.Key+" "+pm.Title, "postmortems"), PM: pm, Exports: postmortemExports}
		p.HasLessons = len(pm.Lessons.WentWell)+len(pm.Lessons.WentWrong)+len(pm.Lessons.GotLucky) > 0
		var timelineStamp string
		if pm.IncidentID != nil {
			inc, err := s.svc.Incident(ctx, *pm.IncidentID)
			if err != nil {
				return err
			}
			p.Incident = inc
			if p.Timeline, timelineStamp, err = s.wholeTimeline(ctx, inc, p.Loc); err != nil {
				return err
			}
		}
		items, err := s.svc.ListActionItems(ctx, debrief.ActionItemFilter{PostmortemID: &pm.ID, Limit: debrief.MaxPageSize})
		if err != nil {
			return err
		}
		p.Items = actionRows(items.Items, s.svc.Now(), p.Loc)
		stamps := liveStamps{debrief.LivePostmortem: versionStamp(pm.Version), debrief.LiveActionItems: itemsStamp(items.Items)}
		if p.Incident != nil {
			stamps[debrief.LiveIncident], stamps[debrief.LiveTimeline] = versionStamp(p.Incident.Version), timelineStamp
		}
		p.LiveAt = stamps.Encode()
		timelineHost, actionHost := export.SectionHosts(pm.Sections)
		for i, sec := range pm.Sections {
			p.Sections = append(p.Sections, pmSection{Section: sec, Timeline: i == timelineHost, Actions: i == actionHost})
		}
		p.TimelineEnd, p.ActionsEnd = timelineHost < 0 && len(p.Timeline) > 0, actionHost < 0
		if p.Attachments, err = s.attachmentsOf(r, pm, "", false); err != nil {
			return err
		}
		if p.Ideas, err = s.ideasPanelOf(r, pm, false); err != nil {
			return err
		}
		if pm.Kind == debrief.KindProject {
			p.Project = s.projectViewOf(r, pm)
			hostProjectParts(p.Sections, p.Project)
		}
		return s.render(w, r, http.StatusOK, "postmortem.html", "layout", p)
	}
}
