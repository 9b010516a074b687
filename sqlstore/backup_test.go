package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
)

func createIncident(ctx context.Context, db *sqlstore.DB, title string) (int64, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	inc := &debrief.Incident{Title: title, Severity: "SEV3", Status: debrief.StatusInvestigating,
		Services: []string{"checkout"}, Customers: []string{}, Labels: []string{}, Members: []string{},
		StartedAt: now, CreatedBy: "backup@example.com", CreatedAt: now, UpdatedAt: now}
	err := db.CreateIncident(ctx, inc, &debrief.Revision{EntityType: debrief.EntityIncident, Version: 1, Action: "create", Actor: "backup", At: now})
	return inc.ID, err
}

// incidentIDs reads the ids in the SQLite file at path, read-only: a
// finished backup is immutable, so it is opened without its WAL.
func incidentIDs(t *testing.T, path string) map[int64]bool {
	t.Helper()
	return incidentIDsAt(t, "file:"+path+"?mode=ro&immutable=1")
}

// incidentIDsLive reads ids through SQLite's WAL (not immutable).
func incidentIDsLive(t *testing.T, path string) map[int64]bool {
	t.Helper()
	return incidentIDsAt(t, path)
}

// incidentIDsAt reads the ids of the incidents in the SQLite database at dsn.
func incidentIDsAt(t *testing.T, dsn string) map[int64]bool {
	t.Helper()
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT id FROM incidents`)
	if err != nil {
		t.Fatalf("read incidents from %s: %v", dsn, err)
	}
	defer rows.Close()
	ids := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatalf("read incidents from %s: %v", dsn, err)
		}
		ids[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read incidents from %s: %v", dsn, err)
	}
	return ids
}

// TestBackupDuringWrites takes three backups at once while eight writers
// (more than the one-connection write pool) keep creating incidents. Each
// backup must pass the integrity check and hold every incident whose
// creation was acknowledged before the backups started.
func TestBackupDuringWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "live.db")
	db, err := sqlstore.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var mu sync.Mutex
	acked := map[int64]bool{}
	stop := make(chan struct{})
	var writers sync.WaitGroup
	writeErrs := make(chan error, 8)
	for w := range 8 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id, err := createIncident(ctx, db, fmt.Sprintf("Writer %d incident %d", w, i))
				if err != nil {
					writeErrs <- err
					return
				}
				mu.Lock()
				acked[id] = true
				mu.Unlock()
			}
		}()
	}
	// Let some writes land first, so the backups have something to miss.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	before := make(map[int64]bool, len(acked))
	for id := range acked {
		before[id] = true
	}
	mu.Unlock()

	dests := []string{filepath.Join(dir, "b1.db"), filepath.Join(dir, "b2.db"), filepath.Join(dir, "b3.db")}
	infos := make([]sqlstore.BackupInfo, len(dests))
	errs := make([]error, len(dests))
	var backups sync.WaitGroup
	for i, d := range dests {
		backups.Add(1)
		go func() {
			defer backups.Done()
			infos[i], errs[i] = sqlstore.Backup(ctx, path, d)
		}()
	}
	backups.Wait()
	close(stop)
	writers.Wait()
	close(writeErrs)
	for err := range writeErrs {
		t.Fatalf("a write during the backups failed: %v", err)
	}
	mu.Lock()
	total := len(acked)
	mu.Unlock()

	for i, d := range dests {
		if errs[i] != nil {
			t.Fatalf("Backup(%s) = %v", d, errs[i])
		}
		// Inspect runs PRAGMA integrity_check on the file as it is.
		info, err := sqlstore.Inspect(ctx, d)
		if err != nil {
			t.Fatalf("Inspect(backup %s) = %v, want a sound database", d, err)
		}
		ids := incidentIDs(t, d)
		missing := 0
		for id := range before {
			if !ids[id] {
				missing++
			}
		}
		if missing > 0 {
			t.Errorf("backup %s lacks %d of the %d incidents acknowledged before it started", d, missing, len(before))
		}
		if info.Counts["incidents"] != int64(len(ids)) || len(ids) > total {
			t.Errorf("backup %s: Inspect counts %d incidents, the file holds %d, %d were acknowledged in all", d, info.Counts["incidents"], len(ids), total)
		}
		t.Logf("backup %s: %d incidents (%d acknowledged before it, %d by the end)", filepath.Base(d), len(ids), len(before), total)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestBackupRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.db")
	db, err := sqlstore.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	exists := filepath.Join(dir, "exists.db")
	if err := os.WriteFile(exists, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, src, dest string
		code, says      string
	}{
		{"dest exists", path, exists, debrief.EConflict, "exists already"},
		{"no database", filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db"), debrief.ENotFound, "no SQLite database"},
		{"postgres", "postgres://u@127.0.0.1/db", filepath.Join(dir, "y.db"), debrief.EInvalid, "pg_dump"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sqlstore.Backup(ctx, c.src, c.dest)
			if !debrief.IsCode(err, c.code) || !strings.Contains(debrief.ErrorMessage(err), c.says) {
				t.Errorf("Backup(%s, %s) = %v, want %s saying %q", c.src, c.dest, err, c.code, c.says)
			}
		})
	}
	if b, _ := os.ReadFile(exists); string(b) != "keep me" {
		t.Errorf("the existing file was changed to %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Errorf("Backup of a missing database created it")
	}
}

// TestRestore restores a backup into a new file, refuses to replace a
// database with records unless forced, and refuses files that are not
// sound Debrief databases.
func TestRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "live.db")
	db, err := sqlstore.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := createIncident(ctx, db, fmt.Sprintf("Checkout API returned 500s, part %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	backup := filepath.Join(dir, "backup.db")
	if _, err := sqlstore.Backup(ctx, path, backup); err != nil {
		t.Fatal(err)
	}
	// A write after the backup, which a restore must undo.
	if _, err := createIncident(ctx, db, "Written after the backup"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Into a new file.
	fresh := filepath.Join(dir, "fresh.db")
	info, err := sqlstore.Restore(ctx, fresh, backup, false)
	if err != nil || info.Counts["incidents"] != 5 {
		t.Fatalf("Restore(new file) = %+v, %v; want 5 incidents", info, err)
	}
	// The restored file holds everything itself (nothing left in its
	// write-ahead log), and the size reported is the file's.
	if st, err := os.Stat(fresh); err != nil || st.Size() != info.Bytes || info.Bytes <= 4096 {
		t.Errorf("restored file: %v, %v; Restore reported %d bytes; want the whole database in the file, its size reported", st.Size(), err, info.Bytes)
	}
	if st, err := os.Stat(fresh + "-wal"); err == nil && st.Size() > 0 {
		t.Errorf("the restored database left %d bytes in its write-ahead log; want them in the file", st.Size())
	}
	// Into an empty, migrated database: no --force needed.
	empty := filepath.Join(dir, "empty.db")
	e, err := sqlstore.Open(ctx, empty, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	if _, err := sqlstore.Restore(ctx, empty, backup, false); err != nil {
		t.Fatalf("Restore(empty database) = %v, want success", err)
	}

	// Over a database with records: refused, then forced.
	_, err = sqlstore.Restore(ctx, path, backup, false)
	if !debrief.IsCode(err, debrief.EConflict) || !strings.Contains(debrief.ErrorMessage(err), "--force") || !strings.Contains(debrief.ErrorMessage(err), "6 incidents") {
		t.Fatalf("Restore(over 6 incidents, no force) = %v, want EConflict naming 6 incidents and --force", err)
	}
	if n := len(incidentIDsLive(t, path)); n != 6 {
		t.Fatalf("after a refused restore the database holds %d incidents, want 6 (untouched)", n)
	}
	if _, err := sqlstore.Restore(ctx, path, backup, true); err != nil {
		t.Fatalf("Restore(force) = %v", err)
	}
	db, err = sqlstore.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open after restore = %v", err)
	}
	defer db.Close()
	if n := len(incidentIDsLive(t, path)); n != 5 {
		t.Errorf("after a forced restore the database holds %d incidents, want the backup's 5", n)
	}
	if _, err := createIncident(ctx, db, "Written after the restore"); err != nil {
		t.Errorf("a write after the restore failed: %v", err)
	}

	// Files that are not sound Debrief databases.
	// Setup errors stop the test: a fixture that silently failed to be
	// written would test a different refusal than its name says.
	fixture := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("prepare the files to refuse: %v", err)
		}
	}
	sqliteExec := func(path, query string, args ...any) {
		t.Helper()
		db, err := sql.Open("sqlite", path)
		fixture(err)
		defer db.Close()
		_, err = db.Exec(query, args...)
		fixture(err)
	}
	notDB := filepath.Join(dir, "notes.txt")
	fixture(os.WriteFile(notDB, []byte("SQLite format 2 — not really"), 0o600))
	other := filepath.Join(dir, "other.db")
	sqliteExec(other, `CREATE TABLE t (x)`)
	damaged := filepath.Join(dir, "damaged.db")
	b, err := os.ReadFile(backup)
	fixture(err)
	for i := 4096 * 2; i < len(b) && i < 4096*6; i++ {
		b[i] ^= 0x5a
	}
	fixture(os.WriteFile(damaged, b, 0o600))
	newer := filepath.Join(dir, "newer.db")
	nb, err := os.ReadFile(backup)
	fixture(err)
	fixture(os.WriteFile(newer, nb, 0o600))
	known, err := sqlstore.KnownSchemaVersion("sqlite")
	fixture(err)
	sqliteExec(newer, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, 1)`, known+1)
	for _, c := range []struct{ name, src, says string }{
		{"missing", filepath.Join(dir, "nope.db"), "no file"},
		{"not sqlite", notDB, "not a SQLite database"},
		{"not debrief", other, "not a Debrief one"},
		{"damaged", damaged, "damaged"},
		{"newer", newer, "upgrade the debrief binary"},
	} {
		t.Run(c.name, func(t *testing.T) {
			target := filepath.Join(dir, "target-"+strings.ReplaceAll(c.name, " ", "-")+".db")
			_, err := sqlstore.Restore(ctx, target, c.src, true)
			if err == nil || !strings.Contains(debrief.ErrorMessage(err), c.says) {
				t.Errorf("Restore(from %s) = %v, want an error saying %q", c.name, err, c.says)
			}
			if _, err := os.Stat(target); err == nil {
				t.Errorf("a refused restore created %s", target)
			}
		})
	}
}

func TestRestorePostgresRefused(t *testing.T) {
	_, err := sqlstore.Restore(context.Background(), storetestDSNPlaceholder, "x.db", false)
	if !debrief.IsCode(err, debrief.EInvalid) || !strings.Contains(debrief.ErrorMessage(err), "pg_restore") {
		t.Errorf("Restore(postgres) = %v, want EInvalid pointing at pg_restore", err)
	}
}

const storetestDSNPlaceholder = "postgres://debrief@127.0.0.1:5432/debrief"
