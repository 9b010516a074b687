package web

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// FuzzDecodeBody feeds arbitrary bytes to the strict decoder for every
// request body type: it must never panic, and every failure must be a
// coded *debrief.Error (400), never an internal error.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"title":"DNS outage","severity":"SEV1","started_at":"2026-03-01T10:00:00Z"}`,
		`{"title":"x","roles":{"pager":"bob"}}`,
		`{"events":[{"at":"2026-03-01T09:40:00Z","text":"a"},{"at":"bad","text":"b","colour":1}]}`,
		`{"incident_id":"INC-4","template":"sre","project":{"live_from":"2026-01-01T00:00:00Z"}}`,
		`{"due_date":"2026-04-01","incident_id":3}`,
		`{"a":1} {"b":2}`, `[1,2]`, `"x"`, `{"title":`, `{"version":1e400}`, `{"sections":[{"key":"a","zz":[{}]}]}`,
	} {
		f.Add([]byte(s))
	}
	targets := []func() any{
		func() any { return new(incidentCreate) }, func() any { return new(incidentPatch) },
		func() any { return new(eventCreate) }, func() any { return new(eventsCreate) }, func() any { return new(eventPatch) },
		func() any { return new(postmortemCreate) }, func() any { return new(postmortemPatch) }, func() any { return new(sectionPatch) },
		func() any { return new(actionItemCreate) }, func() any { return new(actionItemPatch) }, func() any { return new(versionBody) },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range targets {
			v := target()
			err := unmarshalStrict(body, v)
			if err == nil {
				continue
			}
			var de *debrief.Error
			if !errors.As(err, &de) || de.Code != debrief.EInvalid {
				t.Fatalf("unmarshalStrict(%q, %T) = %v, want a coded invalid error", body, v, err)
			}
			if de.Message == "" {
				t.Fatalf("unmarshalStrict(%q, %T) gave an empty message", body, v)
			}
		}
	})
}

// FuzzQuery feeds arbitrary query strings to the list filters: they must
// never panic and must fail only with coded errors.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"status=open,done&limit=5", "from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", "after=abc", "limit=%zz", "incident_id=INC-3&x=1", "starred=maybe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := &http.Request{URL: &url.URL{RawQuery: raw}}
		q, err := parseQuery(r, "status", "from", "to", "limit", "after", "incident_id", "starred")
		check := func(what string, err error) {
			var de *debrief.Error
			if err != nil && (!errors.As(err, &de) || de.Code != debrief.EInvalid) {
				t.Fatalf("%s on %q = %v, want nil or a coded invalid error", what, raw, err)
			}
		}
		check("parseQuery", err)
		if err != nil {
			return
		}
		_ = q.list("status")
		_, _, err = q.timeRange()
		check("timeRange", err)
		_, _, err = q.page()
		check("page", err)
		_, err = q.ref("incident_id", debrief.IncidentKeyPrefix)
		check("ref", err)
		_, err = q.bool("starred")
		check("bool", err)
	})
}

// FuzzAPIRequest sends arbitrary bodies and path ids through the full
// handler on real SQLite: no input may cause a 500 or a panic.
func FuzzAPIRequest(f *testing.F) {
	f.Add(uint8(0), "", `{"title":"DNS outage"}`, "")
	f.Add(uint8(1), "1", `{"title":"x","version":1}`, `"1"`)
	f.Add(uint8(2), "1", `{"events":[{"at":"2026-03-01T09:40:00Z","text":"a","lifecycle":"resolved"}]}`, "")
	f.Add(uint8(3), "1", `{"incident_id":1,"template":"sre"}`, "")
	f.Add(uint8(4), "PM-1", `{"body":"x"}`, `"1"`)
	f.Add(uint8(5), "", `{"title":"t","incident_id":"INC-1","due_date":"2026-01-01"}`, "")
	f.Add(uint8(6), "AI-1", `{"status":"done"}`, `W/"1"`)
	f.Add(uint8(7), "1", `{"version":1}`, "")
	f.Add(uint8(0), "", `{"title":"DNS\u0000 outage","impact":"a\u0000b"}`, "")
	f.Add(uint8(0), "", "{\"title\":\"DNS \xff outage\"}", "")
	f.Add(uint8(2), "1", `{"at":"2026-03-01T09:40:00Z","text":"rolled\u0000 back"}`, "")
	f.Add(uint8(5), "", `{"title":"Add \u202Ean alert","incident_id":"INC-1"}`, "")
	// One store per engine for the whole run, so records made by earlier
	// inputs give later ones something to change; every input goes to
	// both, which must answer it alike.
	var handlers []http.Handler
	for _, st := range fuzzStores(f) {
		handlers = append(handlers, New(Config{Service: debrief.NewService(st, inputChecks), Open: true}).Handler())
	}
	f.Fuzz(func(t *testing.T, route uint8, id, body, ifMatch string) {
		paths := []struct{ method, path string }{
			{"POST", "/api/v1/incidents"},
			{"PATCH", "/api/v1/incidents/%s"},
			{"POST", "/api/v1/incidents/%s/timeline"},
			{"POST", "/api/v1/postmortems"},
			{"PATCH", "/api/v1/postmortems/%s/sections/summary"},
			{"POST", "/api/v1/action-items"},
			{"PATCH", "/api/v1/action-items/%s"},
			{"DELETE", "/api/v1/incidents/%s/timeline/%s"},
		}
		p := paths[int(route)%len(paths)]
		path := strings.ReplaceAll(p.path, "%s", url.PathEscape(id))
		r, err := http.NewRequest(p.method, path, strings.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		r.Header.Set("Content-Type", "application/json")
		if ifMatch != "" && !strings.ContainsAny(ifMatch, "\r\n\x00") {
			r.Header.Set("If-Match", ifMatch)
		}
		for i, h := range handlers {
			r := r.Clone(r.Context())
			r.Body = io.NopCloser(strings.NewReader(body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code >= 500 {
				t.Fatalf("store %d: %s %s %q (If-Match %q) = %d %s, want a 2xx or 4xx answer", i, p.method, path, body, ifMatch, rec.Code, rec.Body)
			}
		}
	})
}

// fuzzStores opens the stores a fuzzer writes to: SQLite, and PostgreSQL
// too when DEBRIEF_TEST_POSTGRES names a server, so input one engine takes
// and the other refuses is found.
func fuzzStores(tb testing.TB) []debrief.Store {
	stores := []debrief.Store{openSQLite(tb)}
	if os.Getenv(storetest.PostgresEnv) != "" {
		stores = append(stores, openPostgres(tb))
	}
	return stores
}
