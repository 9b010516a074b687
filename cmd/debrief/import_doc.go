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

// ImportCmd stores a whole postmortem from a Markdown file.
type ImportCmd struct {
	ClientFlags `embed:""`
	File        string `arg:"" help:"The Markdown postmortem: one exported by 'debrief export', or one written elsewhere with headings like Summary, Impact, Timeline, Root cause and Action items ('-' reads standard input)." placeholder:"FILE.md"`
	DryRun      bool   `help:"Read the file and show what would be imported, without sending anything."`
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

// Run reads the file here, so a problem is reported as FILE:LINE before
// anything is sent; the server then stores everything or nothing.
func (c *ImportCmd) Run(env *Env) error {
	name := c.File
	var data []byte
	var err error
	if c.File == "-" {
		name = "stdin"
		data, err = io.ReadAll(io.LimitReader(env.Stdin, export.MaxDocumentSize+1))
	} else {
		data, err = os.ReadFile(c.File)
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
		fmt.Fprintf(env.Stdout, "%s (%s): %q with %d sections, %d timeline events, %d action items. Nothing was sent (--dry-run).\n",
			name, kind, doc.Postmortem.Title, len(doc.Postmortem.Sections), len(doc.Timeline), len(doc.ActionItems))
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
	fmt.Fprintf(env.Stdout, "Imported %s: %q with %d sections, %d timeline events and %d action items.\n",
		what, ans.Postmortem.Title, len(ans.Postmortem.Sections), ans.Events, ans.ActionItems)
	return nil
}
