package storetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("ActionItemVerification", testActionItemVerification) }

// testActionItemVerification checks the verify step: an item that asks for
// a verification, or whose template's policy asks for one on its incident's
// severity, cannot be marked done without a note or link (400 naming the
// field, nothing stored), and can with one.
func testActionItemVerification(t *testing.T, open Opener) {
	s := open(t)
	now := base
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return now }), debrief.WithTemplates(debrief.StoreTemplates(s)))
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})

	tpl := sampleTemplate("verified", "Verified fixes")
	tpl.Policy = debrief.TemplatePolicy{Severities: []string{"SEV1"}, VerifyFor: []string{"sev1"}}
	_, err := svc.CreateTemplate(ctx, tpl)
	must(t, err, "CreateTemplate(verify_for SEV1)")

	sev1, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Payments API refused every card", Severity: "SEV1"})
	must(t, err, "CreateIncident(SEV1)")
	sev3, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Search was slow for an hour", Severity: "SEV3"})
	must(t, err, "CreateIncident(SEV3)")
	pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &sev1.ID})
	must(t, err, "CreatePostmortem(SEV1)")
	if pm.Template != "verified" {
		t.Fatalf("CreatePostmortem(SEV1) chose template %q, want verified", pm.Template)
	}
	done := debrief.ActionDone
	refused := func(item *debrief.ActionItem, p debrief.ActionItemPatch, call string) {
		t.Helper()
		_, err := svc.UpdateActionItem(ctx, item.ID, p, item.Version)
		wantCode(t, err, debrief.EInvalid, call)
		if e, _ := err.(*debrief.Error); e == nil || e.Field != "verification" || !strings.Contains(e.Message, "note or a link") {
			t.Fatalf("%s = %v, want an error on field verification asking for a note or a link", call, err)
		}
		got, err := svc.ActionItem(ctx, item.ID)
		must(t, err, "ActionItem")
		if got.Status == debrief.ActionDone || got.Version != item.Version {
			t.Fatalf("%s was refused but stored status %s version %d", call, got.Status, got.Version)
		}
	}

	// By the template's policy (through the postmortem) ...
	byPolicy, err := svc.CreateActionItem(ctx, &debrief.ActionItem{PostmortemID: &pm.ID, Title: "Retry card authorisations once"})
	must(t, err, "CreateActionItem(SEV1 postmortem)")
	refused(byPolicy, debrief.ActionItemPatch{Status: &done}, "UpdateActionItem(done, SEV1 policy, no verification)")
	blank := "   "
	refused(byPolicy, debrief.ActionItemPatch{Status: &done, Verification: &blank}, "UpdateActionItem(done, blank verification)")
	// ... and through the incident alone, by the template that applies to it.
	byIncident, err := svc.CreateActionItem(ctx, &debrief.ActionItem{IncidentID: &sev1.ID, Title: "Page the payments on-call on refusals"})
	must(t, err, "CreateActionItem(SEV1 incident)")
	refused(byIncident, debrief.ActionItemPatch{Status: &done}, "UpdateActionItem(done, SEV1 incident, no verification)")
	_, err = svc.CreateActionItem(ctx, &debrief.ActionItem{IncidentID: &sev1.ID, Title: "Already done", Status: debrief.ActionDone})
	wantCode(t, err, debrief.EInvalid, "CreateActionItem(done, SEV1, no verification)")

	note := "Shipped in https://git.example.com/pay/pull/88"
	got, err := svc.UpdateActionItem(ctx, byPolicy.ID, debrief.ActionItemPatch{Status: &done, Verification: &note}, byPolicy.Version)
	must(t, err, "UpdateActionItem(done, with verification)")
	if got.Status != debrief.ActionDone || got.Verification != note || got.CompletedAt == nil {
		t.Fatalf("UpdateActionItem(done, with verification) = status %s verification %q completed %v", got.Status, got.Verification, got.CompletedAt)
	}
	// Clearing the verification of a done item is refused like never giving one.
	_, err = svc.UpdateActionItem(ctx, got.ID, debrief.ActionItemPatch{Clear: []string{"verification"}}, got.Version)
	wantCode(t, err, debrief.EInvalid, "UpdateActionItem(clear verification of a done item)")

	// Per item: a SEV3 item the policy does not cover asks for one itself.
	free, err := svc.CreateActionItem(ctx, &debrief.ActionItem{IncidentID: &sev3.ID, Title: "Add an index on search terms"})
	must(t, err, "CreateActionItem(SEV3)")
	free, err = svc.UpdateActionItem(ctx, free.ID, debrief.ActionItemPatch{Status: &done}, free.Version)
	must(t, err, "UpdateActionItem(done, SEV3, no policy)")
	yes := true
	asks, err := svc.CreateActionItem(ctx, &debrief.ActionItem{IncidentID: &sev3.ID, Title: "Cache search results", VerifyRequired: true})
	must(t, err, "CreateActionItem(SEV3, verify_required)")
	refused(asks, debrief.ActionItemPatch{Status: &done}, "UpdateActionItem(done, verify_required item)")
	// Asking for it on an item already done without one is refused too.
	_, err = svc.UpdateActionItem(ctx, free.ID, debrief.ActionItemPatch{VerifyRequired: &yes}, free.Version)
	wantCode(t, err, debrief.EInvalid, "UpdateActionItem(verify_required on a done item without verification)")

	// Concurrent completions of one item: exactly one wins, the rest get
	// EConflict, and the stored item carries the winner's verification.
	const callers = 24
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := "Deployed in release " + strings.Repeat("1", i+1)
			_, errs[i] = svc.UpdateActionItem(ctx, asks.ID, debrief.ActionItemPatch{Status: &done, Verification: &v}, asks.Version)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else if debrief.ErrorCode(err) != debrief.EConflict {
			t.Fatalf("concurrent UpdateActionItem(done) = %v, want nil or EConflict", err)
		}
	}
	final, err := svc.ActionItem(ctx, asks.ID)
	must(t, err, "ActionItem")
	if wins != 1 || final.Version != asks.Version+1 || !strings.HasPrefix(final.Verification, "Deployed in release ") {
		t.Fatalf("%d concurrent completions: %d won, stored version %d verification %q; want 1 win at version %d", callers, wins, final.Version, final.Verification, asks.Version+1)
	}
}
