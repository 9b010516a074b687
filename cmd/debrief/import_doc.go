package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
)

// ImportCmd stores whole postmortems from Markdown files, each all or
// nothing; one that fails does not stop the others.
type ImportCmd struct {
	ClientFlags `embed:""`
	Files       []string `arg:"" name:"file" help:"Markdown postmortems: exported by 'debrief export', or written elsewhere with headings like Summary, Impact, Timeline, Root cause and Action items ('-' reads standard input). Several files are imported one by one." placeholder:"FILE.md"`
	DryRun      bool     `help:"Read the files and show what would be imported, without sending anything."`
}

// importAnswer is the server's answer to an import.
type importAnswer struct {
	Postmortem  debrief.Postmortem `json:"postmortem"`
	Incident    *debrief.Incident  `json:"incident"`
	Events      int                `json:"events"`
	ActionItems int                `json:"action_items"`
	Plain       bool               `json:"plain"`
	Warnings    []export.Warning   `json:"warnings"`
}

// Run imports each file; with several, it says how many were imported
// and fails when any was not.
func (c *ImportCmd) Run(env *Env) error {
	if len(c.Files) == 1 {
		return c.runOne(env, c.Files[0])
	}
	failed := 0
	for _, f := range c.Files {
		if err := c.runOne(env, f); err != nil {
			if env.Ctx.Err() != nil {
				return err // interrupted: the files after it were not tried
			}
			fmt.Fprintf(env.Stderr, "debrief: %v\n", err)
			failed++
		}
	}
	if c.DryRun {
		if failed > 0 {
			return fmt.Errorf("%d of %d files cannot be imported (see above)", failed, len(c.Files))
		}
		return nil
	}
	if failed > 0 {
		verb := "were"
		if failed == 1 {
			verb = "was"
		}
		return fmt.Errorf("%d of %d files were imported; %d %s not (see above)", len(c.Files)-failed, len(c.Files), failed, verb)
	}
	fmt.Fprintf(env.Stdout, "All %d files were imported.\n", len(c.Files))
	return nil
}

// runOne reads the file here, so a problem is reported as FILE:LINE before
// anything is sent; the server then stores everything or nothing.
func (c *ImportCmd) runOne(env *Env, file string) error {
	name := file
	var data []byte
	var err error
	if file == "-" {
		name = "stdin"
		data, err = io.ReadAll(io.LimitReader(env.Stdin, export.MaxDocumentSize+1))
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return fmt.Errorf("cannot read %s: %v", name, fileErrorText(err))
	}
	doc, err := export.ParseMarkdown(bytes.NewReader(data))
	if err != nil {
		var le *export.LineError
		if errors.As(err, &le) {
			return fmt.Errorf("%s:%d: %s", name, le.Line, le.Message)
		}
		return fmt.Errorf("%s: %s", name, debrief.ErrorMessage(err))
	}
	for _, w := range doc.Warnings {
		fmt.Fprintf(env.Stderr, "%s:%d: warning: %s\n", name, w.Line, w.Message)
	}
	if c.DryRun {
		kind := "Debrief document"
		if doc.Source != nil && doc.Source.Plain {
			kind = "plain Markdown, read by its headings"
		}
		fmt.Fprintf(env.Stdout, "%s (%s): %q with %s, %s, %s. Nothing was sent (--dry-run).\n",
			name, kind, doc.Postmortem.Title, plural(len(doc.Postmortem.Sections), "section"), plural(len(doc.Timeline), "timeline event"), plural(len(doc.ActionItems), "action item"))
		return nil
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	resp, err := cl.send(env.Ctx, http.MethodPost, "/api/v1/postmortems/import", nil, "text/markdown; charset=utf-8", bytes.NewReader(data), 0)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	var ans importAnswer
	if err := decode(resp, &ans); err != nil {
		return err
	}
	// The server adds what only it can tell (a severity this installation
	// does not know); the reading's own warnings were printed above.
	for _, w := range ans.Warnings {
		if !slices.Contains(doc.Warnings, w) {
			fmt.Fprintf(env.Stderr, "%s:%d: warning: %s\n", name, w.Line, w.Message)
		}
	}
	what := ans.Postmortem.Key
	if ans.Incident != nil {
		what += " (incident " + ans.Incident.Key + ")"
	}
	fmt.Fprintf(env.Stdout, "Imported %s: %q with %s, %s and %s.\n",
		what, ans.Postmortem.Title, plural(len(ans.Postmortem.Sections), "section"), plural(ans.Events, "timeline event"), plural(ans.ActionItems, "action item"))
	return nil
}
