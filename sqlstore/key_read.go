package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// keyReadContext is the context for a read of one row by its key on the
// read pool, the reads every request makes (the authentication generation,
// the record it names). On SQLite it drops the caller's cancellation: while
// a context can end, database/sql and the driver each start a goroutine per
// statement to watch it, which costs more than reading the row, and a read
// by key from a local file ends within microseconds whatever happens to the
// caller. On PostgreSQL the query waits on a network, so the caller's
// context still bounds it. Either way the caller's context bounds the wait
// for a connection (the read gate), which comes before, and a caller
// already gone gets its context's error as from any read.
func (db *DB) keyReadContext(ctx context.Context) context.Context {
	if db.d.detachKeyReads && ctx.Err() == nil {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// keyRow is queryRow on the read pool for a read of one row by its key.
func (db *DB) keyRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.queryRow(db.keyReadContext(ctx), db.r, query, args...)
}

// postmortemStampColumns are what PostmortemStamp and
// AuthGenerationAndPostmortemStamp read of postmortem p and its incident i
// (scanPostmortemStamp).
const postmortemStampColumns = `p.id, p.incident_id, p.updated_at, p.version, i.private`

// scanPostmortemStamp scans postmortemStampColumns after the columns in
// before; found is false when the postmortem was not there (a left join
// found none).
func scanPostmortemStamp(row *sql.Row, before ...any) (ps debrief.PostmortemStamp, found bool, err error) {
	var id, incidentID, version sql.NullInt64
	var updated *time.Time
	var private sql.NullBool
	if err := row.Scan(append(before, &id, &incidentID, nullTimeCol{&updated}, &version, &private)...); err != nil {
		return ps, false, err
	}
	if !id.Valid || updated == nil {
		return ps, false, nil
	}
	ps.Stamp = debrief.Stamp{ID: id.Int64, Version: int(version.Int64), UpdatedAt: *updated}
	if incidentID.Valid {
		ps.IncidentID = &incidentID.Int64
	}
	if private.Valid {
		ps.IncidentPrivate = &private.Bool
	}
	return ps, true, nil
}

// PostmortemStamp returns the stamp of postmortem id, its incident and
// whether that is private, without the sections: what a cache of a
// postmortem needs to tell whether it is still current and who may see it
// (debrief.PostmortemStampStore).
func (db *DB) PostmortemStamp(ctx context.Context, id int64) (debrief.PostmortemStamp, error) {
	if err := db.rg.enter(ctx); err != nil {
		return debrief.PostmortemStamp{}, err
	}
	defer db.rg.leave()
	ps, found, err := scanPostmortemStamp(db.keyRow(ctx, `SELECT `+postmortemStampColumns+`
FROM postmortems p LEFT JOIN incidents i ON i.id = p.incident_id
WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !found {
		err = notFound("postmortem", postmortemKey(id))
	}
	if err != nil {
		return debrief.PostmortemStamp{}, mapErr(err, "get postmortem %d", id)
	}
	return ps, nil
}

// AuthGenerationAndPostmortemStamp reads the authentication generation and
// what PostmortemStamp reads of postmortem id in one statement
// (debrief.AuthStampStore): a request that authenticates with an API token
// and reads a postmortem makes one read, one round trip on PostgreSQL,
// instead of two. found is false when there is no postmortem id; the
// generation is read either way.
func (db *DB) AuthGenerationAndPostmortemStamp(ctx context.Context, id int64) (gen int64, ps debrief.PostmortemStamp, found bool, err error) {
	if err := db.rg.enter(ctx); err != nil {
		return 0, debrief.PostmortemStamp{}, false, err
	}
	defer db.rg.leave()
	ps, found, err = scanPostmortemStamp(db.keyRow(ctx, `SELECT g.generation, `+postmortemStampColumns+`
FROM auth_generation g LEFT JOIN postmortems p ON p.id = $1 LEFT JOIN incidents i ON i.id = p.incident_id
WHERE g.id = 1`, id), &gen)
	if err != nil {
		return 0, debrief.PostmortemStamp{}, false, mapErr(err, "read the authentication generation and postmortem %d", id)
	}
	return gen, ps, found, nil
}
