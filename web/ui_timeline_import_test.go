package web

import (
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// TestUIImportTimelineFile: on the incident page a responder imports a
// CSV, then the same file again (nothing added twice), a Slack export and a
// Markdown timeline with a mistake (a sentence naming the line, nothing
// added); a viewer sees no form and is refused.
func TestUIImportTimelineFile(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			svc, h, c := newUITeam(t, engine.open(t))
			rita := c.as("rita")
			inc, err := svc.CreateIncident(rita, &debrief.Incident{Title: "Checkout returned 500s after the v2.31.0 deploy", Severity: "SEV2", StartedAt: time.Date(2024, 3, 5, 7, 58, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			page := "/incidents/" + inc.Key
			path := page + "/timeline/import"
			count := func() int {
				t.Helper()
				l, err := svc.ListTimeline(rita, inc.ID, debrief.TimelineFilter{})
				if err != nil {
					t.Fatal(err)
				}
				return len(l)
			}
			if rec := uiRequest(h, "GET", page, nil, c.cookie["rita"]); !strings.Contains(rec.Body.String(), `action="`+path+`" enctype="multipart/form-data"`) {
				t.Fatalf("the incident page has no timeline import form for a responder")
			}
			if rec := uiRequest(h, "GET", page, nil, c.cookie["vic"]); strings.Contains(rec.Body.String(), path) {
				t.Errorf("a viewer sees the timeline import form")
			}

			csv := readSample(t, "csv/header-utc.csv")
			rec := multipartRequest(t, h, c.cookie["rita"], path, importPart{field: "format", body: ""}, importPart{field: "zone", body: "UTC"}, importPart{"file", "header-utc.csv", csv})
			if body := html.UnescapeString(rec.Body.String()); rec.Code != 200 || !strings.Contains(body, "Added 5 events from header-utc.csv.") || count() != 5 {
				t.Fatalf("CSV import = %d with %d events; want 200, 5 added and said", rec.Code, count())
			}
			rec = multipartRequest(t, h, c.cookie["rita"], path, importPart{"file", "header-utc.csv", csv})
			if body := html.UnescapeString(rec.Body.String()); !strings.Contains(body, "Nothing was added from header-utc.csv: its 5 events are on the timeline already.") || count() != 5 {
				t.Errorf("the same CSV again = %d with %d events; want nothing added, said", rec.Code, count())
			}
			// The file part may come before the fields.
			rec = multipartRequest(t, h, c.cookie["rita"], path, importPart{"file", "export.zip", slackZip(t)}, importPart{field: "channel", body: "inc-4821-checkout-500s"}, importPart{field: "zone", body: "UTC"})
			if body := html.UnescapeString(rec.Body.String()); rec.Code != 200 || !strings.Contains(body, "Added 12 events from export.zip.") || count() != 17 {
				t.Errorf("Slack import = %d with %d events:\n%s", rec.Code, count(), body)
			}
			before := count()
			rec = multipartRequest(t, h, c.cookie["rita"], path, importPart{field: "format", body: "markdown"}, importPart{"file", "dfds-PM2020-003.md", readSample(t, "markdown/dfds-PM2020-003.md")})
			if body := html.UnescapeString(rec.Body.String()); rec.Code != http.StatusBadRequest || !strings.Contains(body, "Nothing was imported: dfds-PM2020-003.md:14: ") || !strings.Contains(body, `<details class="import-timeline" open>`) || count() != before {
				t.Errorf("a Markdown timeline with a mistake = %d with %d events (want %d); want 400 naming the line, the form open", rec.Code, count(), before)
			}
			rec = multipartRequest(t, h, c.cookie["rita"], path, importPart{field: "format", body: "csv"}, importPart{"file", "", ""})
			if body := html.UnescapeString(rec.Body.String()); rec.Code != http.StatusBadRequest || !strings.Contains(body, "Choose the file to import") {
				t.Errorf("no file = %d; want 400 with a sentence", rec.Code)
			}
			if rec := multipartRequest(t, h, c.cookie["vic"], path, importPart{"file", "header-utc.csv", csv}); rec.Code != http.StatusForbidden {
				t.Errorf("a viewer importing = %d, want 403", rec.Code)
			}
		})
	}
}
