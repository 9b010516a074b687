package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("PostmortemSectionUpdate", testPostmortemSectionUpdate)
	Register("ServiceSections", testServiceSections)
	Register("ServiceSectionsLegacy", testServiceSectionsLegacy)
	Register("ServiceSectionsConcurrent", testServiceSectionsConcurrent)
}

// testPostmortemSectionUpdate checks the store's per-section compare and
// swap: another section's save does not make a section stale, a stale
// section or a missing key is EConflict with the stored postmortem, and
// each accepted save appends its revision at the new version.
func testPostmortemSectionUpdate(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	pm := newPostmortem(nil)
	pm.Kind, pm.Template = debrief.KindProject, "project"
	for i := range pm.Sections {
		pm.Sections[i].Version = 1
	}
	createPostmortem(t, s, pm)

	sum := *pm.Section("summary")
	sum.Body = "Checkout failed for EU customers for 42 minutes."
	r := rev(debrief.EntityPostmortem, pm.ID, 0, "update")
	got, err := s.UpdatePostmortemSection(ctx, pm.ID, sum, 1, at(3*time.Hour), r)
	must(t, err, "UpdatePostmortemSection(summary, v=1)")
	if got.Version != 2 || got.Section("summary").Version != 2 || got.Section("summary").Body != sum.Body || r.Version != 2 || !got.UpdatedAt.Equal(at(3*time.Hour)) {
		t.Fatalf("UpdatePostmortemSection(summary, v=1) = postmortem v%d, section %+v, revision v%d, updated %v; want v2, the new body at v2, revision v2, updated %v",
			got.Version, got.Section("summary"), r.Version, got.UpdatedAt, at(3*time.Hour))
	}
	stored, err := s.Postmortem(ctx, pm.ID)
	must(t, err, "Postmortem")
	wantEqual(t, "Postmortem after UpdatePostmortemSection", got, stored)

	// The other section is still at version 1: its save from version 1 is
	// accepted though the postmortem is at version 2.
	rc := *pm.Section("root-cause")
	rc.Body, rc.Heading = "The pool limit was lowered.", "Why it happened"
	got, err = s.UpdatePostmortemSection(ctx, pm.ID, rc, 1, at(4*time.Hour), rev(debrief.EntityPostmortem, pm.ID, 0, "update"))
	must(t, err, "UpdatePostmortemSection(root-cause, v=1) after a save of summary")
	if got.Version != 3 || got.Section("root-cause").Version != 3 || got.Section("summary").Body != sum.Body || got.Section("root-cause").Heading != "Why it happened" {
		t.Fatalf("UpdatePostmortemSection(root-cause, v=1) = v%d with sections %+v; want v3 keeping the summary save", got.Version, got.Sections)
	}

	stale := *pm.Section("summary")
	stale.Body = "Someone else's summary"
	_, err = s.UpdatePostmortemSection(ctx, pm.ID, stale, 1, at(5*time.Hour), rev(debrief.EntityPostmortem, pm.ID, 0, "update"))
	cur, ok := conflictCurrent(t, err, "UpdatePostmortemSection(summary, v=1) at section v2").(*debrief.Postmortem)
	if !ok || cur.Version != 3 || cur.Section("summary").Body != sum.Body {
		t.Fatalf("EConflict Current = %+v, want the stored postmortem at v3", cur)
	}
	_, err = s.UpdatePostmortemSection(ctx, pm.ID, debrief.Section{Key: "nope", Heading: "Nope"}, 1, at(5*time.Hour), nil)
	conflictCurrent(t, err, "UpdatePostmortemSection(unknown key)")
	_, err = s.UpdatePostmortemSection(ctx, pm.ID+1000, sum, 1, at(5*time.Hour), nil)
	wantCode(t, err, debrief.ENotFound, "UpdatePostmortemSection(missing postmortem)")

	stored, err = s.Postmortem(ctx, pm.ID)
	must(t, err, "Postmortem")
	if stored.Version != 3 || stored.Section("summary").Body != sum.Body {
		t.Errorf("after refused saves the postmortem is v%d with summary %q, want v3 and %q", stored.Version, stored.Section("summary").Body, sum.Body)
	}
	revs := revisionsOf(t, s, debrief.EntityPostmortem, pm.ID)
	if len(revs) != 3 || revs[0].Version != 3 || revs[1].Version != 2 {
		t.Errorf("revisions = %d (newest at v%d), want 3: create and two section saves at v2 and v3", len(revs), revs[0].Version)
	}
}

// tickingClock starts at base and moves one second on at each reading, so
// every change has its own time; it is safe for concurrent callers.
func tickingClock() func() time.Time {
	var mu sync.Mutex
	now := base
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
}

func newSectionService(t *testing.T, s debrief.Store) (*debrief.Service, *debrief.Postmortem) {
	t.Helper()
	svc := debrief.NewService(s, debrief.WithClock(tickingClock()))
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s", Services: []string{"checkout"}, StartedAt: base.Add(-time.Hour)})
	must(t, err, "Service.CreateIncident")
	pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID})
	must(t, err, "Service.CreatePostmortem")
	return svc, pm
}

func actor(email string) debrief.Actor {
	return debrief.Actor{Email: email, Role: debrief.RoleResponder}
}

// sectionConflict checks err is EConflict carrying a *SectionConflict.
func sectionConflict(t *testing.T, err error, call string) *debrief.SectionConflict {
	t.Helper()
	wantCode(t, err, debrief.EConflict, call)
	var e *debrief.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s returned %T, want *debrief.Error", call, err)
	}
	c, ok := e.Current.(*debrief.SectionConflict)
	if !ok {
		t.Fatalf("%s = EConflict with Current %T, want *debrief.SectionConflict", call, e.Current)
	}
	return c
}

// testServiceSections drives section saves through the Service: two
// writers of different sections from the same version both succeed; a
// stale save of the same section gets both texts and the base; the text
// already stored is accepted; the whole-postmortem PATCH keeps its version
// check and versions the sections it changes.
func testServiceSections(t *testing.T, open Opener) {
	s := open(t)
	svc, pm := newSectionService(t, s)
	alice := debrief.WithActor(ctxOf(t), actor("alice@example.com"))
	bob := debrief.WithActor(ctxOf(t), actor("bob@example.com"))
	if len(pm.Sections) < 3 {
		t.Fatalf("the incident template made %d sections, want at least 3", len(pm.Sections))
	}
	for _, sec := range pm.Sections {
		if sec.Version != 1 {
			t.Fatalf("new postmortem section %q at version %d, want 1", sec.Key, sec.Version)
		}
	}
	k1, k2 := pm.Sections[0].Key, pm.Sections[1].Key
	original := pm.Sections[0].Body

	aliceText := "Alice's summary of what broke."
	got, err := svc.UpdateSection(alice, pm.ID, k1, debrief.SectionEdit{Body: &aliceText, BaseVersion: 1})
	must(t, err, "UpdateSection(alice, "+k1+", base 1)")
	bobText := "Bob's account of the impact."
	got, err = svc.UpdateSection(bob, pm.ID, k2, debrief.SectionEdit{Body: &bobText, BaseVersion: 1})
	must(t, err, "UpdateSection(bob, "+k2+", base 1) after alice saved another section")
	if got.Version != 3 || got.Section(k1).Body != aliceText || got.Section(k2).Body != bobText || got.Section(k1).Version != 2 || got.Section(k2).Version != 3 {
		t.Fatalf("after two saves of different sections: v%d, %s=%q (v%d), %s=%q (v%d); want v3 with both texts at v2 and v3",
			got.Version, k1, got.Section(k1).Body, got.Section(k1).Version, k2, got.Section(k2).Body, got.Section(k2).Version)
	}

	// Bob also edited k1 from version 1: he gets both texts and the base.
	bobK1 := "Bob's summary, written at the same time."
	_, err = svc.UpdateSection(bob, pm.ID, k1, debrief.SectionEdit{Body: &bobK1, BaseVersion: 1})
	c := sectionConflict(t, err, "UpdateSection(bob, "+k1+", base 1) after alice saved it")
	if c.Key != k1 || c.Theirs.Body != aliceText || c.Theirs.Version != 2 || c.Yours.Body != bobK1 || c.Base == nil || c.Base.Body != original || c.BaseVersion != 1 || c.Postmortem == nil || c.Postmortem.Version != 3 {
		t.Fatalf("SectionConflict = key %q theirs %q (v%d) yours %q base %+v (v%d); want %q, alice's text at v2, bob's text, the original %q at v1, postmortem v3",
			c.Key, c.Theirs.Body, c.Theirs.Version, c.Yours.Body, c.Base, c.BaseVersion, k1, original)
	}
	// The old-style base, the postmortem version a writer read (2, before
	// bob's save of k2), follows the same rule: k2 changed after it.
	_, err = svc.UpdateSection(alice, pm.ID, k2, debrief.SectionEdit{Body: &bobK1, BaseVersion: 2})
	c2 := sectionConflict(t, err, "UpdateSection(alice, "+k2+", postmortem version 2)")
	if c2.Theirs.Body != bobText || c2.Base == nil || c2.Base.Body != pm.Sections[1].Body {
		t.Errorf("conflict on %s from postmortem version 2: theirs %q base %+v, want bob's text and the template's", k2, c2.Theirs.Body, c2.Base)
	}
	// Saving what is already stored is no conflict.
	same := aliceText
	got, err = svc.UpdateSection(bob, pm.ID, k1, debrief.SectionEdit{Body: &same, BaseVersion: 1})
	must(t, err, "UpdateSection(the stored text, stale base)")
	if got.Version != 3 {
		t.Errorf("UpdateSection(the stored text) moved the postmortem to v%d, want it unchanged at v3", got.Version)
	}
	// The merge names theirs as its base and is accepted.
	merged := aliceText + "\n\n" + bobK1
	heading := "What happened"
	got, err = svc.UpdateSection(bob, pm.ID, k1, debrief.SectionEdit{Body: &merged, Heading: &heading, BaseVersion: c.Theirs.Version})
	must(t, err, "UpdateSection(merged, base theirs)")
	if got.Version != 4 || got.Section(k1).Body != merged || got.Section(k1).Heading != heading || got.Section(k2).Body != bobText {
		t.Fatalf("after the merge: v%d %+v; want v4 with the merged text and heading", got.Version, got.Section(k1))
	}
	// A conflict on a heading-only edit completes yours from the base.
	otherHeading := "Summary of events"
	_, err = svc.UpdateSection(alice, pm.ID, k1, debrief.SectionEdit{Heading: &otherHeading, BaseVersion: 2})
	c = sectionConflict(t, err, "UpdateSection(heading only, base 2) after bob's merge")
	if c.Yours.Heading != otherHeading || c.Yours.Body != aliceText || c.Theirs.Body != merged || c.Base == nil || c.Base.Body != aliceText {
		t.Errorf("heading-only conflict: yours %+v theirs %q base %+v; want the new heading over alice's body, the merge, alice's text", c.Yours, c.Theirs.Body, c.Base)
	}

	// Bad input changes nothing.
	for _, tc := range []struct {
		name string
		key  string
		e    debrief.SectionEdit
		code string
	}{
		{"nothing to change", k1, debrief.SectionEdit{BaseVersion: 4}, debrief.EInvalid},
		{"empty heading", k1, debrief.SectionEdit{Heading: ptr(" "), BaseVersion: 4}, debrief.EInvalid},
		{"base ahead of the postmortem", k1, debrief.SectionEdit{Body: ptr("x"), BaseVersion: 99}, debrief.EInvalid},
		{"unknown section", "nope", debrief.SectionEdit{Body: ptr("x"), BaseVersion: 4}, debrief.ENotFound},
	} {
		_, err := svc.UpdateSection(alice, pm.ID, tc.key, tc.e)
		wantCode(t, err, tc.code, "UpdateSection("+tc.name+")")
	}

	// The whole-postmortem PATCH still checks the postmortem's version, and
	// the sections it changes take the new version.
	title := "Checkout API returned 500s for 42 minutes"
	_, err = svc.UpdatePostmortem(alice, pm.ID, debrief.PostmortemPatch{Title: &title}, 3)
	wantCode(t, err, debrief.EConflict, "UpdatePostmortem(v=3) at v4")
	whole, err := svc.UpdatePostmortem(alice, pm.ID, debrief.PostmortemPatch{Title: &title, SectionBodies: map[string]string{k2: "Impact, rewritten."}}, 4)
	must(t, err, "UpdatePostmortem(v=4)")
	if whole.Version != 5 || whole.Section(k2).Version != 5 || whole.Section(k1).Version != 4 || whole.Sections[2].Version != 1 {
		t.Fatalf("UpdatePostmortem(v=4) section versions %s=%d %s=%d %s=%d, want 5, 4 and 1",
			k2, whole.Section(k2).Version, k1, whole.Section(k1).Version, whole.Sections[2].Key, whole.Sections[2].Version)
	}
	// A save of k2 based on its version before the whole PATCH conflicts.
	_, err = svc.UpdateSection(bob, pm.ID, k2, debrief.SectionEdit{Body: ptr("Bob again"), BaseVersion: 3})
	c = sectionConflict(t, err, "UpdateSection(k2, base 3) after a whole PATCH changed it")
	if c.Theirs.Body != "Impact, rewritten." || c.Base == nil || c.Base.Body != bobText {
		t.Errorf("conflict after whole PATCH: theirs %q base %+v, want the PATCH's text and bob's text", c.Theirs.Body, c.Base)
	}

	// Every accepted save is in the history, section saves by section.
	revs, err := svc.ListRevisions(alice, debrief.RevisionFilter{EntityType: debrief.EntityPostmortem, EntityID: pm.ID})
	must(t, err, "ListRevisions")
	var fields []string
	for _, r := range revs.Items {
		if len(r.Changes) > 0 {
			fields = append(fields, r.Changes[0].Field)
		}
	}
	want := []string{"title", "sections." + k1, "sections." + k2, "sections." + k1, "kind"}
	if len(revs.Items) != 5 || len(fields) != 5 || fmt.Sprint(fields[1:4]) != fmt.Sprint(want[1:4]) {
		t.Fatalf("revisions' first fields = %v, want 5 revisions with %v in the middle", fields, want[1:4])
	}
	for _, r := range revs.Items[1:4] {
		if r.Action != "update" || r.Version == 0 {
			t.Errorf("section save revision %+v, want action update with the new version", r)
		}
	}
}

// testServiceSectionsLegacy starts from sections stored before they had
// versions: the Service reads them at the postmortem's version, and the
// first section save stamps them all, after which saves of different
// sections no longer conflict.
func testServiceSectionsLegacy(t *testing.T, open Opener) {
	s := open(t)
	svc, _ := newSectionService(t, s)
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	old := newPostmortem(nil)
	old.Kind, old.Template = debrief.KindProject, "project"
	createPostmortem(t, s, old)
	// Move it to version 3 the way an older release would have.
	for v := 1; v < 3; v++ {
		next := *old
		next.Title = fmt.Sprintf("Launch of saved carts (%d)", v)
		must(t, s.UpdatePostmortem(ctxOf(t), &next, v, rev(debrief.EntityPostmortem, old.ID, v+1, "update")), "UpdatePostmortem (legacy)")
		*old = next
	}
	got, err := svc.Postmortem(ctx, old.ID)
	must(t, err, "Service.Postmortem(legacy)")
	for _, sec := range got.Sections {
		if sec.Version != 3 {
			t.Fatalf("legacy section %q reads at version %d, want the postmortem's 3", sec.Key, sec.Version)
		}
	}
	a, b := got.Sections[0].Key, got.Sections[1].Key
	_, err = svc.UpdateSection(ctx, old.ID, a, debrief.SectionEdit{Body: ptr("A, new"), BaseVersion: 3})
	must(t, err, "UpdateSection(legacy a, base 3)")
	after, err := svc.UpdateSection(ctx, old.ID, b, debrief.SectionEdit{Body: ptr("B, new"), BaseVersion: 3})
	must(t, err, "UpdateSection(legacy b, base 3) after a was saved")
	if after.Version != 5 || after.Section(a).Body != "A, new" || after.Section(b).Body != "B, new" {
		t.Fatalf("after two legacy saves: v%d %+v, want v5 with both texts", after.Version, after.Sections)
	}
	raw, err := s.Postmortem(ctxOf(t), old.ID)
	must(t, err, "Postmortem(raw)")
	for _, sec := range raw.Sections {
		if sec.Version == 0 {
			t.Errorf("stored section %q still has no version after a save", sec.Key)
		}
	}
	_, err = svc.UpdateSection(ctx, old.ID, a, debrief.SectionEdit{Body: ptr("A, stale"), BaseVersion: 3})
	sectionConflict(t, err, "UpdateSection(legacy a, base 3) after it was saved at 4")
}

// testServiceSectionsConcurrent saves many sections of one postmortem at
// once, more writers than any pool holds: writers of different sections all
// succeed; two writers of the same section from the same base get exactly
// one success and one conflict carrying both texts.
func testServiceSectionsConcurrent(t *testing.T, open Opener) {
	s := open(t)
	svc, pm := newSectionService(t, s)
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	const n = 24
	sections := make([]debrief.Section, n)
	for i := range sections {
		sections[i] = debrief.Section{Key: fmt.Sprintf("part-%02d", i), Heading: fmt.Sprintf("Part %d", i), Body: "Starting text."}
	}
	pm, err := svc.UpdatePostmortem(ctx, pm.ID, debrief.PostmortemPatch{Sections: &sections}, 1)
	must(t, err, "UpdatePostmortem(24 sections)")
	startVersion := pm.Version

	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf("Writer %d's text.", i)
			wctx := debrief.WithActor(ctxOf(t), actor(fmt.Sprintf("writer%d@example.com", i)))
			<-start
			_, errs[i] = svc.UpdateSection(wctx, pm.ID, fmt.Sprintf("part-%02d", i), debrief.SectionEdit{Body: &body, BaseVersion: startVersion})
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: UpdateSection(part-%02d, base %d) = %v, want success (different sections never conflict)", i, i, startVersion, err)
		}
	}
	got, err := svc.Postmortem(ctx, pm.ID)
	must(t, err, "Service.Postmortem")
	if got.Version != startVersion+n {
		t.Errorf("after %d section saves the postmortem is at v%d, want v%d", n, got.Version, startVersion+n)
	}
	for i := range n {
		if sec := got.Section(fmt.Sprintf("part-%02d", i)); sec == nil || sec.Body != fmt.Sprintf("Writer %d's text.", i) {
			t.Errorf("section part-%02d = %+v, want writer %d's text", i, sec, i)
		}
	}
	revs, err := svc.ListRevisions(ctx, debrief.RevisionFilter{EntityType: debrief.EntityPostmortem, EntityID: pm.ID, Limit: 100})
	must(t, err, "ListRevisions")
	if len(revs.Items) != n+2 {
		t.Errorf("revisions = %d, want %d (create, the section list, one per save)", len(revs.Items), n+2)
	}

	// Two writers of one section from the same base, several rounds.
	for round := range 5 {
		cur, err := svc.Postmortem(ctx, pm.ID)
		must(t, err, "Service.Postmortem")
		key := fmt.Sprintf("part-%02d", round)
		baseText := cur.Section(key).Body
		baseVersion := cur.Section(key).Version
		texts := []string{fmt.Sprintf("Round %d, writer A.", round), fmt.Sprintf("Round %d, writer B.", round)}
		res := make([]error, 2)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, res[w] = svc.UpdateSection(ctx, pm.ID, key, debrief.SectionEdit{Body: &texts[w], BaseVersion: baseVersion})
			}()
		}
		close(start)
		wg.Wait()
		winner, loser := 0, 1
		if res[0] != nil {
			winner, loser = 1, 0
		}
		if res[winner] != nil {
			t.Fatalf("round %d: both writers of %s failed: %v / %v, want exactly one success", round, key, res[0], res[1])
		}
		c := sectionConflict(t, res[loser], fmt.Sprintf("round %d: the second writer of %s", round, key))
		if c.Theirs.Body != texts[winner] || c.Yours.Body != texts[loser] || c.Base == nil || c.Base.Body != baseText {
			t.Fatalf("round %d: conflict theirs %q yours %q base %+v, want %q, %q and %q", round, c.Theirs.Body, c.Yours.Body, c.Base, texts[winner], texts[loser], baseText)
		}
		after, err := svc.Postmortem(ctx, pm.ID)
		must(t, err, "Service.Postmortem")
		if after.Version != cur.Version+1 || after.Section(key).Body != texts[winner] {
			t.Fatalf("round %d: after the race v%d with %q, want v%d with the winner's text", round, after.Version, after.Section(key).Body, cur.Version+1)
		}
	}
}
