package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/templates"
)

// TemplateCmd groups the template commands.
type TemplateCmd struct {
	Apply     TemplateApplyCmd     `cmd:"" help:"Create or update custom templates from YAML files (admins), e.g. ones kept in git."`
	List      TemplateListCmd      `cmd:"" help:"List the templates: built-in and custom."`
	Show      TemplateShowCmd      `cmd:"" help:"Show a template's sections, guidance and policy."`
	Versions  TemplateVersionsCmd  `cmd:"" help:"List a template's versions, newest first, a page at a time."`
	Export    TemplateExportCmd    `cmd:"" help:"Write a template as a YAML file that 'template apply' reads."`
	Delete    TemplateDeleteCmd    `cmd:"" help:"Delete a custom template (admins); postmortems made from it keep it."`
	Variables TemplateVariablesCmd `cmd:"" help:"List the variables a template's starting text may use, such as {{incident.title}}."`
	For       TemplateForCmd       `cmd:"" help:"Say which template applies to an incident, whether it needs a postmortem and when it is due."`
}

// TemplateApplyCmd applies template files.
type TemplateApplyCmd struct {
	ClientFlags `embed:""`
	Files       []string `arg:"" name:"FILE.yaml" help:"Template files (YAML or JSON)."`
}

// Run checks every file first, so a typo in the third file changes nothing,
// then applies them in order.
func (c *TemplateApplyCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	var parsed []*debrief.CustomTemplate
	for _, f := range c.Files {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("cannot read %s: %v", f, fileErrorText(err))
		}
		t, err := templates.Parse(data, nil)
		if err != nil {
			return fmt.Errorf("%s: %s", f, debrief.ErrorMessage(err))
		}
		parsed = append(parsed, t)
	}
	for i, t := range parsed {
		body := map[string]any{"key": t.Key, "name": t.Name, "description": t.Description, "kind": t.Kind, "policy": t.Policy, "sections": t.Sections}
		var got debrief.CustomTemplate
		resp, err := cl.sendJSON(env.Ctx, http.MethodPut, "/api/v1/templates/"+ref(t.Key), body, 0, &got)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Files[i], err)
		}
		if c.JSON {
			if err := writeJSON(env.Stdout, resp.Body); err != nil {
				return err
			}
			continue
		}
		switch {
		case resp.Status == http.StatusCreated:
			fmt.Fprintf(env.Stdout, "Created template %s (version %d) from %s.\n", got.Key, got.Version, c.Files[i])
		case got.CreatedAt.IsZero() || got.Version == 0:
			fmt.Fprintf(env.Stdout, "Applied %s.\n", c.Files[i])
		default:
			fmt.Fprintf(env.Stdout, "Template %s is at version %d (%s).\n", got.Key, got.Version, c.Files[i])
		}
	}
	return nil
}

// TemplateListCmd lists templates.
type TemplateListCmd struct {
	ClientFlags `embed:""`
	PageFlags   `embed:""`
}

// Run prints one line per template.
func (c *TemplateListCmd) Run(env *Env) error {
	var l list[debrief.Template]
	q := url.Values{}
	c.addPage(q)
	if done, err := c.get(env, "/api/v1/templates", q, &l); done {
		return err
	}
	t := newTable(env.Stdout, "KEY", "NAME", "KIND", "VERSION", "SECTIONS", "BUILT-IN")
	for _, tp := range l.Items {
		builtIn := ""
		if tp.BuiltIn {
			builtIn = "yes"
		}
		t.row(tp.Key, tp.Name, string(tp.Kind), strconv.Itoa(tp.Version), strconv.Itoa(len(tp.Sections)), builtIn)
	}
	if err := t.flush(); err != nil {
		return err
	}
	printMore(env, l.NextCursor)
	return nil
}

// TemplateRef names a template and optionally a version.
type TemplateRef struct {
	Key     string `arg:"" help:"The template's key, e.g. sre or security-incident."`
	Version int    `help:"A version (default: the latest)."`
}

func (r TemplateRef) path() string {
	v := "latest"
	if r.Version > 0 {
		v = strconv.Itoa(r.Version)
	}
	return "/api/v1/templates/" + ref(r.Key) + "/versions/" + v
}

// TemplateShowCmd shows one template.
type TemplateShowCmd struct {
	ClientFlags `embed:""`
	TemplateRef `embed:""`
}

// Run prints the template's fields, policy and sections.
func (c *TemplateShowCmd) Run(env *Env) error {
	var t debrief.CustomTemplate
	if done, err := c.get(env, c.path(), nil, &t); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s  %s\n", t.Key, t.Name)
	d := newDetails(env.Stdout)
	d.add("Version", strconv.Itoa(t.Version)+map[bool]string{true: " (built in)", false: ""}[t.BuiltIn])
	d.add("Kind", string(t.Kind))
	d.add("Description", t.Description)
	d.add("Applies to", templateAppliesTo(t.Policy))
	d.add("Required for", noneIfEmpty(strings.Join(t.Policy.RequiredFor, ", ")))
	due := "no deadline"
	if t.Policy.DueDays > 0 {
		due = fmt.Sprintf("%d days after resolution", t.Policy.DueDays)
	}
	d.add("Due", due)
	if !t.CreatedAt.IsZero() {
		d.add("Saved", showTime(t.CreatedAt, viewerZone(env.Getenv))+" by "+t.CreatedBy)
	}
	if t.Deleted {
		d.add("Deleted", "yes (kept for the postmortems made from it)")
	}
	if err := d.flush(); err != nil {
		return err
	}
	for _, s := range t.Sections {
		flags := []string{s.Key}
		if s.Required {
			flags = append(flags, "required")
		}
		if s.Internal {
			flags = append(flags, "internal")
		}
		fmt.Fprintf(env.Stdout, "\n## %s  (%s)\n%s\n", s.Heading, strings.Join(flags, ", "), s.Guidance)
		if s.StartingText != "" {
			fmt.Fprintf(env.Stdout, "Starts with: %s\n", strings.TrimSpace(s.StartingText))
		}
	}
	return nil
}

func templateAppliesTo(p debrief.TemplatePolicy) string {
	var parts []string
	if len(p.Severities) > 0 {
		parts = append(parts, "severities "+strings.Join(p.Severities, ", "))
	}
	if len(p.IncidentTypes) > 0 {
		parts = append(parts, "incident types "+strings.Join(p.IncidentTypes, ", "))
	}
	if len(parts) == 0 {
		return "chosen by key only"
	}
	return strings.Join(parts, "; ")
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// TemplateVersionsCmd lists a template's versions.
type TemplateVersionsCmd struct {
	ClientFlags `embed:""`
	Key         string `arg:"" help:"The template's key."`
	PageFlags   `embed:""`
}

// Run prints one page of versions, one line each, newest first, and the
// cursor of the next page.
func (c *TemplateVersionsCmd) Run(env *Env) error {
	q := url.Values{}
	c.addPage(q)
	var l list[debrief.CustomTemplate]
	if done, err := c.get(env, "/api/v1/templates/"+ref(c.Key)+"/versions", q, &l); done {
		return err
	}
	loc := viewerZone(env.Getenv)
	t := newTable(env.Stdout, "VERSION", "NAME", "SECTIONS", "SAVED", "BY")
	for _, v := range l.Items {
		saved := ""
		if !v.CreatedAt.IsZero() {
			saved = showTime(v.CreatedAt, loc)
		}
		t.row(strconv.Itoa(v.Version), v.Name, strconv.Itoa(len(v.Sections)), saved, v.CreatedBy)
	}
	if err := t.flush(); err != nil {
		return err
	}
	printMore(env, l.NextCursor)
	return nil
}

// TemplateExportCmd writes a template as YAML.
type TemplateExportCmd struct {
	ClientFlags `embed:""`
	TemplateRef `embed:""`
	Output      string `short:"o" help:"Write to this file instead of standard output." placeholder:"FILE"`
}

// Run fetches the template and writes it in the file format.
func (c *TemplateExportCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	var t debrief.CustomTemplate
	if _, err := cl.getJSON(env.Ctx, c.path(), nil, &t); err != nil {
		return err
	}
	data, err := templates.Marshal(&t)
	if err != nil {
		return err
	}
	if c.Output == "" {
		_, err = env.Stdout.Write(data)
		return err
	}
	if err := os.WriteFile(c.Output, data, 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %v", c.Output, fileErrorText(err))
	}
	fmt.Fprintf(env.Stderr, "Wrote template %s version %d to %s.\n", t.Key, t.Version, c.Output)
	return nil
}

// TemplateDeleteCmd deletes a custom template.
type TemplateDeleteCmd struct {
	ClientFlags `embed:""`
	Key         string `arg:"" help:"The template's key."`
	Version     int    `help:"The version you expect to delete (default: the latest, as fetched now)."`
}

// Run deletes the template at the version named (or the latest).
func (c *TemplateDeleteCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	version := c.Version
	if version == 0 {
		var t debrief.CustomTemplate
		if _, err := cl.getJSON(env.Ctx, "/api/v1/templates/"+ref(c.Key)+"/versions/latest", nil, &t); err != nil {
			return err
		}
		version = t.Version
	}
	if _, err := cl.sendJSON(env.Ctx, http.MethodDelete, "/api/v1/templates/"+ref(c.Key), nil, version, nil); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Deleted template %s (version %d); postmortems made from it keep it.\n", c.Key, version)
	return nil
}

// TemplateVariablesCmd lists the variables.
type TemplateVariablesCmd struct{}

// Run prints the variables and what they hold.
func (c *TemplateVariablesCmd) Run(env *Env) error {
	t := newTable(env.Stdout, "VARIABLE", "VALUE")
	for _, v := range templates.Variables {
		t.row("{{"+v.Name+"}}", v.Description)
	}
	return t.flush()
}

// TemplateForCmd shows the template policy that applies to an incident.
type TemplateForCmd struct {
	ClientFlags `embed:""`
	Incident    string `arg:"" help:"The incident, e.g. INC-42."`
}

// Run prints the template, whether a postmortem is required and its deadline.
func (c *TemplateForCmd) Run(env *Env) error {
	var req debrief.PostmortemRequirement
	if done, err := c.get(env, "/api/v1/incidents/"+ref(c.Incident)+"/postmortem-requirement", nil, &req); done {
		return err
	}
	d := newDetails(env.Stdout)
	d.add("Template", req.Template)
	required := "no"
	if req.Required {
		required = "yes"
	}
	d.add("Postmortem required", required)
	due := "no deadline (or not resolved yet)"
	if req.DueAt != nil {
		due = showTime(*req.DueAt, viewerZone(env.Getenv))
	}
	d.add("Due", due)
	return d.flush()
}
