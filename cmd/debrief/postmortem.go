package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// PostmortemCmd groups the postmortem commands.
type PostmortemCmd struct {
	New      PostmortemNewCmd      `cmd:"" help:"Start a postmortem for an incident, or a project postmortem."`
	Show     PostmortemShowCmd     `cmd:"" help:"Show a postmortem with its sections."`
	Edit     PostmortemEditCmd     `cmd:"" help:"Edit one section in $EDITOR (or from a file) and save it."`
	Factors  PostmortemFactorsCmd  `cmd:"" help:"Suggest contributing factors from the postmortem's text and timeline, with the words behind each."`
	Metrics  PostmortemMetricsCmd  `cmd:"" help:"Show a project postmortem's metrics (results against goals), or replace them from a CSV file."`
	Feedback PostmortemFeedbackCmd `cmd:"" help:"Give your own feedback on a project postmortem, or show everyone's."`
}

// PostmortemNewCmd starts a postmortem.
type PostmortemNewCmd struct {
	ClientFlags `embed:""`
	Incident    string `short:"i" help:"The incident it is about, e.g. INC-42. Leave out for a project postmortem."`
	Template    string `short:"t" help:"Template: incident (default), sre, or project (default without --incident)."`
	Title       string `help:"Title (default: the incident's title)."`
	Owner       string `help:"Who drives it to done (default: the incident commander, or you)."`
	LiveFrom    string `help:"Project postmortems: when the project went live (YYYY-MM-DD or a time)." placeholder:"TIME"`
	LiveUntil   string `help:"Project postmortems: when it ended." placeholder:"TIME"`
}

// Run creates the postmortem and shows it.
func (c *PostmortemNewCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	loc := viewerZone(env.Getenv)
	body := map[string]any{}
	if c.Incident != "" {
		id, err := debrief.ParseRef(c.Incident, debrief.IncidentKeyPrefix)
		if err != nil {
			return fmt.Errorf("--incident: %q is not an incident ID or a key like INC-42", c.Incident)
		}
		body["incident_id"] = id
	}
	setIf(body, "template", c.Template)
	setIf(body, "title", c.Title)
	setIf(body, "owner", c.Owner)
	if c.LiveFrom != "" || c.LiveUntil != "" {
		project := map[string]any{}
		for _, t := range []struct{ flag, field, value string }{{"--live-from", "live_from", c.LiveFrom}, {"--live-until", "live_until", c.LiveUntil}} {
			if t.value == "" {
				continue
			}
			at, err := parseTime(t.value, loc, time.Now())
			if err != nil {
				return fmt.Errorf("%s: %w", t.flag, err)
			}
			project[t.field] = at
		}
		body["project"] = project
	}
	var pm debrief.Postmortem
	resp, err := cl.sendJSON(env.Ctx, http.MethodPost, "/api/v1/postmortems", body, 0, &pm)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Started %s from the %s template. Write a section with: debrief postmortem edit %s --section %s\n\n",
		pm.Key, pm.Template, pm.Key, firstSectionKey(&pm))
	return printPostmortem(env, &pm, loc)
}

func firstSectionKey(pm *debrief.Postmortem) string {
	if len(pm.Sections) > 0 {
		return pm.Sections[0].Key
	}
	return "KEY"
}

// PostmortemShowCmd shows one postmortem.
type PostmortemShowCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"Postmortem ID or key, e.g. PM-7."`
}

// Run fetches and prints the postmortem.
func (c *PostmortemShowCmd) Run(env *Env) error {
	var pm debrief.Postmortem
	if done, err := c.get(env, "/api/v1/postmortems/"+ref(c.ID), nil, &pm); done {
		return err
	}
	return printPostmortem(env, &pm, viewerZone(env.Getenv))
}

// printPostmortem writes the postmortem's fields and then each section as
// Markdown, so the output reads like the document.
func printPostmortem(env *Env, pm *debrief.Postmortem, loc *time.Location) error {
	fmt.Fprintf(env.Stdout, "%s  %s\n", pm.Key, pm.Title)
	d := newDetails(env.Stdout)
	if pm.IncidentID != nil {
		d.add("Incident", debrief.IncidentKey(*pm.IncidentID))
	} else {
		d.add("Kind", "project postmortem")
	}
	d.add("Status", string(pm.Status))
	d.add("Owner", pm.Owner)
	d.add("Template", pm.Template)
	if pm.Project != nil {
		d.add("Live from", showTimePtr(pm.Project.LiveFrom, loc))
		d.add("Live until", showTimePtr(pm.Project.LiveUntil, loc))
	}
	d.add("Root cause", pm.RootCause)
	d.add("Contributing factors", strings.Join(pm.ContributingFactors, ", "))
	d.add("Published", showTimePtr(pm.PublishedAt, loc))
	d.add("Updated", showTime(pm.UpdatedAt, loc))
	d.add("Version", strconv.Itoa(pm.Version))
	if err := d.flush(); err != nil {
		return err
	}
	for _, s := range pm.Sections {
		req := ""
		if s.Required {
			req = " (required)"
		}
		fmt.Fprintf(env.Stdout, "\n## %s  [%s]%s\n\n", s.Heading, s.Key, req)
		if strings.TrimSpace(s.Body) == "" {
			fmt.Fprintf(env.Stdout, "(not written yet) %s\n", s.Guidance)
			continue
		}
		fmt.Fprintln(env.Stdout, strings.TrimRight(s.Body, "\n"))
	}
	if pm.Project != nil && len(pm.Project.Feedback) > 0 {
		fmt.Fprintln(env.Stdout, "\n## Feedback from the team")
		for _, f := range pm.Project.Feedback {
			fmt.Fprintf(env.Stdout, "\n%s: %s\n", f.Member, f.Text)
		}
	}
	l := pm.Lessons
	if len(l.WentWell)+len(l.WentWrong)+len(l.GotLucky) > 0 {
		fmt.Fprintln(env.Stdout, "\n## Lessons")
		for _, g := range []struct {
			name  string
			items []string
		}{{"Went well", l.WentWell}, {"Went wrong", l.WentWrong}, {"Where we got lucky", l.GotLucky}} {
			if len(g.items) == 0 {
				continue
			}
			fmt.Fprintf(env.Stdout, "\n%s:\n", g.name)
			for _, it := range g.items {
				fmt.Fprintf(env.Stdout, "- %s\n", it)
			}
		}
	}
	return nil
}

// PostmortemEditCmd edits one section.
type PostmortemEditCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"Postmortem ID or key, e.g. PM-7."`
	Section     string `required:"" help:"Key of the section to edit, e.g. summary (see 'debrief postmortem show')." placeholder:"KEY"`
	File        string `help:"Take the new body from this file instead of opening an editor; '-' reads standard input." placeholder:"PATH"`
}

// Run loads the section, lets the user change it, and saves it under the
// version it was loaded at. If someone else saved in between, the server
// refuses, and the user's text is kept in a file so nothing is lost.
func (c *PostmortemEditCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	var pm debrief.Postmortem
	resp, err := cl.getJSON(env.Ctx, "/api/v1/postmortems/"+ref(c.ID), nil, &pm)
	if err != nil {
		return err
	}
	version := resp.Version
	if version == 0 {
		version = pm.Version
	}
	sec := pm.Section(c.Section)
	if sec == nil {
		keys := make([]string, len(pm.Sections))
		for i, s := range pm.Sections {
			keys[i] = s.Key
		}
		return fmt.Errorf("%s has no section %q; its sections are %s", pm.Key, c.Section, strings.Join(keys, ", "))
	}
	var body string
	switch c.File {
	case "":
		body, err = editInEditor(env, &pm, sec)
		if err != nil {
			return err
		}
	case "-":
		b, err := io.ReadAll(io.LimitReader(env.Stdin, debrief.MaxTextLen+1))
		if err != nil {
			return fmt.Errorf("cannot read the section from standard input: %w", err)
		}
		body = string(b)
	default:
		b, err := os.ReadFile(c.File)
		if err != nil {
			return fmt.Errorf("cannot read the section from %s: %w", c.File, err)
		}
		body = string(b)
	}
	if body == sec.Body {
		fmt.Fprintf(env.Stdout, "No change to %s section %q; nothing saved.\n", pm.Key, sec.Key)
		return nil
	}
	var out debrief.Section
	saved, err := cl.sendJSON(env.Ctx, http.MethodPatch, "/api/v1/postmortems/"+ref(c.ID)+"/sections/"+ref(sec.Key), map[string]any{"body": body}, version, &out)
	if err != nil {
		// Whatever went wrong, the user's words must survive it.
		kept, keepErr := keepText(pm.Key, sec.Key, body)
		if keepErr != nil {
			return fmt.Errorf("%v; and your text could not be kept in a file either (%v), so here it is:\n%s", err, keepErr, body)
		}
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusConflict {
			return fmt.Errorf("someone else changed %s section %q while you were editing (you started from version %d); nothing was overwritten. Your text is kept in %s: merge it with \"debrief postmortem edit %s --section %s --file %s\"",
				pm.Key, sec.Key, version, kept, pm.Key, sec.Key, kept)
		}
		return fmt.Errorf("%v Your text is kept in %s; try again with \"debrief postmortem edit %s --section %s --file %s\"", sentence(err.Error()), kept, pm.Key, sec.Key, kept)
	}
	if c.JSON {
		return writeJSON(env.Stdout, saved.Body)
	}
	msg := fmt.Sprintf("Saved section %q of %s", sec.Key, pm.Key)
	if saved.Version > 0 {
		msg += fmt.Sprintf(" (now version %d)", saved.Version)
	}
	fmt.Fprintln(env.Stdout, msg+".")
	return nil
}

// editInEditor writes the section to a temporary file, opens $VISUAL or
// $EDITOR on it and returns what the user saved.
func editInEditor(env *Env, pm *debrief.Postmortem, sec *debrief.Section) (string, error) {
	editor := env.Getenv("VISUAL")
	if editor == "" {
		editor = env.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	dir, err := os.MkdirTemp("", "debrief-edit-")
	if err != nil {
		return "", fmt.Errorf("cannot create a file to edit in: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, pm.Key+"-"+sec.Key+".md")
	if err := os.WriteFile(path, []byte(sec.Body), 0o600); err != nil {
		return "", fmt.Errorf("cannot create a file to edit in: %w", err)
	}
	// The editor may carry arguments ("code --wait"), so the shell splits it.
	cmd := exec.CommandContext(env.Ctx, "sh", "-c", editor+` "$1"`, "debrief-editor", path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = env.Stdin, env.Stdout, env.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("the editor %q failed (%v); nothing was saved", editor, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read back the edited file: %w", err)
	}
	return string(b), nil
}

// keepText saves text the server did not accept in a file that outlives
// this command, and returns its path.
func keepText(pmKey, section, text string) (string, error) {
	f, err := os.CreateTemp("", fmt.Sprintf("debrief-%s-%s-*.md", pmKey, section))
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return "", err
	}
	return f.Name(), f.Close()
}
