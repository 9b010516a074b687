package web

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

func init() { scenarioSteps = append(scenarioSteps, importScenario) }

// importSamples is where the importers' samples live.
var importSamples = filepath.Join("..", "ingest", "testdata", "import")

// slackZip packs the sample Slack export the way Slack's export tool does.
func slackZip(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(importSamples, "slack", "incident-export")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	if err := zw.AddFS(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func readSample(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(importSamples, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type importAnswer struct {
	Added    int            `json:"added"`
	Received int            `json:"received"`
	Channel  string         `json:"channel"`
	Skipped  map[string]int `json:"skipped"`
}

// newImportIncident declares an incident through the API and returns its path.
func newImportIncident(t *testing.T, e *testEnv) string {
	t.Helper()
	x := e.must(201, "POST", "/api/v1/incidents", `{"title": "Checkout returned 500s after the v2.31.0 deploy", "severity": "SEV2", "started_at": "2024-03-05T07:58:00Z"}`, nil)
	var inc incidentJSON
	x.decode(t, &inc)
	return "/api/v1/incidents/" + inc.Key
}

// importScenario walks the import route in the API scenario (both engines):
// a Slack export, then the same export again, then a bad Markdown file.
func importScenario(t *testing.T, e *testEnv) {
	t.Helper()
	inc := newImportIncident(t, e)
	q := url.Values{"format": {"slack"}, "channel": {"inc-4821-checkout-500s"}, "from": {"2024-03-05T08:00:00Z"}, "to": {"2024-03-05 09:00"}, "zone": {"UTC"}}
	path := inc + "/timeline/import?" + q.Encode()
	zipBody := slackZip(t)
	octet := map[string]string{"Content-Type": "application/octet-stream"}
	var first importAnswer
	e.must(201, "POST", path, zipBody, octet).decode(t, &first)
	if first.Added != 9 || first.Received != 9 || first.Channel != "inc-4821-checkout-500s" || first.Skipped["join or leave"] != 3 {
		t.Errorf("POST %s = %+v, want 9 added of 9 from inc-4821-checkout-500s, 3 joins/leaves skipped", path, first)
	}
	var again importAnswer
	e.must(200, "POST", path, zipBody, octet).decode(t, &again)
	if again.Added != 0 || again.Received != 9 {
		t.Errorf("POST %s again = %+v, want 0 added of 9", path, again)
	}
	var tl listBody[*debrief.TimelineEvent]
	e.must(200, "GET", inc+"/timeline?source=slack", "", nil).decode(t, &tl)
	if len(tl.Items) != 9 {
		t.Fatalf("GET %s/timeline?source=slack = %d events, want 9", inc, len(tl.Items))
	}
	first0 := tl.Items[0]
	if first0.Actor != "Bob Okafor" && first0.Actor != "alice" {
		t.Errorf("first Slack event actor = %q, want a display name from users.json", first0.Actor)
	}
	before := e.snapshot(inc+"/timeline", inc)
	bad := inc + "/timeline/import?format=markdown&name=dfds-PM2020-003.md"
	x := e.must(400, "POST", bad, readSample(t, "markdown/dfds-PM2020-003.md"), map[string]string{"Content-Type": "text/plain"})
	var eb errorBody
	x.decode(t, &eb)
	if !strings.HasPrefix(eb.Error.Message, "dfds-PM2020-003.md:14: ") {
		t.Errorf("POST %s = %q, want the message to start with the file and line", bad, eb.Error.Message)
	}
	if after := e.snapshot(inc+"/timeline", inc); after != before {
		t.Errorf("a rejected import changed the timeline:\nbefore %s\nafter  %s", before, after)
	}
}

// TestImportTimelineAPI covers each format and the all-or-nothing rule on
// SQLite and PostgreSQL.
func TestImportTimelineAPI(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			e := newEnv(t, engine.open(t), Config{})
			inc := newImportIncident(t, e)
			// timelineLen counts the events over every page of the timeline.
			timelineLen := func() int {
				t.Helper()
				n := 0
				for after := ""; ; {
					var tl listBody[*debrief.TimelineEvent]
					e.must(200, "GET", inc+"/timeline?after="+url.QueryEscape(after), "", nil).decode(t, &tl)
					n += len(tl.Items)
					if after = tl.NextCursor; after == "" {
						return n
					}
				}
			}

			// CSV as a multipart upload: the format is told from the name.
			var mp bytes.Buffer
			mw := multipart.NewWriter(&mp)
			fw, err := mw.CreateFormFile("file", "header-utc.csv")
			if err != nil {
				t.Fatal(err)
			}
			fw.Write([]byte(readSample(t, "csv/header-utc.csv")))
			mw.Close()
			var a importAnswer
			e.must(201, "POST", inc+"/timeline/import", mp.String(), map[string]string{"Content-Type": mw.FormDataContentType()}).decode(t, &a)
			if a.Added != 5 {
				t.Errorf("multipart CSV import added %d, want 5", a.Added)
			}

			// Markdown, zone detected from the document. Its first row is
			// the CSV's first row written in Copenhagen time: the same
			// moment and text, so it is not added twice.
			e.must(201, "POST", inc+"/timeline/import?format=markdown&name=own.md", readSample(t, "markdown/own-team-timeline.md"), map[string]string{"Content-Type": "text/plain"}).decode(t, &a)
			if a.Added != 4 || a.Received != 5 {
				t.Errorf("Markdown import added %d of %d, want 4 of 5", a.Added, a.Received)
			}
			// JSON lines with the zone given.
			e.must(201, "POST", inc+"/timeline/import?format=json&zone=UTC", readSample(t, "json/lines.jsonl"), nil).decode(t, &a)
			if a.Added != 3 {
				t.Errorf("JSON lines import added %d, want 3", a.Added)
			}
			n := timelineLen()

			// Bad inputs change nothing.
			for _, c := range []struct {
				name, path, body string
				headers          map[string]string
				status           int
				want             string
			}{
				{"bad csv line", inc + "/timeline/import?format=csv&name=bad-line.csv", readSample(t, "csv/bad-line.csv"), map[string]string{"Content-Type": "text/csv"}, 400, "bad-line.csv:4: "},
				{"no zone", inc + "/timeline/import?format=csv&name=no-zone.csv", readSample(t, "csv/no-zone.csv"), map[string]string{"Content-Type": "text/csv"}, 400, "--zone"},
				{"unknown format", inc + "/timeline/import?format=pdf", "x", map[string]string{"Content-Type": "text/plain"}, 400, "Unknown format"},
				{"format unknowable", inc + "/timeline/import", "x", map[string]string{"Content-Type": "text/plain"}, 400, "?format="},
				{"not a zip", inc + "/timeline/import?format=slack&channel=x", "plain text", map[string]string{"Content-Type": "application/octet-stream"}, 400, "not a zip"},
				{"slack without channel", inc + "/timeline/import?format=slack", "x", map[string]string{"Content-Type": "application/octet-stream"}, 400, "channel"},
				{"bad zone", inc + "/timeline/import?format=csv&zone=Mars/Base", "time,text\n2024-03-05 08:00,x\n", map[string]string{"Content-Type": "text/csv"}, 400, "Unknown time zone"},
				{"no incident", "/api/v1/incidents/INC-999/timeline/import?format=csv&zone=UTC", "time,text\n2024-03-05 08:00,x\n", map[string]string{"Content-Type": "text/csv"}, 404, ""},
			} {
				x := e.do("POST", c.path, c.body, c.headers)
				var eb errorBody
				_ = json.Unmarshal(x.body, &eb)
				if x.status != c.status || !strings.Contains(eb.Error.Message, c.want) {
					t.Errorf("%s: POST %s = %d %s, want %d with a message containing %q", c.name, c.path, x.status, truncate(string(x.body), 300), c.status, c.want)
				}
			}
			if got := timelineLen(); got != n {
				t.Errorf("rejected imports changed the timeline from %d to %d events", n, got)
			}

			// The events form, past the 5000 limit of the bulk timeline form,
			// in one transaction.
			var b strings.Builder
			b.WriteString(`{"events": [`)
			count := debrief.MaxTimelineBatch + 100
			for i := range count {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `{"at": "2024-03-05T09:%02d:%02dZ", "source": "slack", "kind": "communication", "text": "message %d", "actor": "alice", "external_id": "slack:C1:%d", "zone": "Europe/Copenhagen"}`, (i/60)%60, i%60, i, i)
			}
			b.WriteString(`]}`)
			e.must(201, "POST", inc+"/timeline/import?format=events", b.String(), nil).decode(t, &a)
			if a.Added != count {
				t.Errorf("events import added %d, want %d", a.Added, count)
			}
			if got := timelineLen(); got != n+count {
				t.Errorf("timeline holds %d events, want %d", got, n+count)
			}
		})
	}
}
