package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// A postmortem read on one instance is answered from its kept encoding
// (answerCache) only while the postmortem is as it was: every change made
// through the other instance, to the postmortem or to who may see it,
// shows on the next read, on SQLite (two stores on one file, as two
// processes) and on PostgreSQL.
func TestPostmortemAnswerAcrossInstances(t *testing.T) {
	engines := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "debrief.db") },
	}
	if os.Getenv(storetest.PostgresEnv) != "" {
		engines["postgres"] = func(t *testing.T) string { return storetest.PostgresDSN(t) }
	}
	for name, dsn := range engines {
		t.Run(name, func(t *testing.T) {
			d := dsn(t)
			testPostmortemAnswerAcrossInstances(t, startInstance(t, d), startInstance(t, d))
		})
	}
}

func testPostmortemAnswerAcrossInstances(t *testing.T, a, b *instance) {
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	token := func(email string, role debrief.Role, scope debrief.TokenScope) string {
		t.Helper()
		u, err := a.svc.CreateUser(sys, debrief.NewUser{Email: email, Name: email, Role: role, Password: browserPassword})
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := a.svc.CreateToken(debrief.WithActor(context.Background(), u.Actor("test")), debrief.NewAPIToken{Name: "api", Scope: scope})
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	admin := token("ada@example.com", debrief.RoleAdmin, debrief.ScopeAdmin)
	viewer := token("bob@example.com", debrief.RoleViewer, debrief.ScopeRead)

	var inc debrief.Incident
	if st := call(t, "POST", b.url+"/api/v1/incidents", admin, `{"title":"Payments API returned 502s for 9 minutes","severity":"SEV2"}`, &inc); st != 201 {
		t.Fatalf("POST incident on B = %d", st)
	}
	var pm debrief.Postmortem
	if st := call(t, "POST", b.url+"/api/v1/postmortems", admin, `{"incident_id":"`+inc.Key+`","template":"incident"}`, &pm); st != 201 {
		t.Fatalf("POST postmortem on B = %d", st)
	}
	path := "/api/v1/postmortems/" + pm.Key

	// read fetches the postmortem from A, twice: the second answer is the
	// kept one, and both must be the same postmortem at version want.
	read := func(when string, tok string, want int) debrief.Postmortem {
		t.Helper()
		var first, second debrief.Postmortem
		for _, got := range []*debrief.Postmortem{&first, &second} {
			if st := call(t, "GET", a.url+path, tok, "", got); st != 200 {
				t.Fatalf("GET %s on A %s = %d, want 200", pm.Key, when, st)
			}
		}
		if first.Version != want || second.Version != want || first.Title != second.Title {
			t.Fatalf("GET %s on A %s = version %d then %d (%q, %q); want version %d both times", pm.Key, when, first.Version, second.Version, first.Title, second.Title, want)
		}
		return second
	}
	read("after create", admin, 1)
	read("as a viewer", viewer, 1)

	// The postmortem changed on B: A answers the new one at once.
	title := "Payments API returned 502s for 9 minutes after a deploy"
	var upd debrief.Postmortem
	if st := call(t, "PATCH", b.url+path, admin, fmt.Sprintf(`{"title":%q,"version":1}`, title), &upd); st != 200 {
		t.Fatalf("PATCH %s on B = %d", pm.Key, st)
	}
	if got := read("after B changed the title", admin, upd.Version); got.Title != title {
		t.Errorf("GET %s on A after B changed the title = %q; want %q", pm.Key, got.Title, title)
	}
	body := "Card payments failed for 9 minutes: quokkaflux."
	key := upd.Sections[0].Key
	if st := call(t, "PATCH", b.url+path+"/sections/"+key, admin, fmt.Sprintf(`{"body":%q,"base_version":%d}`, body, upd.Sections[0].Version), &upd); st != 200 {
		t.Fatalf("PATCH section %s on B = %d", key, st)
	}
	if got := read("after B saved a section", admin, upd.Version); got.Section(key) == nil || got.Section(key).Body != body {
		t.Errorf("GET %s on A after B saved section %s = %+v; want body %q", pm.Key, key, got.Section(key), body)
	}

	// A kept answer is still checked against the version the client has.
	if st, etag := getWith(t, a.url+path, admin, `"`+strconv.Itoa(upd.Version)+`"`); st != 304 || etag != `"`+strconv.Itoa(upd.Version)+`"` {
		t.Errorf("GET %s on A with If-None-Match of the current version = %d, ETag %s; want 304 with the same ETag", pm.Key, st, etag)
	}
	if st, etag := getWith(t, a.url+path, admin, `"1"`); st != 200 || etag != `"`+strconv.Itoa(upd.Version)+`"` {
		t.Errorf("GET %s on A with If-None-Match of an old version = %d, ETag %s; want 200 with ETag of version %d", pm.Key, st, etag, upd.Version)
	}

	// B makes the incident private: the viewer, not a member, no longer
	// sees the postmortem on A, though A kept its answer.
	var pinc debrief.Incident
	if st := call(t, "PATCH", b.url+"/api/v1/incidents/"+inc.Key, admin, `{"private":true,"members":["ada@example.com"],"version":`+strconv.Itoa(inc.Version)+`}`, &pinc); st != 200 {
		t.Fatalf("PATCH incident private on B = %d", st)
	}
	if st := call(t, "GET", a.url+path, viewer, "", nil); st != 404 {
		t.Errorf("GET %s on A as a viewer after B made its incident private = %d; want 404", pm.Key, st)
	}
	read("as the admin after the incident went private", admin, upd.Version)
	if st := call(t, "PATCH", b.url+"/api/v1/incidents/"+inc.Key, admin, `{"members":["ada@example.com","bob@example.com"],"version":`+strconv.Itoa(pinc.Version)+`}`, nil); st != 200 {
		t.Fatalf("PATCH incident members on B = %d", st)
	}
	read("as a viewer made a member of the private incident", viewer, upd.Version)

	// B deletes the postmortem: A answers 404.
	if st := call(t, "DELETE", b.url+path, admin, `{"version":`+strconv.Itoa(upd.Version)+`}`, nil); st != 204 {
		t.Fatalf("DELETE %s on B = %d", pm.Key, st)
	}
	if st := call(t, "GET", a.url+path, admin, "", nil); st != 404 {
		t.Errorf("GET %s on A after B deleted it = %d; want 404", pm.Key, st)
	}
}

// getWith sends GET with If-None-Match and returns the status and ETag.
func getWith(t *testing.T, url, token, ifNoneMatch string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("If-None-Match", ifNoneMatch)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header.Get("ETag")
}

// The cache is bounded: an answer too large to keep is not kept, and past
// the byte budget it starts again rather than grow.
func TestAnswerCacheBounds(t *testing.T) {
	var c answerCache
	stamp := func(id int64) debrief.Stamp { return debrief.Stamp{ID: id, Version: 1} }
	c.put(stamp(1), []byte(strings.Repeat("x", maxCachedAnswer+1)))
	if _, ok := c.get(stamp(1)); ok {
		t.Errorf("an answer of %d bytes was kept; want only answers up to %d", maxCachedAnswer+1, maxCachedAnswer)
	}
	body := []byte(strings.Repeat("x", maxCachedAnswer))
	n := int64(maxAnswerCacheBytes / maxCachedAnswer)
	for id := int64(1); id <= n+1; id++ {
		c.put(stamp(id), body)
		if c.size > maxAnswerCacheBytes {
			t.Fatalf("after %d answers of %d bytes the cache holds %d bytes; want at most %d", id, len(body), c.size, maxAnswerCacheBytes)
		}
	}
	if _, ok := c.get(stamp(n + 1)); !ok {
		t.Errorf("the last answer put was not kept")
	}
	if got, ok := c.get(debrief.Stamp{ID: n + 1, Version: 2}); ok {
		t.Errorf("get(version 2) = %d bytes kept for version 1; want nothing", len(got.body))
	}
}

// Many readers while the postmortem changes, more than the read pool has
// connections: every answer is one postmortem as it was written (its title
// names its version), never a mix or a body kept for another version.
func TestPostmortemAnswerConcurrentReaders(t *testing.T) {
	a := startInstance(t, filepath.Join(t.TempDir(), "debrief.db"))
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	u, err := a.svc.CreateUser(sys, debrief.NewUser{Email: "ada@example.com", Name: "Ada", Role: debrief.RoleAdmin, Password: browserPassword})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := a.svc.CreateToken(debrief.WithActor(context.Background(), u.Actor("test")), debrief.NewAPIToken{Name: "api", Scope: debrief.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	var inc debrief.Incident
	if st := call(t, "POST", a.url+"/api/v1/incidents", token, `{"title":"Payments API returned 502s for 9 minutes","severity":"SEV2"}`, &inc); st != 201 {
		t.Fatalf("POST incident = %d", st)
	}
	var pm debrief.Postmortem
	if st := call(t, "POST", a.url+"/api/v1/postmortems", token, `{"incident_id":"`+inc.Key+`","template":"incident"}`, &pm); st != 201 {
		t.Fatalf("POST postmortem = %d", st)
	}
	const writes, readers, reads = 10, 40, 15
	done := make(chan struct{})
	errs := make(chan string, readers*reads)
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range reads {
				var got debrief.Postmortem
				if st := call(t, "GET", a.url+"/api/v1/postmortems/"+pm.Key, token, "", &got); st != 200 {
					errs <- fmt.Sprintf("GET = %d", st)
					continue
				}
				if want := titleAt(got.Version); got.Version > 1 && got.Title != want {
					errs <- fmt.Sprintf("GET = version %d titled %q; want %q", got.Version, got.Title, want)
				}
			}
		}()
	}
	go func() {
		defer close(done)
		for v := 1; v <= writes; v++ {
			if st := call(t, "PATCH", a.url+"/api/v1/postmortems/"+pm.Key, token, fmt.Sprintf(`{"title":%q,"version":%d}`, titleAt(v+1), v), nil); st != 200 {
				errs <- fmt.Sprintf("PATCH v%d = %d", v, st)
				return
			}
		}
	}()
	wg.Wait()
	<-done
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	var last debrief.Postmortem
	if st := call(t, "GET", a.url+"/api/v1/postmortems/"+pm.Key, token, "", &last); st != 200 || last.Version != writes+1 || last.Title != titleAt(writes+1) {
		t.Errorf("GET after the writes = %d, version %d %q; want version %d %q", st, last.Version, last.Title, writes+1, titleAt(writes+1))
	}
}

func titleAt(version int) string {
	return fmt.Sprintf("Payments API returned 502s for 9 minutes (version %d)", version)
}
