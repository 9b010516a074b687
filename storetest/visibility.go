package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("VisibilityFailsClosed", testVisibilityFailsClosed) }

// failingReads is the real store with chosen reads failing, as a dropped
// connection or a timeout makes them fail.
type failingReads struct {
	debrief.Store
	incidents   map[int64]bool
	postmortems map[int64]bool
}

var errInjected = errors.New("storetest: injected read failure")

func (f *failingReads) Incident(ctx context.Context, id int64) (*debrief.Incident, error) {
	if f.incidents[id] {
		return nil, errInjected
	}
	return f.Store.Incident(ctx, id)
}

func (f *failingReads) Postmortem(ctx context.Context, id int64) (*debrief.Postmortem, error) {
	if f.postmortems[id] {
		return nil, errInjected
	}
	return f.Store.Postmortem(ctx, id)
}

// testVisibilityFailsClosed checks that when the Service cannot read the
// incident or postmortem a record belongs to, it does not show that record
// to someone who may not see it: no list, digest or search holds anything
// of a private incident, and single reads fail rather than answer.
func testVisibilityFailsClosed(t *testing.T, open Opener) {
	real := open(t)
	ctx := ctxOf(t)
	setup := debrief.NewService(real, debrief.WithClock(func() time.Time { return base }))
	member := debrief.WithActor(ctx, debrief.Actor{Email: "ada@example.com", Role: debrief.RoleResponder})

	pub, err := setup.CreateIncident(member, &debrief.Incident{Title: "Public outage of the checkout API", StartedAt: base.AddDate(-1, 0, 0)})
	must(t, err, "CreateIncident(public)")
	priv, err := setup.CreateIncident(member, &debrief.Incident{Title: "Credential leak in the checkout API", Private: true, StartedAt: base.AddDate(-1, 0, 0)})
	must(t, err, "CreateIncident(private)")
	pm, err := setup.CreatePostmortem(member, debrief.NewPostmortem{IncidentID: &priv.ID})
	must(t, err, "CreatePostmortem(private)")
	published := debrief.PostmortemPublished
	pm, err = setup.UpdatePostmortem(member, pm.ID, debrief.PostmortemPatch{Status: &published}, pm.Version)
	must(t, err, "UpdatePostmortem(publish)")
	onIncident, err := setup.CreateActionItem(member, &debrief.ActionItem{Title: "Rotate keys monthly", IncidentID: &priv.ID})
	must(t, err, "CreateActionItem(on private incident)")
	onPostmortem, err := setup.CreateActionItem(member, &debrief.ActionItem{Title: "Scan commits for keys", PostmortemID: &pm.ID})
	must(t, err, "CreateActionItem(on private postmortem)")
	public, err := setup.CreateActionItem(member, &debrief.ActionItem{Title: "Add a checkout error alert", IncidentID: &pub.ID})
	must(t, err, "CreateActionItem(public)")
	privateItems := map[int64]bool{onIncident.ID: true, onPostmortem.ID: true}

	failing := &failingReads{Store: real, incidents: map[int64]bool{priv.ID: true}, postmortems: map[int64]bool{pm.ID: true}}
	svc := debrief.NewService(failing, debrief.WithClock(func() time.Time { return base }))
	outsider := debrief.WithActor(ctx, debrief.Actor{Email: "bob@example.com", Role: debrief.RoleResponder})

	// A list may fail or leave the record out; it must never show it.
	if p, err := svc.ListPostmortems(outsider, debrief.PostmortemFilter{}); err == nil {
		for _, got := range p.Items {
			if got.ID == pm.ID {
				t.Errorf("ListPostmortems(outsider) with the incident read failing lists private postmortem %s", got.Key)
			}
		}
	}
	if p, err := svc.ListActionItems(outsider, debrief.ActionItemFilter{}); err == nil {
		for _, got := range p.Items {
			if privateItems[got.ID] {
				t.Errorf("ListActionItems(outsider) with the incident and postmortem reads failing lists private action item %s %q", got.Key, got.Title)
			}
		}
	}
	if p, err := svc.ListIncidents(outsider, debrief.IncidentFilter{}); err == nil {
		for _, got := range p.Items {
			if got.ID == priv.ID {
				t.Errorf("ListIncidents(outsider) lists private incident %s", got.Key)
			}
		}
	}
	// The public incident's reads do not fail, so On this day must still
	// list it: an answer that hides everything would pass the check below.
	days, err := svc.OnThisDay(outsider, base, 0)
	must(t, err, "OnThisDay(outsider)")
	sawPublic := false
	for _, d := range days {
		sawPublic = sawPublic || d.Title == pub.Title
		if d.Title == priv.Title {
			t.Errorf("OnThisDay(outsider) lists private incident %q", d.Title)
		}
	}
	if !sawPublic {
		t.Errorf("OnThisDay(outsider) = %d entries without the public incident %q; want it listed", len(days), pub.Title)
	}
	if weeks, err := svc.WeeklyDigests(outsider, base, 2); err == nil {
		for _, w := range weeks {
			for _, d := range w.Postmortems {
				if d.Title == pm.Title {
					t.Errorf("WeeklyDigests(outsider) lists private postmortem %q", d.Title)
				}
			}
		}
	}
	res, err := svc.Search(outsider, &debrief.SearchQuery{Kinds: []debrief.PostmortemKind{debrief.KindIncident}})
	must(t, err, "Search(outsider, kind:incident)")
	sawPublic = false
	for _, h := range res.Hits {
		sawPublic = sawPublic || h.Title == pub.Title
		if h.Title == priv.Title || h.Title == pm.Title {
			t.Errorf("Search(outsider, kind:incident) finds private %q", h.Title)
		}
	}
	if !sawPublic {
		t.Errorf("Search(outsider, kind:incident) = %d hits without the public incident %q; want it found", len(res.Hits), pub.Title)
	}

	// Single reads fail rather than answer.
	for name, id := range map[string]int64{"on the incident": onIncident.ID, "on the postmortem": onPostmortem.ID} {
		if got, err := svc.ActionItem(outsider, id); err == nil {
			t.Errorf("ActionItem(outsider, private item %s) with reads failing = %q; want an error", name, got.Title)
		}
	}
	if got, err := svc.Postmortem(outsider, pm.ID); err == nil {
		t.Errorf("Postmortem(outsider, private) with the incident read failing = %q; want an error", got.Title)
	}

	// Without failures the public record is still listed: the test above
	// cannot pass by listing nothing at all.
	p, err := debrief.NewService(real).ListActionItems(outsider, debrief.ActionItemFilter{})
	must(t, err, "ListActionItems(outsider) on the real store")
	if len(p.Items) != 1 || p.Items[0].ID != public.ID {
		t.Errorf("ListActionItems(outsider) on the real store = %d items; want only %s", len(p.Items), public.Key)
	}
}
