package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

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
	resp, err := cl.sendRaw(env.Ctx, http.MethodPost, "/api/v1/postmortems/import", "text/markdown; charset=utf-8", data)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	var ans importAnswer
	if err := decode(resp, &ans); err != nil {
		return err
	}
	what := ans.Postmortem.Key
	if ans.Incident != nil {
		what += " (incident " + ans.Incident.Key + ")"
	}
	fmt.Fprintf(env.Stdout, "Imported %s: %q with %d sections, %d timeline events and %d action items.\n",
		what, ans.Postmortem.Title, len(ans.Postmortem.Sections), ans.Events, ans.ActionItems)
	return nil
}

// sendRaw sends body with its own media type (not JSON) and returns the
// answer, or the server's error as an *apiError.
func (c *client) sendRaw(ctx context.Context, method, path, contentType string, body []byte) (*response, error) {
	u := *c.base
	u.Path = c.base.Path + path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build the request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", contentType)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.unreachable(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read the answer from %s: %w", c.base, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &apiError{Status: resp.StatusCode}
		var env struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
				Field   string `json:"field"`
			} `json:"error"`
		}
		if json.Unmarshal(data, &env) == nil {
			e.Code, e.Message, e.Field = env.Error.Code, env.Error.Message, env.Error.Field
		}
		return nil, e
	}
	return &response{Status: resp.StatusCode, Body: data, Header: resp.Header}, nil
}
