package sqlstore

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestAccountsMigrationOutOfOrder checks that a database migrated before
// 00002_accounts existed (00001, 00003.. applied) gets 00002 on the next
// start, and that the audit log then refuses UPDATE and DELETE.
func TestAccountsMigrationOutOfOrder(t *testing.T) {
	for _, c := range migrationEngines {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			// 00009 and 00021 build on 00002's tables, so a database from
			// before 00002 cannot have them either.
			db := openBefore(t, c.dsn(t), "00002_", "00009_", "00021_")
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
