// Package storetest is the conformance suite every debrief.Store passes.
// The sqlstore tests run it on a fresh SQLite file and on a fresh
// PostgreSQL database, so both engines are held to one contract.
//
// Areas that add store methods register their own conformance tests from
// their own files, so both engines run them too:
//
//	func init() { storetest.Register("Accounts", testAccounts) }
package storetest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/debriefhq/debrief/debrief"
)

// Opener returns a new, empty store for one test. It registers the store's
// cleanup with t.Cleanup and fails t if the store cannot be opened.
type Opener func(t *testing.T) debrief.Store

var (
	mu    sync.Mutex
	tests = map[string]func(t *testing.T, open Opener){}
)

// Register adds a conformance test that Run runs under name. Call it from
// an init function; registering a name twice panics, because it is a bug
// found at start-up.
func Register(name string, fn func(t *testing.T, open Opener)) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := tests[name]; dup {
		panic("storetest: test " + name + " registered twice")
	}
	tests[name] = fn
}

// Run runs every conformance test, the built-in ones and the registered
// ones, as subtests of t in name order. Each calls open for a fresh store.
func Run(t *testing.T, open Opener) {
	mu.Lock()
	names := make([]string, 0, len(tests))
	for name := range tests {
		names = append(names, name)
	}
	mu.Unlock()
	sort.Strings(names)
	for _, name := range names {
		mu.Lock()
		fn := tests[name]
		mu.Unlock()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, open)
		})
	}
}

func init() {
	Register("IncidentRoundTrip", testIncidentRoundTrip)
	Register("IncidentUpdate", testIncidentUpdate)
	Register("IncidentConflict", testIncidentConflict)
	Register("IncidentNotFound", testIncidentNotFound)
	Register("IncidentDelete", testIncidentDelete)
	Register("IncidentListPagination", testIncidentListPagination)
	Register("IncidentListFilters", testIncidentListFilters)
	Register("IncidentListSort", testIncidentListSort)
	Register("TimelineAddAndList", testTimelineAddAndList)
	Register("TimelineIdempotent", testTimelineIdempotent)
	Register("TimelineFilters", testTimelineFilters)
	Register("TimelineUpdateDelete", testTimelineUpdateDelete)
	Register("TimelineLifecycleChange", testTimelineLifecycleChange)
	Register("PostmortemRoundTrip", testPostmortemRoundTrip)
	Register("PostmortemOnePerIncident", testPostmortemOnePerIncident)
	Register("PostmortemUpdateDelete", testPostmortemUpdateDelete)
	Register("PostmortemList", testPostmortemList)
	Register("ActionItemRoundTrip", testActionItemRoundTrip)
	Register("ActionItemUpdateDelete", testActionItemUpdateDelete)
	Register("ActionItemList", testActionItemList)
	Register("Revisions", testRevisions)
	Register("ConcurrentUpdates", testConcurrentUpdates)
	Register("ConcurrentCreates", testConcurrentCreates)
	Register("ServiceVersioning", testServiceVersioning)
	Register("Ping", testPing)
}

// base is a fixed moment with microseconds, so round trips are checked at
// the precision both engines keep.
var base = time.Date(2026, 3, 5, 14, 2, 3, 123456000, time.UTC)

func at(d time.Duration) time.Time { return base.Add(d) }

func ptr[T any](v T) *T { return &v }

// rev returns a revision as the Service would make it.
func rev(entity string, id int64, version int, action string) *debrief.Revision {
	return &debrief.Revision{EntityType: entity, EntityID: id, Version: version, Action: action,
		Actor: "alice@example.com", At: at(time.Hour), Changes: []debrief.Change{{Field: "title", New: []byte(`"x"`)}}}
}

// wantCode fails t unless err carries code; call says what was called.
func wantCode(t *testing.T, err error, code, call string) {
	t.Helper()
	if got := debrief.ErrorCode(err); got != code {
		t.Fatalf("%s = %v (code %q), want code %q", call, err, got, code)
	}
}

// must fails t on err; call says what was called.
func must(t *testing.T, err error, call string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s = %v, want no error", call, err)
	}
}

// wantEqual fails t when got differs from want.
func wantEqual(t *testing.T, call string, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("%s differs from what was stored (-want +got):\n%s", call, diff)
	}
}

// conflictCurrent checks err is EConflict and returns its Current.
func conflictCurrent(t *testing.T, err error, call string) any {
	t.Helper()
	wantCode(t, err, debrief.EConflict, call)
	e, ok := err.(*debrief.Error)
	if !ok {
		t.Fatalf("%s returned %T, want *debrief.Error", call, err)
	}
	if e.Current == nil {
		t.Fatalf("%s = EConflict without Current, want the stored record", call)
	}
	return e.Current
}

func ctxOf(t *testing.T) context.Context { return t.Context() }

// newIncident returns a complete incident numbered n, as the Service would
// pass it to the store.
func newIncident(n int) *debrief.Incident {
	started := at(time.Duration(n) * time.Minute)
	return &debrief.Incident{
		Title:     fmt.Sprintf("Checkout API returned 500s for EU customers (%d)", n),
		Severity:  "SEV2",
		Status:    debrief.StatusInvestigating,
		Services:  []string{"checkout", "payments"},
		Customers: []string{"EU shoppers"},
		Impact:    "About 4% of checkouts failed.",
		Labels:    []string{"database"},
		Roles:     debrief.Roles{Commander: "carol@example.com", Scribe: "sam@example.com", Communications: "cory@example.com"},
		StartedAt: started,
		Members:   []string{},
		CreatedBy: "alice@example.com",
		CreatedAt: started.Add(time.Minute),
		UpdatedAt: started.Add(time.Minute),
	}
}

func createIncident(t *testing.T, s debrief.Store, inc *debrief.Incident) *debrief.Incident {
	t.Helper()
	must(t, s.CreateIncident(ctxOf(t), inc, rev(debrief.EntityIncident, 0, 1, "create")), "CreateIncident")
	return inc
}

func createPostmortem(t *testing.T, s debrief.Store, pm *debrief.Postmortem) *debrief.Postmortem {
	t.Helper()
	must(t, s.CreatePostmortem(ctxOf(t), pm, rev(debrief.EntityPostmortem, 0, 1, "create")), "CreatePostmortem")
	return pm
}

func createActionItem(t *testing.T, s debrief.Store, a *debrief.ActionItem) *debrief.ActionItem {
	t.Helper()
	must(t, s.CreateActionItem(ctxOf(t), a, rev(debrief.EntityActionItem, 0, 1, "create")), "CreateActionItem")
	return a
}

func newPostmortem(incidentID *int64) *debrief.Postmortem {
	pm := &debrief.Postmortem{
		IncidentID: incidentID, Kind: debrief.KindIncident,
		Title: "Checkout API returned 500s for 42 minutes", Owner: "carol@example.com", Status: debrief.PostmortemDraft,
		Template: "incident", TemplateVersion: 1,
		Sections: []debrief.Section{
			{Key: "summary", Heading: "Summary", Body: "Checkout failed for **EU** customers.", Guidance: "Say what broke.", Required: true},
			{Key: "root-cause", Heading: "Root cause", Body: "A connection pool was too small.\n\n- one\n- two", Required: true, Internal: true},
		},
		RootCause:           "The pool limit was lowered in a config change.",
		ContributingFactors: []string{"config", "alerting"},
		Lessons:             debrief.Lessons{WentWell: []string{"fast rollback"}, WentWrong: []string{"late alert"}, GotLucky: []string{}},
		CreatedBy:           "alice@example.com", CreatedAt: at(2 * time.Hour), UpdatedAt: at(2 * time.Hour),
	}
	if incidentID == nil {
		pm.Kind, pm.Template = debrief.KindProject, "project"
		pm.Project = &debrief.Project{LiveFrom: ptr(at(-240 * time.Hour)), LiveUntil: ptr(at(-24 * time.Hour)),
			Feedback: []debrief.Feedback{{Member: "dan@example.com", Text: "Scope grew twice."}}}
	}
	return pm
}

func newActionItem(incidentID, postmortemID *int64, n int) *debrief.ActionItem {
	return &debrief.ActionItem{
		IncidentID: incidentID, PostmortemID: postmortemID,
		Title:    fmt.Sprintf("Add an alert on checkout error rate above 2%% (%d)", n),
		Owner:    "dave@example.com",
		DueDate:  ptr(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)),
		Priority: debrief.PriorityP2, Type: debrief.ActionDetect, Status: debrief.ActionOpen,
		TrackerURL: "https://tracker.example.com/T-1", CreatedBy: "alice@example.com",
		CreatedAt: at(3 * time.Hour), UpdatedAt: at(3 * time.Hour),
	}
}

func newEvent(d time.Duration, text string) *debrief.TimelineEvent {
	return &debrief.TimelineEvent{At: at(d), Zone: "Europe/Berlin", Source: debrief.SourceManual, Kind: debrief.KindNote,
		Text: text, Actor: "alice@example.com", CreatedAt: at(time.Hour)}
}

// revisionsOf returns every revision of one record, newest first.
func revisionsOf(t *testing.T, s debrief.Store, entity string, id int64) []*debrief.Revision {
	t.Helper()
	p, err := s.ListRevisions(ctxOf(t), debrief.RevisionFilter{EntityType: entity, EntityID: id, Limit: debrief.MaxPageSize})
	must(t, err, "ListRevisions")
	return p.Items
}

func testPing(t *testing.T, open Opener) {
	s := open(t)
	must(t, s.Ping(ctxOf(t)), "Ping")
}
