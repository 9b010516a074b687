package web

import (
	"strconv"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// TestAPIIdeas walks the ideas board through the API on both engines:
// raise, suggest a duplicate, merge (weight moves), rank, promote, and the
// refusals a client can make.
func TestAPIIdeas(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			e := newEnv(t, engine.open(t), Config{})
			var pms []string
			for _, title := range []string{"Checkout API returned 500s after a config push", "Login failed after a config push"} {
				inc, err := e.svc.CreateIncident(e.ctx(), &debrief.Incident{Title: title})
				if err != nil {
					t.Fatal(err)
				}
				pm, err := e.svc.CreatePostmortem(e.ctx(), debrief.NewPostmortem{IncidentID: &inc.ID})
				if err != nil {
					t.Fatal(err)
				}
				pms = append(pms, pm.Key)
			}
			var a, b, c debrief.Idea
			e.must(201, "POST", "/api/v1/postmortems/"+pms[0]+"/ideas", `{"title":"Canary every config change","note":"It went everywhere at once."}`, nil).decode(t, &a)
			e.must(201, "POST", "/api/v1/postmortems/"+pms[1]+"/ideas", `{"title":"Canary config changes in one region"}`, nil).decode(t, &b)
			e.must(201, "POST", "/api/v1/postmortems/"+pms[1]+"/ideas", `{"title":"Write a runbook for login keys"}`, nil).decode(t, &c)

			var sugg struct {
				Items []debrief.IdeaSuggestion `json:"items"`
			}
			e.must(200, "GET", "/api/v1/ideas/"+a.Key+"/similar", "", nil).decode(t, &sugg)
			if len(sugg.Items) != 1 || sugg.Items[0].Idea.ID != b.ID {
				t.Fatalf("GET /ideas/%s/similar = %+v, want only %s", a.Key, sugg.Items, b.Key)
			}
			x := e.do("POST", "/api/v1/ideas/"+b.Key+"/merge", `{"into":"`+a.Key+`","into_version":1}`, nil)
			if code, field := x.errorCode(); x.status != 400 || code != "invalid" || field != "version" {
				t.Fatalf("merge without a version = %d %s %s, want 400 on version", x.status, code, field)
			}
			x = e.do("POST", "/api/v1/ideas/"+b.Key+"/merge", `{"into":"`+a.Key+`","into_version":7,"version":1}`, nil)
			if x.status != 409 {
				t.Fatalf("merge into a stale version = %d %s, want 409", x.status, x.body)
			}
			var merged debrief.Idea
			e.must(200, "POST", "/api/v1/ideas/"+b.Key+"/merge", `{"into":"`+a.Key+`","into_version":1,"version":1}`, nil).decode(t, &merged)
			if merged.ID != a.ID || merged.Weight != 2 {
				t.Fatalf("merge answered %s weight %d, want %s weight 2", merged.Key, merged.Weight, a.Key)
			}
			var board ideaList
			e.must(200, "GET", "/api/v1/ideas?status=open", "", nil).decode(t, &board)
			if len(board.Items) != 2 || board.Items[0].ID != a.ID || board.Items[1].ID != c.ID {
				t.Fatalf("GET /ideas?status=open = %v, want [%s %s]", keysOf(board.Items), a.Key, c.Key)
			}
			var promoted ideaPromoted
			x = e.must(201, "POST", "/api/v1/ideas/"+a.Key+"/promote", `{"owner":"ops@example.com","due_date":"2026-04-01","version":`+strconv.Itoa(merged.Version)+`}`, nil)
			x.decode(t, &promoted)
			if promoted.Idea.Status != debrief.IdeaPromoted || promoted.ActionItem.Title != a.Title || x.header.Get("Location") != "/api/v1/action-items/"+strconv.FormatInt(promoted.ActionItem.ID, 10) {
				t.Fatalf("promote = %+v %+v location %q", promoted.Idea, promoted.ActionItem, x.header.Get("Location"))
			}
			x = e.do("PATCH", "/api/v1/ideas/"+c.Key, `{"status":"merged","version":1}`, nil)
			if code, field := x.errorCode(); x.status != 400 || field != "status" {
				t.Fatalf("PATCH status merged = %d %s %s, want 400 on status", x.status, code, field)
			}
			e.must(200, "PATCH", "/api/v1/ideas/"+c.Key, `{"status":"dropped","version":1}`, nil)
			var revs struct {
				Items []debrief.Revision `json:"items"`
			}
			e.must(200, "GET", "/api/v1/ideas/"+a.Key+"/revisions", "", nil).decode(t, &revs)
			if len(revs.Items) != 3 {
				t.Errorf("revisions of %s = %d, want 3 (create, merge, promote)", a.Key, len(revs.Items))
			}
		})
	}
}

func keysOf(list []*debrief.Idea) []string {
	var out []string
	for _, i := range list {
		out = append(out, i.Key)
	}
	return out
}
