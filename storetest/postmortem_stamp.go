package storetest

import (
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("PostmortemStamp", testPostmortemStamp)
}

// testPostmortemStamp checks the stamp a store reads without the record:
// it is the stamp of the postmortem as Postmortem reads it, every change
// (the whole postmortem, one section) moves it, and a missing postmortem
// is ENotFound with the message Postmortem gives. The Service answers a
// stamp only to whom it would answer the postmortem.
func testPostmortemStamp(t *testing.T, open Opener) {
	s := open(t)
	st, ok := s.(debrief.PostmortemStampStore)
	if !ok {
		t.Fatalf("%T reads no postmortem stamps; every read of a postmortem would read and encode all of it", s)
	}
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	pm := newPostmortem(&inc.ID)
	for i := range pm.Sections {
		pm.Sections[i].Version = 1
	}
	createPostmortem(t, s, pm)
	project := newPostmortem(nil)
	project.Kind, project.Template = debrief.KindProject, "project"
	createPostmortem(t, s, project)

	check := func(when string, id int64, wantIncident *int64) debrief.Stamp {
		t.Helper()
		stored, err := s.Postmortem(ctx, id)
		must(t, err, "Postmortem "+when)
		got, incidentID, err := st.PostmortemStamp(ctx, id)
		must(t, err, "PostmortemStamp "+when)
		if !got.Same(stored.Stamp()) || got.ID != id {
			t.Errorf("PostmortemStamp(%d) %s = %+v; want %+v, the stamp of the stored postmortem", id, when, got, stored.Stamp())
		}
		if (incidentID == nil) != (wantIncident == nil) || incidentID != nil && *incidentID != *wantIncident {
			t.Errorf("PostmortemStamp(%d) %s incident = %v; want %v", id, when, incidentID, wantIncident)
		}
		return got
	}
	first := check("after create", pm.ID, &inc.ID)
	check("of a project postmortem", project.ID, nil)

	sum := *pm.Section("summary")
	sum.Body = "Checkout failed for EU customers for 42 minutes."
	_, err := s.UpdatePostmortemSection(ctx, pm.ID, sum, 1, at(3*time.Hour), rev(debrief.EntityPostmortem, pm.ID, 0, "update"))
	must(t, err, "UpdatePostmortemSection")
	second := check("after a section save", pm.ID, &inc.ID)
	if second.Same(first) {
		t.Errorf("PostmortemStamp after a section save = %+v, the same as before it", second)
	}

	cur, err := s.Postmortem(ctx, pm.ID)
	must(t, err, "Postmortem")
	cur.Title = "Checkout API returned 500s for EU customers for 42 minutes"
	// cur.UpdatedAt stays as it was: the version alone must tell.
	must(t, s.UpdatePostmortem(ctx, cur, cur.Version, rev(debrief.EntityPostmortem, pm.ID, 0, "update")), "UpdatePostmortem")
	if third := check("after an update at the same time", pm.ID, &inc.ID); third.Same(second) {
		t.Errorf("PostmortemStamp after an update = %+v, the same as before it", third)
	}

	missing := pm.ID + project.ID + 1000
	_, _, err = st.PostmortemStamp(ctx, missing)
	_, want := s.Postmortem(ctx, missing)
	wantCode(t, err, debrief.ENotFound, "PostmortemStamp(missing)")
	if debrief.ErrorMessage(err) != debrief.ErrorMessage(want) {
		t.Errorf("PostmortemStamp(missing) = %q; want %q, as Postmortem answers", debrief.ErrorMessage(err), debrief.ErrorMessage(want))
	}

	// Through the Service: the stamp of what the caller may read, by key.
	svc := debrief.NewService(s)
	viewer := debrief.WithActor(ctx, debrief.Actor{Email: "bob@example.com", Role: debrief.RoleViewer})
	got, ok, err := svc.PostmortemStampByRef(viewer, pm.Key)
	must(t, err, "PostmortemStampByRef(viewer)")
	if !ok || got.ID != pm.ID {
		t.Errorf("PostmortemStampByRef(%s) = %+v, %v; want the postmortem's stamp", pm.Key, got, ok)
	}
	_, _, err = svc.PostmortemStampByRef(ctx, pm.Key)
	wantCode(t, err, debrief.EUnauthorized, "PostmortemStampByRef(no actor)")
	_, _, err = svc.PostmortemStampByRef(viewer, "PM-x")
	wantCode(t, err, debrief.ENotFound, "PostmortemStampByRef(PM-x)")
}
