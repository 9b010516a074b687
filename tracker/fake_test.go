package tracker_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// The fakes below stand for GitHub's and Jira Cloud's REST APIs, which
// cannot be reached from the tests. They are built from the published
// descriptions and are strict: a request with another method, path, media
// type, credentials or body than those documents allow is answered 400 and
// recorded as a test failure.
//
// GitHub, "Create an issue": POST /repos/{owner}/{repo}/issues with
// Accept: application/vnd.github+json, Authorization: Bearer <token>,
// X-GitHub-Api-Version: 2022-11-28 and a JSON body whose title is required
// (body, assignee, milestone, labels, assignees, type optional); answers
// 201 with the issue (id, node_id, url, html_url, number, state, title,
// body, …). "Get an issue": GET /repos/{owner}/{repo}/issues/{number},
// answering 200 with state open|closed and state_reason
// completed|not_planned|reopened|null.
//
// Jira Cloud platform REST API v3, "Create issue": POST /rest/api/3/issue
// with basic authentication (email:API token) or a bearer token, a JSON
// body {"fields": {project, issuetype, summary, description, …}} where
// description is an Atlassian Document Format document (type doc, version
// 1, content); answers 201 {"id", "key", "self"}. "Get issue":
// GET /rest/api/3/issue/{issueIdOrKey}?fields=status, answering 200 with
// fields.status.statusCategory.key new|indeterminate|done.

// fakeGitHub is a strict GitHub REST API for one repository.
type fakeGitHub struct {
	t     *testing.T
	srv   *httptest.Server
	repo  string
	token string

	mu      sync.Mutex
	issues  map[int]*ghIssue
	created int
	// refuse, when set, is the status every request is answered with.
	refuse int
}

type ghIssue struct {
	Number      int     `json:"number"`
	Title       string  `json:"title"`
	Body        string  `json:"body"`
	State       string  `json:"state"`
	StateReason *string `json:"state_reason"`
}

func newFakeGitHub(t *testing.T, repo, token string) *fakeGitHub {
	f := &fakeGitHub{t: t, repo: repo, token: token, issues: map[int]*ghIssue{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) fail(w http.ResponseWriter, format string, args ...any) {
	f.t.Errorf("GitHub fake: "+format, args...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `{"message":%q}`, fmt.Sprintf(format, args...))
}

var ghIssuePath = regexp.MustCompile(`^/repos/([^/]+/[^/]+)/issues(?:/(\d+))?$`)

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := r.Header.Get("Accept"); got != "application/vnd.github+json" {
		f.fail(w, "Accept = %q, want application/vnd.github+json", got)
		return
	}
	if got := r.Header.Get("X-GitHub-Api-Version"); got != "2022-11-28" {
		f.fail(w, "X-GitHub-Api-Version = %q, want 2022-11-28", got)
		return
	}
	if r.Header.Get("User-Agent") == "" {
		f.fail(w, "no User-Agent (GitHub refuses requests without one)")
		return
	}
	if f.refuse != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.refuse)
		fmt.Fprint(w, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`)
		return
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+f.token {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`)
		return
	}
	m := ghIssuePath.FindStringSubmatch(r.URL.Path)
	if m == nil || m[1] != f.repo {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`)
		return
	}
	switch {
	case r.Method == http.MethodPost && m[2] == "":
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			f.fail(w, "Content-Type = %q, want application/json", ct)
			return
		}
		var body map[string]json.RawMessage
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
			f.fail(w, "body is not a JSON object: %v", err)
			return
		}
		allowed := map[string]bool{"title": true, "body": true, "assignee": true, "milestone": true, "labels": true, "assignees": true, "type": true}
		for k := range body {
			if !allowed[k] {
				f.fail(w, "body member %q is not in the Create an issue request schema", k)
				return
			}
		}
		var title, text string
		if json.Unmarshal(body["title"], &title) != nil || title == "" {
			f.fail(w, "title is required and must be a string")
			return
		}
		if raw, ok := body["body"]; ok && json.Unmarshal(raw, &text) != nil {
			f.fail(w, "body must be a string")
			return
		}
		f.created++
		n := len(f.issues) + 1
		is := &ghIssue{Number: n, Title: title, Body: text, State: "open"}
		f.issues[n] = is
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Location", f.srv.URL+"/repos/"+f.repo+"/issues/"+fmt.Sprint(n))
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(f.answer(is))
	case r.Method == http.MethodGet && m[2] != "":
		var n int
		fmt.Sscan(m[2], &n)
		is := f.issues[n]
		if is == nil {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(f.answer(is))
	default:
		f.fail(w, "%s %s is not a route this test expects", r.Method, r.URL.Path)
	}
}

// answer is the issue as GitHub's documented response shows it (the
// members a client may read; the real one has more).
func (f *fakeGitHub) answer(is *ghIssue) map[string]any {
	api := f.srv.URL + "/repos/" + f.repo + "/issues/" + fmt.Sprint(is.Number)
	return map[string]any{
		"id": 1000 + is.Number, "node_id": "MDU6SXNzdWUx", "url": api, "repository_url": f.srv.URL + "/repos/" + f.repo,
		"html_url": "https://github.com/" + f.repo + "/issues/" + fmt.Sprint(is.Number), "number": is.Number,
		"state": is.State, "state_reason": is.StateReason, "title": is.Title, "body": is.Body,
		"user": map[string]any{"login": "octocat", "id": 1}, "labels": []any{}, "assignees": []any{}, "locked": false,
		"comments": 0, "created_at": "2026-03-05T14:00:00Z", "updated_at": "2026-03-05T14:00:00Z", "closed_at": nil,
	}
}

// close closes issue n as GitHub would, with reason completed or
// not_planned.
func (f *fakeGitHub) close(n int, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issues[n].State, f.issues[n].StateReason = "closed", &reason
}

// fakeJira is a strict Jira Cloud REST API v3 for one project.
type fakeJira struct {
	t            *testing.T
	srv          *httptest.Server
	project      string
	email, token string

	mu      sync.Mutex
	issues  map[string]string // key → status category key
	created int
}

func newFakeJira(t *testing.T, project, email, token string) *fakeJira {
	f := &fakeJira{t: t, project: project, email: email, token: token, issues: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeJira) fail(w http.ResponseWriter, format string, args ...any) {
	f.t.Errorf("Jira fake: "+format, args...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]any{"errorMessages": []string{fmt.Sprintf(format, args...)}, "errors": map[string]string{}})
}

func (f *fakeJira) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := r.Header.Get("Accept"); got != "application/json" {
		f.fail(w, "Accept = %q, want application/json", got)
		return
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(f.email+":"+f.token))
	if f.email == "" {
		want = "Bearer " + f.token
	}
	if r.Header.Get("Authorization") != want {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}`)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/rest/api/3/issue":
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			f.fail(w, "Content-Type = %q, want application/json", ct)
			return
		}
		var body struct {
			Fields map[string]json.RawMessage `json:"fields"`
			Update map[string]any             `json:"update"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			f.fail(w, "body is not an IssueUpdateDetails object: %v", err)
			return
		}
		var project, issuetype map[string]string
		var summary string
		var desc struct {
			Type    string           `json:"type"`
			Version int              `json:"version"`
			Content []map[string]any `json:"content"`
		}
		errs := map[string]string{}
		if json.Unmarshal(body.Fields["project"], &project) != nil || (project["key"] == "" && project["id"] == "") {
			errs["project"] = "Specify a valid project ID or key"
		} else if project["key"] != f.project {
			errs["project"] = "valid project is required"
		}
		if json.Unmarshal(body.Fields["issuetype"], &issuetype) != nil || (issuetype["name"] == "" && issuetype["id"] == "") {
			errs["issuetype"] = "Specify an issue type"
		}
		if json.Unmarshal(body.Fields["summary"], &summary) != nil || summary == "" {
			errs["summary"] = "You must specify a summary of the issue."
		}
		if raw, ok := body.Fields["description"]; ok {
			if json.Unmarshal(raw, &desc) != nil || desc.Type != "doc" || desc.Version != 1 || len(desc.Content) == 0 {
				errs["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)."
			}
		}
		if len(errs) > 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]any{"errorMessages": []string{}, "errors": errs})
			return
		}
		f.created++
		id := 10000 + len(f.issues)
		key := fmt.Sprintf("%s-%d", f.project, len(f.issues)+1)
		f.issues[key] = "new"
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"id": fmt.Sprint(id), "key": key, "self": f.srv.URL + "/rest/api/3/issue/" + fmt.Sprint(id)})
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/rest/api/3/issue/"):
		key := strings.TrimPrefix(r.URL.Path, "/rest/api/3/issue/")
		cat, ok := f.issues[key]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}`)
			return
		}
		names := map[string]string{"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": "10000", "key": key, "self": f.srv.URL + r.URL.Path,
			"fields": map[string]any{"status": map[string]any{"name": names[cat], "id": "1",
				"statusCategory": map[string]any{"id": 3, "key": cat, "name": names[cat], "colorName": "green"}}}})
	default:
		f.fail(w, "%s %s is not a route this test expects", r.Method, r.URL.Path)
	}
}

func (f *fakeJira) setCategory(key, cat string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issues[key] = cat
}
