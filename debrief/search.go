package debrief

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SearchTerm is one word, phrase or prefix of a search. Tokens are what the
// term means to the index: lowercase runs of letters, digits and marks, the
// same way both stores split text, so "checkout-api" is the two-token phrase
// "checkout api" on SQLite and on PostgreSQL alike.
type SearchTerm struct {
	// Text is the term as the user typed it, for messages and display.
	Text   string   `json:"text"`
	Tokens []string `json:"tokens"`
	// Prefix makes the last token match any word that starts with it.
	Prefix bool `json:"prefix,omitempty"`
}

// SearchGroup is a list of terms of which at least one must match (words
// joined by OR).
type SearchGroup []SearchTerm

// SearchQuery is a parsed search (package search turns the query language
// into one). A document matches when it matches every group in All, contains
// no term in Not, and passes every filter. Filters on single-valued fields
// (severity, status, owner, kind) match any of their values; each list in
// Services and Labels must match at least one of its values.
type SearchQuery struct {
	// Raw is the query text as typed.
	Raw string `json:"q"`

	All []SearchGroup `json:"all,omitempty"`
	Not []SearchTerm  `json:"not,omitempty"`

	// Severities are severity names (e.g. SEV1).
	Severities []string `json:"severities,omitempty"`
	// Services and Labels hold one list per filter the user wrote.
	Services [][]string `json:"services,omitempty"`
	Labels   [][]string `json:"labels,omitempty"`
	// Factors holds one list per factor: filter of accepted contributing
	// factors, each value normalized to its lowercase words joined by
	// spaces ("config change"), as the index keeps them.
	Factors [][]string `json:"factors,omitempty"`
	// Statuses are incident statuses or postmortem statuses.
	Statuses []string         `json:"statuses,omitempty"`
	Owners   []string         `json:"owners,omitempty"`
	Kinds    []PostmortemKind `json:"kinds,omitempty"`
	// After and Before bound the document date: After ≤ date < Before.
	After  *time.Time `json:"after,omitempty"`
	Before *time.Time `json:"before,omitempty"`
	// OpenActionItems keeps documents that still have open action items.
	OpenActionItems bool `json:"open_action_items,omitempty"`

	// Limit is the page size (capped at MaxPageSize); Offset skips results,
	// because relevance order has no stable key to continue after.
	Limit  int `json:"limit,omitempty"`
	Offset int `json:"offset,omitempty"`
}

// HasText reports whether the query has words to rank by; a query of
// filters only lists documents newest first.
func (q *SearchQuery) HasText() bool { return len(q.All) > 0 }

// Empty reports whether the query selects nothing in particular.
func (q *SearchQuery) Empty() bool {
	return len(q.All) == 0 && len(q.Not) == 0 && len(q.Severities) == 0 && len(q.Services) == 0 &&
		len(q.Labels) == 0 && len(q.Factors) == 0 && len(q.Statuses) == 0 && len(q.Owners) == 0 && len(q.Kinds) == 0 &&
		q.After == nil && q.Before == nil && !q.OpenActionItems
}

// MaxSearchOffset bounds how deep a search may page.
const MaxSearchOffset = 1000

// SearchHit is one matching document: an incident (with its postmortems,
// timeline and action items) or a project postmortem.
type SearchHit struct {
	Kind         PostmortemKind `json:"kind"`
	IncidentID   *int64         `json:"incident_id,omitempty"`
	PostmortemID *int64         `json:"postmortem_id,omitempty"`
	// Key is the incident key, or the postmortem key for project postmortems.
	Key      string    `json:"key"`
	Title    string    `json:"title"`
	Severity string    `json:"severity,omitempty"`
	Status   string    `json:"status"`
	Services []string  `json:"services"`
	Date     time.Time `json:"date"`
	// Field names where the query matched: title, summary, section:<key>,
	// root_cause, contributing_factors, lessons, timeline, action_items,
	// attachments, impact. FieldLabel is its human name.
	Field      string `json:"field"`
	FieldLabel string `json:"field_label"`
	// Snippet is plain text around the match; Highlights are byte ranges of
	// Snippet to emphasise, so every client escapes text its own way.
	Snippet    string        `json:"snippet"`
	Highlights []SearchRange `json:"highlights"`
	Score      float64       `json:"score"`
}

// SearchRange is the half-open byte range [Start, End) of a snippet.
type SearchRange struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// FacetCount is how many matching documents have one value.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// SearchFacets counts all matching documents (not only the page shown) by
// severity, service, year and accepted contributing factor.
type SearchFacets struct {
	Severity []FacetCount `json:"severity"`
	Service  []FacetCount `json:"service"`
	Year     []FacetCount `json:"year"`
	// Factor counts the contributing factors of the documents'
	// postmortems, normalized as SearchQuery.Factors.
	Factor []FacetCount `json:"factor"`
}

// SearchResults is one page of a search.
type SearchResults struct {
	Query *SearchQuery `json:"query"`
	// Total counts every matching document the viewer may see.
	Total int `json:"total"`
	// TotalEstimated says that Total and the facets' counts were
	// estimated from a sample of the index rather than counted: a store
	// may do so for a query that matches a great many documents, where
	// counting each would take longer than the whole search may. The hits
	// are the same either way.
	TotalEstimated bool         `json:"total_estimated,omitempty"`
	Hits           []SearchHit  `json:"hits"`
	Facets         SearchFacets `json:"facets"`
}

// SearchField is one searchable part of a document.
type SearchField struct {
	// Name is the field key (see SearchHit.Field), Label its human name.
	Name  string `json:"name"`
	Label string `json:"label"`
	Text  string `json:"text"`
}

// SimilarIncident is a past incident like the one asked about, with why.
type SimilarIncident struct {
	Incident SimilarSummary `json:"incident"`
	Score    float64        `json:"score"`
	// Reasons explain the score, one component each.
	Reasons []SimilarReason `json:"reasons"`
}

// SimilarSummary is the part of an incident a similar-incidents list shows.
type SimilarSummary struct {
	ID        int64     `json:"id"`
	Key       string    `json:"key"`
	Title     string    `json:"title"`
	Severity  string    `json:"severity"`
	Status    string    `json:"status"`
	Services  []string  `json:"services"`
	StartedAt time.Time `json:"started_at"`
	RepeatOf  *int64    `json:"repeat_of,omitempty"`
}

// SimilarReason is one component of a similarity score.
type SimilarReason struct {
	// Kind is services, contributing_factors, alerts or text.
	Kind   string   `json:"kind"`
	Shared []string `json:"shared,omitempty"`
	Score  float64  `json:"score"`
}

// SimilarLimit is how many similar incidents are shown.
const SimilarLimit = 5

// SimilarProbe is what a store needs to find incidents like one: the
// incident itself and the words that describe it best.
type SimilarProbe struct {
	IncidentID int64
	Before     time.Time // only incidents that started before this
	Services   []string
	Factors    []string
	Alerts     []string
	// Words are the incident's most telling words, matched with OR.
	Words []string
	Limit int
}

// DigestLimit bounds a digest (on this day, a week's publications): the
// entries past it are not read.
const DigestLimit = 200

// DigestEntry is one incident or postmortem in a digest.
type DigestEntry struct {
	Kind         PostmortemKind `json:"kind"`
	IncidentID   *int64         `json:"incident_id,omitempty"`
	PostmortemID *int64         `json:"postmortem_id,omitempty"`
	Key          string         `json:"key"`
	Title        string         `json:"title"`
	Severity     string         `json:"severity,omitempty"`
	Services     []string       `json:"services"`
	Summary      string         `json:"summary"`
	Owner        string         `json:"owner,omitempty"`
	Date         time.Time      `json:"date"`
	PublishedAt  *time.Time     `json:"published_at,omitempty"`
	// YearsAgo is set in "on this day" digests.
	YearsAgo int `json:"years_ago,omitempty"`
}

// SearchStore is the part of the Store that searches. The index is kept in
// step with every write by the store itself, in the same transaction.
type SearchStore interface {
	// Search returns the documents matching q that viewer may see, best
	// first. Admins see every document; anyone else sees incidents that are
	// not private or that list their email among the members.
	Search(ctx context.Context, q *SearchQuery, viewer Actor) (*SearchResults, error)
	// SimilarIncidents returns up to p.Limit incidents scored against p.
	SimilarIncidents(ctx context.Context, p SimilarProbe, viewer Actor) ([]SimilarIncident, error)
	// IncidentsOnDay returns incidents that started on month/day in years
	// before the year of now, newest first: at most limit, or at most a
	// digest's bound when limit is 0.
	IncidentsOnDay(ctx context.Context, month time.Month, day int, before time.Time, viewer Actor, limit int) ([]DigestEntry, error)
	// PublishedPostmortems returns postmortems published in [from, to), newest first.
	PublishedPostmortems(ctx context.Context, from, to time.Time, viewer Actor) ([]DigestEntry, error)
	// Reindex rebuilds the whole search index and reports how many documents it holds.
	Reindex(ctx context.Context) (int, error)
}

// SearchTokens splits text into lowercase index tokens: runs of letters,
// digits and marks. Both stores index text split this way, so a query
// means the same on either.
func SearchTokens(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		if isTokenRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, strings.ToLower(text[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, strings.ToLower(text[start:]))
	}
	return out
}

// AppendSearchTokens appends the tokens of text, as SearchTokens splits
// them, to dst, each after a space when dst is not empty. Tokens longer
// than maxLen bytes are skipped; once dst holds limit tokens (n counts
// those already there) it stops. It returns the extended dst, the new
// count and how much of text was consumed: text[:consumed] holds every
// token appended, so a caller can keep exactly the text that was indexed.
//
// It exists beside SearchTokens because indexing a long timeline with
// SearchTokens allocated a string per token, only to drop most of them at
// the column's cap.
func AppendSearchTokens(dst []byte, text string, n, limit, maxLen int) (out []byte, count, consumed int) {
	i := 0
	for i < len(text) {
		// Skip to the start of a token.
		start := -1
		for i < len(text) {
			c := text[i]
			if c < utf8.RuneSelf {
				if asciiToken[c] {
					start = i
					break
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(text[i:])
			if isTokenRune(r) {
				start = i
				break
			}
			i += size
		}
		if start < 0 {
			return dst, n, len(text)
		}
		if n >= limit {
			return dst, n, start
		}
		ascii := true
		for i < len(text) {
			c := text[i]
			if c < utf8.RuneSelf {
				if !asciiToken[c] {
					break
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(text[i:])
			if !isTokenRune(r) {
				break
			}
			ascii = false
			i += size
		}
		tok := text[start:i]
		if !ascii {
			tok = strings.ToLower(tok)
		}
		if len(tok) > maxLen {
			continue
		}
		if len(dst) > 0 {
			dst = append(dst, ' ')
		}
		if ascii {
			for j := 0; j < len(tok); j++ {
				c := tok[j]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				dst = append(dst, c)
			}
		} else {
			dst = append(dst, tok...)
		}
		n++
	}
	return dst, n, len(text)
}

// asciiToken marks the ASCII bytes isTokenRune accepts: letters and digits.
var asciiToken = func() (t [utf8.RuneSelf]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = isTokenRune(rune(c))
	}
	return t
}()

func isTokenRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}
