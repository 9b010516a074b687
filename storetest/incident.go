package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func testIncidentRoundTrip(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	first := createIncident(t, s, newIncident(1))

	full := newIncident(2)
	full.DetectedAt = ptr(at(3 * time.Minute))
	full.AcknowledgedAt = ptr(at(4*time.Minute + 7*time.Microsecond))
	full.MitigatedAt = ptr(at(10 * time.Minute))
	full.ResolvedAt = ptr(at(42 * time.Minute))
	full.Private = true
	full.Members = []string{"carol@example.com", "Zoë Ünicode"}
	full.RepeatOf = ptr(first.ID)
	full.Impact = "Multi-line\nimpact with 'quotes', \"double quotes\", emoji 🔥 and a NUL-free \\ backslash."
	r := rev(debrief.EntityIncident, 0, 1, "create")
	must(t, s.CreateIncident(ctx, full, r), "CreateIncident(full)")
	if full.ID <= 0 || full.ID == first.ID {
		t.Fatalf("CreateIncident assigned ID %d (first was %d), want a new positive ID", full.ID, first.ID)
	}
	if full.Key != debrief.IncidentKey(full.ID) || full.Version != 1 {
		t.Fatalf("CreateIncident set Key %q Version %d, want %q and 1", full.Key, full.Version, debrief.IncidentKey(full.ID))
	}
	if r.ID <= 0 || r.EntityID != full.ID {
		t.Fatalf("CreateIncident left revision ID %d EntityID %d, want a positive ID and EntityID %d", r.ID, r.EntityID, full.ID)
	}

	sparse := newIncident(3)
	sparse.Services, sparse.Customers, sparse.Labels, sparse.Members = []string{}, []string{}, []string{}, []string{}
	sparse.Roles = debrief.Roles{}
	sparse.Impact = ""
	createIncident(t, s, sparse)

	for _, want := range []*debrief.Incident{first, full, sparse} {
		got, err := s.Incident(ctx, want.ID)
		must(t, err, fmt.Sprintf("Incident(%d)", want.ID))
		wantEqual(t, fmt.Sprintf("Incident(%d)", want.ID), want, got)
		if got.StartedAt.Location() != time.UTC {
			t.Errorf("Incident(%d).StartedAt is in %v, want UTC", want.ID, got.StartedAt.Location())
		}
	}
	revs := revisionsOf(t, s, debrief.EntityIncident, full.ID)
	if len(revs) != 1 {
		t.Fatalf("ListRevisions(incident %d) returned %d revisions, want 1", full.ID, len(revs))
	}
	wantEqual(t, "ListRevisions(created incident)", r, revs[0])

	// A time that is not a whole microsecond is stored truncated, and
	// a time in another zone comes back as the same instant in UTC.
	zoned := newIncident(4)
	zoned.StartedAt = time.Date(2026, 3, 5, 15, 2, 3, 123456789, time.FixedZone("CET", 3600))
	createIncident(t, s, zoned)
	got, err := s.Incident(ctx, zoned.ID)
	must(t, err, "Incident(zoned)")
	if want := zoned.StartedAt.UTC().Truncate(time.Microsecond); !got.StartedAt.Equal(want) || got.StartedAt.Location() != time.UTC {
		t.Errorf("Incident(zoned).StartedAt = %v, want %v", got.StartedAt, want)
	}
}

func testIncidentUpdate(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	next := *inc
	next.Title = "Checkout API returned 500s for all customers"
	next.Status = debrief.StatusResolved
	next.Services = []string{"checkout", "search"}
	next.Labels = []string{"network"}
	next.ResolvedAt = ptr(at(time.Hour))
	next.MitigatedAt = ptr(at(50 * time.Minute))
	next.UpdatedAt = at(2 * time.Hour)
	r := rev(debrief.EntityIncident, inc.ID, 2, "update")
	must(t, s.UpdateIncident(ctx, &next, 1, r), "UpdateIncident(v=1)")
	if next.Version != 2 {
		t.Fatalf("UpdateIncident(v=1) set Version %d, want 2", next.Version)
	}
	if r.ID <= 0 {
		t.Fatalf("UpdateIncident did not fill the revision ID")
	}
	got, err := s.Incident(ctx, inc.ID)
	must(t, err, "Incident")
	wantEqual(t, "Incident after update", &next, got)

	// The tag table follows the lists: the old service and label no
	// longer find it, the new ones do.
	for _, c := range []struct {
		f    debrief.IncidentFilter
		want int
	}{
		{debrief.IncidentFilter{Service: "payments"}, 0},
		{debrief.IncidentFilter{Service: "search"}, 1},
		{debrief.IncidentFilter{Label: "database"}, 0},
		{debrief.IncidentFilter{Label: "network"}, 1},
	} {
		p, err := s.ListIncidents(ctx, c.f)
		must(t, err, "ListIncidents")
		if len(p.Items) != c.want {
			t.Errorf("ListIncidents(%+v) after update returned %d incidents, want %d", c.f, len(p.Items), c.want)
		}
	}
	revs := revisionsOf(t, s, debrief.EntityIncident, inc.ID)
	if len(revs) != 2 || revs[0].Action != "update" || revs[1].Action != "create" {
		t.Fatalf("revisions after one update = %d (%v), want [update create]", len(revs), actions(revs))
	}
	wantEqual(t, "newest revision", r, revs[0])
}

func actions(revs []*debrief.Revision) []string {
	out := make([]string, len(revs))
	for i, r := range revs {
		out[i] = r.Action
	}
	return out
}

func testIncidentConflict(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	v2 := *inc
	v2.Title = "Second title"
	must(t, s.UpdateIncident(ctx, &v2, 1, rev(debrief.EntityIncident, inc.ID, 2, "update")), "UpdateIncident(v=1)")

	stale := *inc
	stale.Title = "Stale title"
	stale.Services = []string{"stale-service"}
	err := s.UpdateIncident(ctx, &stale, 1, rev(debrief.EntityIncident, inc.ID, 2, "update"))
	cur := conflictCurrent(t, err, "UpdateIncident(v=1) after another update")
	wantEqual(t, "EConflict Current", &v2, cur)
	if stale.Version != 1 {
		t.Errorf("UpdateIncident that conflicted changed Version to %d, want it left at 1", stale.Version)
	}
	got, err := s.Incident(ctx, inc.ID)
	must(t, err, "Incident")
	wantEqual(t, "Incident after a conflicting update", &v2, got)
	if n := len(revisionsOf(t, s, debrief.EntityIncident, inc.ID)); n != 2 {
		t.Errorf("revisions after a conflicting update = %d, want 2 (create, update): a rejected change appends none", n)
	}
	p, err := s.ListIncidents(ctx, debrief.IncidentFilter{Service: "stale-service"})
	must(t, err, "ListIncidents")
	if len(p.Items) != 0 {
		t.Errorf("a conflicting update changed the incident's tags")
	}
	// A version from the future conflicts too.
	err = s.UpdateIncident(ctx, &stale, 7, rev(debrief.EntityIncident, inc.ID, 8, "update"))
	conflictCurrent(t, err, "UpdateIncident(v=7) at version 2")
	err = s.DeleteIncident(ctx, inc.ID, 1, rev(debrief.EntityIncident, inc.ID, 2, "delete"))
	conflictCurrent(t, err, "DeleteIncident(v=1) at version 2")
	if _, err := s.Incident(ctx, inc.ID); err != nil {
		t.Errorf("Incident after a conflicting delete = %v, want it still there", err)
	}
}

func testIncidentNotFound(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	const missing = 987654
	_, err := s.Incident(ctx, missing)
	wantCode(t, err, debrief.ENotFound, "Incident(missing)")
	inc := newIncident(1)
	inc.ID = missing
	wantCode(t, s.UpdateIncident(ctx, inc, 1, rev(debrief.EntityIncident, missing, 2, "update")), debrief.ENotFound, "UpdateIncident(missing)")
	wantCode(t, s.DeleteIncident(ctx, missing, 1, rev(debrief.EntityIncident, missing, 2, "delete")), debrief.ENotFound, "DeleteIncident(missing)")
	_, err = s.AddTimelineEvents(ctx, missing, []*debrief.TimelineEvent{newEvent(0, "x")}, nil, rev(debrief.EntityIncident, missing, 0, "timeline.add"))
	wantCode(t, err, debrief.ENotFound, "AddTimelineEvents(missing incident)")
	_, err = s.TimelineEvent(ctx, missing)
	wantCode(t, err, debrief.ENotFound, "TimelineEvent(missing)")
	_, err = s.Postmortem(ctx, missing)
	wantCode(t, err, debrief.ENotFound, "Postmortem(missing)")
	_, err = s.ActionItem(ctx, missing)
	wantCode(t, err, debrief.ENotFound, "ActionItem(missing)")
	if n := len(revisionsOf(t, s, "", 0)); n != 0 {
		t.Errorf("failed writes appended %d revisions, want 0", n)
	}
	// A reference to a missing incident is bad input, not a crash.
	bad := newIncident(2)
	bad.RepeatOf = ptr(int64(missing))
	wantCode(t, s.CreateIncident(ctx, bad, rev(debrief.EntityIncident, 0, 1, "create")), debrief.EInvalid, "CreateIncident(repeat_of missing)")
	wantCode(t, s.CreateActionItem(ctx, newActionItem(ptr(int64(missing)), nil, 1), rev(debrief.EntityActionItem, 0, 1, "create")), debrief.EInvalid, "CreateActionItem(incident missing)")
	wantCode(t, s.CreatePostmortem(ctx, newPostmortem(ptr(int64(missing))), rev(debrief.EntityPostmortem, 0, 1, "create")), debrief.EInvalid, "CreatePostmortem(incident missing)")
}

func testIncidentDelete(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	keep := createIncident(t, s, newIncident(1))
	inc := createIncident(t, s, newIncident(2))
	repeat := newIncident(3)
	repeat.RepeatOf = ptr(inc.ID)
	createIncident(t, s, repeat)
	events := []*debrief.TimelineEvent{newEvent(0, "alert fired"), newEvent(time.Minute, "rolled back")}
	_, err := s.AddTimelineEvents(ctx, inc.ID, events, nil, rev(debrief.EntityIncident, inc.ID, 0, "timeline.add"))
	must(t, err, "AddTimelineEvents")
	pm := createPostmortem(t, s, newPostmortem(&inc.ID))
	item := createActionItem(t, s, newActionItem(&inc.ID, &pm.ID, 1))
	keepItem := createActionItem(t, s, newActionItem(&keep.ID, nil, 2))

	r := rev(debrief.EntityIncident, inc.ID, 2, "delete")
	must(t, s.DeleteIncident(ctx, inc.ID, 1, r), "DeleteIncident(v=1)")
	if r.ID <= 0 {
		t.Errorf("DeleteIncident did not fill the revision ID")
	}
	_, err = s.Incident(ctx, inc.ID)
	wantCode(t, err, debrief.ENotFound, "Incident after delete")
	_, err = s.TimelineEvent(ctx, events[0].ID)
	wantCode(t, err, debrief.ENotFound, "TimelineEvent of a deleted incident")
	tl, err := s.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{})
	must(t, err, "ListTimeline(deleted incident)")
	if len(tl) != 0 {
		t.Errorf("ListTimeline(deleted incident) returned %d events, want 0", len(tl))
	}
	_, err = s.Postmortem(ctx, pm.ID)
	wantCode(t, err, debrief.ENotFound, "Postmortem of a deleted incident (deleted with it)")
	_, err = s.ActionItem(ctx, item.ID)
	wantCode(t, err, debrief.ENotFound, "ActionItem of a deleted incident")
	if _, err := s.ActionItem(ctx, keepItem.ID); err != nil {
		t.Errorf("ActionItem of another incident after delete = %v, want it kept", err)
	}
	got, err := s.Incident(ctx, repeat.ID)
	must(t, err, "Incident(repeat)")
	if got.RepeatOf != nil {
		t.Errorf("an incident repeating the deleted one still has RepeatOf %d, want nil", *got.RepeatOf)
	}
	p, err := s.ListIncidents(ctx, debrief.IncidentFilter{Service: "checkout"})
	must(t, err, "ListIncidents(service)")
	if len(p.Items) != 2 {
		t.Errorf("ListIncidents(service) after delete returned %d, want 2: the deleted incident's tags must go", len(p.Items))
	}
	revs := revisionsOf(t, s, debrief.EntityIncident, inc.ID)
	if len(revs) == 0 || revs[0].Action != "delete" {
		t.Errorf("revisions of the deleted incident = %v, want the delete on top: history outlives the record", actions(revs))
	}
	// IDs are never reused.
	again := createIncident(t, s, newIncident(4))
	if again.ID <= repeat.ID {
		t.Errorf("CreateIncident after a delete assigned ID %d, want more than %d", again.ID, repeat.ID)
	}
}

// collectIncidents pages through ListIncidents with limit and checks the
// pages have no gaps, repeats or empty last page.
func collectIncidents(t *testing.T, s debrief.Store, f debrief.IncidentFilter) []int64 {
	t.Helper()
	var ids []int64
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("ListIncidents(%+v) did not reach a last page", f)
		}
		p, err := s.ListIncidents(ctxOf(t), f)
		must(t, err, fmt.Sprintf("ListIncidents(%+v)", f))
		if len(p.Items) > debrief.PageLimit(f.Limit) {
			t.Fatalf("ListIncidents(limit %d) returned %d items", f.Limit, len(p.Items))
		}
		if p.NextCursor != "" && len(p.Items) != debrief.PageLimit(f.Limit) {
			t.Fatalf("ListIncidents returned a short page (%d of %d) with a next cursor", len(p.Items), f.Limit)
		}
		if pages > 0 && len(p.Items) == 0 {
			t.Fatalf("ListIncidents(%+v) returned an empty page after a next cursor; the previous page should have been the last", f)
		}
		for _, inc := range p.Items {
			ids = append(ids, inc.ID)
		}
		if p.NextCursor == "" {
			return ids
		}
		f.After = p.NextCursor
	}
}

func testIncidentListPagination(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	var want []int64
	for i := range 23 {
		want = append(want, createIncident(t, s, newIncident(i)).ID)
	}
	slices.Reverse(want)
	for _, limit := range []int{1, 5, 10, 23, 50} {
		got := collectIncidents(t, s, debrief.IncidentFilter{Limit: limit})
		if !slices.Equal(got, want) {
			t.Errorf("paging ListIncidents with limit %d gave %v, want %v (newest first, no gaps or repeats)", limit, got, want)
		}
	}
	// The first page holds exactly the limit and a cursor; a page that
	// ends exactly at the last item has no cursor.
	p, err := s.ListIncidents(ctx, debrief.IncidentFilter{Limit: 3})
	must(t, err, "ListIncidents(limit 3)")
	if len(p.Items) != 3 || p.NextCursor != debrief.EncodeCursor(want[2]) {
		t.Errorf("ListIncidents(limit 3) = %d items, cursor %q; want 3 and %q", len(p.Items), p.NextCursor, debrief.EncodeCursor(want[2]))
	}
	p, err = s.ListIncidents(ctx, debrief.IncidentFilter{Limit: 3, After: debrief.EncodeCursor(want[19])})
	must(t, err, "ListIncidents(last 3)")
	if len(p.Items) != 3 || p.NextCursor != "" {
		t.Errorf("ListIncidents of the last 3 = %d items, cursor %q; want 3 and no cursor", len(p.Items), p.NextCursor)
	}
	// Zero means the default page size.
	p, err = s.ListIncidents(ctx, debrief.IncidentFilter{})
	must(t, err, "ListIncidents(limit 0)")
	if len(p.Items) != 23 || p.NextCursor != "" {
		t.Errorf("ListIncidents(limit 0) = %d items, cursor %q; want all 23 on the default page", len(p.Items), p.NextCursor)
	}
	// An incident created while paging appears before the cursor, never in
	// the pages still to come: keyset pages are stable under inserts.
	p, err = s.ListIncidents(ctx, debrief.IncidentFilter{Limit: 10})
	must(t, err, "ListIncidents(limit 10)")
	createIncident(t, s, newIncident(99))
	rest := collectIncidents(t, s, debrief.IncidentFilter{Limit: 10, After: p.NextCursor})
	if !slices.Equal(rest, want[10:]) {
		t.Errorf("pages after an insert = %v, want %v", rest, want[10:])
	}
	_, err = s.ListIncidents(ctx, debrief.IncidentFilter{After: "not-a-cursor"})
	wantCode(t, err, debrief.EInvalid, "ListIncidents(After: garbage)")
	empty := open(t)
	p, err = empty.ListIncidents(ctx, debrief.IncidentFilter{})
	must(t, err, "ListIncidents(empty store)")
	if p.Items == nil || len(p.Items) != 0 || p.NextCursor != "" {
		t.Errorf("ListIncidents(empty store) = %#v, want an empty non-nil list and no cursor", p)
	}
}

func testIncidentListFilters(t *testing.T, open Opener) {
	s := open(t)
	var all []*debrief.Incident
	statuses := []debrief.IncidentStatus{debrief.StatusInvestigating, debrief.StatusResolved, debrief.StatusClosed}
	for i := range 18 {
		inc := newIncident(i * 10)
		inc.Status = statuses[i%3]
		inc.Severity = fmt.Sprintf("SEV%d", 1+i%4)
		inc.Services = []string{fmt.Sprintf("svc-%d", i%2), "shared"}
		inc.Labels = []string{fmt.Sprintf("label-%d", i%3)}
		if i%5 == 0 {
			inc.Labels = append(inc.Labels, "rare")
		}
		inc.Roles.Commander = fmt.Sprintf("ic-%d@example.com", i%2)
		inc.CreatedBy = fmt.Sprintf("creator-%d@example.com", i%3)
		all = append(all, createIncident(t, s, inc))
	}
	from, to := at(50*time.Minute), at(120*time.Minute)
	cases := []struct {
		name string
		f    debrief.IncidentFilter
		keep func(*debrief.Incident) bool
	}{
		{"no filter", debrief.IncidentFilter{}, func(*debrief.Incident) bool { return true }},
		{"one status", debrief.IncidentFilter{Status: []debrief.IncidentStatus{debrief.StatusResolved}},
			func(i *debrief.Incident) bool { return i.Status == debrief.StatusResolved }},
		{"two statuses", debrief.IncidentFilter{Status: []debrief.IncidentStatus{debrief.StatusResolved, debrief.StatusClosed}},
			func(i *debrief.Incident) bool { return !i.Status.Open() }},
		{"severity", debrief.IncidentFilter{Severity: []string{"SEV1", "SEV3"}},
			func(i *debrief.Incident) bool { return i.Severity == "SEV1" || i.Severity == "SEV3" }},
		{"service", debrief.IncidentFilter{Service: "svc-1"}, func(i *debrief.Incident) bool { return i.Services[0] == "svc-1" }},
		{"shared service", debrief.IncidentFilter{Service: "shared"}, func(*debrief.Incident) bool { return true }},
		{"unknown service", debrief.IncidentFilter{Service: "nope"}, func(*debrief.Incident) bool { return false }},
		{"service is not a label", debrief.IncidentFilter{Label: "shared"}, func(*debrief.Incident) bool { return false }},
		{"label", debrief.IncidentFilter{Label: "rare"}, func(i *debrief.Incident) bool { return slices.Contains(i.Labels, "rare") }},
		{"owner as commander", debrief.IncidentFilter{Owner: "ic-0@example.com"},
			func(i *debrief.Incident) bool { return i.Roles.Commander == "ic-0@example.com" }},
		{"owner as creator", debrief.IncidentFilter{Owner: "creator-2@example.com"},
			func(i *debrief.Incident) bool { return i.CreatedBy == "creator-2@example.com" }},
		{"from", debrief.IncidentFilter{From: &from}, func(i *debrief.Incident) bool { return !i.StartedAt.Before(from) }},
		{"to", debrief.IncidentFilter{To: &to}, func(i *debrief.Incident) bool { return i.StartedAt.Before(to) }},
		{"from and to", debrief.IncidentFilter{From: &from, To: &to},
			func(i *debrief.Incident) bool { return !i.StartedAt.Before(from) && i.StartedAt.Before(to) }},
		{"everything", debrief.IncidentFilter{Status: []debrief.IncidentStatus{debrief.StatusInvestigating, debrief.StatusClosed},
			Service: "svc-0", Label: "label-0", Owner: "ic-0@example.com", To: ptr(at(170 * time.Minute))},
			func(i *debrief.Incident) bool {
				return i.Status != debrief.StatusResolved && i.Services[0] == "svc-0" && i.Labels[0] == "label-0" &&
					i.Roles.Commander == "ic-0@example.com" && i.StartedAt.Before(at(170*time.Minute))
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want []int64
			for i := len(all) - 1; i >= 0; i-- {
				if c.keep(all[i]) {
					want = append(want, all[i].ID)
				}
			}
			f := c.f
			f.Limit = 4
			got := collectIncidents(t, s, f)
			if !slices.Equal(got, want) {
				t.Errorf("ListIncidents(%s) = %v, want %v", c.name, got, want)
			}
		})
	}
	// Listed incidents are whole records, equal to what Incident returns.
	p, err := s.ListIncidents(ctxOf(t), debrief.IncidentFilter{Limit: 1})
	must(t, err, "ListIncidents(limit 1)")
	wantEqual(t, "ListIncidents item", all[len(all)-1], p.Items[0])
}

// testIncidentListSort pages through every order with small pages: each
// order is total, so no incident is skipped or repeated, even when several
// started at the same moment.
func testIncidentListSort(t *testing.T, open Opener) {
	s := open(t)
	// Started times out of declaration order, with ties.
	offsets := []int{30, 5, 30, 60, 5, 45, 30, 0}
	type rec struct {
		id      int64
		started time.Time
	}
	var all []rec
	for i, m := range offsets {
		inc := newIncident(i)
		inc.StartedAt = at(time.Duration(m) * time.Minute)
		c := createIncident(t, s, inc)
		all = append(all, rec{c.ID, c.StartedAt})
	}
	ids := func(rs []rec) []int64 {
		out := make([]int64, len(rs))
		for i, r := range rs {
			out[i] = r.id
		}
		return out
	}
	newest := slices.Clone(all)
	slices.SortFunc(newest, func(a, b rec) int { return int(b.id - a.id) })
	oldest := slices.Clone(all)
	slices.SortFunc(oldest, func(a, b rec) int { return int(a.id - b.id) })
	started := slices.Clone(all)
	slices.SortFunc(started, func(a, b rec) int {
		if c := b.started.Compare(a.started); c != 0 {
			return c
		}
		return int(b.id - a.id)
	})
	for _, tc := range []struct {
		sort debrief.IncidentSort
		want []int64
	}{{"", ids(newest)}, {debrief.SortNewest, ids(newest)}, {debrief.SortOldest, ids(oldest)}, {debrief.SortStarted, ids(started)}} {
		for _, limit := range []int{1, 2, 3, 8} {
			got := collectIncidents(t, s, debrief.IncidentFilter{Sort: tc.sort, Limit: limit})
			if !slices.Equal(got, tc.want) {
				t.Errorf("paging ListIncidents(sort %q, limit %d) = %v, want %v", tc.sort, limit, got, tc.want)
			}
		}
	}
	// With a filter the order and paging hold too.
	got := collectIncidents(t, s, debrief.IncidentFilter{Sort: debrief.SortStarted, Limit: 2, From: ptr(at(5 * time.Minute)), To: ptr(at(45 * time.Minute))})
	var want []int64
	for _, r := range started {
		if !r.started.Before(at(5*time.Minute)) && r.started.Before(at(45*time.Minute)) {
			want = append(want, r.id)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("ListIncidents(sort started, 5–45 min) = %v, want %v", got, want)
	}
	_, err := s.ListIncidents(ctxOf(t), debrief.IncidentFilter{Sort: debrief.SortStarted, After: "12"})
	wantCode(t, err, debrief.EInvalid, "ListIncidents(sort started, After: an ID cursor)")
}
