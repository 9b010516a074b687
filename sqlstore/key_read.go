package sqlstore

import (
	"context"
	"database/sql"
	"errors"

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
