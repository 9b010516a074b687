package storetest

import (
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("PostmortemStamp", testPostmortemStamp)
	Register("PostmortemStampAhead", testPostmortemStampAhead)
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

	// check compares the stamp read alone with the stored postmortem; the
	// incident's private flag is wantPrivate (nil: no incident).
	check := func(when string, id int64, wantIncident *int64, wantPrivate *bool) debrief.Stamp {
		t.Helper()
		stored, err := s.Postmortem(ctx, id)
		must(t, err, "Postmortem "+when)
		got, err := st.PostmortemStamp(ctx, id)
		must(t, err, "PostmortemStamp "+when)
		if !got.Same(stored.Stamp()) || got.ID != id {
			t.Errorf("PostmortemStamp(%d) %s = %+v; want %+v, the stamp of the stored postmortem", id, when, got.Stamp, stored.Stamp())
		}
		if (got.IncidentID == nil) != (wantIncident == nil) || got.IncidentID != nil && *got.IncidentID != *wantIncident {
			t.Errorf("PostmortemStamp(%d) %s incident = %v; want %v", id, when, got.IncidentID, wantIncident)
		}
		if (got.IncidentPrivate == nil) != (wantPrivate == nil) || got.IncidentPrivate != nil && *got.IncidentPrivate != *wantPrivate {
			t.Errorf("PostmortemStamp(%d) %s incident private = %v; want %v", id, when, got.IncidentPrivate, wantPrivate)
		}
		return got.Stamp
	}
	first := check("after create", pm.ID, &inc.ID, ptr(false))
	check("of a project postmortem", project.ID, nil, nil)
	secret := newIncident(2)
	secret.Private = true
	createIncident(t, s, secret)
	check("of a private incident", createPostmortem(t, s, newPostmortem(&secret.ID)).ID, &secret.ID, ptr(true))

	sum := *pm.Section("summary")
	sum.Body = "Checkout failed for EU customers for 42 minutes."
	_, err := s.UpdatePostmortemSection(ctx, pm.ID, sum, 1, at(3*time.Hour), rev(debrief.EntityPostmortem, pm.ID, 0, "update"))
	must(t, err, "UpdatePostmortemSection")
	second := check("after a section save", pm.ID, &inc.ID, ptr(false))
	if second.Same(first) {
		t.Errorf("PostmortemStamp after a section save = %+v, the same as before it", second)
	}

	cur, err := s.Postmortem(ctx, pm.ID)
	must(t, err, "Postmortem")
	cur.Title = "Checkout API returned 500s for EU customers for 42 minutes"
	// cur.UpdatedAt stays as it was: the version alone must tell.
	must(t, s.UpdatePostmortem(ctx, cur, cur.Version, rev(debrief.EntityPostmortem, pm.ID, 0, "update")), "UpdatePostmortem")
	if third := check("after an update at the same time", pm.ID, &inc.ID, ptr(false)); third.Same(second) {
		t.Errorf("PostmortemStamp after an update = %+v, the same as before it", third)
	}

	missing := pm.ID + project.ID + 1000
	_, err = st.PostmortemStamp(ctx, missing)
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

// testPostmortemStampAhead checks the stamp read along with an API token's
// check (debrief.WithPostmortemStampAhead): the store reads the same
// generation and stamp in its one statement as in two; the Service then
// uses that stamp, still after its own checks of the caller, and a token
// revoked through another instance is refused as without it.
func testPostmortemStampAhead(t *testing.T, open Opener) {
	s := open(t)
	as, ok := s.(debrief.AuthStampStore)
	if !ok {
		t.Fatalf("%T cannot read the authentication generation and a stamp together; a token's read of a postmortem would make two reads", s)
	}
	ctx := debrief.WithActor(ctxOf(t), debrief.SystemActor)
	one, two := debrief.NewService(s), debrief.NewService(s)
	ada, err := two.CreateUser(ctx, debrief.NewUser{Email: "ada@example.com", Name: "Ada", Role: debrief.RoleResponder})
	must(t, err, "CreateUser(ada)")
	tok, secret, err := two.CreateToken(ctx, debrief.NewAPIToken{UserID: ada.ID, Name: "ci", Scope: debrief.ScopeRead})
	must(t, err, "CreateToken(ada)")
	member := debrief.WithActor(ctxOf(t), ada.Actor("test"))
	priv, err := two.CreateIncident(ctx, &debrief.Incident{Title: "Credential leak", Private: true, Members: []string{"root@example.com"}})
	must(t, err, "CreateIncident(private)")
	pub, err := two.CreateIncident(member, &debrief.Incident{Title: "Checkout outage"})
	must(t, err, "CreateIncident(public)")
	pm, err := two.CreatePostmortem(member, debrief.NewPostmortem{IncidentID: &pub.ID})
	must(t, err, "CreatePostmortem(public)")
	hidden, err := two.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &priv.ID})
	must(t, err, "CreatePostmortem(private)")

	gen, err := s.(debrief.AuthGenerationStore).AuthGeneration(ctx)
	must(t, err, "AuthGeneration")
	for _, p := range []*debrief.Postmortem{pm, hidden} {
		want, err := s.(debrief.PostmortemStampStore).PostmortemStamp(ctx, p.ID)
		must(t, err, "PostmortemStamp")
		g, st, found, err := as.AuthGenerationAndPostmortemStamp(ctx, p.ID)
		must(t, err, "AuthGenerationAndPostmortemStamp")
		if g != gen || !found || !st.Same(want.Stamp) || st.IncidentID == nil || *st.IncidentID != *want.IncidentID ||
			st.IncidentPrivate == nil || *st.IncidentPrivate != *want.IncidentPrivate {
			t.Errorf("AuthGenerationAndPostmortemStamp(%d) = %d, %+v, found %v; want %d, %+v (as read apart), found", p.ID, g, st, found, gen, want)
		}
	}
	if g, _, found, err := as.AuthGenerationAndPostmortemStamp(ctx, pm.ID+hidden.ID+1000); err != nil || found || g != gen {
		t.Errorf("AuthGenerationAndPostmortemStamp(missing) = %d, found %v, %v; want %d, not found, no error", g, found, err, gen)
	}

	// request runs what the server runs for GET /postmortems/{ref} with the
	// token: the check with the stamp read ahead, then the stamp.
	request := func(ref string) (debrief.Stamp, error) {
		rctx := debrief.WithPostmortemStampAhead(ctxOf(t), ref)
		a, err := one.TokenActor(rctx, secret)
		if err != nil {
			return debrief.Stamp{}, err
		}
		rctx = debrief.WithActor(rctx, a)
		// A change between the check and the stamp: the request answers
		// the postmortem as it was when its token was checked.
		if ref == pm.Key {
			_, err := two.UpdatePostmortem(member, pm.ID, debrief.PostmortemPatch{Title: ptr("Checkout outage, " + time.Now().String())}, pm.Version)
			must(t, err, "UpdatePostmortem between the check and the stamp")
			if pm, err = two.Postmortem(member, pm.ID); err != nil {
				t.Fatal(err)
			}
		}
		st, _, err := one.PostmortemStampByRef(rctx, ref)
		return st, err
	}
	_, err = request(hidden.Key)
	wantCode(t, err, debrief.ENotFound, "request of a postmortem of a private incident, stamp read ahead")
	_, err = request("PM-999999")
	wantCode(t, err, debrief.ENotFound, "request of a missing postmortem, stamp read ahead")
	before := pm.Stamp()
	got, err := request(pm.Key)
	must(t, err, "request "+pm.Key)
	if !got.Same(before) {
		t.Errorf("PostmortemStampByRef after a check that read the stamp ahead = %+v; want %+v, the stamp read with the check", got, before)
	}
	if got, err := request(pm.Key); err != nil || got.Version != before.Version+1 {
		t.Errorf("the next request's stamp = %+v, %v; want version %d, the change made meanwhile", got, err, before.Version+1)
	}

	// Revoked through the other instance: refused at once.
	_, err = two.RevokeToken(member, tok.ID)
	must(t, err, "RevokeToken")
	_, err = request(pm.Key)
	wantCode(t, err, debrief.EUnauthorized, "request with a token the other instance revoked, stamp read ahead")
}
