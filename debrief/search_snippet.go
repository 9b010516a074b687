package debrief

import (
	"strings"
	"unicode/utf8"
)

// SnippetLen is about how many bytes of text a search snippet shows.
const SnippetLen = 240

// Snippet picks the first field (fields are in order of weight) where a
// word of q appears and cuts a snippet of it around the first match, with
// the byte ranges of every match inside it. It works on the stored text,
// so both stores show the same snippet for the same document. With no
// match (a search by filters only) it shows the start of the first field
// after the title and names no field.
func Snippet(fields []SearchField, q *SearchQuery) (field, label, snippet string, highlights []SearchRange) {
	var terms []SearchTerm
	for _, g := range q.All {
		terms = append(terms, g...)
	}
	for _, f := range fields {
		spans := matchSpans(f.Text, terms)
		if len(spans) == 0 {
			continue
		}
		snippet, highlights = cut(f.Text, spans)
		return f.Name, f.Label, snippet, highlights
	}
	for _, f := range fields {
		if f.Name != "title" {
			snippet, _ = cut(f.Text, nil)
			return "", "", snippet, []SearchRange{}
		}
	}
	return "", "", "", []SearchRange{}
}

type tokenSpan struct {
	tok        string
	start, end int
}

func tokenSpans(text string) []tokenSpan {
	var out []tokenSpan
	start := -1
	for i, r := range text {
		if isTokenRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, tokenSpan{strings.ToLower(text[start:i]), start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, tokenSpan{strings.ToLower(text[start:]), start, len(text)})
	}
	return out
}

// matchSpans returns the byte ranges where any term matches, in order.
func matchSpans(text string, terms []SearchTerm) []SearchRange {
	if len(terms) == 0 {
		return nil
	}
	toks := tokenSpans(text)
	var out []SearchRange
	for i := 0; i < len(toks); i++ {
		for _, t := range terms {
			n := len(t.Tokens)
			if n == 0 || i+n > len(toks) {
				continue
			}
			ok := true
			for k, want := range t.Tokens {
				got := toks[i+k].tok
				if k == n-1 && t.Prefix {
					ok = strings.HasPrefix(got, want)
				} else {
					ok = got == want
				}
				if !ok {
					break
				}
			}
			if ok {
				out = append(out, SearchRange{Start: toks[i].start, End: toks[i+n-1].end})
				i += n - 1
				break
			}
		}
	}
	return out
}

// cut returns about SnippetLen bytes of text starting a little before the
// first span, on rune boundaries, with "…" where text was left out, white
// space flattened, and the spans moved into the snippet's coordinates.
func cut(text string, spans []SearchRange) (string, []SearchRange) {
	start := 0
	if len(spans) > 0 && spans[0].Start > 60 {
		start = spans[0].Start - 60
		// Start at a word: after the next space, if there is one close by.
		if i := strings.IndexAny(text[start:spans[0].Start], " \n\t"); i >= 0 {
			start += i + 1
		}
	}
	for start > 0 && start < len(text) && !utf8.RuneStart(text[start]) {
		start++
	}
	end := min(len(text), start+SnippetLen)
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end--
	}
	if end < len(text) {
		// End at a word boundary when one is near.
		if i := strings.LastIndexAny(text[start:end], " \n\t"); i > SnippetLen/2 {
			end = start + i
		}
	}
	var b strings.Builder
	lead := 0
	if start > 0 {
		b.WriteString("…")
		lead = len("…")
	}
	b.WriteString(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, text[start:end]))
	if end < len(text) {
		b.WriteString("…")
	}
	out := []SearchRange{}
	for _, s := range spans {
		if s.Start >= start && s.End <= end {
			out = append(out, SearchRange{Start: s.Start - start + lead, End: s.End - start + lead})
		}
	}
	return b.String(), out
}

// CutText shortens text to at most about n bytes, at a word boundary when
// one is near, adding "…"; it reports whether it cut anything.
func CutText(text string, n int) (string, bool) {
	text = strings.TrimSpace(text)
	if len(text) <= n {
		return text, false
	}
	end := n
	for end > 0 && !utf8.RuneStart(text[end]) {
		end--
	}
	if i := strings.LastIndexAny(text[:end], " \n\t"); i > n/2 {
		end = i
	}
	return strings.TrimSpace(text[:end]) + "…", true
}
