package search

import (
	"strings"
	"unicode"

	"github.com/debriefhq/debrief/debrief"
)

// Format writes q back in the query language, in a canonical form: what
// Parse would read as the same query. The CLI and the web UI use it to show
// how a search was understood, and links use it to carry a search.
func Format(q *debrief.SearchQuery) string {
	var parts []string
	for _, g := range q.All {
		var terms []string
		for _, t := range g {
			terms = append(terms, formatTerm(t))
		}
		parts = append(parts, strings.Join(terms, " OR "))
	}
	for _, t := range q.Not {
		parts = append(parts, "-"+formatTerm(t))
	}
	if len(q.Severities) > 0 {
		parts = append(parts, "severity:"+formatValues(q.Severities))
	}
	for _, s := range q.Services {
		parts = append(parts, "service:"+formatValues(s))
	}
	for _, l := range q.Labels {
		parts = append(parts, "label:"+formatValues(l))
	}
	for _, f := range q.Factors {
		// A factor's words joined by '-' read back as the same words, and
		// need no quotes in a list.
		vs := make([]string, len(f))
		for i, v := range f {
			vs[i] = strings.ReplaceAll(v, " ", "-")
		}
		parts = append(parts, "factor:"+strings.Join(vs, ","))
	}
	if len(q.Statuses) > 0 {
		parts = append(parts, "status:"+formatValues(q.Statuses))
	}
	if len(q.Owners) > 0 {
		parts = append(parts, "owner:"+formatValues(q.Owners))
	}
	if len(q.Kinds) > 0 {
		var ks []string
		for _, k := range q.Kinds {
			ks = append(ks, string(k))
		}
		parts = append(parts, "kind:"+strings.Join(ks, ","))
	}
	if q.After != nil {
		parts = append(parts, "after:"+formatDate(*q.After))
	}
	if q.Before != nil {
		parts = append(parts, "before:"+formatDate(*q.Before))
	}
	if q.OpenActionItems {
		parts = append(parts, "has:action-items-open")
	}
	return strings.Join(parts, " ")
}

func formatTerm(t debrief.SearchTerm) string {
	s := strings.Join(t.Tokens, " ")
	if len(t.Tokens) != 1 || strings.ContainsRune(s, ':') {
		s = `"` + s + `"`
	}
	if t.Prefix {
		s += "*"
	}
	return s
}

// formatValues joins values with commas, or quotes a single value that
// holds a comma or a space (a quoted value is never split).
func formatValues(vs []string) string {
	needQuote := false
	for _, v := range vs {
		if strings.ContainsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
			needQuote = true
		}
	}
	if !needQuote {
		return strings.Join(vs, ",")
	}
	if len(vs) == 1 {
		return `"` + vs[0] + `"`
	}
	// A list with a value that needs quotes cannot be written as one
	// filter; Format is only asked for lists that Parse produced, which
	// never mix the two, so the plain join is the best approximation.
	return strings.Join(vs, ",")
}

func formatDate(t interface{ Format(string) string }) string {
	s := t.Format("2006-01-02T15:04:05Z07:00")
	if strings.HasSuffix(s, "T00:00:00Z") {
		return strings.TrimSuffix(s, "T00:00:00Z")
	}
	return s
}
