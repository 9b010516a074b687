package main

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/debriefhq/debrief/export"
)

// ExportCmd writes a postmortem as a portable document.
type ExportCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"Postmortem ID or key, e.g. PM-7."`
	Format      string `short:"f" enum:"md,markdown,html,pdf,json" default:"md" help:"md (Markdown with front matter, reads back with 'debrief import'), html (one self-contained file), pdf (printed by Chromium on this machine) or json."`
	Output      string `short:"o" help:"File to write (default: standard output)." placeholder:"FILE"`
	Public      bool   `help:"Export the public version: internal sections and details left out, names, hosts and addresses redacted."`
	Zone        string `help:"Zone to show times in for html and pdf (default: $TZ, else UTC), e.g. Europe/Berlin." placeholder:"ZONE"`
	Chromium    string `help:"Chromium binary that prints PDFs (default: /usr/bin/chromium or chromium on $PATH)." env:"DEBRIEF_CHROMIUM" placeholder:"PATH"`
}

// Run fetches the document from the server and writes it. A PDF is printed
// here from the server's HTML, so the server needs no browser.
func (c *ExportCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	format := c.Format
	if format == "markdown" {
		format = "md"
	}
	fetch := format
	if format == "pdf" {
		// Fail before asking the server when there is nothing to print with.
		if c.Chromium, err = export.FindChromium(c.Chromium); err != nil {
			return err
		}
		fetch = "html"
	}
	q := url.Values{"format": {fetch}}
	zone := c.Zone
	if zone == "" {
		zone = viewerZone(env.Getenv).String()
	}
	if zone != "" && zone != "Local" {
		q.Set("zone", zone)
	}
	path := "/api/v1/postmortems/" + ref(c.ID) + "/export"
	if c.Public {
		path = "/api/v1/postmortems/" + ref(c.ID) + "/public"
	}
	resp, err := cl.do(env.Ctx, http.MethodGet, path, q, nil, 0)
	if err != nil {
		return err
	}
	body := resp.Body
	if format == "pdf" {
		title := c.ID
		if doc, err := titleOf(body); err == nil {
			title = doc
		}
		if body, err = export.PDF(env.Ctx, body, title, export.PDFOptions{Chromium: c.Chromium}); err != nil {
			return err
		}
	}
	return writeOutput(env, c.Output, body)
}

// titleOf reads the <title> of an HTML export, for the PDF's page header.
func titleOf(h []byte) (string, error) {
	const open, end = "<title>", "</title>"
	s := string(h)
	i := strings.Index(s, open)
	j := strings.Index(s, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("no title")
	}
	return html.UnescapeString(s[i+len(open) : j]), nil
}

// writeOutput writes data to path, or to standard output for "" or "-".
// The file is written whole or not at all.
func writeOutput(env *Env, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := env.Stdout.Write(data)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".debrief-export-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", path, fileErrorText(err))
	}
	if _, err := io.Copy(tmp, bytes.NewReader(data)); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %v", path, fileErrorText(err))
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %v", path, fileErrorText(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %v", path, fileErrorText(err))
	}
	fmt.Fprintf(env.Stderr, "Wrote %s (%d bytes).\n", path, len(data))
	return nil
}
