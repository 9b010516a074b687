package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/ingest"
)

// MaxImportBytes bounds an uploaded import. A Slack export is spooled to a
// temporary file (zip needs random access), so this limits disk, not memory;
// timeline files are further bounded by ingest.MaxTimelineFileSize.
const MaxImportBytes = 1 << 30

// importFormats are the values of the format parameter.
var importFormats = []string{"slack", "csv", "json", "markdown", "events"}

// importResult is the answer of an import.
type importResult struct {
	// Added counts the events that were new; Received all the import held
	// (the rest were already on the timeline from an earlier import).
	Added    int            `json:"added"`
	Received int            `json:"received"`
	Channel  string         `json:"channel,omitempty"`
	Skipped  map[string]int `json:"skipped,omitempty"`
}

// importTimeline adds the events of an uploaded file to an incident's
// timeline, all or nothing: a Slack export (zip), a CSV, JSON or Markdown
// timeline, or {"events": [...]} as the CLI sends after reading files
// locally. The file is the raw body or the "file" part of a multipart form.
// A bad line is answered 400 with "file:line: reason" and writes nothing;
// importing the same file again adds nothing (200 with added 0).
func importTimeline(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.IncidentKeyPrefix)
		if err != nil {
			return err
		}
		q, err := parseQuery(r, "format", "name", "zone", "date", "kind", "channel", "from", "to", "include_bots", "set_lifecycle", "suggest_only")
		if err != nil {
			return err
		}
		if err := sameOriginFormBody(r); err != nil {
			return err
		}
		if r.ContentLength > MaxImportBytes {
			return tooLarge(MaxImportBytes)
		}
		body, name, contentType, err := importBody(r)
		if err != nil {
			return err
		}
		if n, err := q.one("name"); err != nil {
			return err
		} else if n != "" {
			name = n
		}
		format, err := q.one("format")
		if err != nil {
			return err
		}
		if format == "" {
			format = ingest.TimelineFormat(name, contentType)
		}
		var opt debrief.AddEventsOptions
		if opt.SetLifecycle, err = q.bool("set_lifecycle"); err != nil {
			return err
		}
		if opt.SuggestOnly, err = q.bool("suggest_only"); err != nil {
			return err
		}
		res := importResult{}
		var events []*debrief.TimelineEvent
		switch format {
		case "slack":
			events, err = importSlack(q, body, &res)
		case "csv", "json", "markdown":
			events, err = importFile(q, format, body, name)
		case "events":
			events, opt, err = importEventList(body, contentType, opt)
		case "":
			return debrief.Errorf(debrief.EInvalid, "format", "Say what the file is with ?format=slack, csv, json or markdown (it could not be told from the file name %q).", name)
		default:
			return debrief.Errorf(debrief.EInvalid, "format", "Unknown format %q; use %s.", truncate(format, 40), strings.Join(importFormats, ", "))
		}
		if err != nil {
			return err
		}
		res.Received = len(events)
		res.Added, err = svc.ImportTimeline(r.Context(), id, events, opt)
		if err != nil {
			return err
		}
		status := http.StatusCreated
		if res.Added == 0 {
			status = http.StatusOK
		}
		writeJSON(w, status, res)
		return nil
	}
}

// sameOriginFormBody refuses a request signed in by the session cookie
// whose body has a type an HTML form on another site can send without a
// CORS preflight (text/plain, multipart/form-data, a urlencoded form, or
// no type), unless the browser says the request is same-origin
// (Sec-Fetch-Site, or an Origin naming this host). CrossOriginProtection
// refuses what browsers label cross-origin; this also holds for a browser
// that labels nothing. Callers with an API token send no cookie and pass.
func sameOriginFormBody(r *http.Request) error {
	if a, _ := debrief.ActorFrom(r.Context()); a.Via != "session" {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "", "text/plain", "multipart/form-data", "application/x-www-form-urlencoded":
	default:
		return nil
	}
	if r.Header.Get("Sec-Fetch-Site") == "same-origin" {
		return nil
	}
	if o, err := url.Parse(r.Header.Get("Origin")); err == nil && o.Host != "" && strings.EqualFold(o.Host, r.Host) {
		return nil
	}
	what := mt
	if what == "" {
		what = "a body without a Content-Type"
	}
	return debrief.Errorf(debrief.EForbidden, "Content-Type", "A signed-in browser may send %s here only from Debrief's own pages; send the file with its own type (text/markdown, text/csv, application/json) or use an API token.", what)
}

// importBody returns the uploaded file: the "file" part of a multipart
// form, or else the body itself, with its file name and media type.
func importBody(r *http.Request) (io.Reader, string, string, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, "", "", debrief.Errorf(debrief.EInvalid, "file", "The request has no file; send it as the body or as the \"file\" part of a multipart form.")
	}
	body := io.Reader(http.MaxBytesReader(nil, r.Body, MaxImportBytes))
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "multipart/form-data" {
		return body, "upload", mediaType, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", "", debrief.Errorf(debrief.EInvalid, "file", "The multipart form cannot be read: %s.", err)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", "", debrief.Errorf(debrief.EInvalid, "file", "The form has no \"file\" part.")
		}
		if err != nil {
			return nil, "", "", uploadError(err)
		}
		if part.FormName() == "file" {
			name := path.Base(strings.ReplaceAll(part.FileName(), `\`, "/"))
			if name == "." || name == "/" {
				name = "upload"
			}
			pt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			return multipartFile{part}, name, pt, nil
		}
		part.Close()
	}
}

// multipartFile reads one part and turns a body over the limit into
// ETooLarge.
type multipartFile struct{ p *multipart.Part }

func (m multipartFile) Read(b []byte) (int, error) {
	n, err := m.p.Read(b)
	if err != nil && err != io.EOF {
		return n, uploadError(err)
	}
	return n, err
}

// uploadError keeps coded errors and turns a failed read into one.
func uploadError(err error) error {
	if err == nil {
		return nil
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(MaxImportBytes)
	}
	var de *debrief.Error
	if errors.As(err, &de) {
		return err
	}
	return debrief.Errorf(debrief.EInvalid, "file", "The upload could not be read (%s).", err)
}

// importZone reads the zone parameter (nil when absent).
func importZone(q query) (*time.Location, error) {
	z, err := q.one("zone")
	if err != nil || z == "" {
		return nil, err
	}
	return ingest.LookupZone(z)
}

func importFile(q query, format string, body io.Reader, name string) ([]*debrief.TimelineEvent, error) {
	opt := ingest.TimelineOptions{Name: name}
	var err error
	if opt.Zone, err = importZone(q); err != nil {
		return nil, err
	}
	if d, err := q.one("date"); err != nil {
		return nil, err
	} else if d != "" {
		day, perr := time.Parse("2006-01-02", d)
		if perr != nil {
			return nil, debrief.Errorf(debrief.EInvalid, "date", "The date %q is not a day like 2024-03-05.", truncate(d, 40))
		}
		opt.Date = day
	}
	kind, err := q.one("kind")
	if err != nil {
		return nil, err
	}
	if opt.Kind = debrief.EventKind(kind); kind != "" && !opt.Kind.Valid() {
		return nil, debrief.Errorf(debrief.EInvalid, "kind", "Unknown kind %q.", truncate(kind, 40))
	}
	// A byte that is not UTF-8 is refused, not read as U+FFFD: the import
	// must keep what the file says.
	body = &utf8Reader{r: body}
	events, err := ingest.ParseTimelineFile(format, body, opt)
	return events, uploadError(err)
}

func importSlack(q query, body io.Reader, res *importResult) ([]*debrief.TimelineEvent, error) {
	channel, err := q.one("channel")
	if err != nil {
		return nil, err
	}
	if channel == "" {
		return nil, debrief.Errorf(debrief.EInvalid, "channel", "Name the Slack channel to import with ?channel=incident-42.")
	}
	opt := ingest.SlackOptions{Channel: channel}
	zone, err := importZone(q)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &opt.From}, {"to", &opt.To}} {
		s, err := q.one(f.name)
		if err != nil {
			return nil, err
		}
		if s != "" {
			if *f.dst, err = ingest.ParseTime(s, zone, f.name); err != nil {
				return nil, err
			}
		}
	}
	if opt.IncludeBots, err = q.bool("include_bots"); err != nil {
		return nil, err
	}
	if kind, err := q.one("kind"); err != nil {
		return nil, err
	} else if opt.Kind = debrief.EventKind(kind); kind != "" && !opt.Kind.Valid() {
		return nil, debrief.Errorf(debrief.EInvalid, "kind", "Unknown kind %q.", truncate(kind, 40))
	}
	zip, size, done, err := spooled(body)
	if err != nil {
		return nil, err
	}
	defer done()
	fsys, err := ingest.OpenSlackZip(zip, size)
	if err != nil {
		return nil, err
	}
	out, err := ingest.ParseSlackExport(fsys, opt)
	if err != nil {
		return nil, err
	}
	res.Channel, res.Skipped = out.Channel, out.Skipped
	return out.Events, nil
}

// importEventList reads {"events": [...]}: events a client already read
// from its files, kept with their source, zone and external ids. The body is
// decoded one event at a time, so a long channel's import does not hold
// its whole JSON text in memory.
func importEventList(body io.Reader, contentType string, opt debrief.AddEventsOptions) ([]*debrief.TimelineEvent, debrief.AddEventsOptions, error) {
	if contentType != "application/json" {
		return nil, opt, debrief.Errorf(debrief.EUnsupported, "", "Send the events as application/json.")
	}
	dec := json.NewDecoder(&utf8Reader{r: body})
	dec.DisallowUnknownFields()
	bad := func(err error) error {
		if de := uploadError(err); debrief.ErrorCode(de) == debrief.ETooLarge {
			return de
		}
		var de *debrief.Error
		if errors.As(err, &de) {
			return de
		}
		return jsonError(nil, &eventCreate{}, err)
	}
	if tok, err := dec.Token(); err != nil {
		return nil, opt, bad(err)
	} else if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, opt, debrief.Errorf(debrief.EInvalid, "", "The body must be a JSON object like {\"events\": [...]}.")
	}
	var events []*debrief.TimelineEvent
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, opt, bad(err)
		}
		switch key, _ := tok.(string); key {
		case "events":
			seen = true
			if t, err := dec.Token(); err != nil {
				return nil, opt, bad(err)
			} else if d, ok := t.(json.Delim); !ok || d != '[' {
				return nil, opt, debrief.Errorf(debrief.EInvalid, "events", "events must be a list of event objects.")
			}
			for dec.More() {
				var in eventCreate
				if err := dec.Decode(&in); err != nil {
					e := bad(err)
					if de, ok := e.(*debrief.Error); ok && de.Code == debrief.EInvalid {
						de.Message = fmt.Sprintf("Event %d: %s", len(events)+1, de.Message)
						if de.Field != "" {
							de.Field = fmt.Sprintf("events[%d].%s", len(events), de.Field)
						}
					}
					return nil, opt, e
				}
				events = append(events, in.event())
			}
			if _, err := dec.Token(); err != nil {
				return nil, opt, bad(err)
			}
		case "set_lifecycle", "suggest_only":
			var v bool
			if err := dec.Decode(&v); err != nil {
				return nil, opt, debrief.Errorf(debrief.EInvalid, key, "%s must be true or false.", key)
			}
			if key == "set_lifecycle" {
				opt.SetLifecycle = opt.SetLifecycle || v
			} else {
				opt.SuggestOnly = opt.SuggestOnly || v
			}
		default:
			return nil, opt, debrief.Errorf(debrief.EInvalid, key, "Unknown field %q; send {\"events\": [...]}.", key)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, opt, bad(err)
	}
	if !seen {
		return nil, opt, debrief.Errorf(debrief.EInvalid, "events", "events must be a list of event objects.")
	}
	return events, opt, nil
}

// spooled returns body as a file to read at random (a zip needs it), with
// its size: the file itself when body is one (the incident page spools
// its upload already), else a temporary copy, so memory stays flat however
// large the export is. done removes the copy.
func spooled(body io.Reader) (f *os.File, size int64, done func(), err error) {
	if f, ok := body.(*os.File); ok {
		st, err := f.Stat()
		if err != nil {
			return nil, 0, nil, err
		}
		return f, st.Size(), func() {}, nil
	}
	tmp, err := os.CreateTemp("", "debrief-slack-*.zip")
	if err != nil {
		return nil, 0, nil, err
	}
	done = func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}
	if size, err = io.Copy(tmp, body); err != nil {
		done()
		return nil, 0, nil, uploadError(err)
	}
	return tmp, size, done, nil
}
