package debrief

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// TrackerKind names an issue tracker action items can be exported to.
type TrackerKind string

const (
	TrackerGitHub TrackerKind = "github"
	TrackerJira   TrackerKind = "jira"
)

// Tracker is an outbound integration: where action items are exported as
// issues. The token is kept as given, like a webhook's signing secret,
// because it must be sent; it is never shown again (HasToken says there is
// one).
type Tracker struct {
	ID   int64       `json:"id"`
	Name string      `json:"name"`
	Kind TrackerKind `json:"kind"`
	// BaseURL is the API's root: https://api.github.com (or a GitHub
	// Enterprise server's /api/v3), or a Jira site such as
	// https://example.atlassian.net.
	BaseURL string `json:"base_url"`
	// Project is owner/repo on GitHub and the project key on Jira.
	Project string `json:"project"`
	// IssueType is the Jira issue type (default Task).
	IssueType string `json:"issue_type,omitempty"`
	// Email makes Jira requests use basic authentication with the token as
	// its API token; without it the token is sent as a bearer token.
	Email     string    `json:"email,omitempty"`
	Token     string    `json:"-"`
	HasToken  bool      `json:"has_token"`
	Enabled   bool      `json:"enabled"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

var githubRepoRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
var jiraProjectRe = regexp.MustCompile(`^[A-Z][A-Z0-9_]+$`)

// Validate checks the rules that hold for every tracker.
func (t *Tracker) Validate() error {
	t.Name, t.BaseURL, t.Project = strings.TrimSpace(t.Name), strings.TrimRight(strings.TrimSpace(t.BaseURL), "/"), strings.TrimSpace(t.Project)
	t.IssueType, t.Email, t.Token = strings.TrimSpace(t.IssueType), strings.TrimSpace(t.Email), strings.TrimSpace(t.Token)
	if err := CheckStrings(t); err != nil {
		return err
	}
	// The token is left out of JSON, so CheckStrings does not see it.
	if err := CheckText("token", t.Token, true); err != nil {
		return err
	}
	if t.Name == "" {
		return Errorf(EInvalid, "name", "Give the tracker a name, e.g. 'github-platform'.")
	}
	switch t.Kind {
	case TrackerGitHub:
		if t.BaseURL == "" {
			t.BaseURL = "https://api.github.com"
		}
		if !githubRepoRe.MatchString(t.Project) {
			return Errorf(EInvalid, "project", "On GitHub the project is the repository as owner/name, e.g. 'acme/platform'.")
		}
	case TrackerJira:
		if t.IssueType == "" {
			t.IssueType = "Task"
		}
		if !jiraProjectRe.MatchString(t.Project) {
			return Errorf(EInvalid, "project", "On Jira the project is its key in capitals, e.g. 'OPS'.")
		}
	default:
		return Errorf(EInvalid, "kind", "Unknown tracker kind %q; use github or jira.", t.Kind)
	}
	u, err := url.Parse(t.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return Errorf(EInvalid, "base_url", "The base URL must be an http(s) URL such as https://api.github.com or https://example.atlassian.net.")
	}
	if t.Token == "" {
		return Errorf(EInvalid, "token", "The tracker needs a token to create issues with.")
	}
	return nil
}

// TrackerLinkState says where an exported action item's issue stands.
type TrackerLinkState string

const (
	// LinkPending: the issue is being created (the row is the claim that
	// keeps a second export from creating a second issue).
	LinkPending TrackerLinkState = "pending"
	LinkOpen    TrackerLinkState = "open"
	LinkClosed  TrackerLinkState = "closed"
)

// TrackerLink is an action item's issue in a tracker.
type TrackerLink struct {
	ActionItemID int64            `json:"action_item_id"`
	TrackerID    int64            `json:"tracker_id"`
	State        TrackerLinkState `json:"state"`
	// ExternalKey names the issue there: owner/repo#12 or OPS-7.
	ExternalKey string     `json:"external_key,omitempty"`
	URL         string     `json:"url,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	SyncedAt    *time.Time `json:"synced_at,omitempty"`
	// ClaimedUntil bounds a pending claim, so an export that died lets the
	// next one try again.
	ClaimedUntil *time.Time `json:"-"`
}

// TrackerIssue is what a tracker says of an issue.
type TrackerIssue struct {
	Key string
	// URL is the issue's page for people (not its API address).
	URL string
	// Done is true when the tracker counts the issue as finished: closed
	// on GitHub (not as "not planned"), status category done on Jira.
	Done bool
}

// TrackerClient speaks to trackers' REST APIs. Package tracker holds the
// real one (this package imports no HTTP); main wires it in with
// WithTrackerClient. Errors are *Error with a sentence a person can act on.
type TrackerClient interface {
	CreateIssue(ctx context.Context, t *Tracker, item *ActionItem, link string) (TrackerIssue, error)
	Issue(ctx context.Context, t *Tracker, key string) (TrackerIssue, error)
}

// WithTrackerClient sets the client that exports action items to trackers
// and reads their issues back.
func WithTrackerClient(c TrackerClient) Option { return func(s *Service) { s.trackerClient = c } }

// WithBaseURL sets the address people reach Debrief at, for links written
// into other systems (an exported issue links back to its action item).
func WithBaseURL(u string) Option { return func(s *Service) { s.baseURL = strings.TrimRight(u, "/") } }

// TrackerStore keeps trackers and the links of exported action items.
type TrackerStore interface {
	// CreateTracker inserts t, assigning ID and Version 1, with its audit
	// entry in the same transaction; a name in use is EConflict.
	CreateTracker(ctx context.Context, t *Tracker, audit *AuditEntry) error
	// Tracker returns one tracker with its token, or ENotFound.
	Tracker(ctx context.Context, id int64) (*Tracker, error)
	// ListTrackers returns every tracker (with tokens), by name.
	ListTrackers(ctx context.Context) ([]*Tracker, error)
	// ListTrackersAfter returns at most limit trackers (with tokens) whose
	// name sorts after after ("" for the first page), by name: one page.
	ListTrackersAfter(ctx context.Context, after string, limit int) ([]*Tracker, error)
	// ClaimTrackerLink takes the right to create the issue of item in
	// tracker: it inserts a pending link claimed until until, or takes over
	// a pending one whose claim ended before now. It returns the link as
	// stored and whether this call holds the claim; a link already open or
	// closed, or claimed by another, is returned unclaimed.
	ClaimTrackerLink(ctx context.Context, itemID, trackerID int64, now, until time.Time) (*TrackerLink, bool, error)
	// ReleaseTrackerLink removes a pending link whose issue could not be
	// created, so a later export can try again.
	ReleaseTrackerLink(ctx context.Context, itemID, trackerID int64) error
	// UpdateTrackerLink stores link's state, key, URL, error and sync time;
	// when item is not nil it is stored too, under UpdateActionItem's
	// version rule (ifVersion, rev), in the same transaction.
	UpdateTrackerLink(ctx context.Context, link *TrackerLink, item *ActionItem, ifVersion int, rev *Revision) error
	// ListTrackerLinks returns the links of one action item (itemID > 0)
	// or every link in state (state != ""), oldest first.
	ListTrackerLinks(ctx context.Context, itemID int64, state TrackerLinkState) ([]*TrackerLink, error)
}
