package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/google/go-cmp/cmp"
)

var updateImport = flag.Bool("update-import", false, "rewrite testdata/import/**/*.golden.json from the importers' output")

// importGoldenEvent is an event as the golden files show it: the UTC time
// and the wall time in the kept zone, so a zone mistake is visible.
type importGoldenEvent struct {
	At         string `json:"at"`
	Local      string `json:"local"`
	Zone       string `json:"zone"`
	Source     string `json:"source"`
	Kind       string `json:"kind"`
	Text       string `json:"text"`
	Actor      string `json:"actor,omitempty"`
	ExternalID string `json:"external_id"`
	Alert      string `json:"alert,omitempty"`
	Starred    bool   `json:"starred,omitempty"`
	Lifecycle  string `json:"lifecycle,omitempty"`
}

type importGoldenError struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

type importGolden struct {
	Events  []importGoldenEvent `json:"events,omitempty"`
	Skipped map[string]int      `json:"skipped,omitempty"`
	Error   *importGoldenError  `json:"error,omitempty"`
}

func goldenOf(t *testing.T, events []*debrief.TimelineEvent, err error) importGolden {
	t.Helper()
	var g importGolden
	if err != nil {
		var de *debrief.Error
		if !errors.As(err, &de) {
			t.Fatalf("error without a code: %v", err)
		}
		g.Error = &importGoldenError{Code: de.Code, Field: de.Field, Message: de.Message}
		return g
	}
	for _, e := range events {
		g.Events = append(g.Events, importGoldenEvent{
			At: e.At.Format(time.RFC3339Nano), Local: e.LocalTime().Format("2006-01-02 15:04:05 -07:00"), Zone: e.Zone,
			Source: string(e.Source), Kind: string(e.Kind), Text: e.Text, Actor: e.Actor, ExternalID: e.ExternalID,
			Alert: e.Alert, Starred: e.Starred, Lifecycle: string(e.Lifecycle),
		})
	}
	return g
}

// checkGolden compares got with the golden file at path; -update-import
// rewrites it (review the diff before committing).
func checkGolden(t *testing.T, path string, got importGolden) {
	t.Helper()
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	if *updateImport {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ingest -run %s -args -update-import to create it)", err, t.Name())
	}
	if !bytes.Equal(out, want) {
		t.Errorf("output differs from %s (-want +got):\n%s", path, cmp.Diff(string(want), string(out)))
	}
}

// goldenPath names the golden file of a sample: x.csv → x.csv.golden.json.
func goldenPath(sample string) string { return sample + ".golden.json" }

// samples lists the sample files of one testdata/import folder.
func samples(t *testing.T, dir string, exts ...string) []string {
	t.Helper()
	var out []string
	for _, ext := range exts {
		m, err := filepath.Glob(filepath.Join("testdata", "import", dir, "*"+ext))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) == 0 {
		t.Fatalf("no samples in testdata/import/%s", dir)
	}
	return out
}

func TestParseClock(t *testing.T) {
	cet, _ := time.LoadLocation("CET")
	tests := []struct {
		in      string
		want    time.Time // in cet unless the cell names a zone
		wantErr string
	}{
		{in: "2023-02-14 10:29", want: time.Date(2023, 2, 14, 10, 29, 0, 0, cet)},
		{in: "2023-02-14T10:29:05Z", want: time.Date(2023, 2, 14, 10, 29, 5, 0, time.UTC)},
		{in: "2023-02-14T10:29:05.25+01:00", want: time.Date(2023, 2, 14, 9, 29, 5, 250e6, time.UTC)},
		{in: "2023/02/14 10:29 UTC", want: time.Date(2023, 2, 14, 10, 29, 0, 0, time.UTC)},
		{in: "2023-02-14 10:29 (PST)", want: time.Date(2023, 2, 14, 18, 29, 0, 0, time.UTC)},
		{in: "2023-02-14 10:29-0700", want: time.Date(2023, 2, 14, 17, 29, 0, 0, time.UTC)},
		{in: "2020-11-17 10:45~", want: time.Date(2020, 11, 17, 10, 45, 0, 0, cet)},
		{in: "2020-10-06 09:00 - 11:00", want: time.Date(2020, 10, 6, 9, 0, 0, 0, cet)},
		{in: "2021-12-10   15:40", want: time.Date(2021, 12, 10, 15, 40, 0, 0, cet)},
		{in: "2023-02-14 2:05 PM", want: time.Date(2023, 2, 14, 14, 5, 0, 0, cet)},
		{in: "1709626160", want: time.Date(2024, 3, 5, 8, 9, 20, 0, time.UTC)},
		{in: "2019-12-03 --:--", want: time.Date(2019, 12, 3, 0, 0, 0, 0, cet)},
		{in: "2020-12-21 HH:mm", want: time.Date(2020, 12, 21, 0, 0, 0, 0, cet)},
		{in: "2022-02-30 10:00", wantErr: `"2022-02-30" is not a real date`},
		{in: "2022-05-?? HH:mm", wantErr: "is not a date and time"},
		{in: "20202-01-16 12:00", wantErr: "is not a date and time"},
		{in: "2023-02-14 24:00", wantErr: "is not a real time of day"},
		{in: "2023-02-14 10:29 Mars/Olympus", wantErr: "which is not a time zone"},
		{in: "", wantErr: "the time is empty"},
	}
	for _, tt := range tests {
		c, err := parseClock(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseClock(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseClock(%q) error = %v, want %v", tt.in, err, tt.want)
			continue
		}
		var rc rowClock
		got, _, err := rc.resolve(c, cet, time.Time{})
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseClock(%q) resolved in CET = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestZoneInText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Date and Time in CET", "CET"},
		{"Time (UTC)", "UTC"},
		{"All times are in Europe/Copenhagen.", "Europe/Copenhagen"},
		{"Time (UTC+2)", "+02:00"},
		{"when (GMT-05:30)", "-05:30"},
		{"Event", ""},
		{"Estimated time", ""},
		{"Timeline", ""},
	}
	for _, tt := range tests {
		loc, ok := zoneInText(tt.in)
		got := ""
		if ok {
			got = loc.String()
		}
		if got != tt.want {
			t.Errorf("zoneInText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHeaderRoleOf(t *testing.T) {
	tests := []struct {
		in   string
		want headerRole
	}{
		{"Date and Time in CET", colTime}, {"Time", colTime}, {"**When**", colTime}, {"Timestamp (UTC)", colTime},
		{"Date", colDate}, {"Event", colText}, {"What happened", colText}, {"Who", colActor}, {"Kind", colKind},
		{"Key", colStarred}, {"Owner", colActor}, {"Colour", colNone}, {"", colNone},
	}
	for _, tt := range tests {
		if got := headerRoleOf(tt.in); got != tt.want {
			t.Errorf("headerRoleOf(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestExternalIDsStable checks that the same row gets the same id in any
// import and that identical rows in one file stay apart.
func TestExternalIDsStable(t *testing.T) {
	at := time.Date(2024, 3, 5, 8, 2, 0, 0, time.UTC)
	a, b := externalIDs{}, externalIDs{}
	first, again := a.next(at, "Rollback started"), b.next(at.In(time.FixedZone("x", 3600)), "Rollback started")
	if first != again {
		t.Errorf("next(same instant, same text) = %q and %q, want equal ids", first, again)
	}
	if dup := a.next(at, "Rollback started"); dup == first || !strings.HasSuffix(dup, "#2") {
		t.Errorf("second identical row got %q, want %q#2", dup, first)
	}
	if other := b.next(at, "Rollback finished"); other == first {
		t.Errorf("different text got the same id %q", other)
	}
}
