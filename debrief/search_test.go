package debrief

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSearchTokens(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"Checkout-API returned 500s", "checkout api returned 500s"},
		{"  ", ""},
		{"Zürich, ÉCHEC; 東京", "zürich échec 東京"},
		{"e-mail: ana@example.com", "e mail ana example com"},
		{"v2.31.0_rc1", "v2 31 0 rc1"},
	}
	for _, tt := range tests {
		if got := strings.Join(SearchTokens(tt.in), " "); got != tt.want {
			t.Errorf("SearchTokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("Nothing to see here. ", 20) + "The connection pool was exhausted by retries. " + strings.Repeat("More words follow. ", 20)
	fields := []SearchField{
		{Name: "title", Label: "Title", Text: "Checkout returned 500s"},
		{Name: "summary", Label: "Summary", Text: "Checkout failed for EU customers."},
		{Name: "root_cause", Label: "Root cause", Text: long},
	}
	q := &SearchQuery{All: []SearchGroup{{{Tokens: []string{"connection", "pool"}}}, {{Tokens: []string{"exhaust"}, Prefix: true}}}}
	field, label, snippet, hl := Snippet(fields, q)
	if field != "root_cause" || label != "Root cause" {
		t.Fatalf("Snippet(connection pool exhaust*) field = %q %q, want root_cause", field, label)
	}
	if len(snippet) > SnippetLen+2*len("…") || !strings.HasPrefix(snippet, "…") || !strings.HasSuffix(snippet, "…") {
		t.Errorf("Snippet = %q (%d bytes), want about %d bytes with … on both ends", snippet, len(snippet), SnippetLen)
	}
	var marked []string
	for _, h := range hl {
		marked = append(marked, snippet[h.Start:h.End])
	}
	if strings.Join(marked, "|") != "connection pool|exhausted" {
		t.Errorf("Snippet highlights = %q, want connection pool|exhausted", marked)
	}
	// The title wins when it matches.
	if field, _, _, _ := Snippet(fields, &SearchQuery{All: []SearchGroup{{{Tokens: []string{"checkout"}}}}}); field != "title" {
		t.Errorf("Snippet(checkout) field = %q, want title", field)
	}
	// Filters only: the start of the first field after the title, no field named.
	if field, _, snippet, hl := Snippet(fields, &SearchQuery{Severities: []string{"SEV1"}}); field != "" || snippet != "Checkout failed for EU customers." || len(hl) != 0 {
		t.Errorf("Snippet(filters only) = %q %q %v, want the summary without a field", field, snippet, hl)
	}
	// Multi-byte text is cut on rune boundaries.
	uni := []SearchField{{Name: "summary", Text: strings.Repeat("Größe ", 100) + "Ziel " + strings.Repeat("Größe ", 100)}}
	_, _, snippet, hl = Snippet(uni, &SearchQuery{All: []SearchGroup{{{Tokens: []string{"ziel"}}}}})
	if !utf8.ValidString(snippet) || len(hl) != 1 || snippet[hl[0].Start:hl[0].End] != "Ziel" {
		t.Errorf("Snippet(ziel) = %q %v, want valid UTF-8 with Ziel highlighted", snippet, hl)
	}
}

func TestCutText(t *testing.T) {
	if got, cut := CutText("short", 10); got != "short" || cut {
		t.Errorf("CutText(short, 10) = %q, %v; want it unchanged", got, cut)
	}
	got, cut := CutText("The pool was exhausted by retries from the payment worker", 30)
	if !cut || got != "The pool was exhausted by…" {
		t.Errorf("CutText(..., 30) = %q, %v; want a cut at a word with …", got, cut)
	}
}

func TestWeekStart(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"2025-05-05T00:00:00Z", "2025-05-05"}, // a Monday
		{"2025-05-11T23:59:59Z", "2025-05-05"}, // the Sunday after
		{"2025-05-12T00:00:00Z", "2025-05-12"},
		{"2025-01-01T12:00:00+05:00", "2024-12-30"},
	} {
		in, _ := time.Parse(time.RFC3339, tt.in)
		if got := WeekStart(in).Format("2006-01-02"); got != tt.want {
			t.Errorf("WeekStart(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// appendTokensReference is AppendSearchTokens written with SearchTokens,
// the way the index used to split columns.
func appendTokensReference(text string, limit, maxLen int) string {
	var kept []string
	for _, tok := range SearchTokens(text) {
		if len(kept) >= limit {
			break
		}
		if len(tok) <= maxLen {
			kept = append(kept, tok)
		}
	}
	return strings.Join(kept, " ")
}

func TestAppendSearchTokens(t *testing.T) {
	tests := []struct {
		in            string
		limit, maxLen int
		want          string
		consumed      string // the text kept as indexed
	}{
		{"Checkout-API returned 500s", 100, 100, "checkout api returned 500s", "Checkout-API returned 500s"},
		{"Checkout-API returned 500s", 2, 100, "checkout api", "Checkout-API "},
		{"Zürich, ÉCHEC; 東京 Ω", 2, 100, "zürich échec", "Zürich, ÉCHEC; "},
		{"short aaaaaaaaaa end", 100, 5, "short end", "short aaaaaaaaaa end"},
		{"  ", 10, 100, "", "  "},
		{"one two", 0, 100, "", ""},
		{"bad \xff\xfe bytes", 10, 100, "bad bytes", "bad \xff\xfe bytes"},
	}
	for _, tt := range tests {
		out, n, consumed := AppendSearchTokens(nil, tt.in, 0, tt.limit, tt.maxLen)
		if string(out) != tt.want || n != len(SearchTokens(tt.want)) || tt.in[:consumed] != tt.consumed {
			t.Errorf("AppendSearchTokens(%q, limit %d, maxLen %d) = %q, %d, text %q; want %q, %d, text %q",
				tt.in, tt.limit, tt.maxLen, out, n, tt.in[:consumed], tt.want, len(SearchTokens(tt.want)), tt.consumed)
		}
	}
	// Appending to a column that already holds tokens adds a space and counts on.
	out, n, _ := AppendSearchTokens([]byte("first"), "Second THIRD", 1, 2, 100)
	if string(out) != "first second" || n != 2 {
		t.Errorf(`AppendSearchTokens("first", "Second THIRD", n 1, limit 2) = %q, %d; want "first second", 2`, out, n)
	}
}

// FuzzAppendSearchTokens checks that the allocation-free splitter the index
// uses gives exactly SearchTokens' tokens, and that the consumed prefix of
// the text holds exactly the tokens kept.
func FuzzAppendSearchTokens(f *testing.F) {
	for _, s := range []string{"Checkout-API returned 500s", "Zürich, ÉCHEC; 東京", "İstanbul ǅ ß", "a\u0301b c", "\xff\xfeok", ""} {
		f.Add(s, 3, 8)
	}
	f.Fuzz(func(t *testing.T, text string, limit, maxLen int) {
		limit, maxLen = limit%50, maxLen%120
		if limit < 0 {
			limit = -limit
		}
		if maxLen < 0 {
			maxLen = -maxLen
		}
		out, n, consumed := AppendSearchTokens(nil, text, 0, limit, maxLen)
		if want := appendTokensReference(text, limit, maxLen); string(out) != want {
			t.Fatalf("AppendSearchTokens(%q, %d, %d) = %q, want %q", text, limit, maxLen, out, want)
		}
		if n > limit || (n > 0 && n != len(strings.Split(string(out), " "))) {
			t.Fatalf("AppendSearchTokens(%q, %d, %d) counted %d tokens in %q", text, limit, maxLen, n, out)
		}
		if consumed < 0 || consumed > len(text) {
			t.Fatalf("AppendSearchTokens(%q) consumed %d of %d bytes", text, consumed, len(text))
		}
		if again := appendTokensReference(text[:consumed], limit, maxLen); again != string(out) {
			t.Fatalf("AppendSearchTokens(%q): the consumed text %q holds %q, want %q", text, text[:consumed], again, out)
		}
	})
}
