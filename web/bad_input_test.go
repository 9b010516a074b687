package web

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
)

// badBodies spoil a write route's valid JSON body in the ways clients and
// attackers do. Each must be answered with a 4xx and change nothing.
var badBodies = []struct {
	name string
	// spoil turns the valid body (and its first string's path) into a bad one.
	spoil func(body string, sample any, first []any) string
	// contentType replaces the JSON media type when set ("-" removes it).
	contentType string
}{
	{name: "malformed JSON", spoil: func(b string, _ any, _ []any) string { return b[:len(b)/2] }},
	{name: "trailing data", spoil: func(b string, _ any, _ []any) string { return b + ` {"more":1}` }},
	{name: "an array instead of an object", spoil: func(b string, _ any, _ []any) string { return "[" + b + "]" }},
	{name: "deeply nested JSON", spoil: func(string, any, []any) string {
		return strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
	}},
	// U+E000 becomes the byte 0xFF on the wire (withLeaf).
	{name: "invalid UTF-8", spoil: func(_ string, s any, first []any) string { return withLeaf(s, first, "Checkout \uE000 failed") }},
	{name: "huge Markdown", spoil: func(_ string, s any, first []any) string {
		return withLeaf(s, first, strings.Repeat("## Impact\n\n- **42%** of checkouts failed, see [graph](https://example.com)\n\n", 20000))
	}},
	{name: "an oversized body", spoil: func(_ string, s any, first []any) string {
		return withLeaf(s, first, strings.Repeat("x", 12<<20))
	}},
	{name: "a text/plain body", contentType: "text/plain", spoil: func(b string, _ any, _ []any) string { return b }},
	{name: "no content type", contentType: "-", spoil: func(b string, _ any, _ []any) string { return b }},
}

// TestBadInputChangesNothing sends every write route of the route table
// each of badBodies and checks that each is answered with a 4xx (never a
// 5xx or a success) and that the database is exactly as before, compared
// by the per-table checksums of a full export, on both engines.
func TestBadInputChangesNothing(t *testing.T) {
	engines := map[string]func(testing.TB) debrief.Store{"sqlite": openSQLite, "postgres": openPostgres}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, engines[name](t), Config{Authenticate: func(*http.Request) (debrief.Actor, error) {
				return debrief.Actor{Email: "ana@example.com", Name: "Ana Keller", Role: debrief.RoleAdmin, Via: "test"}, nil
			}})
			expand := textRouteWorld(t, e)
			db, ok := e.svc.Store().(*sqlstore.DB)
			if !ok {
				t.Fatalf("the store is %T, want *sqlstore.DB", e.svc.Store())
			}
			sums := func() sqlstore.DumpSums {
				s, err := db.Dump(context.Background(), io.Discard, "test", nil)
				if err != nil {
					t.Fatalf("Dump = %v", err)
				}
				return s
			}
			tested := 0
			for _, pattern := range writePatterns(e) {
				tr, ok := textRoutes[pattern]
				if !ok || tr.none != "" || tr.upload || tr.streamed {
					continue // TestTextAcceptedAlike lists every route; uploads and imports take other bodies
				}
				method, _, _ := strings.Cut(pattern, " ")
				sample := sampleOf(t, pattern, tr, expand)
				leaves := stringLeaves(sample, "")
				before := sums()
				for _, bad := range badBodies {
					if len(leaves) == 0 && (bad.name == "invalid UTF-8" || bad.name == "huge Markdown" || bad.name == "an oversized body") {
						continue
					}
					var first []any
					if len(leaves) > 0 {
						first = leaves[0].path
					}
					headers := map[string]string{}
					for k, v := range tr.headers {
						headers[k] = expand(v)
					}
					switch bad.contentType {
					case "":
					case "-":
						headers["Content-Type"] = ""
					default:
						headers["Content-Type"] = bad.contentType
					}
					x := e.do(method, expand(tr.path), bad.spoil(expand(tr.body), sample, first), headers)
					if x.status < 400 || x.status > 499 || x.status == http.StatusNotFound || x.status == http.StatusConflict {
						t.Errorf("%s with %s = %d %s; want a 4xx that names the problem", pattern, bad.name, x.status, truncate(string(x.body), 200))
					}
				}
				if after := sums(); after.Diff(before) != "" {
					table := after.Diff(before)
					t.Errorf("%s: refused requests changed table %s (%d rows before, %d after)", pattern, table, before[table].Rows, after[table].Rows)
				}
				tested++
			}
			if tested < 10 {
				t.Fatalf("only %d write routes were tried; the route walk is broken", tested)
			}
		})
	}
}
