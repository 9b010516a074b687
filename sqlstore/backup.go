package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"modernc.org/sqlite"

	"github.com/debriefhq/debrief/debrief"
)

// BackupInfo describes a SQLite database file that Backup wrote or Restore
// read: what it holds, so a person can tell the right file at a glance.
type BackupInfo struct {
	Path          string
	SchemaVersion int64
	Bytes         int64
	// Counts holds the rows of the tables people fill (countedTables).
	Counts map[string]int64
}

// countedTables are the tables whose rows people create; a database with
// none of them is empty for Restore, whatever the migrations seeded.
var countedTables = []string{"incidents", "postmortems", "timeline_events", "action_items", "revisions", "users", "integrations", "templates", "attachments", "reviews"}

// Summary says what the database holds in one line.
func (b BackupInfo) Summary() string {
	return fmt.Sprintf("schema version %d, %d bytes: %s", b.SchemaVersion, b.Bytes, b.countsText())
}

func (b BackupInfo) countsText() string {
	var parts []string
	for _, t := range countedTables {
		if n, ok := b.Counts[t]; ok {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(t, "_", " ")))
		}
	}
	return strings.Join(parts, ", ")
}

func (b BackupInfo) empty() bool {
	for _, n := range b.Counts {
		if n > 0 {
			return false
		}
	}
	return true
}

// notSQLite is the refusal for backup and restore on PostgreSQL, whose own
// tools do the job better than a copy through Debrief could.
func notSQLite(what string) error {
	return debrief.Errorf(debrief.EInvalid, "db",
		"debrief %s copies SQLite files; for PostgreSQL use pg_dump and pg_restore (docs/OPERATIONS.md shows the commands), e.g. pg_dump --format=custom --file=debrief.dump \"$DEBRIEF_DB\"", what)
}

// Backup writes a consistent copy of the SQLite database at path to the new
// file dest while the database stays in use: VACUUM INTO reads in one read
// transaction, which WAL lets run beside the server's writes, so the copy
// holds every transaction committed before it began and none after. The
// copy is written under a temporary name in dest's directory, checked with
// PRAGMA integrity_check, and only then linked to dest, which must not
// exist: a failed backup leaves no file that looks like a good one.
func Backup(ctx context.Context, path, dest string) (BackupInfo, error) {
	if EngineOf(path) != EngineSQLite {
		return BackupInfo{}, notSQLite("backup")
	}
	if _, err := os.Stat(path); err != nil {
		return BackupInfo{}, debrief.Errorf(debrief.ENotFound, "db", "There is no SQLite database at %s to back up.", path)
	}
	if _, err := os.Lstat(dest); err == nil {
		return BackupInfo{}, debrief.Errorf(debrief.EConflict, "file", "%s exists already; a backup never overwrites a file, so give a new name.", dest)
	}
	tmp, err := tempName(dest)
	if err != nil {
		return BackupInfo{}, err
	}
	defer os.Remove(tmp)

	// A connection of its own, without query_only (SQLite counts VACUUM
	// INTO as a write under it although the source is only read) and
	// without migrations: a backup copies whatever schema it finds.
	src, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlstore: backup %s: %w", path, err)
	}
	defer src.Close()
	src.SetMaxOpenConns(1)
	if _, err := src.ExecContext(ctx, `VACUUM INTO $1`, tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("sqlstore: backup %s: %w", path, err)
	}
	info, err := inspect(ctx, tmp)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlstore: backup %s: the copy failed its check: %w", path, err)
	}
	// Link, unlike rename, fails when dest appeared in the meantime.
	if err := os.Link(tmp, dest); err != nil {
		if errors.Is(err, os.ErrExist) {
			return BackupInfo{}, debrief.Errorf(debrief.EConflict, "file", "%s exists already; a backup never overwrites a file, so give a new name.", dest)
		}
		return BackupInfo{}, fmt.Errorf("sqlstore: backup to %s: %w", dest, err)
	}
	info.Path = dest
	return info, nil
}

// tempName returns an unused name next to dest, so the final link stays on
// one file system.
func tempName(dest string) (string, error) {
	var b [6]byte
	if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-"+hex.EncodeToString(b[:])), nil
}

// Inspect checks the SQLite file at path without changing it: that it is a
// SQLite database, passes PRAGMA integrity_check, was written by Debrief
// and has no migration this binary does not know. It returns what it holds.
func Inspect(ctx context.Context, path string) (BackupInfo, error) {
	if EngineOf(path) != EngineSQLite {
		return BackupInfo{}, notSQLite("restore")
	}
	return inspect(ctx, path)
}

func inspect(ctx context.Context, path string) (BackupInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, debrief.Errorf(debrief.ENotFound, "file", "There is no file at %s.", path)
	}
	if !st.Mode().IsRegular() {
		return BackupInfo{}, debrief.Errorf(debrief.EInvalid, "file", "%s is not a regular file.", path)
	}
	if err := checkHeader(path); err != nil {
		return BackupInfo{}, err
	}
	// Read-only and immutable: the check must not create a -wal or -shm
	// next to a backup, nor change it. (A backup has no WAL: VACUUM INTO
	// writes a file in rollback-journal mode.)
	conn, err := sql.Open("sqlite", "file:"+escapePath(path)+"?mode=ro&immutable=1")
	if err != nil {
		return BackupInfo{}, err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	info, err := describe(ctx, conn, path)
	info.Bytes = st.Size()
	return info, err
}

// describe checks the database conn is open on (integrity, Debrief's
// schema, no migration newer than the binary) and counts what it holds.
func describe(ctx context.Context, conn *sql.DB, path string) (BackupInfo, error) {
	var result []string
	rows, err := conn.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return BackupInfo{}, debrief.Errorf(debrief.EInvalid, "file", "%s is not a readable SQLite database: %v.", path, err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return BackupInfo{}, err
		}
		result = append(result, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return BackupInfo{}, debrief.Errorf(debrief.EInvalid, "file", "%s is not a readable SQLite database: %v.", path, err)
	}
	if len(result) != 1 || result[0] != "ok" {
		if len(result) > 3 {
			result = append(result[:3], "…")
		}
		return BackupInfo{}, debrief.Errorf(debrief.EInvalid, "file", "%s is damaged: SQLite's integrity check says %s.", path, strings.Join(result, "; "))
	}
	info := BackupInfo{Path: path, Counts: map[string]int64{}}
	if !hasTable(ctx, conn, "goose_db_version") {
		return info, debrief.Errorf(debrief.EInvalid, "file", "%s is a SQLite database but not a Debrief one (it has no schema version table).", path)
	}
	var applied []int64
	vrows, err := conn.QueryContext(ctx, `SELECT DISTINCT version_id FROM goose_db_version WHERE is_applied AND version_id > 0 ORDER BY version_id`)
	if err != nil {
		return info, err
	}
	for vrows.Next() {
		var v int64
		if err := vrows.Scan(&v); err != nil {
			vrows.Close()
			return info, err
		}
		applied = append(applied, v)
	}
	vrows.Close()
	if len(applied) > 0 {
		info.SchemaVersion = applied[len(applied)-1]
	}
	known, err := embeddedVersions(sqliteDialect)
	if err != nil {
		return info, err
	}
	for _, v := range applied {
		if _, found := slices.BinarySearch(known, v); !found {
			return info, debrief.Errorf(debrief.EConflict, "file",
				"%s has schema version %d (with migration %05d), newer than this debrief binary knows (up to %d): upgrade the debrief binary before restoring it.",
				path, info.SchemaVersion, v, known[len(known)-1])
		}
	}
	for _, t := range countedTables {
		if !hasTable(ctx, conn, t) {
			continue // an older schema without this table
		}
		var c int64
		// t comes from countedTables, never from input.
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&c); err != nil {
			return info, err
		}
		info.Counts[t] = c
	}
	return info, nil
}

func hasTable(ctx context.Context, conn *sql.DB, name string) bool {
	var n int
	err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`, name).Scan(&n)
	return err == nil && n > 0
}

// Restore replaces the SQLite database at path with the backup src, after
// checking src (Inspect). A database at path that holds records is
// replaced only with force, so a mistyped command cannot wipe an
// installation. The copy goes through SQLite's backup API into path, under
// its write lock and through its WAL, so it is all-or-nothing and any
// -wal file left next to path stays consistent with it. The server must be
// stopped: it would keep answering from what it had cached.
func Restore(ctx context.Context, path, src string, force bool) (BackupInfo, error) {
	if EngineOf(path) != EngineSQLite {
		return BackupInfo{}, notSQLite("restore")
	}
	from, err := inspect(ctx, src)
	if err != nil {
		return BackupInfo{}, err
	}
	if abs(path) == abs(src) {
		return BackupInfo{}, debrief.Errorf(debrief.EInvalid, "file", "%s is the database itself; restore from a backup file.", src)
	}
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		if err := checkHeader(path); err != nil {
			return BackupInfo{}, debrief.Errorf(debrief.EConflict, "db", "%s exists and is not a SQLite database; move it away first.", path)
		}
	}
	dst, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlstore: restore %s: %w", path, err)
	}
	defer dst.Close()
	dst.SetMaxOpenConns(1)
	if hasTable(ctx, dst, "goose_db_version") {
		current := BackupInfo{Counts: map[string]int64{}}
		for _, t := range countedTables {
			if !hasTable(ctx, dst, t) {
				continue
			}
			var c int64
			if err := dst.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&c); err != nil {
				return BackupInfo{}, fmt.Errorf("sqlstore: restore %s: %w", path, err)
			}
			current.Counts[t] = c
		}
		if !current.empty() && !force {
			return BackupInfo{}, debrief.Errorf(debrief.EConflict, "force",
				"The database %s is not empty (%s); restoring replaces everything in it. Back it up first (debrief backup), then run the restore again with --force.", path, current.countsText())
		}
	} else if hasAnyTable(ctx, dst) && !force {
		return BackupInfo{}, debrief.Errorf(debrief.EConflict, "force", "%s holds tables that are not Debrief's; restoring replaces them. Run the restore again with --force if that is what you want.", path)
	}

	conn, err := dst.Conn(ctx)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlstore: restore %s: %w", path, err)
	}
	err = conn.Raw(func(dc any) error {
		r, ok := dc.(interface {
			NewRestore(string) (*sqlite.Backup, error)
		})
		if !ok {
			return errors.New("the SQLite driver cannot restore")
		}
		b, err := r.NewRestore("file:" + escapePath(src) + "?mode=ro")
		if err != nil {
			return err
		}
		for {
			more, err := b.Step(-1)
			if err != nil {
				b.Finish()
				return err
			}
			if !more {
				break
			}
		}
		return b.Finish()
	})
	conn.Close()
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlstore: restore %s from %s: %w", path, src, err)
	}
	to, err := describe(ctx, dst, path)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlstore: restore %s: the restored database failed its check: %w", path, err)
	}
	// The restored pages are in the write-ahead log until a checkpoint:
	// move them into the file, so that it holds the database on its own
	// and the size said is the database's (it said 4,096 bytes before).
	if _, err := dst.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return BackupInfo{}, fmt.Errorf("sqlstore: restore %s: checkpoint: %w", path, err)
	}
	if st, err := os.Stat(path); err == nil {
		to.Bytes = st.Size()
	}
	if to.SchemaVersion != from.SchemaVersion || !maps.Equal(to.Counts, from.Counts) {
		return to, fmt.Errorf("sqlstore: restore %s: the restored database holds %s, the backup %s", path, to.countsText(), from.countsText())
	}
	return to, nil
}

func hasAnyTable(ctx context.Context, conn *sql.DB) bool {
	var n int
	err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`).Scan(&n)
	return err == nil && n > 0
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// sqliteHeader opens every SQLite 3 database file.
const sqliteHeader = "SQLite format 3\x00"

func checkHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	b := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(f, b); err != nil || string(b) != sqliteHeader {
		return debrief.Errorf(debrief.EInvalid, "file", "%s is not a SQLite database (a backup made by debrief backup is one).", path)
	}
	return nil
}

// escapePath writes path for a file: URI, as sqliteDSN does.
func escapePath(path string) string { return (&url.URL{Path: path}).EscapedPath() }
