package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// textRoute is a valid request to one write route; every string in its
// JSON body is replaced in turn by text Debrief refuses.
type textRoute struct {
	path    string
	body    string
	headers map[string]string
	// want is the status the valid request answers.
	want int
	// streamed bodies are checked for UTF-8 while they are decoded, so the
	// answer names the body rather than the field.
	streamed bool
	// none says why a write route takes no text to test.
	none string
	// shortens says why the route keeps an over-long name shortened
	// rather than refusing it.
	shortens string
	// upload routes take a file as the body: the members of body are sent
	// as the query (?filename=…) and a PNG image as the body, whose bytes
	// are not text.
	upload bool
}

// textRoutes has one entry for every write route of the route table
// (TestTextAcceptedAlike fails on a route without one).
var textRoutes = map[string]textRoute{
	"POST /api/v1/incidents": {path: "/api/v1/incidents", want: 201,
		body: `{"title":"Checkout API returned 500s","severity":"SEV2","services":["checkout"],"customers":["EU shoppers"],"impact":"12% of checkouts failed.","labels":["payments"],"roles":{"commander":"alice@example.com","scribe":"bob@example.com","communications":"carol@example.com"}}`},
	"PATCH /api/v1/incidents/{id}": {path: "/api/v1/incidents/{inc}", want: 200, headers: map[string]string{"If-Match": `"{incv}"`},
		body: `{"title":"Checkout API returned 500s in the EU","impact":"14% of checkouts failed.","services":["checkout"],"customers":["EU shoppers"],"labels":["payments"],"roles":{"commander":"dana@example.com"}}`},
	"POST /api/v1/incidents/{id}/timeline": {path: "/api/v1/incidents/{inc}/timeline", want: 201,
		body: `{"at":"2026-03-01T09:40:00Z","zone":"Europe/Berlin","text":"Rolled back to v41","actor":"alice@example.com","external_id":"note-1"}`},
	"POST /api/v1/incidents/{id}/timeline/import": {path: "/api/v1/incidents/{inc}/timeline/import?format=events", want: 201, streamed: true,
		body: `{"events":[{"at":"2026-03-01T09:41:00Z","text":"Paged the payments team","actor":"bob@example.com","source":"slack","external_id":"s-1"}]}`},
	"PATCH /api/v1/incidents/{id}/timeline/{event}": {path: "/api/v1/incidents/{inc}/timeline/{ev}", want: 200, headers: map[string]string{"If-Match": `"{evv}"`},
		body: `{"text":"CheckoutErrorRate above 5% in eu-west-1 (paged)","actor":"alertmanager"}`},
	"POST /api/v1/postmortems": {path: "/api/v1/postmortems", want: 201,
		body: `{"template":"project","title":"Checkout rewrite","owner":"alice@example.com"}`},
	"PATCH /api/v1/postmortems/{id}": {path: "/api/v1/postmortems/{pm}", want: 200, headers: map[string]string{"If-Match": `"{pmv}"`},
		body: `{"title":"Checkout API outage","owner":"alice@example.com","root_cause":"A bad deploy.","contributing_factors":["no canary"],"section_bodies":{"summary":"Checkout failed for 38 minutes."}}`},
	"PATCH /api/v1/postmortems/{id}/sections/{key}": {path: "/api/v1/postmortems/{pm}/sections/summary", want: 200, headers: map[string]string{"If-Match": `"{pmv}"`},
		body: `{"body":"Checkout failed for 38 minutes.","heading":"Summary"}`},
	"POST /api/v1/action-items": {path: "/api/v1/action-items", want: 201,
		body: `{"incident_id":"{inckey}","title":"Add a canary stage to checkout deploys","owner":"alice@example.com","tracker_url":"https://tracker.example.com/T-1"}`},
	"PATCH /api/v1/action-items/{id}": {path: "/api/v1/action-items/{ai}", want: 200, headers: map[string]string{"If-Match": `"{aiv}"`},
		body: `{"title":"Add a canary stage to every deploy","owner":"bob@example.com"}`},
	"POST /api/v1/templates": {path: "/api/v1/templates", want: 201,
		body: `{"key":"security","name":"Security incident","description":"When data may have been exposed.","kind":"incident","policy":{"severities":["SEV1"],"incident_types":["security"]},"sections":[{"key":"summary","heading":"Summary","guidance":"What happened.","required":true,"starting_text":"{{incident.title}}"}]}`},
	"PUT /api/v1/templates/{key}": {path: "/api/v1/templates/billing", want: 200,
		body: `{"name":"Billing incident","description":"Money went wrong.","kind":"incident","sections":[{"key":"summary","heading":"Summary","guidance":"What happened.","required":true}],"version":1}`},
	"POST /api/v1/integrations": {path: "/api/v1/integrations", want: 201,
		body: `{"name":"prod-alertmanager","kind":"alertmanager","config":{"matchers":["severity=critical"],"severity_map":{"critical":"SEV1"},"service_label":"service"}}`},
	"PATCH /api/v1/integrations/{id}": {path: "/api/v1/integrations/{integration}", want: 200,
		body: `{"name":"grafana-prod","config":{"default_severity":"SEV2","services":{"api":"checkout"}},"version":1}`},
	"POST /api/v1/users": {path: "/api/v1/users", want: 201,
		body: `{"email":"erin@example.com","name":"Erin Example","role":"viewer"}`},
	"PATCH /api/v1/users/{id}": {path: "/api/v1/users/{user}", want: 200,
		body: `{"name":"Frank Example"}`},
	"POST /api/v1/tokens": {path: "/api/v1/tokens", want: 201,
		body: `{"user_id":{user},"name":"ci pipeline","scope":"read"}`},

	"POST /api/v1/incidents/{id}/attachments": {path: "/api/v1/incidents/{inc}/attachments", want: 201, upload: true, shortens: fileNameShortened,
		body: `{"filename":"error rate.png"}`},
	"POST /api/v1/postmortems/{id}/attachments": {path: "/api/v1/postmortems/{pm}/attachments", want: 201, upload: true, shortens: fileNameShortened,
		body: `{"filename":"checkout dashboard.png"}`},
	// The review routes act on the review of {pm}, opened before the walk
	// with ana@example.com (the requests' actor) and bob@example.com (the
	// holder of {token}) invited; POST opens one for the project
	// postmortem {pm2}.
	"POST /api/v1/postmortems/{id}/review": {path: "/api/v1/postmortems/{pm2}/review", want: 201,
		body: `{"title":"Review: checkout rewrite","zone":"Europe/Berlin","window_start":"2026-03-09","window_end":"2026-03-20","length_minutes":60,"participants":[{"email":"ana@example.com","name":"Ana Keller","required":true,"zone":"Europe/Berlin","work_start":"09:00","work_end":"17:00","work_days":["mon","tue"]}]}`},
	"PATCH /api/v1/postmortems/{id}/review": {path: "/api/v1/postmortems/{pm}/review", want: 200, headers: map[string]string{"If-Match": `"{rvv}"`},
		body: `{"title":"Review: checkout outage","zone":"Europe/Berlin","window_start":"2026-03-09","window_end":"2026-03-20","participants":[{"email":"ana@example.com","name":"Ana Keller","required":true,"zone":"Europe/Berlin","work_start":"09:00","work_end":"17:00","work_days":["mon"]},{"email":"bob@example.com","name":"Bob Berg","required":true,"zone":"America/New_York"}]}`},
	"PUT /api/v1/postmortems/{id}/review/availability": {path: "/api/v1/postmortems/{pm}/review/availability", want: 200,
		body: `{"participant":"ana@example.com","zone":"Europe/Berlin","work_start":"08:00","work_end":"16:00","work_days":["mon","tue"],"available":[{"start":"2026-03-10T09:00:00Z","end":"2026-03-10T12:00:00Z"}],"version":{anav}}`},
	"PUT /api/v1/review-invites/{token}/availability": {path: "/api/v1/review-invites/{token}/availability", want: 200,
		body: `{"zone":"America/New_York","work_start":"08:00","work_end":"16:00","work_days":["wed"],"available":[{"start":"2026-03-11T13:00:00Z","end":"2026-03-11T16:00:00Z"}],"version":{bobv}}`},
	"POST /api/v1/postmortems/{id}/review/choose": {path: "/api/v1/postmortems/{pm}/review/choose", want: 200, headers: map[string]string{"If-Match": `"{rvv}"`},
		body: `{"start":"2026-03-10T14:00:00Z"}`},
	"POST /api/v1/postmortems/{id}/review/links": {path: "/api/v1/postmortems/{pm}/review/links", want: 201,
		body: `{"email":"ana@example.com"}`},
	"PUT /api/v1/postmortems/{id}/review/answers": {path: "/api/v1/postmortems/{pm}/review/answers", want: 200,
		body: `{"went_well":"The rollback took four minutes.","was_hard":"Finding the diff","surprised":"How calm the channel was","would_change":"Canary every deploy","shared":true,"version":0}`},
	"PUT /api/v1/review-invites/{token}/answers": {path: "/api/v1/review-invites/{token}/answers", want: 200,
		body: `{"went_well":"Paging worked.","was_hard":"Reading the dashboards","surprised":"The retry storm","would_change":"Alert earlier","shared":false,"version":0}`},

	// The meeting of {pm}'s review: started, then stepped and given a
	// goal at the meeting's version {mv}; ending is a version only.
	"POST /api/v1/postmortems/{id}/review/meeting": {path: "/api/v1/postmortems/{pm}/review/meeting", want: 201,
		body: `{"order":["bob@example.com","ana@example.com"],"shuffle":false}`},
	"POST /api/v1/postmortems/{id}/review/meeting/steps": {path: "/api/v1/postmortems/{pm}/review/meeting/steps", want: 200,
		body: `{"action":"skip","email":"bob@example.com","text":"Not back from another incident","version":{mv}}`},
	"POST /api/v1/postmortems/{id}/review/meeting/goals": {path: "/api/v1/postmortems/{pm}/review/meeting/goals", want: 201,
		body: `{"text":"Alert on checkout-db pool saturation","owner":"ana@example.com","due":"2026-04-01","version":{mv}}`},
	"POST /api/v1/postmortems/{id}/review/meeting/end": {none: "takes only a version"},
	"POST /api/v1/postmortems/{id}/review/nudge": {path: "/api/v1/postmortems/{pm}/review/nudge", want: 422,
		body: `{"email":"bob@example.com"}`},
	"POST /api/v1/postmortems/{id}/review/busy":   {none: "keeps only busy times read from a calendar (its text is not kept); the participant it names is looked up, and its url fetched, not stored"},
	"POST /api/v1/review-invites/{token}/busy":    {none: "keeps only busy times read from a calendar (its text is not kept); its url is fetched, not stored"},
	"POST /api/v1/postmortems/{id}/review/cancel": {none: "takes only a version"},
	"PUT /api/v1/postmortems/{id}/project/dates":  {none: "takes only times and a version"},
	"PUT /api/v1/postmortems/{id}/project/metrics": {path: "/api/v1/postmortems/{pm2}/project/metrics", want: 200,
		body: `{"metrics":[{"name":"Checkout conversion","unit":"%","baseline":2.1,"target":3,"result":3.4}],"base_version":0}`},
	"PUT /api/v1/postmortems/{id}/project/feedback": {path: "/api/v1/postmortems/{pm2}/project/feedback", want: 200,
		body: `{"text":"The launch checklist saved us a day.","base_version":0}`},
	"DELETE /api/v1/attachments/{id}":                     {none: "takes no body"},
	"POST /api/v1/postmortems/import":                     {none: "takes Markdown; TestTextAcceptedAlikeImport sends it bad text"},
	"POST /api/v1/lint":                                   {none: "writes nothing"},
	"POST /api/v1/auth/login":                             {none: "keeps no text: a wrong email or password is a failed sign-in"},
	"POST /api/v1/auth/logout":                            {none: "takes no body"},
	"POST /api/v1/auth/password":                          {none: "keeps only the password's hash"},
	"POST /api/v1/users/{id}/password":                    {none: "keeps only the password's hash"},
	"POST /api/v1/postmortems/{id}/public-link":           {none: "takes no body"},
	"DELETE /api/v1/incidents/{id}":                       {none: "takes only a version"},
	"DELETE /api/v1/incidents/{id}/timeline/{event}":      {none: "takes only a version"},
	"DELETE /api/v1/postmortems/{id}":                     {none: "takes only a version"},
	"DELETE /api/v1/action-items/{id}":                    {none: "takes only a version"},
	"DELETE /api/v1/templates/{key}":                      {none: "takes only a version"},
	"DELETE /api/v1/integrations/{id}":                    {none: "takes no body"},
	"DELETE /api/v1/tokens/{id}":                          {none: "takes no body"},
	"DELETE /api/v1/postmortems/{id}/public-links/{link}": {none: "takes no body"},
	"POST /hooks/{id}/{kind}":                             {none: "TestTextAcceptedAlikeWebhook sends it bad text"},

	"POST /api/v1/notification-channels": {path: "/api/v1/notification-channels", want: 201,
		body: `{"kind":"slack","name":"incidents-slack","target":"https://hooks.slack.example/T1","events":["incident.declared","summary.weekly"]}`},
	"PUT /api/v1/notification-preferences": {path: "/api/v1/notification-preferences", want: 200,
		body: `{"opted_out_events":["summary.weekly","action_item.due"]}`},
	"DELETE /api/v1/notification-channels/{id}": {none: "takes no body"},
	"POST /api/v1/postmortems/{id}/ideas": {path: "/api/v1/postmortems/{pm}/ideas", want: 201,
		body: `{"title":"Canary every config change","detail":"Roll out to one region first.","note":"The push reached every region at once."}`},
	"PATCH /api/v1/ideas/{id}": {path: "/api/v1/ideas/{idea}", want: 200, headers: map[string]string{"If-Match": `"{ideav}"`},
		body: `{"title":"Canary every config change in one region","detail":"Then the rest."}`},
	"POST /api/v1/ideas/{id}/mentions": {path: "/api/v1/ideas/{idea}/mentions", want: 200,
		body: `{"postmortem_id":{pm2},"note":"Raised again in the rewrite.","version":{ideav}}`},
	"POST /api/v1/ideas/{id}/promote": {path: "/api/v1/ideas/{idea2}/promote", want: 201,
		body: `{"title":"Add a canary stage to config pushes","owner":"ana@example.com","version":{idea2v}}`},
	"POST /api/v1/ideas/{id}/merge": {none: "takes only references and versions"},
	"POST /api/v1/trackers": {path: "/api/v1/trackers", want: 201,
		body: `{"name":"github-platform","kind":"github","project":"acme/platform","token":"ghp_example"}`},
	"POST /api/v1/teams": {path: "/api/v1/teams", want: 201,
		body: `{"name":"payments","members":["ana@example.com"],"services":["checkout"]}`},
	"PATCH /api/v1/teams/{team}": {path: "/api/v1/teams/sre", want: 200, headers: map[string]string{"If-Match": `"1"`},
		body: `{"members":["bob@example.com"],"services":["database"]}`},
	"DELETE /api/v1/teams/{team}": {none: "takes only a version"},
	"PATCH /api/v1/trackers/{id}": {path: "/api/v1/trackers/{tracker}", want: 200, headers: map[string]string{"If-Match": `"1"`},
		body: `{"name":"github-payments","project":"acme/payments","token":"ghp_other"}`},
	"DELETE /api/v1/trackers/{id}":          {none: "takes only a version"},
	"POST /api/v1/action-items/{id}/export": {none: "names a tracker, which is looked up, not stored"},
	"POST /api/v1/action-items/{id}/sync":   {none: "takes no body"},
	"PUT /api/v1/incidents/{id}/mute":       {none: "takes no body"},
	"DELETE /api/v1/incidents/{id}/mute":    {none: "takes no body"},
}

const fileNameShortened = "a file's name comes from the disk or tool it was saved by, not from the person uploading it: " +
	"one over debrief.MaxFilenameLen bytes is shortened, keeping its extension (debrief.CleanFilename)"

// textWorld is read before and after the refused requests of a route:
// nothing may change.
var textWorld = append([]string{"/api/v1/templates", "/api/v1/integrations", "/api/v1/users", "/api/v1/tokens?all=true",
	"/api/v1/incidents/{inc}/attachments", "/api/v1/postmortems/{pm}/attachments",
	"/api/v1/postmortems/{pm}/review", "/api/v1/postmortems/{pm}/review/answers", "/api/v1/postmortems/{pm2}/review",
	"/api/v1/review-invites/{token}", "/api/v1/notification-channels", "/api/v1/notification-preferences", "/api/v1/teams", "/api/v1/trackers"}, worldPaths...)

// badText is what each string of a valid body is replaced with.
var badText = []struct {
	name  string
	value string
	// line marks values refused only in titles and names.
	line bool
}{
	{"NUL", "Checkout\x00 API", false},
	{"invalid UTF-8", "Checkout \uE000 API", false}, // U+E000 becomes the byte 0xFF on the wire
	{"right-to-left override", "Checkout \u202Eexe.gnp", true},
	{"isolate", "Checkout \u2067API", true},
	// Over MaxTitleLen bytes. Only titles and names get an over-long value:
	// other text may hold MaxTextLen (1 MiB), too much to send to every
	// field of every route.
	{"over-long title", strings.Repeat("Checkout API ", debrief.MaxTitleLen/12), true},
}

// textLineKeys are the JSON member names of titles and names, where
// direction controls are refused; elsewhere (bodies, descriptions) they are
// text like any other.
var textLineKeys = map[string]bool{"title": true, "name": true, "heading": true, "owner": true, "services": true,
	"customers": true, "labels": true, "commander": true, "scribe": true, "communications": true, "contributing_factors": true, "actor": true, "filename": true}

// TestTextAcceptedAlike sends every string of every write route's body
// with a NUL, with a byte that is not UTF-8 and, in titles and names, with
// direction controls and over MaxTitleLen bytes, on SQLite and PostgreSQL: each is 400 naming the
// field, and nothing is written. The valid body is then accepted, so the
// refusals were for the text and not for something else.
func TestTextAcceptedAlike(t *testing.T) {
	engines := map[string]func(testing.TB) debrief.Store{"sqlite": openSQLite, "postgres": openPostgres}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			// The actor has an email, so that they can be a review's
			// participant and answer its questionnaire.
			e := newEnv(t, engines[name](t), Config{Authenticate: func(*http.Request) (debrief.Actor, error) {
				return debrief.Actor{Email: "ana@example.com", Name: "Ana Keller", Role: debrief.RoleAdmin, Via: "test"}, nil
			}})
			checkTextRoutes(t, e)
		})
	}
}

func checkTextRoutes(t *testing.T, e *testEnv) {
	expand := textRouteWorld(t, e)
	checkTextRoutesIn(t, e, expand)
}

// textRouteWorld writes the records textRoutes' bodies name and returns
// the function that puts their ids and versions into a path or body.
func textRouteWorld(t *testing.T, e *testEnv) func(string) string {
	f := seed(t, e)
	ctx := e.ctx()
	_, err := e.svc.CreateTemplate(ctx, &debrief.CustomTemplate{Template: debrief.Template{Key: "billing", Name: "Billing", Kind: debrief.KindIncident,
		Sections: []debrief.TemplateSection{{Key: "summary", Heading: "Summary"}}}})
	if err != nil {
		t.Fatalf("CreateTemplate(billing) = %v", err)
	}
	in, _, err := e.svc.CreateIntegration(ctx, &debrief.Integration{Name: "grafana", Kind: debrief.IntegrationGrafana}, nil)
	if err != nil {
		t.Fatalf("CreateIntegration = %v", err)
	}
	u, err := e.svc.CreateUser(ctx, debrief.NewUser{Email: "gail@example.com", Name: "Gail", Role: debrief.RoleResponder})
	if err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	pm2, err := e.svc.CreatePostmortem(ctx, debrief.NewPostmortem{Template: debrief.TemplateProject, Title: "Checkout rewrite", Owner: "ana@example.com"})
	if err != nil {
		t.Fatalf("CreatePostmortem(project) = %v", err)
	}
	_, invites, err := e.svc.OpenReview(ctx, f.pm, debrief.NewReview{Zone: "Europe/Berlin", WindowStart: "2026-03-09", WindowEnd: "2026-03-20",
		Participants: []debrief.ReviewParticipant{{Email: "ana@example.com", Required: true}, {Email: "bob@example.com", Required: true}}})
	if err != nil {
		t.Fatalf("OpenReview = %v", err)
	}
	var token string
	for _, inv := range invites {
		if inv.Email == "bob@example.com" {
			token = inv.Token
		}
	}
	if _, err := e.svc.CreateTeam(ctx, &debrief.Team{Name: "sre", Services: []string{"edge"}}); err != nil {
		t.Fatalf("CreateTeam = %v", err)
	}
	tracker, err := e.svc.CreateTracker(ctx, &debrief.Tracker{Name: "github-sre", Kind: debrief.TrackerGitHub, Project: "acme/sre", Token: "ghp_example"})
	if err != nil {
		t.Fatalf("CreateTracker = %v", err)
	}
	idea1, err := e.svc.RaiseIdea(ctx, f.pm, debrief.NewIdea{Title: "Canary config changes"})
	if err != nil {
		t.Fatalf("RaiseIdea = %v", err)
	}
	idea2, err := e.svc.RaiseIdea(ctx, f.pm, debrief.NewIdea{Title: "Add a canary stage"})
	if err != nil {
		t.Fatalf("RaiseIdea = %v", err)
	}
	// Ideas are named with their version as it is when the request is sent.
	expandIdeas := func(s string) string {
		if !strings.Contains(s, "{idea") {
			return s
		}
		var pairs []string
		for k, id := range []int64{idea1.ID, idea2.ID} {
			cur, err := e.svc.Idea(ctx, id)
			if err != nil {
				t.Fatalf("Idea = %v", err)
			}
			name := []string{"idea", "idea2"}[k]
			pairs = append(pairs, "{"+name+"v}", strconv.Itoa(cur.Version), "{"+name+"}", strconv.FormatInt(id, 10))
		}
		return strings.NewReplacer(pairs...).Replace(s)
	}
	expand := func(s string) string {
		s = expandIdeas(s)
		s = strings.ReplaceAll(s, "{tracker}", strconv.FormatInt(tracker.ID, 10))
		r := strings.NewReplacer("{integration}", strconv.FormatInt(in.ID, 10), "{user}", strconv.FormatInt(u.ID, 10),
			"{pm2}", strconv.FormatInt(pm2.ID, 10), "{token}", token)
		if strings.Contains(s, "{rvv}") || strings.Contains(s, "{anav}") || strings.Contains(s, "{bobv}") {
			rv, err := e.svc.Review(ctx, f.pm)
			if err != nil {
				t.Fatalf("Review = %v", err)
			}
			r = strings.NewReplacer("{integration}", strconv.FormatInt(in.ID, 10), "{user}", strconv.FormatInt(u.ID, 10),
				"{pm2}", strconv.FormatInt(pm2.ID, 10), "{token}", token, "{rvv}", strconv.Itoa(rv.Version),
				"{anav}", strconv.Itoa(rv.Participant("ana@example.com").Version), "{bobv}", strconv.Itoa(rv.Participant("bob@example.com").Version))
		}
		if strings.Contains(s, "{mv}") {
			// Bad input never starts the meeting (TestBadInputChangesNothing):
			// then any version does, since the body is refused first.
			version := 0
			m, err := e.svc.ReviewMeeting(ctx, f.pm)
			switch {
			case err == nil:
				version = m.Version
			case debrief.ErrorCode(err) != debrief.ENotFound:
				t.Fatalf("ReviewMeeting = %v", err)
			}
			s = strings.ReplaceAll(s, "{mv}", strconv.Itoa(version))
		}
		return e.expand(f, r.Replace(s))
	}
	return expand
}

// writePatterns returns the API's write routes, sorted.
func writePatterns(e *testEnv) []string {
	var patterns []string
	for _, rt := range e.srv.routeTable() {
		method, _, _ := strings.Cut(rt.Pattern, " ")
		if method == http.MethodGet || method == http.MethodHead || rt.Kind == KindUI || rt.Kind == KindOps {
			continue
		}
		patterns = append(patterns, rt.Pattern)
	}
	sort.Strings(patterns)
	return patterns
}

// sampleOf decodes a route's valid body, expanded.
func sampleOf(t *testing.T, pattern string, tr textRoute, expand func(string) string) any {
	t.Helper()
	var sample any
	dec := json.NewDecoder(strings.NewReader(expand(tr.body)))
	dec.UseNumber()
	if err := dec.Decode(&sample); err != nil {
		t.Fatalf("%s: the sample body is not JSON: %v", pattern, err)
	}
	return sample
}

func checkTextRoutesIn(t *testing.T, e *testEnv, expand func(string) string) {
	for _, pattern := range writePatterns(e) {
		tr, ok := textRoutes[pattern]
		if !ok {
			t.Errorf("write route %s is not in textRoutes: give a valid body whose strings TestTextAcceptedAlike can spoil, or say why it takes no text", pattern)
			continue
		}
		if tr.none != "" {
			continue
		}
		method, _, _ := strings.Cut(pattern, " ")
		sample := sampleOf(t, pattern, tr, expand)
		before := e.snapshot(expandAll(expand, textWorld)...)
		for _, leaf := range stringLeaves(sample, "") {
			for _, bad := range badText {
				if bad.line && !textLineKeys[leaf.key] {
					continue
				}
				if strings.HasPrefix(bad.name, "over-long") && tr.shortens != "" {
					continue
				}
				headers := map[string]string{}
				for k, v := range tr.headers {
					headers[k] = expand(v)
				}
				path, body := expand(tr.path), withLeaf(sample, leaf.path, bad.value)
				if tr.upload {
					path, body = uploadRequest(path, sample, headers, leaf.path, bad.value)
				}
				x := e.do(method, path, body, headers)
				code, field := x.errorCode()
				if x.status != http.StatusBadRequest || code != "invalid" {
					t.Errorf("%s with %s in %s = %d %s; want 400 invalid", pattern, bad.name, leaf.dotted, x.status, truncate(string(x.body), 300))
					continue
				}
				if tr.streamed && bad.name == "invalid UTF-8" && field == "" {
					continue // named by its byte offset in the body
				}
				if !sameField(field, leaf, bad.name == "invalid UTF-8" && !tr.streamed) {
					t.Errorf("%s with %s in %s answered field %q; want %s", pattern, bad.name, leaf.dotted, field, leaf.dotted)
				}
			}
		}
		if after := e.snapshot(expandAll(expand, textWorld)...); after != before {
			t.Errorf("%s: refused requests changed what the API shows", pattern)
		}
		headers := map[string]string{}
		for k, v := range tr.headers {
			headers[k] = expand(v)
		}
		path, body := expand(tr.path), expand(tr.body)
		if tr.upload {
			path, body = uploadRequest(path, sample, headers, nil, "")
		}
		if x := e.do(method, path, body, headers); x.status != tr.want {
			t.Errorf("%s with the valid body = %d %s; want %d (the test's sample must be valid)", pattern, x.status, truncate(string(x.body), 300), tr.want)
		}
	}
}

// uploadRequest returns the path and body of an upload: the string
// members of sample as the query, the one at leaf (if any) replaced by s
// (U+E000 sent as the byte 0xFF, as withLeaf does), and a PNG image as the
// body. It sets the Content-Type in headers.
func uploadRequest(path string, sample any, headers map[string]string, leaf []any, s string) (string, string) {
	q := url.Values{}
	for k, v := range sample.(map[string]any) {
		if len(leaf) == 1 && leaf[0] == k {
			v = strings.ReplaceAll(s, "\uE000", "\xff")
		}
		q.Set(k, v.(string))
	}
	headers["Content-Type"] = "image/png"
	return path + "?" + q.Encode(), string(testPNG(1500, 7))
}

func expandAll(expand func(string) string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = expand(p)
	}
	return out
}

type jsonLeaf struct {
	path   []any  // member names and list positions
	dotted string // as the API names fields: roles.commander, services[0]
	key    string // the member name the leaf is under
}

// stringLeaves lists the string values of v, a decoded JSON value.
func stringLeaves(v any, _ string) []jsonLeaf {
	var out []jsonLeaf
	var walk func(v any, path []any, dotted, key string)
	walk = func(v any, path []any, dotted, key string) {
		switch x := v.(type) {
		case string:
			out = append(out, jsonLeaf{path: append([]any(nil), path...), dotted: dotted, key: key})
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				d := k
				if dotted != "" {
					d = dotted + "." + k
				}
				walk(x[k], append(path, k), d, k)
			}
		case []any:
			for i, it := range x {
				walk(it, append(path, i), dotted+"["+strconv.Itoa(i)+"]", key)
			}
		}
	}
	walk(v, nil, "", "")
	return out
}

// withLeaf returns v as JSON with the string at path replaced by s; the
// private-use character U+E000 in s is sent as the byte 0xFF, which is not
// UTF-8.
func withLeaf(v any, path []any, s string) string {
	var set func(v any, path []any) any
	set = func(v any, path []any) any {
		if len(path) == 0 {
			return s
		}
		switch x := v.(type) {
		case map[string]any:
			c := make(map[string]any, len(x))
			for k, val := range x {
				c[k] = val
			}
			k := path[0].(string)
			c[k] = set(x[k], path[1:])
			return c
		case []any:
			c := append([]any(nil), x...)
			i := path[0].(int)
			c[i] = set(x[i], path[1:])
			return c
		}
		return v
	}
	b, err := json.Marshal(set(v, path))
	if err != nil {
		panic(err)
	}
	return string(bytes.ReplaceAll(b, []byte("\uE000"), []byte{0xFF}))
}

// sameField reports whether the answer's field names the spoiled leaf:
// exactly when exact is set (the decoder names the path it read), else by
// its first member name, as the record may hold the value under a longer
// path (section_bodies.summary is the body of sections[0]; the body of
// PATCH …/sections/summary is sections[0].body).
func sameField(field string, leaf jsonLeaf, exact bool) bool {
	if field == leaf.dotted {
		return true
	}
	if exact {
		return false
	}
	if !strings.ContainsAny(leaf.dotted, ".[") {
		return strings.HasSuffix(field, "."+leaf.key)
	}
	first := func(s string) string {
		if i := strings.IndexAny(s, ".["); i >= 0 {
			return s[:i]
		}
		return s
	}
	aliases := map[string]string{"section_bodies": "sections"}
	want := first(leaf.dotted)
	if a, ok := aliases[want]; ok {
		want = a
	}
	return field != "" && first(field) == want
}

// TestTextAcceptedAlikeImport imports a Markdown postmortem whose title,
// timeline and action items hold a NUL or bytes that are not UTF-8: 400
// naming what is wrong, and nothing imported, on both engines.
func TestTextAcceptedAlikeImport(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			e := newEnv(t, engine.open(t), Config{})
			doc := "---\ntitle: Checkout API returned 500s\n---\n\n# Checkout API returned 500s\n\n## Summary\n\nCheckout failed.\n"
			for _, bad := range []struct{ name, from, to string }{
				{"NUL in the title", "title: Checkout API", "title: Checkout\x00 API"},
				{"invalid UTF-8 in the summary", "Checkout failed.", "Checkout \xff failed."},
				{"direction override in the title", "title: Checkout API", "title: Checkout \u202E API"},
			} {
				body := strings.Replace(doc, bad.from, bad.to, 1)
				x := e.do("POST", "/api/v1/postmortems/import", body, map[string]string{"Content-Type": "text/markdown"})
				if x.status != http.StatusBadRequest {
					t.Errorf("POST /api/v1/postmortems/import with %s = %d %s; want 400", bad.name, x.status, truncate(string(x.body), 300))
				}
			}
			if x := e.do("GET", "/api/v1/postmortems", "", nil); !strings.Contains(string(x.body), `"items":[]`) {
				t.Errorf("after refused imports GET /api/v1/postmortems = %s; want no postmortem", truncate(string(x.body), 300))
			}
			// Timeline files: what the file says is kept or refused, never
			// rewritten.
			inc, err := e.svc.CreateIncident(e.ctx(), &debrief.Incident{Title: "Checkout API returned 500s"})
			if err != nil {
				t.Fatal(err)
			}
			path := "/api/v1/incidents/" + strconv.FormatInt(inc.ID, 10) + "/timeline/import?format="
			for _, bad := range []struct{ format, body string }{
				{"csv", "at,text\n2026-03-01T09:40:00Z,Rolled\x00 back\n"},
				{"csv", "at,text\n2026-03-01T09:40:00Z,Rolled \xff back\n"},
				{"json", `[{"at": "2026-03-01T09:40:00Z", "text": "Rolled\u0000 back"}]`},
				{"json", "[{\"at\": \"2026-03-01T09:40:00Z\", \"text\": \"Rolled \xff back\"}]"},
			} {
				x := e.do("POST", path+bad.format, bad.body, map[string]string{"Content-Type": "application/octet-stream"})
				if x.status != http.StatusBadRequest {
					t.Errorf("POST %s%s with %q = %d %s; want 400", path, bad.format, bad.body, x.status, truncate(string(x.body), 300))
				}
			}
			if events, err := e.svc.ListTimeline(e.ctx(), inc.ID, debrief.TimelineFilter{}); err != nil || len(events) != 0 {
				t.Errorf("after refused timeline imports the timeline holds %d events (%v); want none", len(events), err)
			}
			e.must(http.StatusCreated, "POST", "/api/v1/postmortems/import", doc, map[string]string{"Content-Type": "text/markdown"})
		})
	}
}

// TestTextAcceptedAlikeWebhook delivers an Alertmanager payload whose
// alert holds a NUL or bytes that are not UTF-8: 400, and no incident.
func TestTextAcceptedAlikeWebhook(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			e := newEnv(t, engine.open(t), Config{})
			in, token, err := e.svc.CreateIntegration(e.ctx(), &debrief.Integration{Name: "am", Kind: debrief.IntegrationAlertmanager}, nil)
			if err != nil {
				t.Fatal(err)
			}
			path := "/hooks/" + strconv.FormatInt(in.ID, 10) + "/alertmanager"
			payload := `{"version":"4","groupKey":"g1","status":"firing","receiver":"debrief","alerts":[{"status":"firing","labels":{"alertname":"CheckoutErrors","service":"checkout"},"annotations":{"summary":"Checkout errors above 2%"},"startsAt":"2026-03-01T09:30:00Z","fingerprint":"f1"}]}`
			send := func(body string) *httptest.ResponseRecorder {
				r := httptest.NewRequest("POST", path, strings.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set("Authorization", "Bearer "+token)
				rec := httptest.NewRecorder()
				e.h.ServeHTTP(rec, r)
				return rec
			}
			for _, bad := range []struct{ name, from, to string }{
				{"NUL in the alert name", `"CheckoutErrors"`, `"Checkout\u0000Errors"`},
				{"NUL in a label", `"checkout"}`, `"check\u0000out"}`},
				{"NUL in the summary", `above 2%`, `above\u0000 2%`},
				{"invalid UTF-8 in the alert name", `"CheckoutErrors"`, "\"Checkout\xffErrors\""},
				{"direction override in the alert name", `"CheckoutErrors"`, `"Checkout\u202EErrors"`},
			} {
				rec := send(strings.Replace(payload, bad.from, bad.to, 1))
				if rec.Code != http.StatusBadRequest {
					t.Errorf("POST %s with %s = %d %s; want 400", path, bad.name, rec.Code, truncate(rec.Body.String(), 300))
				}
			}
			if x := e.do("GET", "/api/v1/incidents", "", nil); !strings.Contains(string(x.body), `"items":[]`) {
				t.Errorf("after refused deliveries GET /api/v1/incidents = %s; want no incident", truncate(string(x.body), 300))
			}
			if rec := send(payload); rec.Code != http.StatusOK {
				t.Errorf("POST %s with the valid payload = %d %s; want 200", path, rec.Code, truncate(rec.Body.String(), 300))
			}
		})
	}
}
