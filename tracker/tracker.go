// Package tracker exports action items to issue trackers (GitHub issues,
// Jira Cloud) through their REST APIs and reads the issues' state back. It
// is the real debrief.TrackerClient; main wires it into the Service.
package tracker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Client speaks to GitHub and Jira. The zero value uses a client with a
// 30-second timeout.
type Client struct {
	// HTTP sends the requests; tests point it at local servers.
	HTTP *http.Client
	// UserAgent names Debrief to the tracker (GitHub requires one).
	UserAgent string
}

var _ debrief.TrackerClient = (*Client)(nil)

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// CreateIssue implements debrief.TrackerClient.
func (c *Client) CreateIssue(ctx context.Context, t *debrief.Tracker, item *debrief.ActionItem, link string) (debrief.TrackerIssue, error) {
	switch t.Kind {
	case debrief.TrackerGitHub:
		return c.githubCreate(ctx, t, item, link)
	case debrief.TrackerJira:
		return c.jiraCreate(ctx, t, item, link)
	}
	return debrief.TrackerIssue{}, debrief.Errorf(debrief.EInvalid, "tracker", "Unknown tracker kind %q.", t.Kind)
}

// Issue implements debrief.TrackerClient.
func (c *Client) Issue(ctx context.Context, t *debrief.Tracker, key string) (debrief.TrackerIssue, error) {
	switch t.Kind {
	case debrief.TrackerGitHub:
		return c.githubIssue(ctx, t, key)
	case debrief.TrackerJira:
		return c.jiraIssue(ctx, t, key)
	}
	return debrief.TrackerIssue{}, debrief.Errorf(debrief.EInvalid, "tracker", "Unknown tracker kind %q.", t.Kind)
}

// issueText is what an exported issue says beyond its title: who owns it,
// when it is due, and where it came from.
func issueText(item *debrief.ActionItem, link string) []string {
	lines := []string{"Action item " + item.Key + " from a Debrief postmortem (" + string(item.Priority) + ", " + string(item.Type) + ")."}
	if item.Owner != "" {
		lines = append(lines, "Owner: "+item.Owner+".")
	}
	if item.DueDate != nil {
		lines = append(lines, "Due: "+item.DueDate.Format("2006-01-02")+".")
	}
	if link != "" {
		lines = append(lines, "In Debrief: "+link)
	}
	return lines
}

// maxAnswer bounds what is read of a tracker's answer.
const maxAnswer = 1 << 20

// call sends one JSON request and decodes a 2xx answer into out; any other
// answer becomes a sentence naming the tracker, the status and what it said.
func (c *Client) call(ctx context.Context, t *debrief.Tracker, method, url string, header http.Header, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("tracker: encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return debrief.Errorf(debrief.EInvalid, "base_url", "The tracker's base URL %q does not make a request URL: %v.", t.BaseURL, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	ua := c.UserAgent
	if ua == "" {
		ua = "Debrief"
	}
	req.Header.Set("User-Agent", ua)
	resp, err := c.http().Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return debrief.Errorf(debrief.EUnavailable, "", "Could not reach %s at %s: %v.", name(t), t.BaseURL, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return debrief.Errorf(debrief.EUnavailable, "", "%s's answer was cut off: %v.", name(t), err)
	}
	if resp.StatusCode/100 != 2 {
		return answerError(t, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return debrief.Errorf(debrief.EUnavailable, "", "%s answered %d with something that is not the JSON its API describes (%v); is the base URL %s right?", name(t), resp.StatusCode, err, t.BaseURL)
		}
	}
	return nil
}

func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap()
	}
	return err
}

func name(t *debrief.Tracker) string {
	if t.Kind == debrief.TrackerJira {
		return "Jira"
	}
	return "GitHub"
}

// answerError turns a tracker's refusal into a sentence: what the status
// means for the person configuring it, and the tracker's own words.
func answerError(t *debrief.Tracker, status int, body []byte) error {
	said := trackerMessage(body)
	var what string
	code := debrief.EUnprocessable
	switch status {
	case http.StatusUnauthorized:
		what = "refused the tracker's token; check that it is right and has not expired"
	case http.StatusForbidden:
		what = "does not let the tracker's token create or read issues in " + t.Project
	case http.StatusNotFound:
		what = "has no " + t.Project + ", or the tracker's token cannot see it"
	case http.StatusGone:
		what = "has issues turned off in " + t.Project
	case http.StatusTooManyRequests:
		what, code = "is limiting requests; try again later", debrief.EUnavailable
	default:
		if status >= 500 {
			what, code = "had a problem of its own", debrief.EUnavailable
		} else {
			what = "refused the issue"
		}
	}
	msg := fmt.Sprintf("%s %s (HTTP %d)", name(t), what, status)
	if said != "" {
		msg += ": " + strings.TrimRight(said, ".") + "."
	} else {
		msg += "."
	}
	return debrief.Errorf(code, "", "%s", msg)
}

// trackerMessage reads the error text of GitHub's ({"message", "errors"})
// and Jira's ({"errorMessages", "errors": {field: text}}) answers.
func trackerMessage(body []byte) string {
	var e struct {
		Message       string          `json:"message"`
		ErrorMessages []string        `json:"errorMessages"`
		Errors        json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	parts := append([]string(nil), e.ErrorMessages...)
	if e.Message != "" {
		parts = append([]string{e.Message}, parts...)
	}
	var byField map[string]string
	if json.Unmarshal(e.Errors, &byField) == nil {
		for _, k := range sortedKeys(byField) {
			parts = append(parts, k+": "+byField[k])
		}
	}
	var list []struct {
		Field, Code, Message string
	}
	if json.Unmarshal(e.Errors, &list) == nil {
		for _, x := range list {
			switch {
			case x.Message != "":
				parts = append(parts, x.Message)
			case x.Field != "":
				parts = append(parts, x.Field+" "+x.Code)
			}
		}
	}
	s := strings.Join(parts, "; ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// --- GitHub: POST /repos/{owner}/{repo}/issues, GET …/issues/{number} ---

// githubAPIVersion is the REST API version the requests are written for.
const githubAPIVersion = "2022-11-28"

func githubHeader(t *debrief.Tracker) http.Header {
	return http.Header{
		"Accept":               {"application/vnd.github+json"},
		"Authorization":        {"Bearer " + t.Token},
		"X-Github-Api-Version": {githubAPIVersion},
	}
}

type githubIssue struct {
	Number      int    `json:"number"`
	HTMLURL     string `json:"html_url"`
	State       string `json:"state"`
	StateReason string `json:"state_reason"`
}

func (c *Client) githubCreate(ctx context.Context, t *debrief.Tracker, item *debrief.ActionItem, link string) (debrief.TrackerIssue, error) {
	body := map[string]any{"title": item.Title, "body": strings.Join(issueText(item, link), "\n\n")}
	var out githubIssue
	if err := c.call(ctx, t, http.MethodPost, t.BaseURL+"/repos/"+t.Project+"/issues", githubHeader(t), body, &out); err != nil {
		return debrief.TrackerIssue{}, err
	}
	if out.Number <= 0 || out.HTMLURL == "" {
		return debrief.TrackerIssue{}, debrief.Errorf(debrief.EUnavailable, "", "GitHub answered without the new issue's number and address; is the base URL %s right?", t.BaseURL)
	}
	return debrief.TrackerIssue{Key: t.Project + "#" + strconv.Itoa(out.Number), URL: out.HTMLURL}, nil
}

func (c *Client) githubIssue(ctx context.Context, t *debrief.Tracker, key string) (debrief.TrackerIssue, error) {
	_, num, ok := strings.Cut(key, "#")
	if !ok {
		return debrief.TrackerIssue{}, debrief.Errorf(debrief.EInvalid, "external_key", "%q is not a GitHub issue key like owner/repo#12.", key)
	}
	var out githubIssue
	if err := c.call(ctx, t, http.MethodGet, t.BaseURL+"/repos/"+t.Project+"/issues/"+num, githubHeader(t), nil, &out); err != nil {
		return debrief.TrackerIssue{}, err
	}
	// An issue closed as not planned did not ship a fix.
	done := out.State == "closed" && out.StateReason != "not_planned"
	return debrief.TrackerIssue{Key: key, URL: out.HTMLURL, Done: done}, nil
}

// --- Jira Cloud: POST /rest/api/3/issue, GET /rest/api/3/issue/{key} ---

func jiraHeader(t *debrief.Tracker) http.Header {
	h := http.Header{"Accept": {"application/json"}}
	if t.Email != "" {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.SetBasicAuth(t.Email, t.Token)
		h.Set("Authorization", req.Header.Get("Authorization"))
	} else {
		h.Set("Authorization", "Bearer "+t.Token)
	}
	return h
}

// adf writes paragraphs in the Atlassian Document Format that API v3
// takes for rich text.
func adf(paragraphs []string) map[string]any {
	content := make([]any, 0, len(paragraphs))
	for _, p := range paragraphs {
		content = append(content, map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": p}}})
	}
	return map[string]any{"type": "doc", "version": 1, "content": content}
}

func (c *Client) jiraCreate(ctx context.Context, t *debrief.Tracker, item *debrief.ActionItem, link string) (debrief.TrackerIssue, error) {
	body := map[string]any{"fields": map[string]any{
		"project":     map[string]string{"key": t.Project},
		"issuetype":   map[string]string{"name": t.IssueType},
		"summary":     item.Title,
		"description": adf(issueText(item, link)),
	}}
	var out struct {
		ID   string `json:"id"`
		Key  string `json:"key"`
		Self string `json:"self"`
	}
	if err := c.call(ctx, t, http.MethodPost, t.BaseURL+"/rest/api/3/issue", jiraHeader(t), body, &out); err != nil {
		return debrief.TrackerIssue{}, err
	}
	if out.Key == "" {
		return debrief.TrackerIssue{}, debrief.Errorf(debrief.EUnavailable, "", "Jira answered without the new issue's key; is the base URL %s right?", t.BaseURL)
	}
	return debrief.TrackerIssue{Key: out.Key, URL: t.BaseURL + "/browse/" + out.Key}, nil
}

func (c *Client) jiraIssue(ctx context.Context, t *debrief.Tracker, key string) (debrief.TrackerIssue, error) {
	var out struct {
		Key    string `json:"key"`
		Fields struct {
			Status struct {
				StatusCategory struct {
					Key string `json:"key"`
				} `json:"statusCategory"`
			} `json:"status"`
		} `json:"fields"`
	}
	if err := c.call(ctx, t, http.MethodGet, t.BaseURL+"/rest/api/3/issue/"+key+"?fields=status", jiraHeader(t), nil, &out); err != nil {
		return debrief.TrackerIssue{}, err
	}
	return debrief.TrackerIssue{Key: key, URL: t.BaseURL + "/browse/" + key, Done: out.Fields.Status.StatusCategory.Key == "done"}, nil
}
