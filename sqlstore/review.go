package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

const reviewColumns = `id, postmortem_id, owner, title, zone, window_start, window_end, length_minutes, participants,
	chosen_start, chosen_end, sequence, status, created_by, created_at, updated_at, answers, version`

func scanReview(s rowScanner) (*debrief.Review, error) {
	var r debrief.Review
	var start, end *time.Time
	err := s.Scan(&r.ID, &r.PostmortemID, &r.Owner, &r.Title, &r.Zone, &r.WindowStart, &r.WindowEnd, &r.LengthMinutes,
		jsonCol{&r.Participants}, nullTimeCol{&start}, nullTimeCol{&end}, &r.Sequence, &r.Status, &r.CreatedBy,
		timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}, jsonCol{&r.Answers}, &r.Version)
	if err != nil {
		return nil, err
	}
	if start != nil && end != nil {
		r.Chosen = &debrief.TimeRange{Start: *start, End: *end}
	}
	if r.Participants == nil {
		r.Participants = []debrief.ReviewParticipant{}
	}
	if r.Answers == nil {
		r.Answers = []debrief.ReviewAnswer{}
	}
	return &r, nil
}

// reviewArgs returns the values of every column but id and version, in
// the order of reviewColumns.
func (db *DB) reviewArgs(r *debrief.Review) ([]any, error) {
	participants, err := jsonArg(r.Participants)
	if err != nil {
		return nil, err
	}
	answers := []debrief.ReviewAnswer{}
	if r.Answers != nil {
		answers = r.Answers
	}
	answersJSON, err := jsonArg(answers)
	if err != nil {
		return nil, err
	}
	var start, end any
	if r.Chosen != nil {
		start, end = db.d.t(r.Chosen.Start), db.d.t(r.Chosen.End)
	}
	return []any{r.PostmortemID, r.Owner, r.Title, r.Zone, r.WindowStart, r.WindowEnd, r.LengthMinutes, participants,
		start, end, r.Sequence, string(r.Status), r.CreatedBy, db.d.t(r.CreatedAt), db.d.t(r.UpdatedAt), answersJSON}, nil
}

// CreateReview inserts r and its links in one transaction.
func (db *DB) CreateReview(ctx context.Context, r *debrief.Review, links []*debrief.ReviewLink, rev *debrief.Revision, mail []*debrief.Notification) error {
	args, err := db.reviewArgs(r)
	if err != nil {
		return err
	}
	var id int64
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO reviews (postmortem_id, owner, title, zone, window_start, window_end, length_minutes,
	participants, chosen_start, chosen_end, sequence, status, created_by, created_at, updated_at, answers, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1)
RETURNING id`, args...).Scan(&id)
		if err != nil {
			return err
		}
		if err := db.writeReviewLinks(ctx, tx, id, links); err != nil {
			return err
		}
		if _, err := db.insertNotifications(ctx, tx, mail); err != nil {
			return err
		}
		return db.appendRevision(ctx, tx, rev, id)
	})
	switch classify(err) {
	case dbErrUnique:
		if cur, cerr := db.ReviewByPostmortem(ctx, r.PostmortemID); cerr == nil {
			return &debrief.Error{Code: debrief.EConflict, Field: "postmortem_id", Current: cur,
				Message: postmortemKey(r.PostmortemID) + " already has a review meeting; change that one."}
		}
	case dbErrForeignKey:
		return notFound("postmortem", postmortemKey(r.PostmortemID))
	}
	if err != nil {
		return mapErr(err, "create review of postmortem %d", r.PostmortemID)
	}
	r.ID, r.Version = id, 1
	for _, l := range links {
		l.ReviewID = id
	}
	return nil
}

// writeReviewLinks replaces the links of the participants named in links.
func (db *DB) writeReviewLinks(ctx context.Context, tx *sql.Tx, reviewID int64, links []*debrief.ReviewLink) error {
	for _, l := range links {
		if _, err := tx.ExecContext(ctx, `DELETE FROM review_links WHERE review_id = $1 AND email = $2`, reviewID, l.Email); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO review_links (review_id, email, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			reviewID, l.Email, l.TokenHash, db.d.t(l.CreatedAt), db.d.t(l.ExpiresAt)); err != nil {
			return err
		}
	}
	return nil
}

// Review returns a review by ID, or ENotFound.
func (db *DB) Review(ctx context.Context, id int64) (*debrief.Review, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	r, err := scanReview(db.r.QueryRowContext(ctx, `SELECT `+reviewColumns+` FROM reviews WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, debrief.Errorf(debrief.ENotFound, "", "There is no review meeting %d.", id)
	}
	return r, mapErr(err, "get review %d", id)
}

// ReviewByPostmortem returns a postmortem's review, or ENotFound.
func (db *DB) ReviewByPostmortem(ctx context.Context, postmortemID int64) (*debrief.Review, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	r, err := scanReview(db.r.QueryRowContext(ctx, `SELECT `+reviewColumns+` FROM reviews WHERE postmortem_id = $1`, postmortemID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, debrief.Errorf(debrief.ENotFound, "", "%s has no review meeting yet; open one first.", postmortemKey(postmortemID))
	}
	return r, mapErr(err, "get review of postmortem %d", postmortemID)
}

// UpdateReview stores r if its stored version is ifVersion, with its links
// and the mail the change sends.
func (db *DB) UpdateReview(ctx context.Context, r *debrief.Review, ifVersion int, links []*debrief.ReviewLink, rev *debrief.Revision, mail []*debrief.Notification) error {
	args, err := db.reviewArgs(r)
	if err != nil {
		return err
	}
	// postmortem_id, created_by and created_at never change.
	upd := append(append([]any{}, args[1:12]...), args[14], args[15], r.ID, ifVersion)
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE reviews SET owner = $1, title = $2, zone = $3, window_start = $4, window_end = $5,
	length_minutes = $6, participants = $7, chosen_start = $8, chosen_end = $9, sequence = $10, status = $11, updated_at = $12,
	answers = $13, version = version + 1
WHERE id = $14 AND version = $15`, upd...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			cur, err := scanReview(tx.QueryRowContext(ctx, `SELECT `+reviewColumns+` FROM reviews WHERE id = $1`, r.ID))
			if errors.Is(err, sql.ErrNoRows) {
				return debrief.Errorf(debrief.ENotFound, "", "There is no review meeting %d.", r.ID)
			}
			if err != nil {
				return err
			}
			return debrief.Conflict("review", cur, cur.Version)
		}
		// Links of people no longer invited stop working with the change.
		invited := map[string]bool{}
		for _, p := range r.Participants {
			invited[p.Email] = true
		}
		linked, err := queryList(ctx, tx, `SELECT email FROM review_links WHERE review_id = $1`, []any{r.ID},
			func(s rowScanner) (string, error) {
				var e string
				err := s.Scan(&e)
				return e, err
			})
		if err != nil {
			return err
		}
		for _, e := range linked {
			if !invited[e] {
				if _, err := tx.ExecContext(ctx, `DELETE FROM review_links WHERE review_id = $1 AND email = $2`, r.ID, e); err != nil {
					return err
				}
			}
		}
		if err := db.writeReviewLinks(ctx, tx, r.ID, links); err != nil {
			return err
		}
		if _, err := db.insertNotifications(ctx, tx, mail); err != nil {
			return err
		}
		return db.appendRevision(ctx, tx, rev, r.ID)
	})
	if err != nil {
		return mapErr(err, "update review %d", r.ID)
	}
	r.Version = ifVersion + 1
	return nil
}

// ReviewLinkByHash returns the link whose token hashes to hash, or ENotFound.
func (db *DB) ReviewLinkByHash(ctx context.Context, hash string) (*debrief.ReviewLink, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	var l debrief.ReviewLink
	err := db.r.QueryRowContext(ctx, `SELECT review_id, email, token_hash, created_at, expires_at FROM review_links WHERE token_hash = $1`, hash).
		Scan(&l.ReviewID, &l.Email, &l.TokenHash, timeCol{&l.CreatedAt}, timeCol{&l.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, debrief.Errorf(debrief.ENotFound, "", "This personal link does not exist.")
	}
	if err != nil {
		return nil, mapErr(err, "get review link")
	}
	return &l, nil
}

// ReviewLinks returns a review's links, by email.
func (db *DB) ReviewLinks(ctx context.Context, reviewID int64) ([]*debrief.ReviewLink, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	out, err := queryList(ctx, db.r, `SELECT review_id, email, token_hash, created_at, expires_at FROM review_links WHERE review_id = $1 ORDER BY email`,
		[]any{reviewID}, func(s rowScanner) (*debrief.ReviewLink, error) {
			var l debrief.ReviewLink
			err := s.Scan(&l.ReviewID, &l.Email, &l.TokenHash, timeCol{&l.CreatedAt}, timeCol{&l.ExpiresAt})
			return &l, err
		})
	if err != nil {
		return nil, mapErr(err, "list links of review %d", reviewID)
	}
	if out == nil {
		out = []*debrief.ReviewLink{}
	}
	return out, nil
}
