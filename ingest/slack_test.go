package ingest

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/google/go-cmp/cmp"
)

const incidentChannel = "inc-4821-checkout-500s"

// TestParseSlackExportGolden imports channels of two exports (our own
// incident export and Zulip's real Slack fixtures, Apache-2.0) with
// different windows and compares the events with golden files.
func TestParseSlackExportGolden(t *testing.T) {
	tests := []struct {
		name, export string
		opt          SlackOptions
	}{
		{"incident-window", "incident-export", SlackOptions{Channel: incidentChannel,
			From: time.Date(2024, 3, 5, 8, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC)}},
		{"incident-all", "incident-export", SlackOptions{Channel: "#" + incidentChannel}},
		{"incident-with-bots", "incident-export", SlackOptions{Channel: "C0INC4821", IncludeBots: true,
			From: time.Date(2024, 3, 5, 8, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 5, 8, 5, 0, 0, time.UTC)}},
		{"incident-unknown-channel", "incident-export", SlackOptions{Channel: "inc-9999"}},
		{"zulip-random", "zulip-fixtures", SlackOptions{Channel: "random"}},
		{"zulip-general-no-folder", "zulip-fixtures", SlackOptions{Channel: "general"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ParseSlackExport(os.DirFS(filepath.Join("testdata", "import", "slack", tt.export)), tt.opt)
			var g importGolden
			if err != nil {
				g = goldenOf(t, nil, err)
			} else {
				g = goldenOf(t, res.Events, nil)
				g.Skipped = res.Skipped
			}
			checkGolden(t, filepath.Join("testdata", "import", "slack", tt.name+".golden.json"), g)
		})
	}
}

// zipDir packs dir into a zip held in memory, under prefix (Slack's own
// zips have none; zips made by hand often have one folder on top).
func zipDir(t *testing.T, dir, prefix string) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		w, err := zw.Create(prefix + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

// TestParseSlackExportZip checks that the zip gives the same events as the
// unpacked folder, with or without a folder on top inside the zip.
func TestParseSlackExportZip(t *testing.T) {
	dir := filepath.Join("testdata", "import", "slack", "incident-export")
	opt := SlackOptions{Channel: incidentChannel}
	want, err := ParseSlackExport(os.DirFS(dir), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"", "Debrief Slack export Mar 5 2024/"} {
		z := zipDir(t, dir, prefix)
		fsys, err := OpenSlackZip(z, z.Size())
		if err != nil {
			t.Fatalf("OpenSlackZip(prefix %q) = %v", prefix, err)
		}
		got, err := ParseSlackExport(fsys, opt)
		if err != nil {
			t.Fatalf("ParseSlackExport(zip with prefix %q) = %v", prefix, err)
		}
		if diff := cmp.Diff(want.Events, got.Events); diff != "" {
			t.Errorf("zip with prefix %q differs from the folder (-folder +zip):\n%s", prefix, diff)
		}
	}
	if _, err := OpenSlackZip(bytes.NewReader([]byte("not a zip")), 9); !debrief.IsCode(err, debrief.EInvalid) {
		t.Errorf("OpenSlackZip(garbage) = %v, want EInvalid", err)
	}
}

// TestParseSlackExportRules checks each rule on the incident export by
// looking for the message it concerns.
func TestParseSlackExportRules(t *testing.T) {
	res, err := ParseSlackExport(os.DirFS(filepath.Join("testdata", "import", "slack", "incident-export")), SlackOptions{
		Channel: incidentChannel, From: time.Date(2024, 3, 5, 8, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	find := func(sub string) *debrief.TimelineEvent {
		t.Helper()
		for _, e := range res.Events {
			if strings.Contains(e.Text, sub) {
				return e
			}
		}
		return nil
	}
	for _, gone := range []string{"has joined the channel", "has left the channel", "wrong channel, sorry", "set the channel topic", "Triggered", "lunch order"} {
		if e := find(gone); e != nil {
			t.Errorf("event %q imported, want it left out", e.Text)
		}
	}
	if e := find("Checkout is returning 500s"); e == nil || !e.Starred || e.Actor != "alice" || e.Zone != "Europe/Copenhagen" || e.Kind != debrief.KindCommunication || e.Source != debrief.SourceSlack {
		t.Errorf("reacted message = %+v, want starred, actor alice, zone Europe/Copenhagen, kind communication, source slack", e)
	} else if !strings.Contains(e.Text, "@Bob Okafor can you") {
		t.Errorf("mention rendered as %q, want @Bob Okafor", e.Text)
	}
	if e := find("Decision: roll back"); e == nil || !e.Starred || !strings.HasSuffix(e.Text, "@here (edited)") {
		t.Errorf("pinned, edited message = %+v, want starred and text ending \"@here (edited)\"", e)
	}
	if e := find("Error rate back to baseline"); e == nil || !strings.Contains(e.Text, "at 08:18") || !strings.HasSuffix(e.Text, "(edited)") {
		t.Errorf("message_changed = %+v, want the new text once, marked edited", e)
	}
	if n := strings.Count(eventTexts(res.Events), "Error rate back to baseline"); n != 1 {
		t.Errorf("edited message appears %d times, want once", n)
	}
	if e := find("rollback started"); e == nil || e.Actor != "dev.patel" || !strings.Contains(e.Text, "[file: rollback output]") {
		t.Errorf("file share by deleted user = %+v, want actor dev.patel and the file named", e)
	}
	// Thread order: the parent, then its replies, including one written
	// after the window ended.
	var order []string
	for _, e := range res.Events {
		order = append(order, e.ExternalID)
	}
	parent := indexOf(order, "slack:C0INC4821:1709625840.000020")
	r1 := indexOf(order, "slack:C0INC4821:1709625960.000030")
	r2 := indexOf(order, "slack:C0INC4821:1709634600.000070")
	r3 := indexOf(order, "slack:C0INC4821:1709717400.000090") // the next day
	if parent < 0 || r1 != parent+1 || r2 != parent+2 || r3 != parent+3 {
		t.Errorf("thread order = %v, want parent then its three replies right after it", order)
	}
	if e := res.Events[r1]; !strings.HasPrefix(e.Text, "↳ In thread \"Deploy of checkout-api v2.31.0 went out at 07:55 & touched") {
		t.Errorf("reply text = %q, want it to name its parent", e.Text)
	}
	// A reply in the window to a thread started before it.
	if e := find("maintenance is not it"); e == nil || !strings.HasPrefix(e.Text, "↳ In thread \"Heads up: payment provider") {
		t.Errorf("reply to an earlier thread = %+v, want it kept and naming its parent", e)
	}
	if res.Skipped[SkipJoinLeave] != 3 || res.Skipped[SkipBot] != 1 || res.Skipped[SkipDeleted] != 1 {
		t.Errorf("Skipped = %v, want 3 joins/leaves, 1 bot, 1 deleted", res.Skipped)
	}
}

func eventTexts(events []*debrief.TimelineEvent) string {
	var b strings.Builder
	for _, e := range events {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// TestParseSlackExportBadDayFile checks that a broken day file fails the
// whole import with its name and line.
func TestParseSlackExportBadDayFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("testdata", "import", "slack", "incident-export")
	for _, f := range []string{"channels.json", "users.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, incidentChannel), 0o755); err != nil {
		t.Fatal(err)
	}
	bad := "[\n  {\"type\": \"message\", \"user\": \"U01ALICE\", \"text\": \"ok\", \"ts\": \"1709625730.000010\"},\n  {\"type\": \"message\", \"text\": \"broken\", \"ts\": 17}\n]\n"
	if err := os.WriteFile(filepath.Join(dir, incidentChannel, "2024-03-05.json"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ParseSlackExport(os.DirFS(dir), SlackOptions{Channel: incidentChannel})
	want := incidentChannel + "/2024-03-05.json:3:"
	if !debrief.IsCode(err, debrief.EInvalid) || !strings.Contains(debrief.ErrorMessage(err), want) {
		t.Errorf("ParseSlackExport(bad day file) = %v, want EInvalid naming %s", err, want)
	}
}

func TestParseSlackTS(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"1498401071.279035", time.Unix(1498401071, 279035000).UTC(), true},
		{"1498401071", time.Unix(1498401071, 0).UTC(), true},
		{"1498401071.2", time.Unix(1498401071, 200000000).UTC(), true},
		{"", time.Time{}, false},
		{"-5.1", time.Time{}, false},
		{"12.x", time.Time{}, false},
		{"1e9", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseSlackTS(tt.in)
		if (err == nil) != tt.ok || (tt.ok && !got.Equal(tt.want)) {
			t.Errorf("parseSlackTS(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestParseSlackExportProgress checks that progress reaches the total.
func TestParseSlackExportProgress(t *testing.T) {
	var last, total int64
	calls := 0
	res, err := ParseSlackExport(os.DirFS(filepath.Join("testdata", "import", "slack", "incident-export")), SlackOptions{
		Channel: incidentChannel, Progress: func(done, all int64) { calls++; last, total = done, all }})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last != total || total != res.Bytes || res.Files != 3 {
		t.Errorf("progress ended at %d of %d after %d calls (read %d bytes in %d files), want done = total = bytes read, 3 files", last, total, calls, res.Bytes, res.Files)
	}
}

// TestParseSlackExportDayTooLarge checks that a day file past the bound is
// refused without being held in memory.
func TestParseSlackExportDayTooLarge(t *testing.T) {
	src := filepath.Join("testdata", "import", "slack", "incident-export")
	channels, err := os.ReadFile(filepath.Join(src, "channels.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer func(limit int64) { dayFileLimit = limit }(dayFileLimit)
	dayFileLimit = 2 << 20
	huge := append([]byte(`[{"type":"message","user":"U1","ts":"1709625730.000010","text":"`), bytes.Repeat([]byte("a"), int(dayFileLimit))...)
	fsys := fstest.MapFS{
		"channels.json":                      {Data: channels},
		incidentChannel + "/2024-03-05.json": {Data: huge},
	}
	_, err = ParseSlackExport(fsys, SlackOptions{Channel: incidentChannel})
	if !debrief.IsCode(err, debrief.EInvalid) || !strings.Contains(debrief.ErrorMessage(err), "larger than 2 MB") {
		t.Errorf("ParseSlackExport(day file of %d bytes) = %v, want EInvalid saying it is too large", len(huge), err)
	}
}
