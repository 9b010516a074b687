package sqlstore

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/debriefhq/debrief/storetest"
)

// TestAccountsMigrationOutOfOrder checks that a database migrated before
// 00002_accounts existed (00001, 00003.. applied) gets 00002 on the next
// start, and that the audit log then refuses UPDATE and DELETE.
func TestAccountsMigrationOutOfOrder(t *testing.T) {
	for _, c := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "old.db") }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresDSN(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := open(ctx, c.dsn(t), nil, Options{})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer db.Close()
			sub, _ := fs.Sub(migrationFiles, db.d.migrations)
			old := fstest.MapFS{}
			entries, _ := fs.ReadDir(sub, ".")
			for _, e := range entries {
				// 00009 and 00021 build on 00002's tables, so a database
				// from before 00002 cannot have them either.
				if strings.HasPrefix(e.Name(), "00002_") || strings.HasPrefix(e.Name(), "00009_") || strings.HasPrefix(e.Name(), "00021_") {
					continue
				}
				b, _ := fs.ReadFile(sub, e.Name())
				old[e.Name()] = &fstest.MapFile{Data: b}
			}
			dialect := goose.DialectSQLite3
			if db.d.engine == EnginePostgres {
				dialect = goose.DialectPostgres
			}
			p, err := goose.NewProvider(dialect, db.w, old)
			if err != nil {
				t.Fatalf("goose.NewProvider(without 00002): %v", err)
			}
			if _, err := p.Up(ctx); err != nil {
				t.Fatalf("migrate without 00002: %v", err)
			}
			applied, err := db.Migrate(ctx)
			if err != nil {
				t.Fatalf("Migrate on a database without 00002 = %v; want 00002 applied out of order", err)
			}
			if len(applied) != 3 || !strings.HasPrefix(applied[0], "00002_") || !strings.HasPrefix(applied[1], "00009_") || !strings.HasPrefix(applied[2], "00021_") {
				t.Fatalf("Migrate applied %v; want 00002_accounts.sql, 00009_security.sql and 00021_auth_generation.sql", applied)
			}
			if _, err := db.w.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action) VALUES ($1, 'a', 'x')`, db.d.t(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))); err != nil {
				t.Fatalf("insert into audit_log: %v", err)
			}
			for _, q := range []string{`UPDATE audit_log SET actor = 'b'`, `DELETE FROM audit_log`} {
				if _, err := db.w.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s = %v; want it refused as append-only", q, err)
				}
			}
		})
	}
}
