package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/debriefhq/debrief/sqlstore"
)

// TestMigrateUpgradesOlderSchema builds a database at the schema before the
// binary's newest, with a record in it, and checks that `debrief migrate`
// applies exactly the missing migration and keeps the record.
func TestMigrateUpgradesOlderSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	known, err := sqlstore.KnownSchemaVersion("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, os.DirFS("../../sqlstore/migrations/sqlite"), goose.WithAllowOutofOrder(true))
	if err != nil {
		t.Fatal(err)
	}
	sources := p.ListSources()
	prev := sources[len(sources)-2].Version
	if _, err := p.UpTo(ctx, prev); err != nil {
		t.Fatalf("goose up to %d: %v", prev, err)
	}
	if _, err := raw.ExecContext(ctx, `INSERT INTO incidents (title, severity, status, started_at, created_by, created_at, updated_at, version) VALUES ('Checkout API returned 500s', 'sev2', 'resolved', 1767225600000000, 'ana@example.com', 1767225600000000, 1767225600000000, 1)`); err != nil {
		t.Fatalf("insert an incident at schema %d: %v", prev, err)
	}
	raw.Close()

	out, errOut, err := cli(t, "", "", nil, "migrate", "--db", path)
	wantFile := fmt.Sprintf("%05d_", known)
	if err != nil || !strings.Contains(out, "Applied 1 migrations") || !strings.Contains(out, wantFile) {
		t.Fatalf("debrief migrate on a schema at %d = %q, %v (stderr %s); want migration %s applied", prev, out, err, errOut, wantFile)
	}
	db, err := sqlstore.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open after migrate = %v", err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil || v != known {
		t.Errorf("SchemaVersion after migrate = %d, %v; want %d", v, err, known)
	}
	inc, err := db.Incident(ctx, 1)
	if err != nil || inc.Title != "Checkout API returned 500s" {
		t.Errorf("GetIncident(1) after migrate = %+v, %v; want the incident stored before it", inc, err)
	}
}

// TestMigrateRefusesNewerSchema checks the sentence a person sees when the
// database was written by a newer release.
func TestMigrateRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	if _, _, err := cli(t, "", "", nil, "migrate", "--db", path); err != nil {
		t.Fatal(err)
	}
	known, _ := sqlstore.KnownSchemaVersion("sqlite")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, 1)`, known+1); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, _, err = cli(t, "", "", nil, "migrate", "--db", path)
	want := fmt.Sprintf("schema is at version %d", known+1)
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), fmt.Sprintf("up to %d", known)) || !strings.Contains(err.Error(), "upgrade the debrief binary") {
		t.Fatalf("debrief migrate on a newer schema = %v; want a sentence with %q, the binary's %d and the advice to upgrade", err, want, known)
	}
}
