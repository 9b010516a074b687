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
// for a connection (the read gate), which comes before.
func (db *DB) keyReadContext(ctx context.Context) context.Context {
	if db.d.detachKeyReads {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// keyRow is queryRow on the read pool for a read of one row by its key.
func (db *DB) keyRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.queryRow(db.keyReadContext(ctx), db.r, query, args...)
}

// PostmortemStamp returns the id, version and update time of postmortem id
// and its incident, without the sections: what a cache of a postmortem
// needs to tell whether it is still current (debrief.PostmortemStampStore).
func (db *DB) PostmortemStamp(ctx context.Context, id int64) (debrief.Stamp, *int64, error) {
	if err := db.rg.enter(ctx); err != nil {
		return debrief.Stamp{}, nil, err
	}
	defer db.rg.leave()
	var st debrief.Stamp
	var incidentID sql.NullInt64
	err := db.keyRow(ctx, `SELECT id, incident_id, updated_at, version FROM postmortems WHERE id = $1`, id).
		Scan(&st.ID, &incidentID, timeCol{&st.UpdatedAt}, &st.Version)
	if errors.Is(err, sql.ErrNoRows) {
		err = notFound("postmortem", postmortemKey(id))
	}
	if err != nil {
		return debrief.Stamp{}, nil, mapErr(err, "get postmortem %d", id)
	}
	if incidentID.Valid {
		return st, &incidentID.Int64, nil
	}
	return st, nil, nil
}

// AuthGenerationAndPostmortemStamp reads the authentication generation and
// postmortem id's stamp in one statement (debrief.AuthStampStore): a
// request that authenticates with an API token and reads a postmortem
// makes one read, one round trip on PostgreSQL, instead of two. found is
// false when there is no postmortem id; the generation is read either way.
func (db *DB) AuthGenerationAndPostmortemStamp(ctx context.Context, id int64) (gen int64, st debrief.Stamp, incidentID *int64, found bool, err error) {
	if err := db.rg.enter(ctx); err != nil {
		return 0, debrief.Stamp{}, nil, false, err
	}
	defer db.rg.leave()
	var pmID, incident, version sql.NullInt64
	var updated *time.Time
	err = db.keyRow(ctx, `SELECT g.generation, p.id, p.incident_id, p.updated_at, p.version
FROM auth_generation g LEFT JOIN postmortems p ON p.id = $1
WHERE g.id = 1`, id).Scan(&gen, &pmID, &incident, nullTimeCol{&updated}, &version)
	if err != nil {
		return 0, debrief.Stamp{}, nil, false, mapErr(err, "read the authentication generation and postmortem %d", id)
	}
	if !pmID.Valid || updated == nil {
		return gen, debrief.Stamp{}, nil, false, nil
	}
	st = debrief.Stamp{ID: pmID.Int64, Version: int(version.Int64), UpdatedAt: *updated}
	if incident.Valid {
		incidentID = &incident.Int64
	}
	return gen, st, incidentID, true, nil
}
