package ingest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// addImportSamples seeds a fuzzer with the sample files of a testdata/import
// folder (the committed corpus in testdata/fuzz adds what fuzzing found).
func addImportSamples(f *testing.F, dir string, exts ...string) {
	f.Helper()
	for _, ext := range exts {
		paths, _ := filepath.Glob(filepath.Join("testdata", "import", dir, "*"+ext))
		for _, p := range paths {
			if strings.HasSuffix(p, ".golden.json") {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

// checkImported holds for the output of every timeline importer: either a
// coded error that names the file, or events that the Service accepts as
// they are, each with its own external id.
func checkImported(t *testing.T, file string, events []*debrief.TimelineEvent, err error) {
	t.Helper()
	if err != nil {
		var de *debrief.Error
		if !errors.As(err, &de) {
			t.Fatalf("error without a code: %v", err)
		}
		if de.Code != debrief.EInvalid && de.Code != debrief.ETooLarge && de.Code != debrief.ENotFound {
			t.Fatalf("error code %q, want invalid: %v", de.Code, err)
		}
		if file != "" && !strings.HasPrefix(de.Message, file) && !strings.Contains(de.Message, file) {
			t.Fatalf("error %q does not name the file %s", de.Message, file)
		}
		if events != nil {
			t.Fatalf("events returned with an error")
		}
		return
	}
	if len(events) == 0 {
		t.Fatal("no events and no error")
	}
	seen := map[string]bool{}
	for i, e := range events {
		copy := *e
		if verr := copy.Validate(); verr != nil {
			t.Fatalf("event %d %+v fails Validate: %v", i, e, verr)
		}
		if e.At.Location() != time.UTC {
			t.Fatalf("event %d at %v, want UTC", i, e.At)
		}
		if e.ExternalID == "" || seen[e.ExternalID] {
			t.Fatalf("event %d has external id %q (empty or repeated)", i, e.ExternalID)
		}
		seen[e.ExternalID] = true
	}
}

func FuzzParseTimelineCSV(f *testing.F) {
	addImportSamples(f, "csv", ".csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := ParseTimelineCSV(bytes.NewReader(data), TimelineOptions{Name: "fuzz.csv", Date: time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)})
		checkImported(t, "fuzz.csv", events, err)
	})
}

func FuzzParseTimelineJSON(f *testing.F) {
	addImportSamples(f, "json", ".json", ".jsonl")
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := ParseTimelineJSON(bytes.NewReader(data), TimelineOptions{Name: "fuzz.json", Zone: time.UTC})
		checkImported(t, "fuzz.json", events, err)
	})
}

func FuzzParseTimelineMarkdown(f *testing.F) {
	addImportSamples(f, "markdown", ".md")
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := ParseTimelineMarkdown(bytes.NewReader(data), TimelineOptions{Name: "fuzz.md"})
		checkImported(t, "fuzz.md", events, err)
	})
}

// FuzzParseSlackExport fuzzes a day file and users.json of an otherwise
// valid export.
func FuzzParseSlackExport(f *testing.F) {
	src := filepath.Join("testdata", "import", "slack", "incident-export")
	channels, err := os.ReadFile(filepath.Join(src, "channels.json"))
	if err != nil {
		f.Fatal(err)
	}
	users, err := os.ReadFile(filepath.Join(src, "users.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, day := range []string{"2024-03-04", "2024-03-05", "2024-03-06"} {
		b, err := os.ReadFile(filepath.Join(src, incidentChannel, day+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, users)
	}
	zulip, err := os.ReadFile(filepath.Join("testdata", "import", "slack", "zulip-fixtures", "random", "2015-06-12.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(zulip, []byte("[]"))
	// Small days reach each rule with few bytes to mutate.
	for _, day := range []string{
		`[{"type":"message","user":"U01ALICE","text":"hi <@U02BOB> <#C1|x> <!here> <https://x.example|x> &amp;","ts":"1709625730.000010","thread_ts":"1709625730.000010","latest_reply":"1709999999.000001","reactions":[{"name":"eyes","count":1}]}]`,
		`[{"type":"message","user":"U02BOB","text":"reply","ts":"1709625731.000011","thread_ts":"1709625730.000010","parent_user_id":"U01ALICE"}]`,
		`[{"type":"message","subtype":"message_changed","ts":"1","message":{"ts":"1709625730.000010","text":"new"}},{"type":"message","user":"U01ALICE","text":"old","ts":"1709625730.000010"},{"type":"message","subtype":"message_deleted","deleted_ts":"1709625730.000010","ts":"2"}]`,
		`[{"type":"message","subtype":"bot_message","bot_id":"B1","text":"","attachments":[{"fallback":"[FIRING] x"}],"ts":"1709625730.5"},{"type":"message","subtype":"channel_join","user":"U1","text":"joined","ts":"3"}]`,
		`[{"type":"message","user":"U03CARA","text":"","files":[{"name":"a.log","title":"a"}],"ts":"1709625730.000010","edited":{"user":"U03CARA","ts":"1709625731.0"},"pinned_to":["C0INC4821"]}]`,
	} {
		f.Add([]byte(day), users)
	}
	f.Fuzz(func(t *testing.T, day, users []byte) {
		fsys := fstest.MapFS{
			"channels.json":                      {Data: channels},
			"users.json":                         {Data: users},
			incidentChannel + "/2024-03-05.json": {Data: day},
		}
		res, err := ParseSlackExport(fsys, SlackOptions{Channel: incidentChannel})
		var events []*debrief.TimelineEvent
		if err == nil {
			events = res.Events
		}
		checkImported(t, "", events, err)
		for _, e := range events {
			if e.Source != debrief.SourceSlack || !strings.HasPrefix(e.ExternalID, "slack:C0INC4821:") {
				t.Fatalf("event %+v: want source slack and a slack:C0INC4821: external id", e)
			}
		}
	})
}
