package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Bounds of the work one similar-incidents lookup does; the rules of
// what is similar (weights, stop words, text score) are in the debrief
// package (debrief/similar.go).
const (
	// simPerValue bounds the candidates one shared value brings in (the
	// most recently recorded ones, read backwards off the tag index), so a
	// service every other incident touched stays cheap.
	simPerValue = 100
	// simTextCandidates bounds the candidates found by text.
	simTextCandidates = 50
	// simMaxCounted bounds the probe's words whose documents are counted
	// (a query each), the heaviest first.
	simMaxCounted = 32
	// simMaxPhrases bounds the phrases of the probe's topics that are
	// counted and searched for.
	simMaxPhrases = 24
)

// simDoc is what scoring needs of one incident document.
type simDoc struct {
	id       int64
	summary  debrief.SimilarSummary
	services []string
	factors  []string
	alerts   []string
	date     int64
}

// SimilarIncidents finds past incidents like p.IncidentID: ones that
// started before it and share services, contributing factors or alert
// names, or whose title and summary use its most telling words. Each comes
// with the score of every component that contributed.
func (db *DB) SimilarIncidents(ctx context.Context, p debrief.SimilarProbe, viewer debrief.Actor) ([]debrief.SimilarIncident, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	limit := p.Limit
	if limit <= 0 {
		limit = debrief.SimilarLimit
	}
	probe, err := db.simDocs(ctx, []int64{incidentDocID(p.IncidentID)}, debrief.Actor{Role: debrief.RoleAdmin})
	if err != nil {
		return nil, err
	}
	if len(probe) == 0 {
		return nil, debrief.Errorf(debrief.ENotFound, "", "There is no incident %s.", debrief.IncidentKey(p.IncidentID))
	}
	me := probe[0]
	services := append(lowerList(me.services), lowerList(p.Services)...)
	factors := append(me.factors, p.Factors...)
	alerts := append(me.alerts, p.Alerts...)
	before := me.date
	if !p.Before.IsZero() {
		before = p.Before.UTC().UnixMicro()
	}

	candidates := map[int64]bool{}
	for _, tag := range []struct {
		name   string
		values []string
	}{{"service", services}, {"factor", factors}, {"alert", alerts}} {
		for _, v := range dedupe(tag.values) {
			if err := db.search.similarByTag(ctx, tag.name, v, before, me.id, candidates); err != nil {
				return nil, err
			}
		}
	}
	// The probe's factors count as words of its text too: a factor one
	// incident names may be written out in another's summary.
	extra := append(append([]string(nil), p.Words...), factors...)
	text, err := db.similarText(ctx, me, extra, before)
	if err != nil {
		return nil, err
	}
	for id := range text {
		candidates[id] = true
	}
	ids := make([]int64, 0, len(candidates))
	for id := range candidates {
		ids = append(ids, id)
	}
	docs, err := db.simDocs(ctx, ids, viewer)
	if err != nil {
		return nil, err
	}
	bestText := 0.0
	for _, s := range text {
		bestText = max(bestText, s)
	}
	out := make([]debrief.SimilarIncident, 0, len(docs))
	for _, d := range docs {
		var si debrief.SimilarIncident
		si.Incident = d.summary
		add := func(kind string, shared []string, weight, part float64) {
			if part <= 0 {
				return
			}
			s := weight * part
			si.Score += s
			si.Reasons = append(si.Reasons, debrief.SimilarReason{Kind: kind, Shared: shared, Score: round3(s)})
		}
		if sh := shared(services, lowerList(d.services)); len(sh) > 0 {
			add("services", sh, debrief.SimilarServicesWeight, jaccard(len(sh), len(dedupe(services)), len(dedupe(lowerList(d.services)))))
		}
		if sh := shared(factors, d.factors); len(sh) > 0 {
			add("contributing_factors", sh, debrief.SimilarFactorsWeight, float64(len(sh))/float64(min(len(dedupe(factors)), len(d.factors))))
		}
		if sh := shared(alerts, d.alerts); len(sh) > 0 {
			add("alerts", sh, debrief.SimilarAlertsWeight, float64(len(sh))/float64(min(len(dedupe(alerts)), len(d.alerts))))
		}
		if s, ok := text[d.id]; ok && bestText > 0 {
			add("text", nil, debrief.SimilarTextWeight, s/bestText)
		}
		if si.Score <= 0 {
			continue
		}
		si.Score = round3(si.Score)
		out = append(out, si)
	}
	dates := map[int64]int64{}
	for _, d := range docs {
		dates[d.summary.ID] = d.date
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		a, b := out[i].Incident.ID, out[j].Incident.ID
		if dates[a] != dates[b] {
			return dates[a] > dates[b]
		}
		return a > b
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// similarByTagSQL adds to candidates the newest simPerValue incidents that
// started before before (other than the probe) and carry the tag.
func (db *DB) similarByTagSQL(ctx context.Context, name, value string, before, probe int64, candidates map[int64]bool) error {
	return db.addCandidates(ctx, candidates, `SELECT t.doc_id FROM search_tags t JOIN search_docs d ON d.id = t.doc_id
WHERE t.name = $1 AND t.value = $2 AND d.kind = 'incident' AND d.date < $3 AND d.id <> $4
ORDER BY t.doc_id DESC LIMIT `+fmt.Sprint(simPerValue), name, value, before, probe)
}

// addCandidates adds to candidates the ids the query returns.
func (db *DB) addCandidates(ctx context.Context, candidates map[int64]bool, query string, args ...any) error {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return mapErr(err, "similar incidents")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return mapErr(err, "similar incidents")
		}
		candidates[id] = true
	}
	return mapErr(rows.Err(), "similar incidents")
}

// similarText scores earlier incidents by how much their text says what
// the probe's says (debrief.SimilarRelevance over the fields
// debrief.SimilarFields names). The probe's words are weighed by how few
// documents of the whole corpus have them in their title or summary;
// words in more than a fiftieth of all documents (at least 20) say little
// and are left out. The probe's most telling words and the phrases of its
// topics find the candidates (one full-text query), which are then scored
// by BM25 on all the probe's counted words and its topics.
func (db *DB) similarText(ctx context.Context, me *simDoc, extra []string, before int64) (map[int64]float64, error) {
	out := map[int64]float64{}
	texts, err := db.simTexts(ctx, []int64{me.id})
	if err != nil {
		return nil, err
	}
	probe := debrief.SimilarTerms(texts[me.id], maxTokenLen)
	for _, w := range extra {
		for _, t := range debrief.SearchTokens(w) {
			if len(t) >= 3 && len(t) <= maxTokenLen && !debrief.SimilarStopWord(t) {
				probe[t]++
			}
		}
	}
	if len(probe) == 0 {
		return out, nil
	}
	total, err := db.search.countDocs(ctx)
	if err != nil {
		return nil, err
	}
	common := max(20, total/50)
	// Counting documents costs a query a word; the heaviest words are
	// counted first, up to a bound.
	words := make([]string, 0, len(probe))
	for t := range probe {
		words = append(words, t)
	}
	sort.Slice(words, func(i, j int) bool {
		if probe[words[i]] != probe[words[j]] {
			return probe[words[i]] > probe[words[j]]
		}
		return words[i] < words[j]
	})
	if len(words) > simMaxCounted {
		for _, t := range words[simMaxCounted:] {
			delete(probe, t)
		}
		words = words[:simMaxCounted]
	}
	// count counts the documents with a word or phrase in their title or
	// summary, up to common+1.
	var all strings.Builder
	for _, f := range texts[me.id] {
		all.WriteString(f.Text + "\n")
	}
	// Only a topic's telling phrases: "network" or "timeout" alone would
	// bring in a large part of a busy corpus.
	_, phrases := debrief.SimilarTopics(all.String())
	phrases = phrases[:min(len(phrases), simMaxPhrases)]
	// The words are counted in one call (on PostgreSQL one round trip
	// instead of one per word), with the words of the phrases.
	var lists [][]string
	at := map[string]int{}
	countWord := func(w string) {
		if _, ok := at[w]; !ok {
			at[w] = len(lists)
			lists = append(lists, []string{w})
		}
	}
	for _, w := range words {
		if !debrief.IsSimilarTopic(w) {
			countWord(w)
		}
	}
	for _, p := range phrases {
		if len(p) > 1 {
			for _, w := range p {
				countWord(w)
			}
		}
	}
	counts, err := db.search.countHead(ctx, lists, common+1)
	if err != nil {
		return nil, err
	}
	idf := map[string]float64{}
	sum, known := 0.0, 0
	for _, w := range words {
		if debrief.IsSimilarTopic(w) {
			continue
		}
		n := counts[at[w]]
		if n > common {
			idf[w] = 0
			continue
		}
		idf[w] = debrief.SimilarIDF(total, n)
		sum += idf[w]
		known++
	}
	other := 0.0
	if known > 0 {
		other = sum / float64(known)
	}
	// A topic is as telling as a typical word; its phrases find the
	// documents about it that share none of the probe's words.
	var search []debrief.SearchTerm
	for _, w := range words {
		if debrief.IsSimilarTopic(w) {
			idf[w] = other
		}
	}
	for _, t := range debrief.SimilarTopTerms(probe, idf, debrief.SimilarMaxTerms) {
		if !debrief.IsSimilarTopic(t) {
			search = append(search, debrief.SearchTerm{Text: t, Tokens: []string{t}})
		}
	}
	// A phrase is searched when it is in at most common documents. One
	// with a word in none is in none; one whose every word is in more than
	// common documents is left out without counting it: counting a phrase
	// reads every document that has all its words (on PostgreSQL each on
	// its own page, 7 ms for a phrase of two common words at 100,000
	// documents), and a phrase made only of common words ("no alert",
	// "customer reported") says little. The others are counted in one call.
	var telling [][]string
	for _, p := range phrases {
		if len(p) == 1 {
			telling = append(telling, p)
			continue
		}
		absent, rare := false, false
		for _, w := range p {
			n := counts[at[w]]
			absent = absent || n == 0
			rare = rare || n <= common
		}
		if !absent && rare {
			telling = append(telling, p)
		}
	}
	if counts, err = db.search.countHead(ctx, telling, common+1); err != nil {
		return nil, err
	}
	for i, p := range telling {
		if n := counts[i]; n > 0 && n <= common {
			search = append(search, debrief.SearchTerm{Text: strings.Join(p, " "), Tokens: p})
		}
	}
	if len(search) == 0 {
		return out, nil
	}
	ids := map[int64]bool{}
	found, err := db.search.headCandidates(ctx, search, before, me.id, simTextCandidates)
	if err != nil {
		return nil, err
	}
	for id := range found {
		ids[id] = true
	}
	list := make([]int64, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	if texts, err = db.simTexts(ctx, list); err != nil {
		return nil, err
	}
	// BM25 wants the corpus's mean document length; the mean over the
	// candidates and the probe, at hand already, stands in for it (it only
	// sets how much a text longer than the others is discounted).
	terms := make(map[int64]map[string]float64, len(list))
	avg := debrief.SimilarLength(probe)
	for _, id := range list {
		terms[id] = debrief.SimilarTerms(texts[id], maxTokenLen)
		avg += debrief.SimilarLength(terms[id])
	}
	avg /= float64(len(list) + 1)
	for _, id := range list {
		if s := debrief.SimilarRelevance(probe, terms[id], idf, avg); s > 0 {
			out[id] = s
		}
	}
	return out, nil
}

// simTexts reads the fields of the documents' text that similarity reads
// (debrief.SimilarFields), taken out of the JSON by the database so the
// long ones (the body) are not sent.
func (db *DB) simTexts(ctx context.Context, ids []int64) (map[int64][]debrief.SearchField, error) {
	out := map[int64][]debrief.SearchField{}
	if len(ids) == 0 {
		return out, nil
	}
	var names []string
	for _, f := range debrief.SimilarFields() {
		names = append(names, "'"+f+"'")
	}
	rows, err := db.r.QueryContext(ctx, db.search.fieldsQuery(strings.Join(names, ", "), idList(ids)))
	if err != nil {
		return nil, mapErr(err, "similar incidents")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var f debrief.SearchField
		if err := rows.Scan(&id, &f.Name, &f.Text); err != nil {
			return nil, mapErr(err, "similar incidents")
		}
		out[id] = append(out[id], f)
	}
	return out, mapErr(rows.Err(), "similar incidents")
}

func scanScores(rows *sql.Rows, out map[int64]float64) (map[int64]float64, error) {
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s float64
		if err := rows.Scan(&id, &s); err != nil {
			return nil, mapErr(err, "similar incidents")
		}
		if s > 0 {
			out[id] = s
		}
	}
	return out, mapErr(rows.Err(), "similar incidents")
}

// simDocs loads incident documents the viewer may see.
func (db *DB) simDocs(ctx context.Context, ids []int64, viewer debrief.Actor) ([]*simDoc, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	w := &where{}
	w.add("d.id IN (" + idList(ids) + ")")
	w.add("d.kind = 'incident'")
	visibility(w, viewer)
	rows, err := db.r.QueryContext(ctx, `SELECT d.id, d.incident_id, d.key, d.title, d.severity, d.status, d.services, d.date, d.repeat_of, d.factors, d.alerts
FROM search_docs d`+w.sql(), w.args...)
	if err != nil {
		return nil, mapErr(err, "similar incidents")
	}
	defer rows.Close()
	var out []*simDoc
	for rows.Next() {
		var d simDoc
		var services, factors, alerts string
		var repeat sql.NullInt64
		if err := rows.Scan(&d.id, &d.summary.ID, &d.summary.Key, &d.summary.Title, &d.summary.Severity, &d.summary.Status,
			&services, &d.date, &repeat, &factors, &alerts); err != nil {
			return nil, mapErr(err, "similar incidents")
		}
		d.services = splitServices(services)
		d.summary.Services = d.services
		d.summary.StartedAt = time.UnixMicro(d.date).UTC()
		if repeat.Valid {
			d.summary.RepeatOf = &repeat.Int64
		}
		if err := json.Unmarshal([]byte(factors), &d.factors); err != nil {
			return nil, fmt.Errorf("sqlstore: similar incidents: %w", err)
		}
		if err := json.Unmarshal([]byte(alerts), &d.alerts); err != nil {
			return nil, fmt.Errorf("sqlstore: similar incidents: %w", err)
		}
		out = append(out, &d)
	}
	return out, mapErr(rows.Err(), "similar incidents")
}

func lowerList(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.ToLower(strings.TrimSpace(v))
	}
	return out
}

func dedupe(vs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// shared lists the values of a that b has too, sorted.
func shared(a, b []string) []string {
	in := map[string]bool{}
	for _, v := range b {
		in[v] = true
	}
	var out []string
	for _, v := range dedupe(a) {
		if in[v] {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func jaccard(shared, a, b int) float64 {
	union := a + b - shared
	if union <= 0 {
		return 0
	}
	return float64(shared) / float64(union)
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// IncidentsOnDay returns incidents that started on month/day (UTC) in a year
// before before's, newest first, that the viewer may see: at most limit
// (debrief.DigestLimit when limit is 0 or more than that).
func (db *DB) IncidentsOnDay(ctx context.Context, month time.Month, day int, before time.Time, viewer debrief.Actor, limit int) ([]debrief.DigestEntry, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	w := &where{}
	w.add("d.kind = 'incident'")
	w.add("d.month_day = ?", int(month)*100+day)
	w.add("d.year < ?", before.UTC().Year())
	visibility(w, viewer)
	entries, err := db.digest(ctx, w, "d.date DESC", limit)
	if err != nil {
		return nil, err
	}
	for i := range entries {
		entries[i].YearsAgo = before.UTC().Year() - entries[i].Date.Year()
	}
	return entries, nil
}

// PublishedPostmortems returns the documents whose postmortem was published
// in [from, to), newest first, that the viewer may see.
func (db *DB) PublishedPostmortems(ctx context.Context, from, to time.Time, viewer debrief.Actor) ([]debrief.DigestEntry, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	w := &where{}
	w.add("d.published_at >= ?", from.UTC().UnixMicro())
	w.add("d.published_at < ?", to.UTC().UnixMicro())
	visibility(w, viewer)
	return db.digest(ctx, w, "d.published_at DESC, d.id DESC", 0)
}

// digest reads the documents w selects in order, at most limit of them
// (debrief.DigestLimit when limit is 0 or more than that).
func (db *DB) digest(ctx context.Context, w *where, order string, limit int) ([]debrief.DigestEntry, error) {
	if limit <= 0 || limit > debrief.DigestLimit {
		limit = debrief.DigestLimit
	}
	rows, err := db.r.QueryContext(ctx, `SELECT d.kind, d.incident_id, d.postmortem_id, d.key, d.title, d.severity, d.services, d.owner, d.date, d.published_at, x.fields
FROM search_docs d JOIN search_text x ON x.doc_id = d.id`+w.sql()+` ORDER BY `+order+` LIMIT `+fmt.Sprint(limit), w.args...)
	if err != nil {
		return nil, mapErr(err, "digest")
	}
	defer rows.Close()
	out := []debrief.DigestEntry{}
	for rows.Next() {
		var e debrief.DigestEntry
		var kind, services, fields string
		var inc, pm, published sql.NullInt64
		var date int64
		if err := rows.Scan(&kind, &inc, &pm, &e.Key, &e.Title, &e.Severity, &services, &e.Owner, &date, &published, &fields); err != nil {
			return nil, mapErr(err, "digest")
		}
		e.Kind = debrief.PostmortemKind(kind)
		if inc.Valid {
			e.IncidentID = &inc.Int64
		}
		if pm.Valid {
			e.PostmortemID = &pm.Int64
		}
		e.Services = splitServices(services)
		e.Date = time.UnixMicro(date).UTC()
		if published.Valid {
			t := time.UnixMicro(published.Int64).UTC()
			e.PublishedAt = &t
		}
		var fs []debrief.SearchField
		if err := json.Unmarshal([]byte(fields), &fs); err != nil {
			return nil, fmt.Errorf("sqlstore: digest: %w", err)
		}
		for _, f := range fs {
			if f.Name == "summary" || f.Name == "impact" {
				e.Summary, _ = debrief.CutText(f.Text, 300)
				break
			}
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err(), "digest")
}
