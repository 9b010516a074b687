package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/storetest"
)

// TestNewerSchemaRefused records a migration newer than the binary's
// newest in a migrated database, as a newer release would, and checks that
// Open and Migrate both refuse it with a sentence naming both versions,
// while a database at the binary's own version still opens.
func TestNewerSchemaRefused(t *testing.T) {
	for _, c := range []struct {
		engine, driver string
		dsn            func(t *testing.T) (dsn, driverDSN string)
	}{
		{"sqlite", "sqlite", func(t *testing.T) (string, string) {
			p := filepath.Join(t.TempDir(), "newer.db")
			return p, p
		}},
		{"postgres", "pgx", func(t *testing.T) (string, string) {
			d := storetest.PostgresDSN(t)
			return d, d
		}},
	} {
		t.Run(c.engine, func(t *testing.T) {
			ctx := context.Background()
			dsn, driverDSN := c.dsn(t)
			known, err := sqlstore.KnownSchemaVersion(c.engine)
			if err != nil || known < 12 {
				t.Fatalf("KnownSchemaVersion(%s) = %d, %v; want at least 12", c.engine, known, err)
			}
			if _, err := sqlstore.Migrate(ctx, dsn, nil); err != nil {
				t.Fatalf("Migrate(fresh) = %v", err)
			}
			db, err := sqlstore.Open(ctx, dsn, nil)
			if err != nil {
				t.Fatalf("Open(at the binary's version) = %v, want success", err)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != known {
				t.Errorf("SchemaVersion() = %d, %v; want %d", v, err, known)
			}
			db.Close()

			raw, err := sql.Open(c.driver, driverDSN)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			newer := known + 1
			if _, err := raw.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)`, newer); err != nil {
				t.Fatalf("record migration %d: %v", newer, err)
			}
			var before int
			raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM goose_db_version`).Scan(&before)

			check := func(what string, err error) {
				t.Helper()
				if err == nil {
					t.Fatalf("%s on a schema at version %d = nil, want a refusal", what, newer)
				}
				if !debrief.IsCode(err, debrief.EConflict) {
					t.Errorf("%s = %v, want code %s", what, err, debrief.EConflict)
				}
				msg := debrief.ErrorMessage(err)
				for _, want := range []string{fmt.Sprintf("version %d", newer), fmt.Sprintf("up to %d", known), "upgrade the debrief binary"} {
					if !strings.Contains(msg, want) {
						t.Errorf("%s message %q does not say %q", what, msg, want)
					}
				}
			}
			_, err = sqlstore.Open(ctx, dsn, nil)
			check("Open", err)
			_, err = sqlstore.Migrate(ctx, dsn, nil)
			check("Migrate", err)

			var after int
			raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM goose_db_version`).Scan(&after)
			if after != before {
				t.Errorf("goose_db_version rows = %d after the refusals, want %d (nothing applied)", after, before)
			}
		})
	}
}

// TestUnknownOlderMigrationRefused covers a migration number below the
// binary's newest that the binary lacks (numbers land out of order): the
// database came from another build and is refused too.
func TestUnknownOlderMigrationRefused(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "gap.db")
	if _, err := sqlstore.Migrate(ctx, dsn, nil); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// Find a number below the newest that this build has no file for.
	known, _ := sqlstore.KnownSchemaVersion("sqlite")
	gap := int64(0)
	for v := known - 1; v > 0 && gap == 0; v-- {
		files, _ := filepath.Glob(fmt.Sprintf("migrations/sqlite/%05d_*.sql", v))
		if len(files) == 0 {
			gap = v
		}
	}
	if gap == 0 {
		t.Skip("every number below the newest migration has a file; no gap to test")
	}
	if _, err := raw.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)`, gap); err != nil {
		t.Fatal(err)
	}
	_, err = sqlstore.Open(ctx, dsn, nil)
	name := fmt.Sprintf("%05d", gap)
	if !debrief.IsCode(err, debrief.EConflict) || !strings.Contains(debrief.ErrorMessage(err), name) {
		t.Fatalf("Open(with unknown migration %s) = %v, want EConflict naming it", name, err)
	}
}
