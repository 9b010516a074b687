package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

// attachmentColumns leaves out data, which only Attachment(withData) reads.
const attachmentColumns = `id, incident_id, postmortem_id, filename, content_type, size, sha256, uploaded_by, created_at`

func scanAttachment(s rowScanner, data *[]byte) (*debrief.Attachment, error) {
	var a debrief.Attachment
	var inc, pm sql.NullInt64
	dest := []any{&a.ID, &inc, &pm, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.UploadedBy, timeCol{&a.CreatedAt}}
	if data != nil {
		dest = append(dest, data)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	if inc.Valid {
		a.IncidentID = &inc.Int64
	}
	if pm.Valid {
		a.PostmortemID = &pm.Int64
	}
	return &a, nil
}

// CreateAttachment inserts a with its bytes and appends audit, whose target
// becomes the new attachment's ID.
func (db *DB) CreateAttachment(ctx context.Context, a *debrief.Attachment, audit *debrief.AuditEntry) error {
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := db.queryRow(ctx, tx, `INSERT INTO attachments (incident_id, postmortem_id, filename, content_type, size, sha256, uploaded_by, created_at, data)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			nullID(a.IncidentID), nullID(a.PostmortemID), a.Filename, a.ContentType, a.Size, a.SHA256, a.UploadedBy, db.d.t(a.CreatedAt), a.Data).Scan(&id)
		if err != nil {
			return err
		}
		if audit != nil {
			audit.TargetID = strconv.FormatInt(id, 10)
		}
		return db.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		if classify(err) == dbErrForeignKey {
			if a.IncidentID != nil {
				return debrief.Errorf(debrief.ENotFound, "", "There is no incident %s.", debrief.IncidentKey(*a.IncidentID))
			}
			return notFound("postmortem", postmortemKey(nullInt(a.PostmortemID)))
		}
		return mapErr(err, "create attachment")
	}
	a.ID = id
	return nil
}

func nullInt(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// Attachment returns one attachment, with its bytes when withData is true.
func (db *DB) Attachment(ctx context.Context, id int64, withData bool) (*debrief.Attachment, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	cols := attachmentColumns
	var data []byte
	var dst *[]byte
	if withData {
		cols += `, data`
		dst = &data
	}
	a, err := scanAttachment(db.queryRow(ctx, db.r, `SELECT `+cols+` FROM attachments WHERE id = $1`, id), dst)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, debrief.Errorf(debrief.ENotFound, "", "There is no attachment %d.", id)
	}
	if err != nil {
		return nil, mapErr(err, "get attachment %d", id)
	}
	a.Data = data
	return a, nil
}

// ListAttachments returns the attachments of one record, oldest first.
func (db *DB) ListAttachments(ctx context.Context, f debrief.AttachmentFilter) ([]*debrief.Attachment, error) {
	return db.ListAttachmentsAfter(ctx, f, 0, math.MaxInt32) // every one: a limit both engines take
}

// ListAttachmentsAfter returns at most limit attachments of one record
// with an ID above after (0 for the first page), oldest first, without
// their bytes. The indexes on (incident_id, id) and (postmortem_id, id)
// give the page in order.
func (db *DB) ListAttachmentsAfter(ctx context.Context, f debrief.AttachmentFilter, after int64, limit int) ([]*debrief.Attachment, error) {
	var w where
	switch {
	case f.IncidentID != nil:
		w.add(`incident_id = ?`, *f.IncidentID)
	case f.PostmortemID != nil:
		w.add(`postmortem_id = ?`, *f.PostmortemID)
	default:
		return nil, debrief.Errorf(debrief.EInvalid, "incident_id", "List the attachments of one incident or one postmortem.")
	}
	w.add(`id > ?`, after)
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	out, err := queryList(ctx, db.r, `SELECT `+attachmentColumns+` FROM attachments`+w.sql()+` ORDER BY id LIMIT `+strconv.Itoa(limit), w.args,
		func(s rowScanner) (*debrief.Attachment, error) { return scanAttachment(s, nil) })
	if err != nil {
		return nil, mapErr(err, "list attachments after %d", after)
	}
	if out == nil {
		out = []*debrief.Attachment{}
	}
	return out, nil
}

// DeleteAttachment removes one attachment and appends audit.
func (db *DB) DeleteAttachment(ctx context.Context, id int64, audit *debrief.AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `DELETE FROM attachments WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return debrief.Errorf(debrief.ENotFound, "", "There is no attachment %d.", id)
		}
		return db.appendAudit(ctx, tx, audit)
	})
	return mapErr(err, "delete attachment %d", id)
}
