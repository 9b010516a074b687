package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// ImportPostmortem inserts a whole imported postmortem (incident, timeline,
// postmortem, action items) in one transaction, so a failure anywhere
// stores nothing.
func (db *DB) ImportPostmortem(ctx context.Context, imp *debrief.PostmortemImport, actor string, at time.Time) error {
	if imp == nil || imp.Postmortem == nil {
		return debrief.Errorf(debrief.EInvalid, "postmortem", "The import holds no postmortem.")
	}
	rev := func(entity string, v any) *debrief.Revision {
		return &debrief.Revision{EntityType: entity, Version: 1, Action: "import", Actor: actor, At: at, Changes: debrief.Snapshot(v)}
	}
	var incID, pmID int64
	itemIDs := make([]int64, len(imp.ActionItems))
	eventIDs := make([]int64, len(imp.Timeline))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if inc := imp.Incident; inc != nil {
			var err error
			if incID, err = db.insertIncident(ctx, tx, inc); err != nil {
				return err
			}
			if err := db.appendRevision(ctx, tx, rev(debrief.EntityIncident, inc), incID); err != nil {
				return err
			}
			if len(imp.Timeline) > 0 {
				_, skipped, err := db.insertTimelineEvents(ctx, tx, incID, imp.Timeline, eventIDs)
				if err != nil {
					return err
				}
				if len(skipped) > 0 {
					e := imp.Timeline[skipped[0]]
					return debrief.Errorf(debrief.EInvalid, "timeline", "Timeline event %d repeats the source and external ID of an earlier one (%s).", skipped[0]+1, e.ExternalID)
				}
				tl := &debrief.Revision{EntityType: debrief.EntityIncident, Action: "timeline.add", Actor: actor, At: at,
					Changes: []debrief.Change{{Field: "timeline", New: []byte(strconv.Itoa(len(imp.Timeline)))}}}
				if err := db.appendRevision(ctx, tx, tl, incID); err != nil {
					return err
				}
			}
		}
		pm := *imp.Postmortem
		if imp.Incident != nil {
			pm.IncidentID = &incID
		}
		args, err := db.postmortemArgs(&pm)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO postmortems (incident_id, kind, title, owner, status, template, template_version,
	sections, root_cause, contributing_factors, lessons, project, published_at, created_by, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1)
RETURNING id`, args...).Scan(&pmID)
		if err != nil {
			return err
		}
		if err := db.appendRevision(ctx, tx, rev(debrief.EntityPostmortem, &pm), pmID); err != nil {
			return err
		}
		for i, it := range imp.ActionItems {
			a := *it
			a.PostmortemID = &pmID
			if imp.Incident != nil {
				a.IncidentID = &incID
			}
			err := tx.QueryRowContext(ctx, actionItemInsert, db.actionItemArgs(&a)...).Scan(&itemIDs[i])
			if err != nil {
				return err
			}
			if err := db.appendRevision(ctx, tx, rev(debrief.EntityActionItem, &a), itemIDs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return mapErr(err, "import postmortem")
	}
	// Only now that the transaction committed do the caller's values change.
	if inc := imp.Incident; inc != nil {
		inc.ID, inc.Key, inc.Version = incID, debrief.IncidentKey(incID), 1
		for i, e := range imp.Timeline {
			e.ID, e.IncidentID, e.Version = eventIDs[i], incID, 1
			e.At, e.CreatedAt = e.At.UTC().Truncate(time.Microsecond), e.CreatedAt.UTC().Truncate(time.Microsecond)
		}
		imp.Postmortem.IncidentID = &incID
	}
	imp.Postmortem.ID, imp.Postmortem.Key, imp.Postmortem.Version = pmID, postmortemKey(pmID), 1
	for i, a := range imp.ActionItems {
		a.ID, a.Key, a.Version = itemIDs[i], actionItemKey(itemIDs[i]), 1
		p := pmID
		a.PostmortemID = &p
		if imp.Incident != nil {
			id := incID
			a.IncidentID = &id
		}
	}
	return nil
}

const publicLinkColumns = `id, postmortem_id, token_hash, created_by, created_at, revoked_at`

func scanPublicLink(s rowScanner) (*debrief.PublicLink, error) {
	var l debrief.PublicLink
	if err := s.Scan(&l.ID, &l.PostmortemID, &l.TokenHash, &l.CreatedBy, timeCol{&l.CreatedAt}, nullTimeCol{&l.RevokedAt}); err != nil {
		return nil, err
	}
	return &l, nil
}

// CreatePublicLink inserts l, assigning its ID.
func (db *DB) CreatePublicLink(ctx context.Context, l *debrief.PublicLink, audit *debrief.AuditEntry) error {
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO public_links (postmortem_id, token_hash, created_by, created_at, revoked_at)
VALUES ($1, $2, $3, $4, $5) RETURNING id`, l.PostmortemID, l.TokenHash, l.CreatedBy, db.d.t(l.CreatedAt), db.d.tp(l.RevokedAt)).Scan(&id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, withTarget(audit, id))
	})
	if err != nil {
		if classify(err) == dbErrForeignKey {
			return notFound("postmortem", postmortemKey(l.PostmortemID))
		}
		return mapErr(err, "create public link")
	}
	l.ID = id
	l.CreatedAt = l.CreatedAt.UTC().Truncate(time.Microsecond)
	return nil
}

// PublicLinkByHash returns the link whose token hashes to hash, or ENotFound.
func (db *DB) PublicLinkByHash(ctx context.Context, hash string) (*debrief.PublicLink, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	l, err := scanPublicLink(db.r.QueryRowContext(ctx, `SELECT `+publicLinkColumns+` FROM public_links WHERE token_hash = $1`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, debrief.Errorf(debrief.ENotFound, "", "This public link does not exist or was revoked.")
	}
	if err != nil {
		return nil, mapErr(err, "get public link")
	}
	return l, nil
}

// ListPublicLinksAfter returns at most limit links of a postmortem with an
// ID below after (0 for the first page), newest first.
func (db *DB) ListPublicLinksAfter(ctx context.Context, postmortemID, after int64, limit int) ([]*debrief.PublicLink, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	var w where
	w.add(`postmortem_id = ?`, postmortemID)
	if after > 0 {
		w.add(`id < ?`, after)
	}
	out, err := queryList(ctx, db.r, `SELECT `+publicLinkColumns+` FROM public_links`+w.sql()+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit), w.args, scanPublicLink)
	if err != nil {
		return nil, mapErr(err, "list public links of postmortem %d after %d", postmortemID, after)
	}
	if out == nil {
		out = []*debrief.PublicLink{}
	}
	return out, nil
}

// RevokePublicLink marks a link revoked at at, keeping an earlier revocation.
func (db *DB) RevokePublicLink(ctx context.Context, postmortemID, id int64, at time.Time, audit *debrief.AuditEntry) (*debrief.PublicLink, error) {
	var l *debrief.PublicLink
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE public_links SET revoked_at = $1 WHERE id = $2 AND postmortem_id = $3 AND revoked_at IS NULL`,
			db.d.t(at), id, postmortemID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if l, err = scanPublicLink(tx.QueryRowContext(ctx, `SELECT `+publicLinkColumns+` FROM public_links WHERE id = $1 AND postmortem_id = $2`, id, postmortemID)); err != nil {
			return err
		}
		if n == 0 {
			// Already revoked: nothing changed, so nothing to audit.
			return nil
		}
		return db.appendAudit(ctx, tx, audit)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, debrief.Errorf(debrief.ENotFound, "", "Postmortem %s has no public link %d.", postmortemKey(postmortemID), id)
	}
	if err != nil {
		return nil, mapErr(err, "revoke public link %d", id)
	}
	return l, nil
}
