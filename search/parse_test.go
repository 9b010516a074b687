package search

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/debriefhq/debrief/debrief"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func term(tokens ...string) debrief.SearchTerm {
	return debrief.SearchTerm{Tokens: tokens}
}

func prefix(tokens ...string) debrief.SearchTerm {
	return debrief.SearchTerm{Tokens: tokens, Prefix: true}
}

func date(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

// ignoreText compares what a query means, not how the user spelled it.
var ignoreText = cmp.Options{
	cmpopts.IgnoreFields(debrief.SearchTerm{}, "Text"),
	cmpopts.IgnoreFields(debrief.SearchQuery{}, "Raw"),
	cmpopts.EquateEmpty(),
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		q    string
		want debrief.SearchQuery
	}{
		{"words", "checkout timeout", debrief.SearchQuery{All: []debrief.SearchGroup{{term("checkout")}, {term("timeout")}}}},
		{"case folded", "Checkout TIMEOUT", debrief.SearchQuery{All: []debrief.SearchGroup{{term("checkout")}, {term("timeout")}}}},
		{"phrase", `"connection pool exhausted"`, debrief.SearchQuery{All: []debrief.SearchGroup{{term("connection", "pool", "exhausted")}}}},
		{"hyphenated word is a phrase", "checkout-api", debrief.SearchQuery{All: []debrief.SearchGroup{{term("checkout", "api")}}}},
		{"excluded", "database -staging", debrief.SearchQuery{All: []debrief.SearchGroup{{term("database")}}, Not: []debrief.SearchTerm{term("staging")}}},
		{"excluded phrase", `dns -"load test"`, debrief.SearchQuery{All: []debrief.SearchGroup{{term("dns")}}, Not: []debrief.SearchTerm{term("load", "test")}}},
		{"or", "redis OR memcached cache", debrief.SearchQuery{All: []debrief.SearchGroup{{term("redis"), term("memcached")}, {term("cache")}}}},
		{"or chain", "a1 OR b2 OR c3", debrief.SearchQuery{All: []debrief.SearchGroup{{term("a1"), term("b2"), term("c3")}}}},
		{"lowercase or is a word", "redis or memcached", debrief.SearchQuery{All: []debrief.SearchGroup{{term("redis")}, {term("or")}, {term("memcached")}}}},
		{"prefix", "deploy*", debrief.SearchQuery{All: []debrief.SearchGroup{{prefix("deploy")}}}},
		{"prefix phrase", `"disk fu"*`, debrief.SearchQuery{All: []debrief.SearchGroup{{prefix("disk", "fu")}}}},
		{"severity rank", "severity:1", debrief.SearchQuery{Severities: []string{"SEV1"}}},
		{"severity name any case", "severity:sev2,SEV3 severity:2", debrief.SearchQuery{Severities: []string{"SEV2", "SEV3"}}},
		{"services each must match", "service:Checkout service:payments,ledger", debrief.SearchQuery{Services: [][]string{{"checkout"}, {"payments", "ledger"}}}},
		{"quoted value", `label:"data loss"`, debrief.SearchQuery{Labels: [][]string{{"data loss"}}}},
		{"factors by their words", `factor:Config-Change,deploy factor:"Missing alert"`, debrief.SearchQuery{Factors: [][]string{{"config change", "deploy"}, {"missing alert"}}}},
		{"factor values said twice", `factors:dns,DNS`, debrief.SearchQuery{Factors: [][]string{{"dns"}}}},
		{"status open", "status:open", debrief.SearchQuery{Statuses: []string{"investigating", "identified", "monitoring"}}},
		{"postmortem status", "status:in-review,published", debrief.SearchQuery{Statuses: []string{"in_review", "published"}}},
		{"owner", "owner:Ana@Example.com", debrief.SearchQuery{Owners: []string{"ana@example.com"}}},
		{"kind", "kind:project", debrief.SearchQuery{Kinds: []debrief.PostmortemKind{debrief.KindProject}}},
		{"dates", "after:2024-01-01 before:2024-07", debrief.SearchQuery{After: date("2024-01-01"), Before: date("2024-07-01")}},
		{"year", "after:2023", debrief.SearchQuery{After: date("2023-01-01")}},
		{"latest after wins", "after:2023 after:2024-02-03", debrief.SearchQuery{After: date("2024-02-03")}},
		{"has", "has:action-items-open", debrief.SearchQuery{OpenActionItems: true}},
		{"url stays a word", "http://status.example.com", debrief.SearchQuery{All: []debrief.SearchGroup{{term("http", "status", "example", "com")}}}},
		{"time stays a word", "10:30", debrief.SearchQuery{All: []debrief.SearchGroup{{term("10", "30")}}}},
		{"punctuation skipped", "timeout && *", debrief.SearchQuery{All: []debrief.SearchGroup{{term("timeout")}}}},
		{"everything", `checkout "card declined" -test severity:1 service:checkout after:2024-01-01`, debrief.SearchQuery{
			All: []debrief.SearchGroup{{term("checkout")}, {term("card", "declined")}}, Not: []debrief.SearchTerm{term("test")},
			Severities: []string{"SEV1"}, Services: [][]string{{"checkout"}}, After: date("2024-01-01"),
		}},
		{"unicode", "Zürich ÉCHEC", debrief.SearchQuery{All: []debrief.SearchGroup{{term("zürich")}, {term("échec")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.q, nil)
			if err != nil {
				t.Fatalf("Parse(%q) error %v, want a query", tt.q, err)
			}
			if got.Raw != tt.q {
				t.Errorf("Parse(%q).Raw = %q, want the input", tt.q, got.Raw)
			}
			if diff := cmp.Diff(&tt.want, got, ignoreText); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.q, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		q    string
		want string // part of the message
	}{
		{"", "Type words"},
		{"factor:--", "factor:-- at column 1 names no factor"},
		{"   ", "Type words"},
		{`"connection pool`, "quote at column 1 is never closed"},
		{`timeout "pool`, "quote at column 9 is never closed"},
		{`service:"check`, "quote at column 9 is never closed"},
		{"timeout -", "'-' at column 9"},
		{"OR redis", "OR at column 1 needs a word or phrase before it"},
		{"redis OR", "OR at column 7 needs a word or phrase after it"},
		{"redis OR OR memcached", "followed by another OR"},
		{"redis OR -memcached", "cannot be part of an OR"},
		{"service:a OR service:b", "list them with commas"},
		{"redis OR service:b", "list them with commas"},
		{"severity:", "severity: at column 1 needs a value"},
		{"severity:9", `Unknown severity "9" at column 1`},
		{"database severity:critical", `Unknown severity "critical" at column 10`},
		{"status:done", `Unknown status "done"`},
		{"kind:meeting", `Unknown kind "meeting"`},
		{"after:yesterday", `"yesterday" at column 1 is not a date`},
		{"after:2024-13-01", "is not a date"},
		{"after:2024,2025", "takes one date"},
		{"after:2024-06-01 before:2024-01-01", "is not earlier than"},
		{"has:postmortem", "Unknown has:postmortem"},
		{"colour:red", `Unknown filter "colour:" at column 1`},
		{"-service:checkout", "cannot be excluded"},
		{"service:a,,b", "empty value between commas"},
		{"-staging", "only says what to leave out"},
		{"a*", "at least two letters before the *"},
		{"&& || !!", "no letters or digits"},
		{strings.Repeat("x", MaxQueryLen+1), "keep it under"},
		{strings.Repeat("word ", MaxTerms+1), "more than 32 words"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.q, nil)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want an error containing %q", tt.q, got, tt.want)
			continue
		}
		if debrief.ErrorCode(err) != debrief.EInvalid || debrief.ErrorField(err) != "q" {
			t.Errorf("Parse(%q) error code %q field %q, want invalid on q", tt.q, debrief.ErrorCode(err), debrief.ErrorField(err))
		}
		if !strings.Contains(debrief.ErrorMessage(err), tt.want) {
			t.Errorf("Parse(%q) error %q, want it to contain %q", tt.q, debrief.ErrorMessage(err), tt.want)
		}
	}
}

func TestParseConfiguredSeverities(t *testing.T) {
	levels := []debrief.SeverityLevel{{Name: "P0", Rank: 1}, {Name: "P1", Rank: 2}}
	got, err := Parse("severity:1 severity:p1", levels)
	if err != nil {
		t.Fatalf("Parse with levels P0,P1: %v", err)
	}
	if diff := cmp.Diff([]string{"P0", "P1"}, got.Severities); diff != "" {
		t.Errorf("Parse(severity:1 severity:p1) severities (-want +got):\n%s", diff)
	}
	if _, err := Parse("severity:SEV1", levels); err == nil || !strings.Contains(err.Error(), "P0, P1") {
		t.Errorf("Parse(severity:SEV1) with levels P0,P1 = %v, want an error listing P0, P1", err)
	}
}

func TestFormatRoundTrip(t *testing.T) {
	for _, q := range []string{
		`checkout "card declined"* -test redis OR memcached severity:1,2 service:checkout service:"big data" label:db status:open owner:ana@example.com kind:incident,project after:2024-01-01 before:2024-02-03T04:05:06Z has:action-items-open`,
		`factor:"config change",deploy factor:"Missing alert"`,
		`factor:"config change, deploy"`,
		"deploy*",
	} {
		first, err := Parse(q, nil)
		if err != nil {
			t.Fatalf("Parse(%q): %v", q, err)
		}
		formatted := Format(first)
		second, err := Parse(formatted, nil)
		if err != nil {
			t.Fatalf("Parse(Format(%q) = %q): %v", q, formatted, err)
		}
		if diff := cmp.Diff(first, second, ignoreText); diff != "" {
			t.Errorf("Parse(Format(Parse(%q))) differs (-first +second); formatted %q\n%s", q, formatted, diff)
		}
	}
}

// FuzzParse checks that no input panics, that every error is an invalid-q
// error with a message, and that every accepted query survives Format.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"checkout timeout", `"connection pool exhausted" -staging`, "redis OR memcached", "deploy*",
		"severity:1 service:checkout status:open after:2024-01-01 before:2024-07 has:action-items-open",
		`label:"data loss" owner:ana@example.com kind:project`, `"unclosed`, "OR", "a OR -b", "-", "x:y",
		"http://example.com/a?b=c", "Zürich 東京 🔥", "\xff\xfe", `service:"a,b"`, "after:2024 after:2025-01",
		`factor:"config change" factor:dns,time-clock`, "factor:,", `factor:"a,b c"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s, nil)
		if err != nil {
			if debrief.ErrorCode(err) != debrief.EInvalid || debrief.ErrorField(err) != "q" || debrief.ErrorMessage(err) == "" {
				t.Fatalf("Parse(%q) error %#v, want EInvalid on q with a message", s, err)
			}
			if !utf8.ValidString(debrief.ErrorMessage(err)) {
				t.Fatalf("Parse(%q) error message is not valid UTF-8: %q", s, debrief.ErrorMessage(err))
			}
			return
		}
		if q.Empty() {
			t.Fatalf("Parse(%q) accepted an empty query", s)
		}
		for _, g := range q.All {
			for _, term := range g {
				if len(term.Tokens) == 0 {
					t.Fatalf("Parse(%q) produced a term without tokens: %+v", s, term)
				}
				for _, tok := range term.Tokens {
					if tok == "" || len(debrief.SearchTokens(tok)) != 1 {
						t.Fatalf("Parse(%q) produced token %q that the index would split differently", s, tok)
					}
				}
			}
		}
		formatted := Format(q)
		again, err := Parse(formatted, nil)
		if err != nil {
			t.Fatalf("Parse(%q) ok but Parse(Format = %q) failed: %v", s, formatted, err)
		}
		if diff := cmp.Diff(q, again, ignoreText); diff != "" {
			t.Fatalf("Parse(%q) then Format %q reads differently (-first +second):\n%s", s, formatted, diff)
		}
	})
}
