package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// IncidentCmd groups the incident commands.
type IncidentCmd struct {
	New    IncidentNewCmd    `cmd:"" help:"Declare an incident."`
	List   IncidentListCmd   `cmd:"" help:"List incidents, newest first."`
	Show   IncidentShowCmd   `cmd:"" help:"Show one incident with its timeline."`
	Update IncidentUpdateCmd `cmd:"" help:"Change fields of an incident; only the flags given change."`
}

// IncidentNewCmd declares an incident.
type IncidentNewCmd struct {
	ClientFlags    `embed:""`
	Title          string   `help:"What broke and for whom, e.g. 'Checkout API returned 500s for EU customers'."`
	Severity       string   `short:"s" help:"Severity level, e.g. SEV2 (default: the least severe level)."`
	Status         string   `help:"investigating (default), identified, monitoring, resolved or closed."`
	Service        []string `help:"Affected service (repeat or separate with commas)."`
	Customer       []string `help:"Affected customer or customer group (repeat for several)." sep:"none"`
	Impact         string   `help:"Impact statement: who was hurt, how, how much."`
	Label          []string `help:"Label (repeat or separate with commas)."`
	Commander      string   `help:"Incident commander."`
	Scribe         string   `help:"Scribe."`
	Communications string   `help:"Communications lead."`
	Started        string   `help:"When the problem began (default now): RFC 3339, '2026-03-05 14:02' in your zone, '14:02' or 'now'." placeholder:"TIME"`
	Detected       string   `help:"When it was detected." placeholder:"TIME"`
	Private        bool     `help:"Only members and admins can see it."`
}

// Run posts the new incident and shows it.
func (c *IncidentNewCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	loc := viewerZone(env.Getenv)
	body := map[string]any{"title": c.Title}
	setIf(body, "severity", c.Severity)
	setIf(body, "status", c.Status)
	setIf(body, "impact", c.Impact)
	if len(c.Service) > 0 {
		body["services"] = c.Service
	}
	if len(c.Customer) > 0 {
		body["customers"] = c.Customer
	}
	if len(c.Label) > 0 {
		body["labels"] = c.Label
	}
	if c.Commander != "" || c.Scribe != "" || c.Communications != "" {
		body["roles"] = debrief.Roles{Commander: c.Commander, Scribe: c.Scribe, Communications: c.Communications}
	}
	for _, t := range []struct{ flag, field, value string }{
		{"--started", "started_at", c.Started}, {"--detected", "detected_at", c.Detected},
	} {
		if t.value == "" {
			continue
		}
		at, err := parseTime(t.value, loc, time.Now())
		if err != nil {
			return fmt.Errorf("%s: %w", t.flag, err)
		}
		body[t.field] = at
	}
	if c.Private {
		body["private"] = true
	}
	var inc debrief.Incident
	resp, err := cl.sendJSON(env.Ctx, http.MethodPost, "/api/v1/incidents", body, 0, &inc)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Declared %s.\n\n", inc.Key)
	return printIncident(env, &inc, loc)
}

func setIf(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

// IncidentListCmd lists incidents.
type IncidentListCmd struct {
	ClientFlags `embed:""`
	Status      []string `help:"Only these statuses (repeat or separate with commas)."`
	Severity    []string `short:"s" help:"Only these severities (repeat or separate with commas)."`
	Service     string   `help:"Only incidents affecting this service."`
	Label       string   `help:"Only incidents with this label."`
	Owner       string   `help:"Only incidents this person commanded or declared."`
	Sort        string   `help:"Order: newest (declared most recently, the default), oldest or started (started most recently)." enum:"newest,oldest,started" default:"newest"`
	PageFlags   `embed:""`
}

// Run fetches one page and prints it.
func (c *IncidentListCmd) Run(env *Env) error {
	q := url.Values{}
	for _, s := range c.Status {
		q.Add("status", s)
	}
	for _, s := range c.Severity {
		q.Add("severity", s)
	}
	addIf(q, "service", c.Service)
	addIf(q, "label", c.Label)
	if c.Sort != "newest" {
		q.Set("sort", c.Sort)
	}
	addIf(q, "owner", c.Owner)
	c.addPage(q)
	var page list[*debrief.Incident]
	if done, err := c.get(env, "/api/v1/incidents", q, &page); done {
		return err
	}
	if len(page.Items) == 0 {
		fmt.Fprintln(env.Stdout, "No incidents match.")
		return nil
	}
	loc := viewerZone(env.Getenv)
	t := newTable(env.Stdout, "KEY", "SEVERITY", "STATUS", "STARTED", "SERVICES", "TITLE")
	for _, inc := range page.Items {
		t.row(inc.Key, inc.Severity, string(inc.Status), showTime(inc.StartedAt, loc), clip(strings.Join(inc.Services, ", "), 30), clip(inc.Title, 70))
	}
	if err := t.flush(); err != nil {
		return err
	}
	printMore(env, page.NextCursor)
	return nil
}

func addIf(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}

// PageFlags are the flags of a list command that prints one page at a
// time: the next page starts after the cursor the last one printed.
type PageFlags struct {
	Limit  int    `help:"Page size (at most 500)." default:"50"`
	Cursor string `help:"Continue after a previous page (the cursor it printed)."`
}

// addPage sets the page's parameters in q.
func (p *PageFlags) addPage(q url.Values) {
	addIf(q, "after", p.Cursor)
	q.Set("limit", strconv.Itoa(p.Limit))
}

// printMore tells the user how to get the next page, on stderr so that the
// table on stdout stays clean for pipes.
func printMore(env *Env, cursor string) {
	if cursor != "" {
		fmt.Fprintf(env.Stderr, "More results: add --cursor %s\n", cursor)
	}
}

// IncidentShowCmd shows one incident.
type IncidentShowCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"Incident ID or key, e.g. INC-42."`
}

// Run fetches the incident and its timeline.
func (c *IncidentShowCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	var inc debrief.Incident
	resp, err := cl.getJSON(env.Ctx, "/api/v1/incidents/"+ref(c.ID), nil, &inc)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	loc := viewerZone(env.Getenv)
	if err := printIncident(env, &inc, loc); err != nil {
		return err
	}
	events, err := wholeTimeline(env, cl, c.ID, url.Values{})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout)
	return printTimeline(env, events, loc)
}

// printIncident writes the incident's fields, times in loc.
func printIncident(env *Env, inc *debrief.Incident, loc *time.Location) error {
	fmt.Fprintf(env.Stdout, "%s  %s\n", inc.Key, inc.Title)
	d := newDetails(env.Stdout)
	d.add("Severity", inc.Severity)
	d.add("Status", string(inc.Status))
	d.add("Services", strings.Join(inc.Services, ", "))
	d.add("Customers", strings.Join(inc.Customers, ", "))
	d.add("Impact", inc.Impact)
	d.add("Labels", strings.Join(inc.Labels, ", "))
	d.add("Commander", inc.Roles.Commander)
	d.add("Scribe", inc.Roles.Scribe)
	d.add("Communications", inc.Roles.Communications)
	d.add("Started", showTime(inc.StartedAt, loc))
	d.add("Detected", showTimePtr(inc.DetectedAt, loc))
	d.add("Acknowledged", showTimePtr(inc.AcknowledgedAt, loc))
	d.add("Mitigated", showTimePtr(inc.MitigatedAt, loc))
	d.add("Resolved", showTimePtr(inc.ResolvedAt, loc))
	dur := inc.Durations()
	d.add("Time to detect", showDuration(dur.TimeToDetect))
	d.add("Time to acknowledge", showDuration(dur.TimeToAcknowledge))
	d.add("Time to mitigate", showDuration(dur.TimeToMitigate))
	d.add("Time to resolve", showDuration(dur.TimeToResolve))
	if inc.Private {
		d.add("Private", "yes, members: "+strings.Join(inc.Members, ", "))
	}
	if inc.RepeatOf != nil {
		d.add("Repeats", debrief.IncidentKey(*inc.RepeatOf))
	}
	d.add("Declared by", inc.CreatedBy)
	d.add("Version", strconv.Itoa(inc.Version))
	return d.flush()
}

// IncidentUpdateCmd changes an incident.
type IncidentUpdateCmd struct {
	ClientFlags    `embed:""`
	ID             string   `arg:"" help:"Incident ID or key, e.g. INC-42."`
	Title          *string  `help:"New title."`
	Severity       *string  `short:"s" help:"New severity, e.g. SEV1."`
	Status         *string  `help:"investigating, identified, monitoring, resolved or closed."`
	Service        []string `help:"Replace the affected services (repeat or separate with commas)."`
	Customer       []string `help:"Replace the affected customers (repeat for several)." sep:"none"`
	Impact         *string  `help:"New impact statement."`
	Label          []string `help:"Replace the labels (repeat or separate with commas)."`
	Commander      *string  `help:"Incident commander."`
	Scribe         *string  `help:"Scribe."`
	Communications *string  `help:"Communications lead."`
	Started        string   `help:"When the problem began." placeholder:"TIME"`
	Detected       string   `help:"When it was detected." placeholder:"TIME"`
	Acknowledged   string   `help:"When a responder acknowledged it." placeholder:"TIME"`
	Mitigated      string   `help:"When customers stopped being hurt." placeholder:"TIME"`
	Resolved       string   `help:"When it was resolved." placeholder:"TIME"`
	Private        *bool    `help:"Make the incident private (--private) or visible to all (--private=false)."`
	Member         []string `help:"Replace the members who can see a private incident."`
	RepeatOf       string   `help:"An earlier incident this one repeats, e.g. INC-12." placeholder:"INCIDENT"`
	Clear          []string `help:"Unset optional fields: detected_at, acknowledged_at, mitigated_at, resolved_at, repeat_of." placeholder:"FIELD"`
	IfVersion      int      `help:"Only update if the incident is still at this version (default: the version just read)." placeholder:"N"`
}

// Run reads the incident's version (unless given), then patches it under
// that version, so a change someone made in between is never overwritten.
func (c *IncidentUpdateCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	loc := viewerZone(env.Getenv)
	patch := map[string]any{}
	setPtr(patch, "title", c.Title)
	setPtr(patch, "severity", c.Severity)
	setPtr(patch, "status", c.Status)
	setPtr(patch, "impact", c.Impact)
	if c.Service != nil {
		patch["services"] = c.Service
	}
	if c.Customer != nil {
		patch["customers"] = c.Customer
	}
	if c.Label != nil {
		patch["labels"] = c.Label
	}
	if c.Member != nil {
		patch["members"] = c.Member
	}
	if c.Private != nil {
		patch["private"] = *c.Private
	}
	setIf(patch, "repeat_of", c.RepeatOf)
	for _, t := range []struct{ flag, field, value string }{
		{"--started", "started_at", c.Started}, {"--detected", "detected_at", c.Detected},
		{"--acknowledged", "acknowledged_at", c.Acknowledged}, {"--mitigated", "mitigated_at", c.Mitigated},
		{"--resolved", "resolved_at", c.Resolved},
	} {
		if t.value == "" {
			continue
		}
		at, err := parseTime(t.value, loc, time.Now())
		if err != nil {
			return fmt.Errorf("%s: %w", t.flag, err)
		}
		patch[t.field] = at
	}
	if len(c.Clear) > 0 {
		patch["clear"] = c.Clear
	}
	rolesGiven := c.Commander != nil || c.Scribe != nil || c.Communications != nil
	if len(patch) == 0 && !rolesGiven {
		return &usageError{msg: "Nothing to update: give at least one field to change, e.g. --status resolved. Run \"debrief incident update --help\" to see them all."}
	}
	version := c.IfVersion
	if version == 0 || rolesGiven {
		// Roles are one object in the API: start from the current ones so
		// that changing the scribe keeps the commander.
		var cur debrief.Incident
		resp, err := cl.getJSON(env.Ctx, "/api/v1/incidents/"+ref(c.ID), nil, &cur)
		if err != nil {
			return err
		}
		if version == 0 {
			version = resp.Version
			if version == 0 {
				version = cur.Version
			}
		}
		if rolesGiven {
			roles := cur.Roles
			if c.Commander != nil {
				roles.Commander = *c.Commander
			}
			if c.Scribe != nil {
				roles.Scribe = *c.Scribe
			}
			if c.Communications != nil {
				roles.Communications = *c.Communications
			}
			patch["roles"] = roles
		}
	}
	var inc debrief.Incident
	resp, err := cl.sendJSON(env.Ctx, http.MethodPatch, "/api/v1/incidents/"+ref(c.ID), patch, version, &inc)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusConflict {
			return fmt.Errorf("%s was changed by someone else since version %d; nothing was saved. Run \"debrief incident show %s\" to see the current state, then update again", c.ID, version, c.ID)
		}
		return err
	}
	if c.JSON {
		return writeJSON(env.Stdout, resp.Body)
	}
	fmt.Fprintf(env.Stdout, "Updated %s (now version %d).\n\n", inc.Key, inc.Version)
	return printIncident(env, &inc, loc)
}

func setPtr[T any](m map[string]any, key string, v *T) {
	if v != nil {
		m[key] = *v
	}
}
