package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// KnownSchemaVersion returns the newest migration embedded for engine
// ("sqlite" or "postgres"): the newest schema this binary can run on.
func KnownSchemaVersion(engine string) (int64, error) {
	d := sqliteDialect
	if engine == EnginePostgres {
		d = postgresDialect
	}
	known, err := embeddedVersions(d)
	if err != nil {
		return 0, err
	}
	if len(known) == 0 {
		return 0, nil
	}
	return known[len(known)-1], nil
}

// embeddedVersions lists, in ascending order, the numbers of the migrations
// embedded for d's engine (goose's file names: 00012_reviews.sql is 12).
func embeddedVersions(d dialect) ([]int64, error) {
	entries, err := fs.ReadDir(migrationFiles, d.migrations)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	var vs []int64
	for _, e := range entries {
		name := e.Name()
		if path.Ext(name) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		if !ok {
			continue
		}
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration %s has no number: %w", name, err)
		}
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs, nil
}

// appliedVersions lists the migrations goose has recorded as applied, in
// ascending order; none for a database Debrief has never opened.
func (db *DB) appliedVersions(ctx context.Context) ([]int64, error) {
	if err := db.wg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.wg.leave()
	exists := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`
	if db.d.engine == EnginePostgres {
		// to_regclass follows the search_path, as goose's own queries do.
		exists = `SELECT COUNT(*) FROM (SELECT to_regclass('goose_db_version') AS t) x WHERE t IS NOT NULL`
	}
	var n int
	if err := db.w.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return nil, fmt.Errorf("sqlstore: schema version: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	rows, err := db.w.QueryContext(ctx, `SELECT DISTINCT version_id FROM goose_db_version WHERE is_applied AND version_id > 0 ORDER BY version_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: schema version: %w", err)
	}
	defer rows.Close()
	var vs []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("sqlstore: schema version: %w", err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: schema version: %w", err)
	}
	return vs, nil
}

// checkSchemaNotNewer refuses a database that holds a migration this binary
// does not know. goose alone would start on it without a word (it applies
// what is missing and ignores the rest), and an older binary writing to a
// newer schema can lose or corrupt what the newer one stores. A migration
// unknown to the binary but numbered below its newest (numbers were
// reserved per area and landed out of order) is refused the same way.
func (db *DB) checkSchemaNotNewer(ctx context.Context) error {
	known, err := embeddedVersions(db.d)
	if err != nil {
		return err
	}
	applied, err := db.appliedVersions(ctx)
	if err != nil {
		return err
	}
	var unknown []int64
	for _, v := range applied {
		if _, found := slices.BinarySearch(known, v); !found {
			unknown = append(unknown, v)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	newest := int64(0)
	if len(known) > 0 {
		newest = known[len(known)-1]
	}
	dbNewest := applied[len(applied)-1]
	return debrief.Errorf(debrief.EConflict, "db",
		"The %s database's schema is at version %d (with migration %s, which this binary does not know), but this debrief binary knows schema versions up to %d only: upgrade the debrief binary to the release that wrote this database (or newer), or restore a backup taken before that upgrade.",
		db.d.engine, dbNewest, versionList(unknown), newest)
}

func versionList(vs []int64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("%05d", v)
	}
	return strings.Join(parts, ", ")
}
