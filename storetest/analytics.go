package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("AnalyticsScan", testAnalyticsScan)
	Register("AnalyticsScanFilters", testAnalyticsScanFilters)
}

// analyticsScan collects what ScanAnalytics streams, copied, by ID.
func analyticsScan(t *testing.T, s debrief.Store, f debrief.AnalyticsFilter) (map[int64]debrief.AnalyticsRecord, map[int64]debrief.ActionItem) {
	t.Helper()
	incs, items := map[int64]debrief.AnalyticsRecord{}, map[int64]debrief.ActionItem{}
	err := s.ScanAnalytics(ctxOf(t), f, func(r *debrief.AnalyticsRecord) error {
		c := *r
		if r.Postmortem != nil {
			pm := *r.Postmortem
			c.Postmortem = &pm
		}
		for _, p := range []**time.Time{&c.Incident.DetectedAt, &c.Incident.AcknowledgedAt, &c.Incident.MitigatedAt, &c.Incident.ResolvedAt} {
			if *p != nil {
				v := **p
				*p = &v
			}
		}
		if c.Incident.RepeatOf != nil {
			v := *c.Incident.RepeatOf
			c.Incident.RepeatOf = &v
		}
		if c.Postmortem != nil && c.Postmortem.PublishedAt != nil {
			v := *c.Postmortem.PublishedAt
			c.Postmortem.PublishedAt = &v
		}
		incs[r.Incident.ID] = c
		return nil
	}, func(it *debrief.ActionItem) error {
		c := *it
		id := *it.IncidentID
		c.IncidentID = &id
		for _, p := range []**time.Time{&c.DueDate, &c.CompletedAt} {
			if *p != nil {
				v := **p
				*p = &v
			}
		}
		items[it.ID] = c
		return nil
	})
	must(t, err, fmt.Sprintf("ScanAnalytics(%+v)", f))
	return incs, items
}

func testAnalyticsScan(t *testing.T, open Opener) {
	s := open(t)
	v0, err := s.AnalyticsVersion(ctxOf(t))
	must(t, err, "AnalyticsVersion of an empty store")
	a := newIncident(1)
	a.Status = debrief.StatusResolved
	a.Labels = []string{"database", `quote "and" back\slash`}
	a.DetectedAt, a.AcknowledgedAt = ptr(at(2*time.Minute)), ptr(at(3*time.Minute))
	a.MitigatedAt, a.ResolvedAt = ptr(at(10*time.Minute)), ptr(at(20*time.Minute))
	createIncident(t, s, a)
	b := newIncident(2)
	b.Private, b.Members = true, []string{"bob@example.com"}
	b.RepeatOf = &a.ID
	createIncident(t, s, b)

	pm := newPostmortem(&a.ID)
	pm.Status, pm.PublishedAt = debrief.PostmortemPublished, ptr(at(30*time.Hour))
	createPostmortem(t, s, pm)
	project := createPostmortem(t, s, newPostmortem(nil))

	direct := newActionItem(&a.ID, nil, 1)
	direct.Status, direct.CompletedAt = debrief.ActionDone, ptr(at(50*time.Hour))
	createActionItem(t, s, direct)
	// Names only the postmortem: it belongs to the postmortem's incident.
	viaPM := createActionItem(t, s, newActionItem(nil, &pm.ID, 2))
	// A project postmortem's item belongs to no incident.
	createActionItem(t, s, newActionItem(nil, &project.ID, 3))
	onB := createActionItem(t, s, newActionItem(&b.ID, nil, 4))

	v1, err := s.AnalyticsVersion(ctxOf(t))
	must(t, err, "AnalyticsVersion")
	if v1 <= v0 {
		t.Errorf("AnalyticsVersion after writes = %d, before %d; want it to grow", v1, v0)
	}
	incs, items := analyticsScan(t, s, debrief.AnalyticsFilter{})
	if len(incs) != 2 {
		t.Fatalf("ScanAnalytics streamed incidents %v, want %d and %d", slices.Sorted(mapKeys(incs)), a.ID, b.ID)
	}
	ra := incs[a.ID]
	wantEqual(t, "ScanAnalytics incident A", debrief.Incident{ID: a.ID, Severity: a.Severity, Status: a.Status, Services: a.Services, Labels: a.Labels,
		StartedAt: a.StartedAt, DetectedAt: a.DetectedAt, AcknowledgedAt: a.AcknowledgedAt, MitigatedAt: a.MitigatedAt, ResolvedAt: a.ResolvedAt}, ra.Incident)
	wantEqual(t, "ScanAnalytics postmortem of A", &debrief.AnalyticsPostmortem{Status: debrief.PostmortemPublished, CreatedAt: pm.CreatedAt,
		PublishedAt: pm.PublishedAt, ContributingFactors: pm.ContributingFactors}, ra.Postmortem)
	rb := incs[b.ID]
	if !rb.Incident.Private || !slices.Equal(rb.Incident.Members, b.Members) || rb.Incident.RepeatOf == nil || *rb.Incident.RepeatOf != a.ID || rb.Postmortem != nil {
		t.Errorf("ScanAnalytics incident B = %+v, want private with members %v, a repeat of %d, no postmortem", rb, b.Members, a.ID)
	}
	if len(items) != 3 {
		t.Fatalf("ScanAnalytics streamed items %v, want %d, %d and %d (not the project postmortem's)", slices.Sorted(mapKeys(items)), direct.ID, viaPM.ID, onB.ID)
	}
	wantEqual(t, "ScanAnalytics item on A", debrief.ActionItem{ID: direct.ID, IncidentID: &a.ID, Status: debrief.ActionDone, DueDate: direct.DueDate,
		CreatedAt: direct.CreatedAt, CompletedAt: direct.CompletedAt}, items[direct.ID])
	if got := items[viaPM.ID].IncidentID; got == nil || *got != a.ID {
		t.Errorf("ScanAnalytics item through the postmortem has incident %v, want %d", got, a.ID)
	}
}

func mapKeys[V any](m map[int64]V) func(func(int64) bool) {
	return func(yield func(int64) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func testAnalyticsScanFilters(t *testing.T, open Opener) {
	s := open(t)
	var all []*debrief.Incident
	for i := range 12 {
		inc := newIncident(i * 10)
		inc.Severity = fmt.Sprintf("SEV%d", 1+i%4)
		inc.Services = []string{fmt.Sprintf("svc-%d", i%3)}
		all = append(all, createIncident(t, s, inc))
		createActionItem(t, s, newActionItem(&inc.ID, nil, i))
	}
	from, to := at(30*time.Minute), at(80*time.Minute)
	cases := []struct {
		name string
		f    debrief.AnalyticsFilter
		keep func(*debrief.Incident) bool
	}{
		{"none", debrief.AnalyticsFilter{}, func(*debrief.Incident) bool { return true }},
		{"range", debrief.AnalyticsFilter{From: &from, To: &to}, func(i *debrief.Incident) bool { return !i.StartedAt.Before(from) && i.StartedAt.Before(to) }},
		{"severities", debrief.AnalyticsFilter{Severities: []string{"SEV1", "SEV4"}}, func(i *debrief.Incident) bool { return i.Severity == "SEV1" || i.Severity == "SEV4" }},
		{"services", debrief.AnalyticsFilter{Services: []string{"svc-2", "svc-0"}}, func(i *debrief.Incident) bool { return i.Services[0] != "svc-1" }},
		{"all three", debrief.AnalyticsFilter{From: &from, Severities: []string{"SEV2"}, Services: []string{"svc-1"}},
			func(i *debrief.Incident) bool {
				return !i.StartedAt.Before(from) && i.Severity == "SEV2" && i.Services[0] == "svc-1"
			}},
	}
	for _, c := range cases {
		incs, items := analyticsScan(t, s, c.f)
		var want []int64
		for _, inc := range all {
			if c.keep(inc) {
				want = append(want, inc.ID)
			}
		}
		if got := slices.Sorted(mapKeys(incs)); !slices.Equal(got, want) {
			t.Errorf("%s: ScanAnalytics incidents = %v, want %v", c.name, got, want)
		}
		var gotItems []int64
		for _, it := range items {
			gotItems = append(gotItems, *it.IncidentID)
		}
		slices.Sort(gotItems)
		if !slices.Equal(gotItems, want) {
			t.Errorf("%s: ScanAnalytics items belong to incidents %v, want one for each of %v", c.name, gotItems, want)
		}
	}
}
