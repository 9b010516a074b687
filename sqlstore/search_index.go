package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// The search index holds one document per incident (with its postmortem,
// timeline and action items) and one per project postmortem, built here,
// in Go, from the records.
//
// How it stays in step: triggers on the core tables (migration 00004) note
// in search_dirty which incidents and postmortems a write touched, and
// inTx calls flushSearch just before it commits, which rebuilds exactly
// those documents in the same transaction. Triggers alone would have to
// assemble documents from JSON columns twice (SQLite and PL/pgSQL), split
// words twice (differently), and rebuild a document once per row, so a
// 5,000-event import would rebuild it 5,000 times; Go alone would rely on
// every write path, present and future, remembering to call it. Together,
// no write path can forget, and each document is rebuilt once per
// transaction with one tokenizer for both engines.

// flushSearch rebuilds the documents the transaction's writes touched.
func (db *DB) flushSearch(ctx context.Context, tx *sql.Tx) error {
	rows, err := db.query(ctx, tx, db.search.takeDirty())
	if err != nil {
		return fmt.Errorf("sqlstore: search index: %w", err)
	}
	var incidentIDs, postmortemIDs []int64
	seen := map[string]bool{}
	for rows.Next() {
		var kind string
		var id int64
		if err := rows.Scan(&kind, &id); err != nil {
			rows.Close()
			return fmt.Errorf("sqlstore: search index: %w", err)
		}
		if k := kind + strconv.FormatInt(id, 10); seen[k] {
			continue
		} else {
			seen[k] = true
		}
		if kind == "p" {
			postmortemIDs = append(postmortemIDs, id)
		} else {
			incidentIDs = append(incidentIDs, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: search index: %w", err)
	}
	if len(incidentIDs)+len(postmortemIDs) == 0 {
		return nil
	}
	return db.indexSearch(ctx, tx, incidentIDs, postmortemIDs)
}

// indexSearch rebuilds the documents of the given incidents and
// postmortems, whether the records still exist or were just deleted.
func (db *DB) indexSearch(ctx context.Context, tx *sql.Tx, incidentIDs, postmortemIDs []int64) error {
	incidents := map[int64]bool{}
	for _, id := range incidentIDs {
		incidents[id] = true
	}
	projects := map[int64]bool{}
	for _, postmortemID := range postmortemIDs {
		var inc sql.NullInt64
		err := db.queryRow(ctx, tx, `SELECT incident_id FROM postmortems WHERE id = $1`, postmortemID).Scan(&inc)
		switch {
		case err == sql.ErrNoRows:
			// Deleted: rebuild the incident whose document held it, if any,
			// and drop the document of a project postmortem.
			err := db.queryRow(ctx, tx, `SELECT incident_id FROM search_docs WHERE postmortem_id = $1 AND incident_id IS NOT NULL`, postmortemID).Scan(&inc)
			if err != nil && err != sql.ErrNoRows {
				return fmt.Errorf("sqlstore: search index: %w", err)
			}
			if inc.Valid {
				incidents[inc.Int64] = true
			}
			projects[postmortemID] = true
		case err != nil:
			return fmt.Errorf("sqlstore: search index: %w", err)
		case inc.Valid:
			incidents[inc.Int64] = true
		default:
			projects[postmortemID] = true
		}
	}
	ids, pids := keys(incidents), keys(projects)
	var docIDs []int64
	for _, id := range ids {
		docIDs = append(docIDs, incidentDocID(id))
	}
	for _, id := range pids {
		docIDs = append(docIDs, projectDocID(id))
	}
	sort.Slice(docIDs, func(i, j int) bool { return docIDs[i] < docIDs[j] })
	if err := db.search.lockDocs(ctx, tx, docIDs); err != nil {
		return err
	}
	return db.rebuildDocs(ctx, tx, ids, pids)
}

// incidentDocID and projectDocID derive a document's id from its record,
// so the index row of a deleted record can still be found.
func incidentDocID(id int64) int64 { return 2 * id }
func projectDocID(id int64) int64  { return 2*id + 1 }

// rebuildDocs rewrites the documents of the given incidents and project
// postmortems, deleting those whose record no longer exists.
func (db *DB) rebuildDocs(ctx context.Context, tx *sql.Tx, incidentIDs, projectIDs []int64) error {
	docs, err := db.loadSearchDocs(ctx, tx, incidentIDs, projectIDs)
	if err != nil {
		return fmt.Errorf("sqlstore: search index: load: %w", err)
	}
	gen, err := db.search.nextGeneration(ctx, tx)
	if err != nil {
		return fmt.Errorf("sqlstore: search index: %w", err)
	}
	for _, d := range docs {
		d.gen = gen
	}
	// Every document named is deleted first, in one statement, then the
	// current ones are written: FTS5 flushes its pending writes to a new
	// segment at every statement that opens a savepoint (any statement
	// that fires a trigger), so interleaving deletes and inserts per
	// document would write one tiny segment per document.
	var ids []int64
	for _, id := range incidentIDs {
		ids = append(ids, incidentDocID(id))
	}
	for _, id := range projectIDs {
		ids = append(ids, projectDocID(id))
	}
	cond, arg := db.search.idIn("id", ids)
	if _, err := db.exec(ctx, tx, `DELETE FROM search_docs WHERE `+cond, arg); err != nil {
		return fmt.Errorf("sqlstore: search index: %w", err)
	}
	if err := db.writeSearchDocs(ctx, tx, docs); err != nil {
		return fmt.Errorf("sqlstore: search index: write: %w", err)
	}
	written := make(map[int64]bool, len(docs))
	for _, d := range docs {
		written[d.id] = true
	}
	var gone []int64
	for _, id := range ids {
		if !written[id] {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		if err := db.search.forget(ctx, tx, gone, gen); err != nil {
			return fmt.Errorf("sqlstore: search index: %w", err)
		}
	}
	return nil
}

// searchDoc is one document as the index stores it.
type searchDoc struct {
	id           int64
	incidentID   *int64
	projectID    *int64
	postmortemID *int64
	kind         debrief.PostmortemKind
	key, title   string
	severity     string
	status       string
	services     []string
	date         time.Time
	publishedAt  *time.Time
	owner        string
	private      bool
	openActions  int
	repeatOf     *int64
	fields       []debrief.SearchField
	factors      []string
	alerts       []string
	attachments  []string
	tags         map[string][]string // name → values, lowercased
	tagIDs       []int32             // the filter tags' numbers, on PostgreSQL (prepareDocs)
	// columns are the index columns' tokens (title, summary, body, extra),
	// each column's joined by single spaces; counts are how many each holds.
	columns [4][]byte
	counts  [4]int
	// gen is the index generation that writes the document.
	gen int64
}

// Per-column caps on indexed tokens keep a huge document within what a
// PostgreSQL tsvector holds (1 MB) and keep both engines indexing the
// same words. Snippets still see the whole text.
var columnTokenCap = [4]int{500, 10000, 40000, 40000}

// maxTokenLen skips tokens no one searches for (hashes, base64) that would
// also break PostgreSQL's lexeme limit.
const maxTokenLen = 100

// add indexes text as field name (see SearchHit.Field) in column col. Once
// the column holds its cap of tokens the rest of the text is not indexed,
// and it is not kept for snippets either: a word past the cap cannot
// match, so no snippet could show it, and a 70,000-message timeline would
// otherwise be copied whole into every rebuild of its document.
func (d *searchDoc) add(col int, name, label, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	var consumed int
	d.columns[col], d.counts[col], consumed = debrief.AppendSearchTokens(d.columns[col], text, d.counts[col], columnTokenCap[col], maxTokenLen)
	if text = strings.TrimSpace(text[:consumed]); text == "" {
		return
	}
	d.fields = append(d.fields, debrief.SearchField{Name: name, Label: label, Text: text})
}

// timelineField adds a document's timeline one event at a time, as
// add(colExtra, "timeline", …) would add the events' texts joined by
// newlines, without holding the text past the column's cap.
type timelineField struct {
	doc  *searchDoc
	text strings.Builder
}

func (t *timelineField) add(line string) {
	d := t.doc
	if d.counts[colExtra] >= columnTokenCap[colExtra] {
		return
	}
	var consumed int
	d.columns[colExtra], d.counts[colExtra], consumed = debrief.AppendSearchTokens(d.columns[colExtra], line, d.counts[colExtra], columnTokenCap[colExtra], maxTokenLen)
	if t.text.Len() > 0 {
		t.text.WriteByte('\n')
	}
	t.text.WriteString(line[:consumed])
}

func (t *timelineField) finish() {
	if t.doc == nil {
		return
	}
	if text := strings.TrimSpace(t.text.String()); text != "" {
		t.doc.fields = append(t.doc.fields, debrief.SearchField{Name: "timeline", Label: "Timeline", Text: text})
	}
}

func (d *searchDoc) tag(name string, values ...string) {
	if d.tags == nil {
		d.tags = map[string][]string{}
	}
	for _, v := range values {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" || len(v) > 500 {
			continue
		}
		d.tags[name] = append(d.tags[name], v)
	}
}

const (
	colTitle = iota
	colSummary
	colBody
	colExtra
)

// normalizeFactor makes contributing factors and alert names comparable:
// "Missing alert on disk-usage" and "missing alert on disk usage" match.
func normalizeFactor(s string) string { return strings.Join(debrief.SearchTokens(s), " ") }

// alertTag is how an event's alert name is compared and searched:
// normalized like a factor, at most 200 bytes.
func alertTag(name string) string {
	s := normalizeFactor(name)
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// loadSearchDocs builds the documents of the given records from the core
// tables; records that do not exist yield no document.
func (db *DB) loadSearchDocs(ctx context.Context, q querier, incidentIDs, projectIDs []int64) ([]*searchDoc, error) {
	var docs []*searchDoc
	byIncident := map[int64]*searchDoc{}
	byPostmortem := map[int64]*searchDoc{}
	if len(incidentIDs) > 0 {
		cond, arg := db.search.idIn("id", incidentIDs)
		rows, err := db.query(ctx, q, `SELECT `+incidentColumns+` FROM incidents WHERE `+cond, arg)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			inc, err := scanIncident(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			d := incidentDoc(inc)
			docs = append(docs, d)
			byIncident[inc.ID] = d
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var pms []*debrief.Postmortem
	if len(byIncident) > 0 {
		cond, arg := db.search.idIn("incident_id", keys(byIncident))
		ps, err := db.queryPostmortems(ctx, q, cond, arg)
		if err != nil {
			return nil, err
		}
		pms = append(pms, ps...)
	}
	if len(projectIDs) > 0 {
		cond, arg := db.search.idIn("id", projectIDs)
		ps, err := db.queryPostmortems(ctx, q, cond+` AND incident_id IS NULL`, arg)
		if err != nil {
			return nil, err
		}
		pms = append(pms, ps...)
	}
	for _, pm := range pms {
		var d *searchDoc
		if pm.IncidentID != nil {
			d = byIncident[*pm.IncidentID]
		} else {
			d = projectDoc(pm)
			docs = append(docs, d)
		}
		addPostmortem(d, pm)
		byPostmortem[pm.ID] = d
	}
	if len(byIncident)+len(byPostmortem) > 0 {
		// Both lists are always bound (an empty one matches nothing), so
		// the statement's text is one and stays in the statement cache.
		incCond, incArg := db.search.idIn("incident_id", keys(byIncident))
		pmCond, pmArg := db.search.idIn("postmortem_id", keys(byPostmortem))
		pmCond = strings.Replace(pmCond, "$1", "$2", 1)
		rows, err := db.query(ctx, q, `SELECT id, incident_id, postmortem_id, title, status FROM action_items
WHERE `+incCond+` OR `+pmCond+` ORDER BY id`, incArg, pmArg)
		if err != nil {
			return nil, err
		}
		titles := map[*searchDoc][]string{}
		for rows.Next() {
			var id int64
			var inc, pm sql.NullInt64
			var title, status string
			if err := rows.Scan(&id, &inc, &pm, &title, &status); err != nil {
				rows.Close()
				return nil, err
			}
			d := byIncident[inc.Int64]
			if d == nil {
				d = byPostmortem[pm.Int64]
			}
			if d == nil {
				continue
			}
			titles[d] = append(titles[d], title)
			if !debrief.ActionStatus(status).Closed() {
				d.openActions++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for d, t := range titles {
			d.add(colExtra, "action_items", "Action items", strings.Join(t, "\n"))
		}
	}
	// The timeline goes into its column after the action items, so that
	// an alert storm's thousands of events cannot push the action items
	// past the column's cap. Rows are added as they are read: the text of
	// a long timeline is never held whole.
	if len(byIncident) > 0 {
		cond, arg := db.search.idIn("incident_id", keys(byIncident))
		rows, err := db.query(ctx, q, `SELECT incident_id, alert, text FROM timeline_events
WHERE `+cond+` ORDER BY incident_id, at, id`, arg)
		if err != nil {
			return nil, err
		}
		var lines timelineField
		for rows.Next() {
			var id int64
			var alert, text string
			if err := rows.Scan(&id, &alert, &text); err != nil {
				rows.Close()
				return nil, err
			}
			d := byIncident[id]
			if lines.doc != d {
				lines.finish()
				lines = timelineField{doc: d}
			}
			lines.add(text)
			// The alert's name as the ingesting parser gave it; the
			// text is for people and is not read for it.
			if name := alertTag(alert); name != "" && !containsString(d.alerts, name) {
				d.alerts = append(d.alerts, name)
			}
		}
		lines.finish()
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, d := range docs {
		d.finish()
	}
	return docs, nil
}

func (db *DB) queryPostmortems(ctx context.Context, q querier, cond string, args ...any) ([]*debrief.Postmortem, error) {
	rows, err := db.query(ctx, q, `SELECT `+postmortemColumns+` FROM postmortems WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*debrief.Postmortem
	for rows.Next() {
		pm, err := scanPostmortem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, pm)
	}
	return out, rows.Err()
}

func incidentDoc(inc *debrief.Incident) *searchDoc {
	id := inc.ID
	d := &searchDoc{
		id: incidentDocID(id), incidentID: &id, kind: debrief.KindIncident, key: inc.Key,
		title: inc.Title, severity: inc.Severity, status: string(inc.Status), services: inc.Services,
		date: inc.StartedAt, private: inc.Private, repeatOf: inc.RepeatOf, owner: inc.Roles.Commander,
	}
	d.add(colTitle, "title", "Title", inc.Title)
	d.add(colSummary, "impact", "Impact", inc.Impact)
	d.add(colBody, "services", "Services", strings.Join(inc.Services, ", "))
	d.add(colBody, "labels", "Labels", strings.Join(inc.Labels, ", "))
	d.add(colBody, "customers", "Customers", strings.Join(inc.Customers, ", "))
	d.tag("service", inc.Services...)
	d.tag("label", inc.Labels...)
	d.tag("status", string(inc.Status))
	d.tag("owner", inc.Roles.Commander)
	// Members under debrief.MemberKey, which the viewer's Visibility
	// looks up (search.go).
	for _, m := range inc.Members {
		d.tag("member", debrief.MemberKey(m))
	}
	return d
}

func projectDoc(pm *debrief.Postmortem) *searchDoc {
	id := pm.ID
	date := pm.CreatedAt
	if pm.Project != nil && pm.Project.LiveFrom != nil {
		date = *pm.Project.LiveFrom
	}
	return &searchDoc{id: projectDocID(id), projectID: &id, kind: debrief.KindProject,
		key: debrief.PostmortemKeyPrefix + strconv.FormatInt(id, 10), title: pm.Title, status: string(pm.Status), date: date}
}

// addPostmortem adds a postmortem's text to its document. The postmortem
// title is the document's title: it is what people wrote after the fact.
func addPostmortem(d *searchDoc, pm *debrief.Postmortem) {
	id := pm.ID
	d.postmortemID = &id
	if pm.Title != d.title || pm.IncidentID == nil {
		d.add(colTitle, "title", "Title", pm.Title)
		d.title = pm.Title
	}
	d.publishedAt = pm.PublishedAt
	if pm.Owner != "" {
		d.owner = pm.Owner
	}
	d.tag("owner", pm.Owner)
	d.tag("status", string(pm.Status))
	for _, s := range pm.Sections {
		if s.Key == "summary" {
			d.add(colSummary, "summary", s.Heading, s.Body)
		}
	}
	for _, s := range pm.Sections {
		if s.Key != "summary" {
			d.add(colBody, "section:"+s.Key, s.Heading, s.Body)
		}
	}
	d.add(colBody, "root_cause", "Root cause", pm.RootCause)
	d.add(colBody, "contributing_factors", "Contributing factors", strings.Join(pm.ContributingFactors, "\n"))
	for _, f := range pm.ContributingFactors {
		if n := normalizeFactor(f); n != "" && !containsString(d.factors, n) {
			d.factors = append(d.factors, n)
		}
	}
	var lessons []string
	lessons = append(lessons, pm.Lessons.WentWell...)
	lessons = append(lessons, pm.Lessons.WentWrong...)
	lessons = append(lessons, pm.Lessons.GotLucky...)
	d.add(colBody, "lessons", "Lessons", strings.Join(lessons, "\n"))
	if pm.Project != nil {
		var fb []string
		for _, f := range pm.Project.Feedback {
			fb = append(fb, f.Text)
		}
		d.add(colBody, "feedback", "Feedback", strings.Join(fb, "\n"))
	}
}

// finish fills what is derived from the rest.
func (d *searchDoc) finish() {
	d.tag("factor", d.factors...)
	d.tag("alert", d.alerts...)
	// The summary field leads the snippet when nothing else matched, so it
	// goes right after the title; the impact statement follows.
	sort.SliceStable(d.fields, func(i, j int) bool { return fieldRank(d.fields[i].Name) < fieldRank(d.fields[j].Name) })
	for name, vs := range d.tags {
		sort.Strings(vs)
		d.tags[name] = dedupeSorted(vs)
	}
}

func fieldRank(name string) int {
	switch name {
	case "title":
		return 0
	case "summary":
		return 1
	case "impact":
		return 2
	case "timeline", "action_items", "attachments":
		return 4
	}
	return 3
}

func dedupeSorted(vs []string) []string {
	out := vs[:0]
	for i, v := range vs {
		if i == 0 || v != vs[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// writeSearchDocs inserts documents that are not in the index (the caller
// deleted them): rows, then tags, then the engine's text index.
func (db *DB) writeSearchDocs(ctx context.Context, tx *sql.Tx, docs []*searchDoc) error {
	if len(docs) == 0 {
		return nil
	}
	// One cached statement per row: cheaper here than one statement for
	// the batch with its rows bound as a JSON array (the fields are JSON
	// already and took longer to escape and parse again than a statement
	// takes to run), measured with BenchmarkSearchImport.
	if err := db.search.prepareDocs(ctx, tx, docs); err != nil {
		return err
	}
	for _, d := range docs {
		if err := db.insertSearchDoc(ctx, tx, d); err != nil {
			return fmt.Errorf("document %d: %w", d.id, err)
		}
	}
	if err := db.writeSearchTags(ctx, tx, docs); err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	return db.search.writeText(ctx, tx, docs)
}

// searchDocArgs returns the values of document d's search_docs row, in
// column order, and its search_text values.
func searchDocArgs(d *searchDoc) (args []any, fields, attachments string, err error) {
	f, err := json.Marshal(d.fields)
	if err != nil {
		return nil, "", "", err
	}
	factors, _ := json.Marshal(nonNil(d.factors))
	alerts, _ := json.Marshal(nonNil(d.alerts))
	att, _ := json.Marshal(nonNil(d.attachments))
	var published any
	if d.publishedAt != nil {
		published = d.publishedAt.UTC().UnixMicro()
	}
	date := d.date.UTC()
	args = []any{d.id, nullID(d.incidentID), nullID(d.projectID), nullID(d.postmortemID), string(d.kind), d.key, d.title,
		d.severity, d.status, joinServices(d.services), date.UnixMicro(), date.Year(), int(date.Month())*100 + date.Day(),
		published, d.owner, boolInt(d.private), d.openActions, nullID(d.repeatOf), string(factors), string(alerts), d.gen}
	return args, string(f), string(att), nil
}

// insertSearchDoc inserts the row of document d (on PostgreSQL with its
// tsvector).
func (db *DB) insertSearchDoc(ctx context.Context, tx *sql.Tx, d *searchDoc) error {
	args, fields, attachments, err := searchDocArgs(d)
	if err != nil {
		return err
	}
	query, args := db.search.docRow(d, args)
	if _, err := db.exec(ctx, tx, query, args...); err != nil {
		return err
	}
	_, err = db.exec(ctx, tx, `INSERT INTO search_text (doc_id, fields, attachments) VALUES ($1, $2, $3)`, d.id, fields, attachments)
	return err
}

// writeSearchTags inserts the tags of all the documents, in sorted order.
func (db *DB) writeSearchTags(ctx context.Context, tx *sql.Tx, docs []*searchDoc) error {
	var ids []int64
	var names, values []string
	for _, d := range docs {
		tagNames := make([]string, 0, len(d.tags))
		for name := range d.tags {
			tagNames = append(tagNames, name)
		}
		sort.Strings(tagNames)
		for _, name := range tagNames {
			for _, v := range d.tags[name] {
				ids = append(ids, d.id)
				names = append(names, name)
				values = append(values, v)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return db.search.writeTags(ctx, tx, ids, names, values)
}

func joinServices(s []string) string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		out = append(out, strings.ReplaceAll(v, "\n", " "))
	}
	return strings.Join(out, "\n")
}

func splitServices(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func keys[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// idList writes IDs (integers, never user text) into an IN list.
func idList(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// Reindex rebuilds the whole search index in one transaction, so searches
// see either the old index or the new one, and reports how many documents
// it holds.
func (db *DB) Reindex(ctx context.Context) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"search_tags", "search_text"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table); err != nil {
				return err
			}
		}
		if err := db.search.emptyIndex(ctx, tx); err != nil {
			return err
		}
		gen, err := db.search.nextGeneration(ctx, tx)
		if err != nil {
			return err
		}
		for _, table := range []string{"incidents", "postmortems"} {
			cond := ""
			if table == "postmortems" {
				cond = " AND incident_id IS NULL"
			}
			var last int64
			for {
				rows, err := tx.QueryContext(ctx, `SELECT id FROM `+table+` WHERE id > $1`+cond+` ORDER BY id LIMIT 500`, last)
				if err != nil {
					return err
				}
				var ids []int64
				for rows.Next() {
					var id int64
					if err := rows.Scan(&id); err != nil {
						rows.Close()
						return err
					}
					ids = append(ids, id)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				if len(ids) == 0 {
					break
				}
				last = ids[len(ids)-1]
				var docs []*searchDoc
				if table == "incidents" {
					docs, err = db.loadSearchDocs(ctx, tx, ids, nil)
				} else {
					docs, err = db.loadSearchDocs(ctx, tx, nil, ids)
				}
				if err != nil {
					return err
				}
				for _, d := range docs {
					d.gen = gen
				}
				if err := db.writeSearchDocs(ctx, tx, docs); err != nil {
					return err
				}
				n += len(docs)
			}
		}
		return db.search.reindexed(ctx, tx)
	})
	if err != nil {
		return 0, mapErr(err, "reindex search")
	}
	return n, nil
}

// rebuildSearchIfAsked runs Reindex when a migration asked for it (a row in
// search_rebuild: the index gained something only Go can fill), once, when
// the database is opened.
func (db *DB) rebuildSearchIfAsked(ctx context.Context) error {
	reason, err := db.search.rebuildReason(ctx)
	if err != nil || reason == "" {
		return err
	}
	db.logger.Info("rebuilding the search index once, after an upgrade", "reason", reason)
	start := time.Now()
	n, err := db.Reindex(ctx)
	if err != nil {
		return err
	}
	db.logger.Info("search index rebuilt", "documents", n, "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}
