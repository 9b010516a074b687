package sqlstore

import (
	"context"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// TestTimelineAlertMigration fills a database at migration 00013 with
// events as the ingestion parsers wrote them before alert names had a
// column, applies 00014, and checks each event's alert: taken out of the
// text where the text is in a parser's format and the index read a name
// from it, empty otherwise, never longer than a title may be.
func TestTimelineAlertMigration(t *testing.T) {
	long := strings.Repeat("ü", 200) // 400 bytes
	events := []struct {
		source, kind, text, want string
	}{
		{"alertmanager", "alert", "Alert fired: HighErrorRate (instance web-1): checkout 5xx above 2%", "HighErrorRate"},
		{"alertmanager", "alert", "Alert resolved: HighErrorRate (instance web-1)", "HighErrorRate"},
		{"grafana", "alert", "Alert fired: [FIRING:1] DiskFull - node 3 at 95%", "DiskFull"},
		{"alertmanager", "detection", "Triggered: ConsumerLag\nlag above 10,000 messages", "ConsumerLag"},
		{"api", "alert", "alert fired: QueueBacklog", "QueueBacklog"},
		{"pagerduty", "alert", "PagerDuty incident triggered: Checkout is down: 500s on /pay", "Checkout is down"},
		{"opsgenie", "alert", "Opsgenie alert created: Disk almost full — db-2", "Disk almost full"},
		{"alertmanager", "alert", "Alert fired: " + long, strings.Repeat("ü", 75)},
		// Not an alert event, or not a parser's text: no name.
		{"manual", "note", "Alert fired: HighErrorRate", ""},
		{"alertmanager", "action", "Alert acknowledged: HighErrorRate", ""},
		{"manual", "alert", "Error rate alert fired on checkout", ""},
		{"pagerduty", "action", "PagerDuty incident acknowledged by Ada", ""},
	}
	for _, c := range migrationEngines {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db := openBefore(t, c.dsn(t), "00014_")
			at := time.Date(2025, 3, 5, 14, 0, 0, 0, time.UTC)
			inc := &debrief.Incident{Title: "Checkout returned 500s", Severity: "SEV2", Status: debrief.StatusResolved, StartedAt: at,
				Services: []string{}, Customers: []string{}, Labels: []string{}, Members: []string{}, CreatedBy: "ada", CreatedAt: at, UpdatedAt: at}
			tx, err := db.w.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			incID, err := db.insertIncident(ctx, tx, inc)
			if err != nil {
				t.Fatalf("insert incident at 00013: %v", err)
			}
			for i, e := range events {
				if _, err := tx.ExecContext(ctx, `INSERT INTO timeline_events (incident_id, at, zone, source, kind, text, actor,
	external_id, starred, lifecycle, created_at, version) VALUES ($1, $2, 'UTC', $3, $4, $5, '', '', $6, '', $7, 1)`,
					incID, db.d.t(at.Add(time.Duration(i)*time.Minute)), e.source, e.kind, e.text, false, db.d.t(at)); err != nil {
					t.Fatalf("insert event %d at 00013: %v", i+1, err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			applied, err := db.Migrate(ctx)
			if err != nil || len(applied) != 1 || !strings.HasPrefix(applied[0], "00014_") {
				t.Fatalf("Migrate = %v, %v; want 00014 applied", applied, err)
			}
			got, err := db.ListTimeline(ctx, incID, debrief.TimelineFilter{})
			if err != nil || len(got) != len(events) {
				t.Fatalf("ListTimeline after 00014 = %d events, %v; want %d", len(got), err, len(events))
			}
			for i, e := range got {
				if e.Alert != events[i].want {
					t.Errorf("event %q (%s %s): alert %q after 00014, want %q", events[i].text, events[i].source, events[i].kind, e.Alert, events[i].want)
				}
				// The backfilled event must still pass the rules of an
				// edit, or a person could no longer change it.
				if err := e.Validate(); err != nil {
					t.Errorf("event %q after 00014: Validate = %v", events[i].text, err)
				}
			}
			if _, err := db.Reindex(ctx); err != nil {
				t.Fatalf("Reindex: %v", err)
			}
			var alerts string
			if err := db.r.QueryRowContext(ctx, `SELECT alerts FROM search_docs WHERE kind = 'incident' AND incident_id = $1`, incID).Scan(&alerts); err != nil {
				t.Fatalf("read the incident's search document: %v", err)
			}
			var names []string
			if err := json.Unmarshal([]byte(alerts), &names); err != nil {
				t.Fatal(err)
			}
			want := []string{"higherrorrate", "diskfull", "consumerlag", "queuebacklog", "checkout is down", "disk almost full", strings.Repeat("ü", 75)}
			if strings.Join(names, "|") != strings.Join(want, "|") {
				t.Errorf("search document's alerts after 00014 = %q, want %q", names, want)
			}
		})
	}
}

// migrationEngines are the engines a migration test runs on, each with a
// fresh database.
var migrationEngines = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "old.db") }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresDSN(t) }},
}

// openBefore opens the database at dsn migrated as a database from before
// some migrations existed: every one except those whose file names start
// with one of skip. Migrate then applies those.
func openBefore(t *testing.T, dsn string, skip ...string) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := open(ctx, dsn, nil, Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	sub, _ := fs.Sub(migrationFiles, db.d.migrations)
	old := fstest.MapFS{}
	entries, _ := fs.ReadDir(sub, ".")
next:
	for _, e := range entries {
		for _, p := range skip {
			if strings.HasPrefix(e.Name(), p) {
				continue next
			}
		}
		b, _ := fs.ReadFile(sub, e.Name())
		old[e.Name()] = &fstest.MapFile{Data: b}
	}
	dialect := goose.DialectSQLite3
	if db.d.engine == EnginePostgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db.w, old, goose.WithAllowOutofOrder(true))
	if err != nil {
		t.Fatalf("goose.NewProvider(without %v): %v", skip, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate without %v: %v", skip, err)
	}
	return db
}
