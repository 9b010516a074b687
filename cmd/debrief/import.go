package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/ingest"
)

// Imports read their files here, on the user's machine, so a bad line is
// reported with its file and line before anything is sent; the server then
// gets the events in one request and adds all of them or none.

// TimelineImportCmd imports a CSV, JSON or Markdown timeline file.
type TimelineImportCmd struct {
	ClientFlags `embed:""`
	File        string `arg:"" help:"The timeline file: .csv, .json/.jsonl or .md ('-' reads standard input; then give --format)." placeholder:"FILE"`
	Incident    string `required:"" placeholder:"INC" help:"Incident ID or key to add the events to, e.g. INC-4."`
	Format      string `enum:",csv,json,markdown" default:"" placeholder:"FORMAT" help:"csv, json or markdown (default: from the file name)."`
	Zone        string `help:"Zone of times that carry none, e.g. Europe/Copenhagen or UTC (default: named in the file, else required)." placeholder:"ZONE"`
	Date        string `help:"Day of rows that give only a time of day, e.g. 2024-03-05." placeholder:"DAY"`
	Kind        string `placeholder:"KIND" help:"Kind of rows that name none (default note)."`
	DryRun      bool   `help:"Read the file and show what would be imported, without sending anything."`
}

// Run reads the file and imports its events.
func (c *TimelineImportCmd) Run(env *Env) error {
	opt := ingest.TimelineOptions{Name: filepath.Base(c.File), Kind: debrief.EventKind(c.Kind)}
	if c.Kind != "" && !opt.Kind.Valid() {
		return &usageError{msg: fmt.Sprintf("--kind %q is not a kind; use alert, detection, action, decision, communication, mitigation, resolution or note.", c.Kind)}
	}
	if c.Zone != "" {
		loc, err := ingest.LookupZone(c.Zone)
		if err != nil {
			return fmt.Errorf("--zone: %s", debrief.ErrorMessage(err))
		}
		opt.Zone = loc
	}
	if c.Date != "" {
		d, err := time.Parse("2006-01-02", c.Date)
		if err != nil {
			return fmt.Errorf("--date %q is not a day like 2024-03-05", c.Date)
		}
		opt.Date = d
	}
	format := c.Format
	if format == "" {
		format = ingest.TimelineFormat(c.File, "")
	}
	var in io.Reader
	if c.File == "-" {
		in, opt.Name = env.Stdin, "stdin"
		if format == "" {
			return &usageError{msg: "Say what standard input holds with --format csv, json or markdown."}
		}
	} else {
		f, err := os.Open(c.File)
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", c.File, importPathError(err))
		}
		defer f.Close()
		in = f
	}
	switch format {
	case ingest.FormatCSV, ingest.FormatJSON, ingest.FormatMarkdown:
	case ingest.FormatSlack:
		return &usageError{msg: fmt.Sprintf("%s is a Slack export; import it with 'debrief slack import'.", c.File)}
	default:
		return &usageError{msg: fmt.Sprintf("Cannot tell the format of %s from its name; give --format csv, json or markdown.", c.File)}
	}
	events, err := ingest.ParseTimelineFile(format, in, opt)
	if err != nil {
		return importError(err)
	}
	fmt.Fprintf(env.Stderr, "Read %s from %s.\n", countNoun(len(events), "event"), opt.Name)
	if c.DryRun {
		return printTimeline(env, events, viewerZone(env.Getenv))
	}
	return sendImport(env, &c.ClientFlags, c.Incident, events, "")
}

// SlackCmd groups the Slack commands.
type SlackCmd struct {
	Import SlackImportCmd `cmd:"" help:"Import a channel of a Slack workspace export into an incident's timeline."`
}

// SlackImportCmd imports one channel of a Slack export.
type SlackImportCmd struct {
	ClientFlags `embed:""`
	Export      string `arg:"" help:"The export: the zip Slack's export tool wrote, or its unpacked folder." placeholder:"EXPORT"`
	Incident    string `required:"" placeholder:"INC" help:"Incident ID or key to add the messages to, e.g. INC-4."`
	Channel     string `required:"" placeholder:"NAME" help:"Channel name (with or without #) or ID."`
	From        string `help:"First moment to import: RFC 3339 or '2024-03-05 14:02' in --zone (default: the channel's start)." placeholder:"TIME"`
	To          string `help:"Last moment to import; replies to threads begun before it are kept (default: the channel's end)." placeholder:"TIME"`
	Zone        string `help:"Zone of --from and --to when they carry none (default: $TZ, else the system zone)." placeholder:"ZONE"`
	IncludeBots bool   `help:"Keep messages from bots and apps (left out by default)."`
	Kind        string `placeholder:"KIND" help:"Kind of the events (default communication)."`
	DryRun      bool   `help:"Read the export and show what would be imported, without sending anything."`
}

// Run reads the channel and imports it.
func (c *SlackImportCmd) Run(env *Env) error {
	opt := ingest.SlackOptions{Channel: c.Channel, IncludeBots: c.IncludeBots, Kind: debrief.EventKind(c.Kind)}
	if c.Kind != "" && !opt.Kind.Valid() {
		return &usageError{msg: fmt.Sprintf("--kind %q is not a kind; use alert, detection, action, decision, communication, mitigation, resolution or note.", c.Kind)}
	}
	loc := viewerZone(env.Getenv)
	if c.Zone != "" {
		z, err := ingest.LookupZone(c.Zone)
		if err != nil {
			return fmt.Errorf("--zone: %s", debrief.ErrorMessage(err))
		}
		loc = z
	}
	var err error
	if c.From != "" {
		if opt.From, err = ingest.ParseTime(c.From, loc, "from"); err != nil {
			return fmt.Errorf("--from: %s", debrief.ErrorMessage(err))
		}
	}
	if c.To != "" {
		if opt.To, err = ingest.ParseTime(c.To, loc, "to"); err != nil {
			return fmt.Errorf("--to: %s", debrief.ErrorMessage(err))
		}
	}
	if !opt.From.IsZero() && !opt.To.IsZero() && opt.To.Before(opt.From) {
		return &usageError{msg: "--to is before --from."}
	}
	fsys, closer, err := openSlackExport(c.Export)
	if err != nil {
		return err
	}
	defer closer.Close()
	bar := importBar(env, -1, "Reading #"+strings.TrimPrefix(c.Channel, "#"), true)
	opt.Progress = func(done, total int64) {
		if bar != nil {
			if bar.GetMax64() != total {
				bar.ChangeMax64(total)
			}
			_ = bar.Set64(done)
		}
	}
	res, err := ingest.ParseSlackExport(fsys, opt)
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return importError(err)
	}
	fmt.Fprintf(env.Stderr, "Read %s from #%s in %s (%s); left out: %s.\n", countNoun(len(res.Events), "message"), res.Channel,
		countNoun(res.Files, "day file"), importSize(res.Bytes), skippedSummary(res.Skipped))
	if c.DryRun {
		return printTimeline(env, res.Events, loc)
	}
	return sendImport(env, &c.ClientFlags, c.Incident, res.Events, "#"+res.Channel)
}

// openSlackExport opens a zip or a folder.
func openSlackExport(path string) (fs.FS, io.Closer, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the export %s: %w", path, importPathError(err))
	}
	if info.IsDir() {
		return os.DirFS(path), io.NopCloser(nil), nil
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s is not a zip archive (%v); give the zip Slack's export tool wrote, or its unpacked folder", path, err)
	}
	return z, z, nil
}

// importEvent is an event as POST .../timeline/import?format=events takes it.
type importEvent struct {
	At         string `json:"at"`
	Zone       string `json:"zone,omitempty"`
	Source     string `json:"source"`
	Kind       string `json:"kind"`
	Text       string `json:"text"`
	Actor      string `json:"actor,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
	Starred    bool   `json:"starred,omitempty"`
	Lifecycle  string `json:"lifecycle,omitempty"`
}

// sendImport posts the events in one request, so the server adds all of
// them or none. The body is written while it is sent, so the client never
// holds the JSON text of a long channel in memory.
func sendImport(env *Env, flags *ClientFlags, incident string, events []*debrief.TimelineEvent, from string) error {
	cl, err := flags.client()
	if err != nil {
		return err
	}
	u := *cl.base
	u.Path = cl.base.Path + "/api/v1/incidents/" + ref(incident) + "/timeline/import"
	u.RawQuery = url.Values{"format": {"events"}}.Encode()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeImportEvents(pw, events)) }()
	bar := importBar(env, int64(len(events)), "Sending", false)
	var body io.Reader = pr
	if bar != nil {
		body = io.TeeReader(pr, progressWriter{bar: bar})
	}
	req, err := http.NewRequestWithContext(env.Ctx, http.MethodPost, u.String(), body)
	if err != nil {
		return fmt.Errorf("build the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}
	// An import of a long channel is one large request; give it time.
	resp, err := (&http.Client{Timeout: 30 * time.Minute}).Do(req)
	pr.CloseWithError(io.ErrClosedPipe) // stop the writer if the request ended early
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return cl.unreachable(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read the answer from %s: %w", cl.base, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return errorAnswer(resp.StatusCode, data)
	}
	if flags.JSON {
		return writeJSON(env.Stdout, data)
	}
	var out struct {
		Added    int `json:"added"`
		Received int `json:"received"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return fmt.Errorf("the server's answer is not the import result: %w", err)
	}
	what := countNoun(out.Added, "new event")
	if from != "" {
		what += " from " + from
	}
	if already := out.Received - out.Added; already > 0 {
		fmt.Fprintf(env.Stdout, "Imported %s into %s; %d were already there.\n", what, incident, already)
	} else {
		fmt.Fprintf(env.Stdout, "Imported %s into %s.\n", what, incident)
	}
	return nil
}

// writeImportEvents writes {"events": [...]} one event at a time.
func writeImportEvents(w io.Writer, events []*debrief.TimelineEvent) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	bw.WriteString(`{"events":[`)
	for i, e := range events {
		if i > 0 {
			bw.WriteByte(',')
		}
		err := enc.Encode(importEvent{At: e.At.UTC().Format(time.RFC3339Nano), Zone: e.Zone, Source: string(e.Source), Kind: string(e.Kind),
			Text: e.Text, Actor: e.Actor, ExternalID: e.ExternalID, Starred: e.Starred, Lifecycle: string(e.Lifecycle)})
		if err != nil {
			return err
		}
	}
	bw.WriteString("]}")
	return bw.Flush()
}

// progressWriter advances the bar by the events sent: each event ends with
// the newline json.Encoder writes after it.
type progressWriter struct{ bar *progressbar.ProgressBar }

func (p progressWriter) Write(b []byte) (int, error) {
	if n := bytes.Count(b, []byte{'\n'}); n > 0 {
		_ = p.bar.Add(n)
	}
	return len(b), nil
}

// importBar returns a progress bar on stderr, or nil when stderr is not a
// terminal (scripts and logs get the summary lines only). max -1 makes a
// spinner until the total is known.
func importBar(env *Env, max int64, description string, showBytes bool) *progressbar.ProgressBar {
	f, ok := env.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(env.Stderr),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowBytes(showBytes),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
	)
}

// importError shows a parser's error without the error code in front and
// says that nothing was sent: "Nothing was imported: timeline.csv:4: …"
// (the file name leads the reason, so it must not be the sentence's first
// word, which the CLI capitalises).
func importError(err error) error {
	var de *debrief.Error
	if errors.As(err, &de) {
		return errors.New("Nothing was imported: " + de.Message)
	}
	return err
}

func importPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func importSize(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func skippedSummary(m map[string]int) string {
	if len(m) == 0 {
		return "nothing"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}
