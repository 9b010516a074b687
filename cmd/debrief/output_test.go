package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 5, 22, 30, 0, 0, time.UTC) // 23:30 in Berlin
	tests := []struct {
		in   string
		want time.Time
	}{
		{"now", now},
		{"NOW", now},
		{"2026-03-05T14:02:00+01:00", time.Date(2026, 3, 5, 13, 2, 0, 0, time.UTC)},
		{"2026-03-05T13:02:00Z", time.Date(2026, 3, 5, 13, 2, 0, 0, time.UTC)},
		{"2026-03-05T13:02:00.123456Z", time.Date(2026, 3, 5, 13, 2, 0, 123456000, time.UTC)},
		{"2026-03-05 14:02", time.Date(2026, 3, 5, 13, 2, 0, 0, time.UTC)},
		{"2026-03-05 14:02:30", time.Date(2026, 3, 5, 13, 2, 30, 0, time.UTC)},
		{"2026-03-05T14:02", time.Date(2026, 3, 5, 13, 2, 0, 0, time.UTC)},
		{"2026-07-05 14:02", time.Date(2026, 7, 5, 12, 2, 0, 0, time.UTC)}, // summer time
		{"2026-03-05", time.Date(2026, 3, 4, 23, 0, 0, 0, time.UTC)},
		// A wall time alone means today in the viewer's zone, which is
		// already the 5th in Berlin.
		{"14:02", time.Date(2026, 3, 5, 13, 2, 0, 0, time.UTC)},
		{" 09:15:05 ", time.Date(2026, 3, 5, 8, 15, 5, 0, time.UTC)},
	}
	for _, tc := range tests {
		got, err := parseTime(tc.in, berlin, now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseTime(%q, Berlin) = %v, %v; want %v", tc.in, got.UTC(), err, tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "14h02", "2026-13-01", "2026-03-05 25:00", "5 March"} {
		if got, err := parseTime(bad, berlin, now); err == nil {
			t.Errorf("parseTime(%q) = %v, want an error", bad, got)
		} else if !strings.Contains(err.Error(), "RFC 3339") {
			t.Errorf("parseTime(%q) error %q does not say which forms work", bad, err)
		}
	}
}

// FuzzParseTime checks that no input makes parseTime panic, and that what it
// accepts is a real time.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"now", "2026-03-05T14:02:00+01:00", "2026-03-05 14:02", "14:02", "2026-03-05", "24:00", "\x00"} {
		f.Add(s)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime(s, berlin, now)
		if err != nil {
			if !utf8.ValidString(err.Error()) && utf8.ValidString(s) {
				t.Errorf("parseTime(%q) error is not valid UTF-8: %q", s, err)
			}
			return
		}
		if got.IsZero() {
			t.Errorf("parseTime(%q) = zero time without an error", s)
		}
	})
}

func TestParseDate(t *testing.T) {
	got, err := parseDate("2026-12-01")
	if err != nil || !got.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("parseDate(2026-12-01) = %v, %v; want midnight UTC of that day", got, err)
	}
	for _, bad := range []string{"", "1 Dec", "2026-12-01T10:00:00Z", "2026-02-30"} {
		if _, err := parseDate(bad); err == nil {
			t.Errorf("parseDate(%q) succeeded, want an error", bad)
		}
	}
}

func TestShowDuration(t *testing.T) {
	tests := []struct {
		seconds int64
		want    string
	}{
		{0, "0s"}, {45, "45s"}, {60, "1m"}, {61, "1m 1s"}, {3600, "1h"}, {3660, "1h 1m"}, {3661, "1h 1m"},
		{86400 + 7200, "1d 2h"}, {-90, "-1m 30s"},
	}
	for _, tc := range tests {
		if got := showDuration(&tc.seconds); got != tc.want {
			t.Errorf("showDuration(%d) = %q, want %q", tc.seconds, got, tc.want)
		}
	}
	if got := showDuration(nil); got != "" {
		t.Errorf("showDuration(nil) = %q, want empty", got)
	}
}

func TestShowTimeNamesZone(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := time.Date(2026, 3, 5, 13, 2, 0, 0, time.UTC)
	if got, want := showTime(at, berlin), "2026-03-05 14:02 CET"; got != want {
		t.Errorf("showTime(13:02Z, Berlin) = %q, want %q", got, want)
	}
	if got := viewerZone(func(k string) string { return map[string]string{"TZ": "America/New_York"}[k] }); got.String() != "America/New_York" {
		t.Errorf("viewerZone(TZ=America/New_York) = %v", got)
	}
	if got := viewerZone(func(string) string { return "Not/AZone" }); got != time.Local {
		t.Errorf("viewerZone(TZ=Not/AZone) = %v, want the local zone", got)
	}
}

func TestEtagVersion(t *testing.T) {
	for in, want := range map[string]int{`"3"`: 3, `W/"12"`: 12, `7`: 7, ``: 0, `"abc"`: 0, `*`: 0} {
		if got := etagVersion(in); got != want {
			t.Errorf("etagVersion(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"cannot reach it": "Cannot reach it.",
		"Already fine.":   "Already fine.",
		"really?":         "Really?",
		"  padded  ":      "Padded.",
		"":                "Something went wrong.",
		"élan is unicode": "élan is unicode.",
	} {
		if got := sentence(in); got != want {
			t.Errorf("sentence(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://debrief:s3cret@db:5432/debrief?sslmode=disable": "postgres://debrief:xxxxx@db:5432/debrief?sslmode=disable",
		"postgres://debrief@db/debrief":                             "postgres://debrief@db/debrief",
		"postgres://u:p@ss@db/x":                                    "postgres://u:xxxxx@db/x",
		"./debrief.db":                                              "./debrief.db",
	} {
		if got := redactDSN(in); got != want {
			t.Errorf("redactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAPIErrorSentence(t *testing.T) {
	tests := []struct {
		err  apiError
		want string
	}{
		{apiError{Status: 400, Message: "Unknown severity \"SEV9\"; use one of SEV1, SEV2.", Field: "severity"}, `Unknown severity "SEV9"; use one of SEV1, SEV2 (field "severity").`},
		{apiError{Status: 404, Message: "No incident 9."}, "No incident 9."},
		{apiError{Status: 502}, "The server answered 502 Bad Gateway."},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("apiError%+v.Error() = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestServeBadDatabase(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")
	_, _, err := cli(t, "", "", nil, "serve", "--addr", "127.0.0.1:0", "--db", missing, "--log-level", "error")
	if err == nil || !strings.Contains(err.Error(), "cannot open the SQLite database "+missing) || strings.Contains(err.Error(), "sqlstore:") {
		t.Errorf("serve --db %s = %v; want a plain error naming the file, without package prefixes", missing, err)
	}
	var ue *usageError
	if errors.As(err, &ue) {
		t.Errorf("serve with a bad database is a usage error (exit 2); want exit 1")
	}
}

func TestEnvironmentSetsFlags(t *testing.T) {
	// The server address comes from DEBRIEF_URL through the injected
	// environment, not the process's.
	_, _, err := cli(t, "", "", map[string]string{"DEBRIEF_URL": "http://127.0.0.1:1"}, "incident", "list")
	if err == nil || !strings.Contains(err.Error(), "http://127.0.0.1:1") {
		t.Errorf("DEBRIEF_URL=http://127.0.0.1:1 debrief incident list = %v, want an error naming that server", err)
	}
	// A flag wins over the environment.
	_, _, err = cli(t, "", "", map[string]string{"DEBRIEF_URL": "http://127.0.0.1:1"}, "incident", "list", "--server", "http://127.0.0.1:2")
	if err == nil || !strings.Contains(err.Error(), "http://127.0.0.1:2") {
		t.Errorf("--server http://127.0.0.1:2 with DEBRIEF_URL set = %v, want the flag's server", err)
	}
	_, _, err = cli(t, "", "", map[string]string{"DEBRIEF_LOG_FORMAT": "xml"}, "migrate", "--db", filepath.Join(t.TempDir(), "x.db"))
	if err == nil || !strings.Contains(err.Error(), "xml") {
		t.Errorf("DEBRIEF_LOG_FORMAT=xml debrief migrate = %v, want an error naming the bad value", err)
	}
}

func TestClientSendsToken(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"items":[]}`)
	}))
	defer srv.Close()
	if _, _, err := cli(t, srv.URL, "", map[string]string{"DEBRIEF_TOKEN": "dbf_env"}, "incident", "list"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, srv.URL, "", map[string]string{"DEBRIEF_TOKEN": "dbf_env"}, "action", "list", "--token", "dbf_flag"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, srv.URL, "", nil, "incident", "list"); err != nil {
		t.Fatal(err)
	}
	want := []string{"Bearer dbf_env", "Bearer dbf_flag", ""}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Authorization headers sent = %q, want %q (DEBRIEF_TOKEN, then --token winning, then none)", got, want)
	}
}

// TestJSONFlagPrintsTheAnswer checks the one path every client command's
// --json goes through (ClientFlags.get, send and answered): the server's
// answer is printed as it came, indented, and nothing else; without the
// flag the command prints its own lines; a refused request is the
// server's sentence and prints nothing.
func TestJSONFlagPrintsTheAnswer(t *testing.T) {
	const team = `{"id":3,"name":"payments","members":["ana@example.com"],"services":["billing"],"version":2}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/v1/teams/payments":
			io.WriteString(w, team)
		case r.URL.Path == "/api/v1/teams" && r.Method == http.MethodPost:
			if body, _ := io.ReadAll(r.Body); strings.Contains(string(body), `"other"`) {
				w.WriteHeader(http.StatusConflict)
				io.WriteString(w, `{"error":{"code":"conflict","message":"billing is owned by the team platform.","field":"services"}}`)
				return
			}
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, team)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	var indented bytes.Buffer
	if err := json.Indent(&indented, []byte(team), "", "  "); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"team", "show", "payments", "--json"}, {"team", "add", "payments", "--json"}} {
		if got := mustCLI(t, srv.URL, args...); got != indented.String()+"\n" {
			t.Errorf("debrief %s printed %q, want the server's answer indented, %q", strings.Join(args, " "), got, indented.String()+"\n")
		}
	}
	if got := mustCLI(t, srv.URL, "team", "show", "payments"); !strings.HasPrefix(got, "Team payments (version 2)\n") {
		t.Errorf("debrief team show payments printed %q, want the team's lines", got)
	}
	for _, extra := range [][]string{nil, {"--json"}} {
		args := append([]string{"team", "add", "other", "-s", "billing"}, extra...)
		out, _, err := cli(t, srv.URL, "", nil, args...)
		if err == nil || !strings.Contains(err.Error(), "is owned by the team platform") || out != "" {
			t.Errorf("debrief %s = %v and printed %q, want the server's sentence and nothing printed", strings.Join(args, " "), err, out)
		}
	}
}

// TestListCommandsPage checks that every list command sends its paging
// flags (PageFlags) as the API's limit and after, with the default limit,
// and that a page with more after it ends with the next page's cursor.
func TestListCommandsPage(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/teams", "/api/v1/trackers", "/api/v1/notification-channels":
			// A page with more after it: the command prints its cursor.
			io.WriteString(w, `{"items":[{"id":1,"name":"payments","kind":"github"}],"next_cursor":"payments"}`)
		default:
			io.WriteString(w, `{"items":[]}`)
		}
	}))
	defer srv.Close()
	for _, args := range [][]string{{"team", "list"}, {"tracker", "list"}, {"notify", "channels"}} {
		out, errOut, err := cli(t, srv.URL, "", nil, args...)
		if err != nil || !strings.Contains(out, "payments") || errOut != "More results: add --cursor payments\n" {
			t.Errorf("debrief %s = %v, printed %q and %q on stderr; want the page and the next page's cursor", strings.Join(args, " "), err, out, errOut)
		}
	}
	mu.Lock()
	got = nil
	mu.Unlock()
	want := []string{"/api/v1/incidents?limit=50", "/api/v1/incidents?after=c2&limit=7", "/api/v1/action-items?after=c3&limit=8", "/api/v1/notifications?after=c4&limit=9", "/api/v1/ideas?after=c5&limit=10&status=open", "/api/v1/templates?after=c6&limit=11",
		"/api/v1/teams?after=c7&limit=12", "/api/v1/trackers?after=c8&limit=13", "/api/v1/notification-channels?after=c9&limit=14", "/api/v1/teams?limit=50", "/api/v1/templates/runbook/versions?after=7&limit=12"}
	for _, args := range [][]string{{"incident", "list"}, {"incident", "list", "--limit", "7", "--cursor", "c2"}, {"action", "list", "--limit", "8", "--cursor", "c3"}, {"notify", "log", "--limit", "9", "--cursor", "c4"}, {"idea", "list", "--limit", "10", "--cursor", "c5"}, {"template", "list", "--limit", "11", "--cursor", "c6"},
		{"team", "list", "--limit", "12", "--cursor", "c7"}, {"tracker", "list", "--limit", "13", "--cursor", "c8"}, {"notify", "channels", "--limit", "14", "--cursor", "c9"}, {"team", "list"}, {"template", "versions", "runbook", "--limit", "12", "--cursor", "7"}} {
		mustCLI(t, srv.URL, args...)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("list commands asked for %q, want %q", got, want)
	}
}
