package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/debriefhq/debrief/debrief"
)

// A meeting in progress is one row: its state as JSON, read and written
// whole, with the version and the room link's hash beside it.

const meetingColumns = `state, room_token_hash, version`

func scanMeeting(s rowScanner) (*debrief.ReviewMeeting, error) {
	var m debrief.ReviewMeeting
	var hash string
	var version int
	if err := s.Scan(jsonCol{&m}, &hash, &version); err != nil {
		return nil, err
	}
	m.RoomTokenHash, m.Version = hash, version
	if m.Speakers == nil {
		m.Speakers = []debrief.MeetingSpeaker{}
	}
	if m.Goals == nil {
		m.Goals = []debrief.MeetingGoal{}
	}
	return &m, nil
}

// CreateReviewMeeting inserts m with version 1.
func (db *DB) CreateReviewMeeting(ctx context.Context, m *debrief.ReviewMeeting, rev *debrief.Revision) error {
	m.Version = 1
	state, err := jsonArg(m)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO review_meetings (postmortem_id, review_id, state, room_token_hash, updated_at, version)
VALUES ($1, $2, $3, $4, $5, 1)`, m.PostmortemID, m.ReviewID, state, m.RoomTokenHash, db.d.t(m.UpdatedAt)); err != nil {
			return err
		}
		return db.appendRevision(ctx, tx, rev, m.PostmortemID)
	})
	switch classify(err) {
	case dbErrUnique:
		if cur, cerr := db.ReviewMeeting(ctx, m.PostmortemID); cerr == nil {
			return &debrief.Error{Code: debrief.EConflict, Field: "postmortem_id", Current: cur,
				Message: postmortemKey(m.PostmortemID) + "'s review meeting has already started; it continues where it is."}
		}
	case dbErrForeignKey:
		return notFound("review of postmortem", postmortemKey(m.PostmortemID))
	}
	if err != nil {
		m.Version = 0
		return mapErr(err, "create review meeting of postmortem %d", m.PostmortemID)
	}
	return nil
}

// ReviewMeeting returns a postmortem's meeting, or ENotFound.
func (db *DB) ReviewMeeting(ctx context.Context, postmortemID int64) (*debrief.ReviewMeeting, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	m, err := scanMeeting(db.r.QueryRowContext(ctx, `SELECT `+meetingColumns+` FROM review_meetings WHERE postmortem_id = $1`, postmortemID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, debrief.Errorf(debrief.ENotFound, "", "%s's review meeting has not started.", postmortemKey(postmortemID))
	}
	return m, mapErr(err, "get review meeting of postmortem %d", postmortemID)
}

// ReviewMeetingByRoomHash returns the meeting whose room token hashes to
// hash, or ENotFound.
func (db *DB) ReviewMeetingByRoomHash(ctx context.Context, hash string) (*debrief.ReviewMeeting, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	m, err := scanMeeting(db.r.QueryRowContext(ctx, `SELECT `+meetingColumns+` FROM review_meetings WHERE room_token_hash = $1`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, debrief.Errorf(debrief.ENotFound, "", "This room link does not exist.")
	}
	return m, mapErr(err, "get review meeting by room link")
}

// UpdateReviewMeeting stores m if its stored version is ifVersion.
func (db *DB) UpdateReviewMeeting(ctx context.Context, m *debrief.ReviewMeeting, ifVersion int, rev *debrief.Revision) error {
	next := *m
	next.Version = ifVersion + 1
	state, err := jsonArg(&next)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE review_meetings SET state = $1, room_token_hash = $2, updated_at = $3, version = version + 1
WHERE postmortem_id = $4 AND version = $5`, state, m.RoomTokenHash, db.d.t(m.UpdatedAt), m.PostmortemID, ifVersion)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			cur, err := scanMeeting(tx.QueryRowContext(ctx, `SELECT `+meetingColumns+` FROM review_meetings WHERE postmortem_id = $1`, m.PostmortemID))
			if errors.Is(err, sql.ErrNoRows) {
				return debrief.Errorf(debrief.ENotFound, "", "%s's review meeting has not started.", postmortemKey(m.PostmortemID))
			}
			if err != nil {
				return err
			}
			return debrief.Conflict("review meeting", cur, cur.Version)
		}
		return db.appendRevision(ctx, tx, rev, m.PostmortemID)
	})
	if err != nil {
		return mapErr(err, "update review meeting of postmortem %d", m.PostmortemID)
	}
	m.Version = ifVersion + 1
	return nil
}
