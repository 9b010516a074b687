package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

const integrationColumns = `id, name, kind, enabled, config, token_hash, signing_secrets, created_by, created_at, updated_at, version,
	refused_count, refused_last_at, refused_last_from, refused_last_reason`

func scanIntegration(s rowScanner) (*debrief.Integration, error) {
	var in debrief.Integration
	err := s.Scan(&in.ID, &in.Name, &in.Kind, &in.Enabled, jsonCol{&in.Config}, &in.TokenHash, jsonCol{&in.SigningSecrets},
		&in.CreatedBy, timeCol{&in.CreatedAt}, timeCol{&in.UpdatedAt}, &in.Version,
		&in.Refused.Count, nullTimeCol{&in.Refused.LastAt}, &in.Refused.LastFrom, &in.Refused.LastReason)
	if err != nil {
		return nil, err
	}
	if len(in.SigningSecrets) == 0 {
		in.SigningSecrets = nil
	}
	return &in, nil
}

func (db *DB) integrationArgs(in *debrief.Integration) ([]any, error) {
	config, err := jsonArg(in.Config)
	if err != nil {
		return nil, err
	}
	secrets := in.SigningSecrets
	if secrets == nil {
		secrets = []string{}
	}
	sec, err := jsonArg(secrets)
	if err != nil {
		return nil, err
	}
	return []any{in.Name, string(in.Kind), in.Enabled, config, in.TokenHash, sec, in.CreatedBy, db.d.t(in.CreatedAt), db.d.t(in.UpdatedAt)}, nil
}

// CreateIntegration inserts in, assigning ID and Version 1.
func (db *DB) CreateIntegration(ctx context.Context, in *debrief.Integration, audit *debrief.AuditEntry) error {
	args, err := db.integrationArgs(in)
	if err != nil {
		return err
	}
	var id int64
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO integrations (name, kind, enabled, config, token_hash, signing_secrets,
	created_by, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id`, args...).Scan(&id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, withTarget(audit, id))
	})
	if err != nil {
		if classify(err) == dbErrUnique {
			return debrief.Errorf(debrief.EConflict, "name", "An integration named %q already exists; choose another name.", in.Name)
		}
		return mapErr(err, "create integration")
	}
	in.ID, in.Version = id, 1
	return nil
}

// Integration returns one integration, or ENotFound.
func (db *DB) Integration(ctx context.Context, id int64) (*debrief.Integration, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	in, err := scanIntegration(db.r.QueryRowContext(ctx, `SELECT `+integrationColumns+` FROM integrations WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, debrief.Errorf(debrief.ENotFound, "", "There is no integration %d.", id)
	}
	if err != nil {
		return nil, mapErr(err, "get integration %d", id)
	}
	return in, nil
}

// ListIntegrations returns every integration, by ID.
func (db *DB) ListIntegrations(ctx context.Context) ([]*debrief.Integration, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	list, err := queryList(ctx, db.r, `SELECT `+integrationColumns+` FROM integrations ORDER BY id`, nil, scanIntegration)
	if err != nil {
		return nil, mapErr(err, "list integrations")
	}
	return list, nil
}

// UpdateIntegration stores in if its stored version is ifVersion.
func (db *DB) UpdateIntegration(ctx context.Context, in *debrief.Integration, ifVersion int, audit *debrief.AuditEntry) error {
	args, err := db.integrationArgs(in)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE integrations SET name = $1, enabled = $2, config = $3, token_hash = $4,
	signing_secrets = $5, updated_at = $6, version = version + 1
WHERE id = $7 AND version = $8`, args[0], args[2], args[3], args[4], args[5], args[8], in.ID, ifVersion)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			cur, err := scanIntegration(tx.QueryRowContext(ctx, `SELECT `+integrationColumns+` FROM integrations WHERE id = $1`, in.ID))
			if errors.Is(err, sql.ErrNoRows) {
				return debrief.Errorf(debrief.ENotFound, "", "There is no integration %d.", in.ID)
			}
			if err != nil {
				return err
			}
			return debrief.Conflict("integration", cur, cur.Version)
		}
		return db.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		if classify(err) == dbErrUnique {
			return debrief.Errorf(debrief.EConflict, "name", "An integration named %q already exists; choose another name.", in.Name)
		}
		return mapErr(err, "update integration %d", in.ID)
	}
	in.Version = ifVersion + 1
	return nil
}

// DeleteIntegration removes an integration with its groups, alert states
// and delivery log; the incidents it opened stay.
func (db *DB) DeleteIntegration(ctx context.Context, id int64, audit *debrief.AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM integrations WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return debrief.Errorf(debrief.ENotFound, "", "There is no integration %d.", id)
		}
		return db.appendAudit(ctx, tx, audit)
	})
	return mapErr(err, "delete integration %d", id)
}

// chunkSize bounds IN lists: SQLite allows 32,766 parameters per statement.
const chunkSize = 500

func inList(w *where, col string, values []string) {
	marks := make([]string, len(values))
	for i, v := range values {
		marks[i] = w.next(v)
	}
	w.conds = append(w.conds, col+" IN ("+strings.Join(marks, ", ")+")")
}

// Ingest runs one delivery in one transaction (see debrief.IntegrationStore).
func (db *DB) Ingest(ctx context.Context, req debrief.IngestRequest, decide func(*debrief.IngestState) (*debrief.IngestPlan, error)) (*debrief.Delivery, error) {
	var out *debrief.Delivery
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if db.d.engine == EnginePostgres {
			// Deliveries of one integration run one at a time, so two of
			// them cannot both open an incident for the same new group.
			// (SQLite has a single writer already.)
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(1145193030, $1::int)`, int32(req.IntegrationID)); err != nil {
				return err
			}
		}
		state, err := db.loadIngestState(ctx, tx, req)
		if err != nil {
			return err
		}
		plan, err := decide(state)
		if err != nil {
			return err
		}
		out, err = db.writeIngestPlan(ctx, tx, req.IntegrationID, plan)
		return err
	})
	if err != nil {
		return nil, mapErr(err, "ingest a delivery of integration %d", req.IntegrationID)
	}
	return out, nil
}

func (db *DB) loadIngestState(ctx context.Context, tx *sql.Tx, req debrief.IngestRequest) (*debrief.IngestState, error) {
	st := &debrief.IngestState{
		Groups:        map[string]*debrief.Incident{},
		Alerts:        map[string][]debrief.AlertState{},
		Incidents:     map[int64]*debrief.Incident{},
		OpenByService: map[string][]*debrief.Incident{},
		Firing:        map[int64]int{},
	}
	incident := func(id int64) (*debrief.Incident, error) {
		if inc, ok := st.Incidents[id]; ok {
			return inc, nil
		}
		inc, err := db.incident(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		st.Incidents[id] = inc
		return inc, nil
	}
	for start := 0; start < len(req.GroupKeys); start += chunkSize {
		keys := req.GroupKeys[start:min(start+chunkSize, len(req.GroupKeys))]
		w := where{args: []any{req.IntegrationID}}
		w.conds = append(w.conds, "integration_id = $1")
		inList(&w, "group_key", keys)
		type link struct {
			key string
			id  int64
		}
		links, err := queryList(ctx, tx, `SELECT group_key, incident_id FROM integration_groups`+w.sql(), w.args, func(s rowScanner) (link, error) {
			var l link
			return l, s.Scan(&l.key, &l.id)
		})
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			inc, err := incident(l.id)
			if err != nil {
				return nil, err
			}
			st.Groups[l.key] = inc
		}
	}
	for group, fps := range req.Alerts {
		for start := 0; start < len(fps); start += chunkSize {
			w := where{args: []any{req.IntegrationID, group}}
			w.conds = append(w.conds, "integration_id = $1", "group_key = $2")
			inList(&w, "fingerprint", fps[start:min(start+chunkSize, len(fps))])
			states, err := queryList(ctx, tx, `SELECT group_key, fingerprint, status, starts_at, ends_at, incident_id FROM alert_states`+w.sql(), w.args, scanAlertState)
			if err != nil {
				return nil, err
			}
			for _, as := range states {
				st.Alerts[as.GroupKey] = append(st.Alerts[as.GroupKey], as)
				if as.IncidentID != 0 {
					if _, err := incident(as.IncidentID); err != nil && !debrief.IsCode(err, debrief.ENotFound) {
						return nil, err
					}
				}
			}
		}
	}
	ids := make([]int64, 0, len(st.Incidents))
	for id := range st.Incidents {
		ids = append(ids, id)
	}
	for start := 0; start < len(ids); start += chunkSize {
		var w where
		w.add(`status = ?`, debrief.AlertFiring)
		marks := make([]string, 0, chunkSize)
		for _, id := range ids[start:min(start+chunkSize, len(ids))] {
			marks = append(marks, w.next(id))
		}
		w.conds = append(w.conds, "incident_id IN ("+strings.Join(marks, ", ")+")")
		type count struct {
			id int64
			n  int
		}
		counts, err := queryList(ctx, tx, `SELECT incident_id, COUNT(*) FROM alert_states`+w.sql()+` GROUP BY incident_id`, w.args, func(s rowScanner) (count, error) {
			var c count
			return c, s.Scan(&c.id, &c.n)
		})
		if err != nil {
			return nil, err
		}
		for _, c := range counts {
			st.Firing[c.id] = c.n
		}
	}
	for start := 0; start < len(req.Services); start += chunkSize {
		services := req.Services[start:min(start+chunkSize, len(req.Services))]
		var w where
		w.add(`kind = ?`, "service")
		inList(&w, "value", services)
		type tag struct {
			service string
			id      int64
		}
		tags, err := queryList(ctx, tx, `SELECT value, incident_id FROM incident_tags`+w.sql()+` ORDER BY incident_id`, w.args, func(s rowScanner) (tag, error) {
			var t tag
			return t, s.Scan(&t.service, &t.id)
		})
		if err != nil {
			return nil, err
		}
		for _, t := range tags {
			inc, err := incident(t.id)
			if err != nil {
				return nil, err
			}
			if inc.Status.Open() {
				st.OpenByService[t.service] = append(st.OpenByService[t.service], inc)
			}
		}
	}
	return st, nil
}

func (db *DB) writeIngestPlan(ctx context.Context, tx *sql.Tx, integrationID int64, plan *debrief.IngestPlan) (*debrief.Delivery, error) {
	touched := map[int64]bool{}
	added := 0
	// A redelivered event is skipped; the plan needs only the count.
	addEvents := func(incidentID int64, events []*debrief.TimelineEvent) (int, error) {
		n, _, err := db.insertTimelineEvents(ctx, tx, incidentID, events, make([]int64, len(events)))
		return n, err
	}
	created := map[string]int64{}
	for _, c := range plan.Creates {
		id, err := db.insertIncident(ctx, tx, c.Incident)
		if err != nil {
			return nil, err
		}
		if err := db.appendRevision(ctx, tx, c.Revision, id); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO integration_groups (integration_id, group_key, incident_id) VALUES ($1, $2, $3)
ON CONFLICT (integration_id, group_key) DO UPDATE SET incident_id = excluded.incident_id`, integrationID, c.GroupKey, id); err != nil {
			return nil, err
		}
		n, err := addEvents(id, c.Events)
		if err != nil {
			return nil, err
		}
		added += n
		created[c.GroupKey] = id
		touched[id] = true
	}
	for _, a := range plan.Adds {
		if a.Change != nil {
			if err := db.updateIncident(ctx, tx, a.Change.Incident, a.Change.IfVersion); err != nil {
				return nil, err
			}
			if err := db.appendRevision(ctx, tx, a.Change.Revision, a.IncidentID); err != nil {
				return nil, err
			}
		}
		n, err := addEvents(a.IncidentID, a.Events)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			if err := db.appendRevision(ctx, tx, a.Revision, a.IncidentID); err != nil {
				return nil, err
			}
			touched[a.IncidentID] = true
		}
		added += n
	}
	if err := db.upsertAlertStates(ctx, tx, integrationID, plan.Alerts, created); err != nil {
		return nil, err
	}
	d := plan.Delivery
	if d == nil {
		d = &debrief.Delivery{Status: 200}
	}
	d.IntegrationID, d.EventsAdded = integrationID, added
	d.Incidents = make([]int64, 0, len(touched))
	for id := range touched {
		d.Incidents = append(d.Incidents, id)
	}
	sort.Slice(d.Incidents, func(i, j int) bool { return d.Incidents[i] < d.Incidents[j] })
	if err := db.insertDelivery(ctx, tx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// keepDeliveries is how many log entries each integration keeps: enough to
// debug a misbehaving sender, bounded so a noisy one cannot fill the disk.
const keepDeliveries = 10000

func (db *DB) insertDelivery(ctx context.Context, tx *sql.Tx, d *debrief.Delivery) error {
	if d.Incidents == nil {
		d.Incidents = []int64{}
	}
	incidents, err := jsonArg(d.Incidents)
	if err != nil {
		return err
	}
	rejected := d.Rejected
	if rejected == nil {
		rejected = []debrief.RejectedAlert{}
	}
	rejectedArg, err := jsonArg(rejected)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO deliveries (integration_id, received_at, source, status, error, alerts, events_added, incidents, outcome, rejected)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		d.IntegrationID, db.d.t(d.ReceivedAt), d.Source, d.Status, d.Error, d.Alerts, d.EventsAdded, incidents, d.Outcome, rejectedArg).Scan(&d.ID)
	if err != nil {
		return err
	}
	if d.ID%100 == 0 {
		_, err = tx.ExecContext(ctx, `DELETE FROM deliveries WHERE integration_id = $1 AND id < (
	SELECT id FROM deliveries WHERE integration_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`, d.IntegrationID, keepDeliveries)
	}
	return err
}

// RecordDelivery appends a delivery that changed nothing else.
func (db *DB) RecordDelivery(ctx context.Context, d *debrief.Delivery) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.insertDelivery(ctx, tx, d) })
	if classify(err) == dbErrForeignKey {
		return debrief.Errorf(debrief.ENotFound, "", "There is no integration %d.", d.IntegrationID)
	}
	return mapErr(err, "record delivery of integration %d", d.IntegrationID)
}

// ListDeliveries returns an integration's deliveries, newest first.
func (db *DB) ListDeliveries(ctx context.Context, f debrief.DeliveryFilter) (debrief.Page[*debrief.Delivery], error) {
	if err := db.rg.enter(ctx); err != nil {
		return debrief.Page[*debrief.Delivery]{}, err
	}
	defer db.rg.leave()
	var w where
	w.add(`integration_id = ?`, f.IntegrationID)
	after, err := debrief.DecodeCursor(f.After)
	if err != nil {
		return debrief.Page[*debrief.Delivery]{}, err
	}
	if after > 0 {
		w.add(`id < ?`, after)
	}
	limit := debrief.PageLimit(f.Limit)
	list, err := queryList(ctx, db.r, `SELECT id, integration_id, received_at, source, status, error, alerts, events_added, incidents, outcome, rejected
FROM deliveries`+w.sql()+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit+1), w.args, func(s rowScanner) (*debrief.Delivery, error) {
		var d debrief.Delivery
		err := s.Scan(&d.ID, &d.IntegrationID, timeCol{&d.ReceivedAt}, &d.Source, &d.Status, &d.Error, &d.Alerts, &d.EventsAdded, jsonCol{&d.Incidents},
			&d.Outcome, jsonCol{&d.Rejected})
		if len(d.Rejected) == 0 {
			d.Rejected = nil
		}
		return &d, err
	})
	if err != nil {
		return debrief.Page[*debrief.Delivery]{}, mapErr(err, "list deliveries of integration %d", f.IntegrationID)
	}
	page := debrief.Page[*debrief.Delivery]{Items: list}
	if len(list) > limit {
		page.Items = list[:limit]
		page.NextCursor = debrief.EncodeCursor(list[limit-1].ID)
	}
	return page, nil
}

func scanAlertState(s rowScanner) (debrief.AlertState, error) {
	var as debrief.AlertState
	var ends *time.Time
	var incID sql.NullInt64
	err := s.Scan(&as.GroupKey, &as.Fingerprint, &as.Status, timeCol{&as.StartsAt}, nullTimeCol{&ends}, &incID)
	if ends != nil {
		as.EndsAt = *ends
	}
	as.IncidentID = incID.Int64
	return as, err
}

// Rows per multi-row statement: one statement per batch instead of one per
// row is what makes large deliveries cheap, and 200 rows of 11 values stay
// far below SQLite's limit of 32,766 parameters.
const rowsPerInsert = 200

// upsertAlertStates stores the plan's alert states; a state whose incident
// is 0 belongs to the incident just created for its group.
func (db *DB) upsertAlertStates(ctx context.Context, tx *sql.Tx, integrationID int64, states []debrief.AlertState, created map[string]int64) error {
	for start := 0; start < len(states); start += rowsPerInsert {
		chunk := states[start:min(start+rowsPerInsert, len(states))]
		var b strings.Builder
		b.WriteString(`INSERT INTO alert_states (integration_id, group_key, fingerprint, status, starts_at, ends_at, incident_id) VALUES `)
		w := placeholders{d: db.d}
		for i, as := range chunk {
			id := as.IncidentID
			if id == 0 {
				id = created[as.GroupKey]
			}
			var incID, ends any
			if id != 0 {
				incID = id
			}
			if !as.EndsAt.IsZero() {
				ends = db.d.t(as.EndsAt)
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			for j, v := range []any{integrationID, as.GroupKey, as.Fingerprint, as.Status, db.d.t(as.StartsAt), ends, incID} {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(w.next(v))
			}
			b.WriteString(")")
		}
		b.WriteString(` ON CONFLICT (integration_id, group_key, fingerprint) DO UPDATE SET status = excluded.status,
	starts_at = excluded.starts_at, ends_at = excluded.ends_at, incident_id = excluded.incident_id`)
		if _, err := tx.ExecContext(ctx, b.String(), w.args...); err != nil {
			return err
		}
	}
	return nil
}

// placeholders numbers the values of a multi-row statement. SQLite gets
// anonymous "?" marks: it resolves "$n" names by a linear search of every
// name so far, which makes a statement with thousands of values quadratic.
type placeholders struct {
	d    dialect
	args []any
}

func (p *placeholders) next(v any) string {
	p.args = append(p.args, v)
	if p.d.engine == EngineSQLite {
		return "?"
	}
	return "$" + strconv.Itoa(len(p.args))
}

// CountRefusedDelivery counts one delivery refused before authentication.
func (db *DB) CountRefusedDelivery(ctx context.Context, id int64, at time.Time, from, reason string) error {
	res, err := db.w.ExecContext(ctx, `UPDATE integrations SET refused_count = refused_count + 1, refused_last_at = $1,
	refused_last_from = $2, refused_last_reason = $3 WHERE id = $4`, db.d.t(at), from, reason, id)
	if err != nil {
		return mapErr(err, "count refused delivery of integration %d", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return debrief.Errorf(debrief.ENotFound, "", "There is no integration %d.", id)
	}
	return nil
}
