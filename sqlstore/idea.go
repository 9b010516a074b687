package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

const ideaColumns = `id, title, detail, status, merged_into, action_item_id, created_by, created_at, updated_at, version`

func scanIdea(s rowScanner) (*debrief.Idea, error) {
	var i debrief.Idea
	var merged, item sql.NullInt64
	if err := s.Scan(&i.ID, &i.Title, &i.Detail, &i.Status, &merged, &item, &i.CreatedBy, timeCol{&i.CreatedAt}, timeCol{&i.UpdatedAt}, &i.Version); err != nil {
		return nil, err
	}
	if merged.Valid {
		i.MergedInto = &merged.Int64
	}
	if item.Valid {
		i.ActionItemID = &item.Int64
	}
	i.Key = debrief.IdeaKey(i.ID)
	i.Mentions = []debrief.IdeaMention{}
	return &i, nil
}

// CreateIdea implements debrief.IdeaStore.
func (db *DB) CreateIdea(ctx context.Context, idea *debrief.Idea, rev *debrief.Revision) error {
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := db.queryRow(ctx, tx, `INSERT INTO ideas (title, detail, status, merged_into, action_item_id, created_by, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) RETURNING id`,
			idea.Title, idea.Detail, string(idea.Status), nullID(idea.MergedInto), nullID(idea.ActionItemID), idea.CreatedBy,
			db.d.t(idea.CreatedAt), db.d.t(idea.UpdatedAt)).Scan(&id)
		if err != nil {
			return err
		}
		if err := db.writeMentions(ctx, tx, id, idea.Mentions); err != nil {
			return err
		}
		return db.appendRevision(ctx, tx, rev, id)
	})
	if err != nil {
		if classify(err) == dbErrForeignKey {
			return debrief.Errorf(debrief.EInvalid, "postmortem_id", "The postmortem that raised this idea does not exist.")
		}
		return mapErr(err, "create idea")
	}
	idea.ID, idea.Key, idea.Version = id, debrief.IdeaKey(id), 1
	return nil
}

// writeMentions replaces the mentions of idea id with ms.
func (db *DB) writeMentions(ctx context.Context, tx *sql.Tx, id int64, ms []debrief.IdeaMention) error {
	if _, err := db.exec(ctx, tx, `DELETE FROM idea_mentions WHERE idea_id = $1`, id); err != nil {
		return err
	}
	for _, m := range ms {
		if _, err := db.exec(ctx, tx, `INSERT INTO idea_mentions (idea_id, postmortem_id, note, raised_by, raised_at) VALUES ($1, $2, $3, $4, $5)`,
			id, m.PostmortemID, m.Note, m.RaisedBy, db.d.t(m.RaisedAt)); err != nil {
			return err
		}
	}
	return nil
}

// Idea implements debrief.IdeaStore.
func (db *DB) Idea(ctx context.Context, id int64) (*debrief.Idea, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	tx, err := db.r.BeginTx(ctx, db.d.readTxOptions())
	if err != nil {
		return nil, mapErr(err, "get idea %d", id)
	}
	defer tx.Rollback()
	idea, err := db.idea(ctx, tx, id)
	if err != nil {
		return nil, mapErr(err, "get idea %d", id)
	}
	return idea, nil
}

func (db *DB) idea(ctx context.Context, q querier, id int64) (*debrief.Idea, error) {
	// Not through the statement cache: q may be a read transaction, and
	// the cache prepares transactions' statements on the write pool.
	idea, err := scanIdea(q.QueryRowContext(ctx, `SELECT `+ideaColumns+` FROM ideas WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("idea", debrief.IdeaKey(id))
	}
	if err != nil {
		return nil, err
	}
	err = db.readMentions(ctx, q, `WHERE idea_id = $1`, []any{id}, map[int64]*debrief.Idea{id: idea})
	return idea, err
}

// readMentions adds the mentions selected by cond to their ideas in byID.
func (db *DB) readMentions(ctx context.Context, q querier, cond string, args []any, byID map[int64]*debrief.Idea) error {
	rows, err := q.QueryContext(ctx, `SELECT idea_id, postmortem_id, note, raised_by, raised_at FROM idea_mentions `+cond+` ORDER BY raised_at, postmortem_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var m debrief.IdeaMention
		if err := rows.Scan(&id, &m.PostmortemID, &m.Note, &m.RaisedBy, timeCol{&m.RaisedAt}); err != nil {
			return err
		}
		if idea := byID[id]; idea != nil {
			idea.Mentions = append(idea.Mentions, m)
		}
	}
	return rows.Err()
}

// ListIdeas implements debrief.IdeaStore. Both queries run in one read
// transaction, so an idea and its mentions come from one snapshot.
func (db *DB) ListIdeas(ctx context.Context, f debrief.IdeaFilter) ([]*debrief.Idea, error) {
	w := ideaWhere(f)
	return db.readIdeas(ctx, w, ` ORDER BY id DESC`)
}

// updateIdea stores idea and its mentions in tx if its version is
// ifVersion; otherwise EConflict with the stored idea.
func (db *DB) updateIdea(ctx context.Context, tx *sql.Tx, idea *debrief.Idea, ifVersion int, rev *debrief.Revision) error {
	res, err := db.exec(ctx, tx, `UPDATE ideas SET title = $1, detail = $2, status = $3, merged_into = $4, action_item_id = $5,
	updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8`,
		idea.Title, idea.Detail, string(idea.Status), nullID(idea.MergedInto), nullID(idea.ActionItemID), db.d.t(idea.UpdatedAt), idea.ID, ifVersion)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		cur, err := db.idea(ctx, tx, idea.ID)
		if err != nil {
			return err
		}
		return debrief.Conflict("idea", cur, cur.Version)
	}
	if err := db.writeMentions(ctx, tx, idea.ID, idea.Mentions); err != nil {
		return err
	}
	return db.appendRevision(ctx, tx, rev, idea.ID)
}

// UpdateIdea implements debrief.IdeaStore.
func (db *DB) UpdateIdea(ctx context.Context, idea *debrief.Idea, ifVersion int, rev *debrief.Revision) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.updateIdea(ctx, tx, idea, ifVersion, rev) })
	if err != nil {
		return mapErr(err, "update idea %d", idea.ID)
	}
	idea.Version = ifVersion + 1
	return nil
}

// MergeIdeas implements debrief.IdeaStore.
func (db *DB) MergeIdeas(ctx context.Context, from *debrief.Idea, fromVersion int, into *debrief.Idea, intoVersion int, fromRev, intoRev *debrief.Revision) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.updateIdea(ctx, tx, from, fromVersion, fromRev); err != nil {
			return err
		}
		return db.updateIdea(ctx, tx, into, intoVersion, intoRev)
	})
	if err != nil {
		return mapErr(err, "merge idea %d into %d", from.ID, into.ID)
	}
	from.Version, into.Version = fromVersion+1, intoVersion+1
	return nil
}

// PromoteIdea implements debrief.IdeaStore.
func (db *DB) PromoteIdea(ctx context.Context, idea *debrief.Idea, ifVersion int, item *debrief.ActionItem, ideaRev, itemRev *debrief.Revision) error {
	var itemID int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.queryRow(ctx, tx, actionItemInsert, db.actionItemArgs(item)...).Scan(&itemID); err != nil {
			return err
		}
		if err := db.appendRevision(ctx, tx, itemRev, itemID); err != nil {
			return err
		}
		promoted := *idea
		promoted.ActionItemID = &itemID
		rev := *ideaRev
		rev.Changes = append(append([]debrief.Change(nil), ideaRev.Changes...),
			debrief.Change{Field: "action_item_id", Old: json.RawMessage("null"), New: json.RawMessage(strconv.FormatInt(itemID, 10))})
		if err := db.updateIdea(ctx, tx, &promoted, ifVersion, &rev); err != nil {
			return err
		}
		ideaRev.ID, ideaRev.Changes = rev.ID, rev.Changes
		return nil
	})
	if err != nil {
		if classify(err) == dbErrForeignKey {
			return actionItemLinkErr()
		}
		return mapErr(err, "promote idea %d", idea.ID)
	}
	item.ID, item.Key, item.Version = itemID, actionItemKey(itemID), 1
	idea.ActionItemID, idea.Version = &itemID, ifVersion+1
	return nil
}
