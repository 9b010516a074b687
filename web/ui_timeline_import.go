package web

import (
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/ingest"
)

// Importing a timeline file on the incident page: a Slack export, a CSV or
// JSON file, or a Markdown timeline, as POST
// /api/v1/incidents/{id}/timeline/import takes them, so the timeline is
// built from the chat and the notes people already have instead of being
// retyped. Events already on the timeline from an earlier import are not
// added again; the file is imported all or nothing.

// timelineUpload is the import form as read: its fields and the file,
// spooled to a temporary file so a large Slack export does not sit in
// memory.
type timelineUpload struct {
	fields      url.Values
	name, ctype string
	file        *os.File
}

func (u *timelineUpload) close() {
	if u.file != nil {
		u.file.Close()
		os.Remove(u.file.Name())
	}
}

// readTimelineUpload reads the multipart form in any order of its parts.
func readTimelineUpload(w http.ResponseWriter, r *http.Request) (*timelineUpload, error) {
	u := &timelineUpload{fields: url.Values{}}
	tooBig := func() error { return tooLarge(MaxImportBytes) }
	err := eachFormPart(w, r, MaxImportBytes+1<<20, tooBig, func(part *multipart.Part) error {
		if part.FormName() != "file" {
			b, err := io.ReadAll(io.LimitReader(part, 1024))
			u.fields.Set(part.FormName(), string(b))
			return err
		}
		if part.FileName() == "" || u.file != nil {
			return nil // no file chosen, or a second one
		}
		u.name = path.Base(strings.ReplaceAll(part.FileName(), `\`, "/"))
		u.ctype, _, _ = mime.ParseMediaType(part.Header.Get("Content-Type"))
		var err error
		if u.file, err = os.CreateTemp("", "debrief-timeline-*"); err != nil {
			return err
		}
		n, err := io.Copy(u.file, io.LimitReader(part, MaxImportBytes+1))
		if err == nil && n > MaxImportBytes {
			err = tooBig()
		}
		return err
	})
	if err == nil && u.file == nil {
		err = debrief.Errorf(debrief.EInvalid, "file", "Choose the file to import: a Slack export (.zip), a CSV, JSON or Markdown timeline.")
	}
	if err == nil {
		_, err = u.file.Seek(0, io.SeekStart)
	}
	if err != nil {
		u.close()
		return nil, err
	}
	return u, nil
}

// uiImportTimeline imports the chosen file into the incident's timeline and
// shows the incident page saying what was added, or why nothing was.
func (s *Server) uiImportTimeline() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		inc, err := s.loadIncident(r)
		if err != nil {
			return err
		}
		added, received, name, err := s.importTimelineFile(w, r, inc)
		p, perr := s.incidentPageData(r, inc)
		if perr != nil {
			return perr
		}
		status := http.StatusOK
		switch {
		case err == nil && added == 0:
			p.Imported = "Nothing was added from " + name + ": its " + plural(received, "event") + " are on the timeline already."
		case err == nil:
			p.Imported = "Added " + plural(added, "event") + " from " + name + "."
			if received > added {
				p.Imported += " " + plural(received-added, "other") + " were on the timeline already."
			}
		default:
			switch debrief.ErrorCode(err) {
			case debrief.EInvalid, debrief.ETooLarge, debrief.EUnsupported, debrief.EUnprocessable:
			default:
				return err
			}
			p.ImportError = "Nothing was imported: " + debrief.ErrorMessage(err)
			status = StatusOf(err)
		}
		return s.render(w, r, status, "incident.html", "layout", p)
	}
}

func (s *Server) importTimelineFile(w http.ResponseWriter, r *http.Request, inc *debrief.Incident) (added, received int, name string, err error) {
	u, err := readTimelineUpload(w, r)
	if err != nil {
		return 0, 0, "", err
	}
	defer u.close()
	q := query{v: url.Values{}}
	for _, k := range []string{"channel", "zone", "date"} {
		if v := strings.TrimSpace(u.fields.Get(k)); v != "" {
			q.v.Set(k, v)
		}
	}
	format := u.fields.Get("format")
	if format == "" {
		format = ingest.TimelineFormat(u.name, u.ctype)
	}
	var events []*debrief.TimelineEvent
	res := importResult{}
	switch format {
	case "slack":
		events, err = importSlack(q, u.file, &res)
	case "csv", "json", "markdown":
		events, err = importFile(q, format, u.file, u.name)
	case "":
		err = debrief.Errorf(debrief.EInvalid, "format", "Say what %s is: a Slack export, CSV, JSON or a Markdown timeline (it could not be told from its name).", truncate(u.name, 60))
	default:
		err = debrief.Errorf(debrief.EInvalid, "format", "Unknown format %q.", truncate(format, 40))
	}
	if err != nil {
		return 0, 0, u.name, err
	}
	added, err = s.svc.ImportTimeline(r.Context(), inc.ID, events, debrief.AddEventsOptions{})
	return added, len(events), u.name, err
}

// plural is "1 event", "3 events".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
