// Package search holds Debrief's query language: the one syntax the API,
// the CLI and the web UI accept, parsed into a debrief.SearchQuery that the
// stores execute.
//
//	checkout timeout             both words
//	"connection pool exhausted"  the exact phrase
//	-staging                     without the word
//	redis OR memcached           either word
//	deploy*                      words starting with deploy
//	severity:1  severity:SEV2,SEV3  service:checkout  label:db  owner:ana@example.com
//	factor:config-change  factor:"missing alert"  (an accepted contributing factor)
//	status:resolved  status:published  status:open  kind:incident  kind:project
//	after:2024-01-01  before:2024-07  has:action-items-open
//
// Words are matched the way the index splits text: runs of letters and
// digits, case-insensitive, so "checkout-api" finds "Checkout API".
package search

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/debriefhq/debrief/debrief"
)

// Limits keep one query from costing the database more than a person could
// mean by it.
const (
	MaxQueryLen = 1000 // bytes
	MaxTerms    = 32   // words and phrases, excluded ones included
	MaxValues   = 50   // filter values in total
)

// Parse turns q into a query. severities are the configured levels (nil
// means debrief.DefaultSeverities), so that severity:1 names the level of
// rank 1. Errors are *debrief.Error with code EInvalid and field "q", and
// their message says where in q the problem is.
func Parse(q string, severities []debrief.SeverityLevel) (*debrief.SearchQuery, error) {
	if len(severities) == 0 {
		severities = debrief.DefaultSeverities
	}
	if len(q) > MaxQueryLen {
		return nil, invalid("The search is %d characters long; keep it under %d.", len(q), MaxQueryLen)
	}
	q = strings.ToValidUTF8(q, "\uFFFD")
	items, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{out: &debrief.SearchQuery{Raw: q}, severities: severities}
	if err := p.parse(items); err != nil {
		return nil, err
	}
	if p.out.Empty() {
		if len(items) > 0 {
			return nil, invalid("The search has no letters or digits to look for; type words, or a filter such as service:checkout.")
		}
		return nil, invalid("Type words to search for, or a filter such as service:checkout.")
	}
	if len(p.out.All) == 0 && len(p.out.Not) > 0 && p.onlyNot() {
		return nil, invalid("The search only says what to leave out; add a word or a filter to look for, e.g. timeout -staging.")
	}
	return p.out, nil
}

// itemKind tells the lexer's items apart.
type itemKind int

const (
	itemTerm itemKind = iota
	itemFilter
	itemOr
)

// item is one lexed piece of a query; col is its 1-based column in runes.
type item struct {
	kind    itemKind
	col     int
	text    string // the term or filter value, without quotes, minus and star
	raw     string // as typed
	name    string // filter name
	negated bool
	phrase  bool
	prefix  bool
	quoted  bool // filter value was quoted
}

// lexer walks q rune by rune, tracking columns for error messages.
type lexer struct {
	q   string
	pos int // byte offset
	col int // 1-based rune column of pos
}

func (l *lexer) peek() rune {
	if l.pos >= len(l.q) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(l.q[l.pos:])
	return r
}

func (l *lexer) next() rune {
	if l.pos >= len(l.q) {
		return -1
	}
	r, w := utf8.DecodeRuneInString(l.q[l.pos:])
	l.pos += w
	l.col++
	return r
}

// quoted reads a "…" string whose opening quote is at l.pos.
func (l *lexer) quoted() (string, error) {
	startCol := l.col
	l.next() // opening quote
	start := l.pos
	for {
		r := l.next()
		if r == -1 {
			return "", invalid("The quote at column %d is never closed; add a closing \" after the phrase.", startCol)
		}
		if r == '"' {
			return l.q[start : l.pos-1], nil
		}
	}
}

func lex(q string) ([]item, error) {
	l := &lexer{q: q, col: 1}
	var items []item
	for {
		for unicode.IsSpace(l.peek()) {
			l.next()
		}
		if l.peek() == -1 {
			return items, nil
		}
		it := item{col: l.col}
		startPos := l.pos
		if l.peek() == '-' {
			l.next()
			r := l.peek()
			if r == -1 || unicode.IsSpace(r) {
				return nil, invalid("The '-' at column %d must be followed by the word or phrase to leave out, with no space between, e.g. -staging.", it.col)
			}
			it.negated = true
		}
		if l.peek() == '"' {
			s, err := l.quoted()
			if err != nil {
				return nil, err
			}
			it.kind, it.text, it.phrase = itemTerm, s, true
			if l.peek() == '*' {
				l.next()
				it.prefix = true
			}
			it.raw = q[startPos:l.pos]
			items = append(items, it)
			continue
		}
		// A bare run ends at white space or a quote.
		wordPos := l.pos
		for r := l.peek(); r != -1 && !unicode.IsSpace(r) && r != '"'; r = l.peek() {
			l.next()
		}
		word := q[wordPos:l.pos]
		if name, value, ok := filterSyntax(word); ok {
			it.kind, it.name, it.text = itemFilter, strings.ToLower(name), value
			if value == "" && l.peek() == '"' {
				s, err := l.quoted()
				if err != nil {
					return nil, err
				}
				it.text, it.quoted = s, true
			}
			it.raw = q[startPos:l.pos]
			items = append(items, it)
			continue
		}
		if word == "OR" && !it.negated {
			it.kind, it.raw = itemOr, word
			items = append(items, it)
			continue
		}
		it.kind, it.raw = itemTerm, q[startPos:l.pos]
		if strings.HasSuffix(word, "*") {
			word = strings.TrimRight(word, "*")
			it.prefix = true
		}
		it.text = word
		items = append(items, it)
	}
}

// filterSyntax reports whether word looks like name:value, where name is
// letters only. URLs (http://…) and times (10:30) stay words.
func filterSyntax(word string) (name, value string, ok bool) {
	i := strings.IndexByte(word, ':')
	if i <= 0 {
		return "", "", false
	}
	name, value = word[:i], word[i+1:]
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return "", "", false
		}
	}
	if strings.HasPrefix(value, "//") {
		return "", "", false
	}
	return name, value, true
}

type parser struct {
	out        *debrief.SearchQuery
	severities []debrief.SeverityLevel
	terms      int
	values     int
	hadAfter   bool
	hadBefore  bool
}

// onlyNot reports whether the query has excluded words and nothing else.
func (p *parser) onlyNot() bool {
	o := *p.out
	o.Not = nil
	return o.Empty()
}

func (p *parser) parse(items []item) error {
	for i := 0; i < len(items); i++ {
		it := items[i]
		switch it.kind {
		case itemOr:
			return invalid("OR at column %d needs a word or phrase before it, e.g. redis OR memcached.", it.col)
		case itemFilter:
			if err := p.filter(it); err != nil {
				return err
			}
			if i+1 < len(items) && items[i+1].kind == itemOr {
				return orFilterError(items[i+1].col)
			}
			continue
		}
		// A term, perhaps the first of an OR group.
		group := []item{it}
		for i+1 < len(items) && items[i+1].kind == itemOr {
			or := items[i+1]
			if i+2 >= len(items) {
				return invalid("OR at column %d needs a word or phrase after it, e.g. redis OR memcached.", or.col)
			}
			nextItem := items[i+2]
			switch nextItem.kind {
			case itemOr:
				return invalid("OR at column %d is followed by another OR; put a word or phrase between them.", nextItem.col)
			case itemFilter:
				return orFilterError(or.col)
			}
			group = append(group, nextItem)
			i += 2
		}
		if err := p.group(group); err != nil {
			return err
		}
	}
	if p.out.After != nil && p.out.Before != nil && !p.out.After.Before(*p.out.Before) {
		return invalid("after:%s is not earlier than before:%s, so nothing can match; swap them or widen the range.",
			p.out.After.Format("2006-01-02"), p.out.Before.Format("2006-01-02"))
	}
	return nil
}

func orFilterError(col int) error {
	return invalid("OR at column %d joins words and phrases, not filters; to match any of several values, list them with commas, e.g. service:checkout,payments.", col)
}

func (p *parser) group(items []item) error {
	var g debrief.SearchGroup
	for _, it := range items {
		if it.negated && len(items) > 1 {
			return invalid("The excluded term %s at column %d cannot be part of an OR; leave out the '-' or the OR.", it.raw, it.col)
		}
		tokens := debrief.SearchTokens(it.text)
		if len(tokens) == 0 {
			// Punctuation alone (a stray '*', '&&', empty quotes) finds
			// nothing in an index of words, so it is skipped, not an error.
			continue
		}
		if it.prefix {
			if last := tokens[len(tokens)-1]; utf8.RuneCountInString(last) < 2 {
				return invalid("Put at least two letters before the * in %s at column %d.", it.raw, it.col)
			}
		}
		p.terms++
		if p.terms > MaxTerms {
			return invalid("The search has more than %d words and phrases; remove some (the one at column %d is too many).", MaxTerms, it.col)
		}
		t := debrief.SearchTerm{Text: it.text, Tokens: tokens, Prefix: it.prefix}
		if it.negated {
			p.out.Not = append(p.out.Not, t)
			continue
		}
		g = append(g, t)
	}
	if len(g) > 0 {
		p.out.All = append(p.out.All, g)
	}
	return nil
}

// filterNames lists the filters, for messages.
const filterNames = "severity:, service:, status:, label:, owner:, factor:, kind:, after:, before: and has:"

func (p *parser) filter(it item) error {
	if it.negated {
		return invalid("Filters cannot be excluded with '-' (%s at column %d); search for the values you want instead.", it.raw, it.col)
	}
	value := strings.TrimSpace(it.text)
	if value == "" {
		return invalid("%s: at column %d needs a value, e.g. %s", it.name, it.col, example(it.name))
	}
	var values []string
	if it.quoted {
		values = []string{value}
	} else {
		for _, v := range strings.Split(value, ",") {
			if v = strings.TrimSpace(v); v == "" {
				return invalid("%s at column %d has an empty value between commas.", it.raw, it.col)
			}
			values = append(values, v)
		}
	}
	p.values += len(values)
	if p.values > MaxValues {
		return invalid("The search has more than %d filter values; remove some (%s at column %d is too many).", MaxValues, it.raw, it.col)
	}
	switch it.name {
	case "severity", "sev":
		for _, v := range values {
			name, ok := p.severity(v)
			if !ok {
				return invalid("Unknown severity %q at column %d; use %s.", v, it.col, p.severityHelp())
			}
			p.out.Severities = appendNew(p.out.Severities, name)
		}
	case "service":
		p.out.Services = append(p.out.Services, lowerAll(values))
	case "label":
		p.out.Labels = append(p.out.Labels, lowerAll(values))
	case "factor", "factors":
		// Factors are compared by their words, as the index keeps them:
		// "Config-change" and "config change" are one factor.
		var list []string
		for _, v := range values {
			f := strings.Join(debrief.SearchTokens(v), " ")
			if f == "" {
				return invalid("factor:%s at column %d names no factor; write its words, e.g. %s", v, it.col, example("factor"))
			}
			list = appendNew(list, f)
		}
		p.out.Factors = append(p.out.Factors, list)
	case "owner":
		for _, v := range lowerAll(values) {
			p.out.Owners = appendNew(p.out.Owners, v)
		}
	case "status":
		for _, v := range lowerAll(values) {
			statuses, ok := statusValues(v)
			if !ok {
				return invalid("Unknown status %q at column %d; use open, investigating, identified, monitoring, resolved, closed, draft, in_review or published.", v, it.col)
			}
			for _, s := range statuses {
				p.out.Statuses = appendNew(p.out.Statuses, s)
			}
		}
	case "kind":
		for _, v := range lowerAll(values) {
			k := debrief.PostmortemKind(v)
			if k != debrief.KindIncident && k != debrief.KindProject {
				return invalid("Unknown kind %q at column %d; use kind:incident or kind:project.", v, it.col)
			}
			if !containsKind(p.out.Kinds, k) {
				p.out.Kinds = append(p.out.Kinds, k)
			}
		}
	case "after", "before":
		if len(values) != 1 {
			return invalid("%s: at column %d takes one date, e.g. %s", it.name, it.col, example(it.name))
		}
		t, ok := parseDate(values[0], it.name == "before")
		if !ok {
			return invalid("%q at column %d is not a date; write %s", values[0], it.col, example(it.name))
		}
		if it.name == "after" {
			// Several after: filters all hold, so the latest wins.
			if p.out.After == nil || t.After(*p.out.After) {
				p.out.After = &t
			}
		} else if p.out.Before == nil || t.Before(*p.out.Before) {
			p.out.Before = &t
		}
	case "has":
		for _, v := range lowerAll(values) {
			switch v {
			case "action-items-open", "open-action-items":
				p.out.OpenActionItems = true
			default:
				return invalid("Unknown has:%s at column %d; use has:action-items-open.", v, it.col)
			}
		}
	default:
		return invalid("Unknown filter %q at column %d; the filters are %s. To search for the text itself, put it in quotes: \"%s\".",
			it.name+":", it.col, filterNames, strings.ReplaceAll(it.raw, `"`, ""))
	}
	return nil
}

func example(name string) string {
	switch name {
	case "severity", "sev":
		return "severity:1 or severity:SEV2."
	case "service":
		return "service:checkout."
	case "label":
		return "label:database."
	case "factor", "factors":
		return "factor:config-change or factor:\"missing alert\"."
	case "owner":
		return "owner:ana@example.com."
	case "status":
		return "status:resolved or status:published."
	case "kind":
		return "kind:incident or kind:project."
	case "after":
		return "after:2024-01-01 (also 2024-01 or 2024)."
	case "before":
		return "before:2024-07-01 (also 2024-07 or 2024)."
	case "has":
		return "has:action-items-open."
	}
	return name + ":value."
}

// severity resolves "1", "sev1" or "SEV1" to a configured level's name.
func (p *parser) severity(v string) (string, bool) {
	if n, err := strconv.Atoi(v); err == nil {
		for _, l := range p.severities {
			if l.Rank == n {
				return l.Name, true
			}
		}
		return "", false
	}
	for _, l := range p.severities {
		if strings.EqualFold(l.Name, v) {
			return l.Name, true
		}
	}
	return "", false
}

func (p *parser) severityHelp() string {
	var ranks, names []string
	for _, l := range p.severities {
		ranks = append(ranks, strconv.Itoa(l.Rank))
		names = append(names, l.Name)
	}
	return "a rank (" + strings.Join(ranks, ", ") + ") or a name (" + strings.Join(names, ", ") + ")"
}

// statusValues maps a status word to the statuses it stands for; "open"
// means any status of an incident still being worked on.
func statusValues(v string) ([]string, bool) {
	v = strings.ReplaceAll(v, "-", "_")
	if v == "open" {
		var out []string
		for _, s := range debrief.IncidentStatuses {
			if s.Open() {
				out = append(out, string(s))
			}
		}
		return out, true
	}
	if debrief.IncidentStatus(v).Valid() || debrief.PostmortemStatus(v).Valid() {
		return []string{v}, true
	}
	return nil, false
}

// parseDate reads 2024-03-05, 2024-03, 2024 or an RFC 3339 time, in UTC. A
// partial date bounds by its whole period: before:2024 means before 2024,
// after:2024 means from the start of 2024.
func parseDate(v string, _ bool) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

func lowerAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.ToLower(v)
	}
	return out
}

func appendNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

func containsKind(list []debrief.PostmortemKind, k debrief.PostmortemKind) bool {
	for _, x := range list {
		if x == k {
			return true
		}
	}
	return false
}

func invalid(format string, args ...any) error {
	return debrief.Errorf(debrief.EInvalid, "q", format, args...)
}
