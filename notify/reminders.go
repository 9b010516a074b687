package notify

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// A reminder stage of an action item, in the order they come.
type stage struct {
	event string
	// from is when the stage starts, relative to the due date.
	from time.Duration
}

// reminders enqueues, for each open action item with a due date, the
// latest reminder stage it has reached: due soon (RemindBefore ahead), due
// (on the day), overdue (the day after). Only the latest is sent, so an
// item first seen late does not get a stale "due in two days". Items open
// EscalateAfter past the due day are escalated to the postmortem's owner
// as well. Keys carry the due date, so moving the date starts over.
func (p *Producer) reminders(ctx context.Context, now time.Time, chans []*debrief.NotificationChannel) ([]*debrief.Notification, error) {
	stages := []stage{
		{debrief.EventActionItemDueSoon, -p.cfg.RemindBefore},
		{debrief.EventActionItemDue, 0},
		{debrief.EventActionItemOverdue, 24 * time.Hour},
	}
	// DueBefore is strict; an item due exactly RemindBefore from now is
	// in its first stage already.
	horizon := now.Add(p.cfg.RemindBefore + time.Microsecond)
	var out []*debrief.Notification
	owners := map[int64]string{} // postmortem owner by postmortem or incident ID
	private := map[int64]bool{}
	after := ""
	for {
		page, err := p.svc.ListActionItems(ctx, debrief.ActionItemFilter{
			Status: []debrief.ActionStatus{debrief.ActionOpen, debrief.ActionInProgress}, DueBefore: &horizon, Limit: debrief.MaxPageSize, After: after})
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			if it.DueDate == nil {
				continue
			}
			due := *it.DueDate
			var reached *stage
			for i := range stages {
				if !now.Before(due.Add(stages[i].from)) {
					reached = &stages[i]
				}
			}
			if reached == nil {
				continue
			}
			incidentID, isPrivate, err := p.itemIncident(ctx, it, private)
			if err != nil {
				return nil, err
			}
			day := due.Format("2006-01-02")
			msg := p.reminderMessage(reached.event, it, now)
			out = append(out, p.fanOut(fmt.Sprintf("%s:%s:%s", reached.event, it.Key, day), reached.event, msg, isPrivate, incidentID, chans, it.Owner)...)
			if !now.Before(due.Add(24*time.Hour + p.cfg.EscalateAfter)) {
				owner, err := p.postmortemOwner(ctx, it, owners)
				if err != nil {
					return nil, err
				}
				if owner != "" && !strings.EqualFold(owner, it.Owner) {
					msg := p.reminderMessage(debrief.EventActionItemEscalate, it, now)
					out = append(out, p.fanOut(fmt.Sprintf("%s:%s:%s", debrief.EventActionItemEscalate, it.Key, day), debrief.EventActionItemEscalate, msg, isPrivate, incidentID, chans, owner)...)
				}
			}
		}
		if page.NextCursor == "" {
			return out, nil
		}
		after = page.NextCursor
	}
}

func (p *Producer) reminderMessage(event string, it *debrief.ActionItem, now time.Time) debrief.Message {
	due := it.DueDate.Format("Monday 2 January 2006")
	owner := orNone(it.Owner)
	var subject, text string
	switch event {
	case debrief.EventActionItemDueSoon:
		subject = fmt.Sprintf("%s is due on %s: %s", it.Key, due, it.Title)
		text = fmt.Sprintf("The action item %s (owner %s) is due on %s.", it.Key, owner, due)
	case debrief.EventActionItemDue:
		subject = fmt.Sprintf("%s is due today: %s", it.Key, it.Title)
		text = fmt.Sprintf("The action item %s (owner %s) is due today, %s.", it.Key, owner, due)
	case debrief.EventActionItemOverdue:
		subject = fmt.Sprintf("%s is overdue: %s", it.Key, it.Title)
		text = fmt.Sprintf("The action item %s (owner %s) was due on %s and is still %s.", it.Key, owner, due, it.Status)
	default:
		days := int(now.Sub(*it.DueDate).Hours() / 24)
		subject = fmt.Sprintf("Escalated: %s is %d days overdue: %s", it.Key, days, it.Title)
		text = fmt.Sprintf("The action item %s (owner %s) was due on %s and is still %s. You own its postmortem, so it is escalated to you.", it.Key, owner, due, it.Status)
	}
	// Action items are shown on the page of their postmortem or incident;
	// the board filtered to the owner lists the item among its peers.
	link := "/action-items?owner=" + url.QueryEscape(it.Owner)
	switch {
	case it.PostmortemID != nil:
		link = "/postmortems/" + debrief.PostmortemKeyPrefix + strconv.FormatInt(*it.PostmortemID, 10)
	case it.IncidentID != nil:
		link = "/incidents/" + debrief.IncidentKey(*it.IncidentID)
	}
	return p.message(event, subject, text, link,
		map[string]any{"action_item": it.Key, "title": it.Title, "owner": it.Owner, "due_date": it.DueDate.Format("2006-01-02"), "status": it.Status})
}

// itemIncident returns the incident the item belongs to (0 for none) and
// whether it is private.
func (p *Producer) itemIncident(ctx context.Context, it *debrief.ActionItem, cache map[int64]bool) (int64, bool, error) {
	id := it.IncidentID
	if id == nil && it.PostmortemID != nil {
		pm, err := p.svc.Postmortem(ctx, *it.PostmortemID)
		if err != nil && debrief.ErrorCode(err) != debrief.ENotFound {
			return 0, false, err
		}
		if err == nil {
			id = pm.IncidentID
		}
	}
	if id == nil {
		return 0, false, nil
	}
	if v, ok := cache[*id]; ok {
		return *id, v, nil
	}
	inc, err := p.svc.Incident(ctx, *id)
	if err != nil && debrief.ErrorCode(err) != debrief.ENotFound {
		return 0, false, err
	}
	v := err == nil && inc.Private
	cache[*id] = v
	return *id, v, nil
}

// postmortemOwner returns the owner of the item's postmortem (its own, or
// its incident's), or "" when there is none.
func (p *Producer) postmortemOwner(ctx context.Context, it *debrief.ActionItem, cache map[int64]string) (string, error) {
	if it.PostmortemID != nil {
		pm, err := p.svc.Postmortem(ctx, *it.PostmortemID)
		if err == nil {
			return pm.Owner, nil
		}
		if debrief.ErrorCode(err) != debrief.ENotFound {
			return "", err
		}
	}
	if it.IncidentID == nil {
		return "", nil
	}
	if v, ok := cache[*it.IncidentID]; ok {
		return v, nil
	}
	page, err := p.svc.ListPostmortems(ctx, debrief.PostmortemFilter{IncidentID: it.IncidentID, Limit: 1})
	if err != nil {
		return "", err
	}
	owner := ""
	if len(page.Items) > 0 {
		owner = page.Items[0].Owner
	}
	cache[*it.IncidentID] = owner
	return owner, nil
}

// overdueWindow bounds how far back resolved incidents are checked for a
// missing postmortem: older ones have been reminded about already, or
// nobody will write them now.
const overdueWindow = 180 * 24 * time.Hour

// postmortemsOverdue reminds about postmortems the template policy
// requires that are not published by their due date (DueDays after
// resolution): once per incident, to the postmortem's owner or, when there
// is no postmortem yet, the incident commander.
func (p *Producer) postmortemsOverdue(ctx context.Context, now time.Time, chans []*debrief.NotificationChannel) ([]*debrief.Notification, error) {
	from := now.Add(-overdueWindow)
	var out []*debrief.Notification
	after := ""
	for {
		page, err := p.svc.ListIncidents(ctx, debrief.IncidentFilter{Status: []debrief.IncidentStatus{debrief.StatusResolved, debrief.StatusClosed},
			From: &from, Limit: debrief.MaxPageSize, After: after})
		if err != nil {
			return nil, err
		}
		for _, inc := range page.Items {
			req, err := p.svc.PostmortemRequirementFor(ctx, inc)
			if err != nil {
				return nil, err
			}
			if !req.Required || req.DueAt == nil || now.Before(*req.DueAt) {
				continue
			}
			pms, err := p.svc.ListPostmortems(ctx, debrief.PostmortemFilter{IncidentID: &inc.ID, Limit: 1})
			if err != nil {
				return nil, err
			}
			who, state := inc.Roles.Commander, "not started"
			if len(pms.Items) > 0 {
				pm := pms.Items[0]
				if pm.Status == debrief.PostmortemPublished {
					continue
				}
				state = "still a " + strings.ReplaceAll(string(pm.Status), "_", " ")
				if pm.Owner != "" {
					who = pm.Owner
				}
			}
			due := req.DueAt.UTC().Format("Monday 2 January 2006")
			subject := fmt.Sprintf("The postmortem of %s is overdue: %s", inc.Key, inc.Title)
			text := fmt.Sprintf("%s (%s) was resolved and needs a published postmortem by %s; it is %s.", inc.Key, inc.Severity, due, state)
			msg := p.message(debrief.EventPostmortemOverdue, subject, text, "/incidents/"+inc.Key,
				map[string]any{"incident": inc.Key, "severity": inc.Severity, "title": inc.Title, "due_at": req.DueAt.UTC().Format(time.RFC3339)})
			out = append(out, p.fanOut(debrief.EventPostmortemOverdue+":"+inc.Key, debrief.EventPostmortemOverdue, msg, inc.Private, inc.ID, chans, who)...)
		}
		if page.NextCursor == "" {
			return out, nil
		}
		after = page.NextCursor
	}
}

// cursorWeekly names the saved start of the last week summarised.
const cursorWeekly = "summary.weekly"

// weekly sends, once a week (from Monday 00:00 UTC), a summary of the week
// before: one for everyone to the channels that take it (incidents
// declared, postmortems published, the action items open and overdue), and
// one per team (summaryTeam). Private incidents are left out of both, since
// channels and teams are not their members.
func (p *Producer) weekly(ctx context.Context, now time.Time, chans []*debrief.NotificationChannel) ([]*debrief.Notification, error) {
	p.pendingWeek = 0
	wants := false
	for _, c := range chans {
		wants = wants || c.Wants(debrief.EventWeeklySummary)
	}
	viewer := debrief.WithActor(ctx, debrief.Actor{Name: "weekly summary", Role: debrief.RoleViewer, Via: "system"})
	teams, err := p.svc.ListTeams(viewer)
	if err != nil {
		return nil, err
	}
	if !wants && (!p.cfg.Email || len(teams) == 0) {
		return nil, nil
	}
	end := debrief.WeekStart(now)
	start := end.AddDate(0, 0, -7)
	// Once a week's summaries are in the outbox they are not made again:
	// making them reads every open item's incident, too much for every
	// pass. (The outbox's keys would drop the repeats anyway.)
	if done, ok, err := p.svc.NotifyCursor(ctx, cursorWeekly); err != nil {
		return nil, err
	} else if ok && done >= start.UnixMicro() {
		return nil, nil
	}
	p.pendingWeek = start.UnixMicro()
	var declared []*debrief.Incident
	after := ""
	for {
		page, err := p.svc.ListIncidents(viewer, debrief.IncidentFilter{From: &start, To: &end, Limit: debrief.MaxPageSize, After: after})
		if err != nil {
			return nil, err
		}
		declared = append(declared, page.Items...)
		if page.NextCursor == "" {
			break
		}
		after = page.NextCursor
	}
	weeks, err := p.svc.WeeklyDigests(viewer, start, 1)
	if err != nil {
		return nil, err
	}
	var open []summaryItem
	incidents := map[int64]*debrief.Incident{}
	after = ""
	for {
		page, err := p.svc.ListActionItems(viewer, debrief.ActionItemFilter{Status: []debrief.ActionStatus{debrief.ActionOpen, debrief.ActionInProgress}, Limit: debrief.MaxPageSize, After: after})
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			inc, err := p.itemIncidentRecord(viewer, it, incidents)
			if err != nil {
				return nil, err
			}
			open = append(open, summaryItem{item: it, incident: inc})
		}
		if page.NextCursor == "" {
			break
		}
		after = page.NextCursor
	}
	week := start.Format("2006-01-02")
	var out []*debrief.Notification
	if wants {
		published := 0
		if len(weeks) > 0 {
			published = len(weeks[0].Postmortems)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Week of %s to %s (UTC).\n", start.Format("2 January"), end.AddDate(0, 0, -1).Format("2 January 2006"))
		writeDeclared(&b, declared)
		fmt.Fprintf(&b, "Postmortems published: %d\n", published)
		overdue := writeItems(&b, open, now)
		msg := p.message(debrief.EventWeeklySummary, "Debrief weekly summary, week of "+week, strings.TrimRight(b.String(), "\n"), "/",
			map[string]any{"week": week, "incidents_declared": len(declared), "postmortems_published": published, "action_items_open": len(open), "action_items_overdue": overdue})
		out = append(out, p.fanOut(debrief.EventWeeklySummary+":"+week, debrief.EventWeeklySummary, msg, false, 0, chans)...)
	}
	for _, t := range teams {
		out = append(out, p.summaryTeam(t, start, end, now, declared, open, chans)...)
	}
	return out, nil
}

// summaryItem is an open action item with its incident (nil when it has
// none, or its incident is not visible to the summary's reader).
type summaryItem struct {
	item     *debrief.ActionItem
	incident *debrief.Incident
}

// summaryTeam is the week's summary of one team: the incidents declared on
// its services and the open and overdue action items of its incidents (an
// incident is the team's when it names a service the team owns). It goes to
// the team's members by e-mail, unless they opted out of summaries, and to
// the channels that take summaries, with the team named in the subject and
// in the webhook's JSON. Its key names the team's ID, so renaming a team
// mid-week does not send its summary twice.
func (p *Producer) summaryTeam(t *debrief.Team, start, end, now time.Time, declared []*debrief.Incident, open []summaryItem, chans []*debrief.NotificationChannel) []*debrief.Notification {
	var mine []*debrief.Incident
	for _, inc := range declared {
		if t.OwnsAny(inc.Services) {
			mine = append(mine, inc)
		}
	}
	var items []summaryItem
	for _, si := range open {
		if si.incident != nil && t.OwnsAny(si.incident.Services) {
			items = append(items, si)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Team %s, week of %s to %s (UTC).\n", t.Name, start.Format("2 January"), end.AddDate(0, 0, -1).Format("2 January 2006"))
	fmt.Fprintf(&b, "Services owned: %s\n", orNone(strings.Join(t.Services, ", ")))
	writeDeclared(&b, mine)
	overdue := writeItems(&b, items, now)
	week := start.Format("2006-01-02")
	subject := fmt.Sprintf("Debrief weekly summary for team %s, week of %s: %d open, %d overdue", t.Name, week, len(items), overdue)
	msg := p.message(debrief.EventWeeklySummary, subject, strings.TrimRight(b.String(), "\n"), "/analytics?team="+url.QueryEscape(t.Name),
		map[string]any{"week": week, "team": t.Name, "services": t.Services, "incidents_declared": len(mine), "action_items_open": len(items), "action_items_overdue": overdue})
	key := fmt.Sprintf("%s:%s:team-%d", debrief.EventWeeklySummary, week, t.ID)
	return p.fanOut(key, debrief.EventWeeklySummary, msg, false, 0, chans, t.Members...)
}

// writeDeclared writes the incidents declared, the first 20 by name.
func writeDeclared(b *strings.Builder, declared []*debrief.Incident) {
	fmt.Fprintf(b, "Incidents declared: %d\n", len(declared))
	for i, inc := range declared {
		if i == 20 {
			fmt.Fprintf(b, "  … and %d more\n", len(declared)-20)
			break
		}
		fmt.Fprintf(b, "  %s (%s) %s\n", inc.Key, inc.Severity, inc.Title)
	}
}

// writeItems writes how many items are open and overdue, and the first 20
// overdue by name; it returns how many are overdue.
func writeItems(b *strings.Builder, items []summaryItem, now time.Time) int {
	var overdue []*debrief.ActionItem
	for _, si := range items {
		if si.item.Overdue(now) {
			overdue = append(overdue, si.item)
		}
	}
	fmt.Fprintf(b, "Action items open: %d, overdue: %d\n", len(items), len(overdue))
	for i, it := range overdue {
		if i == 20 {
			fmt.Fprintf(b, "  … and %d more\n", len(overdue)-20)
			break
		}
		fmt.Fprintf(b, "  %s due %s, owner %s: %s\n", it.Key, it.DueDate.Format("2006-01-02"), orNone(it.Owner), it.Title)
	}
	return len(overdue)
}

// itemIncidentRecord returns the incident an item belongs to, directly or
// through its postmortem, as the reader of ctx sees it: nil when it has
// none or the reader may not see it (a private incident).
func (p *Producer) itemIncidentRecord(ctx context.Context, it *debrief.ActionItem, cache map[int64]*debrief.Incident) (*debrief.Incident, error) {
	id := it.IncidentID
	if id == nil && it.PostmortemID != nil {
		pm, err := p.svc.Postmortem(ctx, *it.PostmortemID)
		if err != nil && debrief.ErrorCode(err) != debrief.ENotFound {
			return nil, err
		}
		if err == nil {
			id = pm.IncidentID
		}
	}
	if id == nil {
		return nil, nil
	}
	if inc, ok := cache[*id]; ok {
		return inc, nil
	}
	inc, err := p.svc.Incident(ctx, *id)
	if debrief.ErrorCode(err) == debrief.ENotFound {
		inc, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	cache[*id] = inc
	return inc, nil
}
