package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// TestAPIVerification checks the verify step through the API: an item that
// asks for a verification is refused done without one (400 naming the
// field, nothing stored) and accepted with one.
func TestAPIVerification(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			e := newEnv(t, engine.open(t), Config{})
			inc, err := e.svc.CreateIncident(e.ctx(), &debrief.Incident{Title: "Checkout API returned 500s"})
			if err != nil {
				t.Fatal(err)
			}
			x := e.must(201, "POST", "/api/v1/action-items", `{"incident_id":`+strconv.FormatInt(inc.ID, 10)+`,"title":"Alert on checkout errors","verify_required":true}`, nil)
			var item debrief.ActionItem
			x.decode(t, &item)
			if !item.VerifyRequired {
				t.Fatalf("POST /action-items with verify_required answered verify_required false")
			}
			path := "/api/v1/action-items/" + item.Key
			x = e.do("PATCH", path, `{"status":"done","version":1}`, nil)
			if code, field := x.errorCode(); x.status != 400 || code != "invalid" || field != "verification" {
				t.Fatalf("PATCH %s done without verification = %d %s %s, want 400 invalid verification", path, x.status, code, field)
			}
			if !strings.Contains(string(x.body), "note or a link") {
				t.Errorf("PATCH done without verification said %s, want a sentence asking for a note or a link", x.body)
			}
			x = e.must(200, "PATCH", path, `{"status":"done","verification":"https://git.example.com/shop/pull/7","version":1}`, nil)
			x.decode(t, &item)
			if item.Status != debrief.ActionDone || item.Verification != "https://git.example.com/shop/pull/7" || item.Version != 2 {
				t.Fatalf("PATCH done with verification = %+v", item)
			}
		})
	}
}
