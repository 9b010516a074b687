package web

import (
	"net/http"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// TestFactorSuggestionsAPI reads suggestions for a stored postmortem,
// checked against the OpenAPI document, and the errors for a bad or
// missing postmortem.
func TestFactorSuggestionsAPI(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	ctx := e.ctx()
	inc, err := e.svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout failed after a certificate expired"})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := e.svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID})
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Items []debrief.FactorSuggestion `json:"items"`
	}
	e.must(http.StatusOK, "GET", "/api/v1/postmortems/"+pm.Key+"/factor-suggestions", "", nil).decode(t, &body)
	found := false
	for _, f := range body.Items {
		found = found || f.Factor == "certificate" && len(f.Words) > 0
	}
	if !found {
		t.Errorf("GET factor-suggestions = %+v, want certificate with its words", body.Items)
	}
	if x := e.do("GET", "/api/v1/postmortems/PM-999/factor-suggestions", "", nil); x.status != http.StatusNotFound {
		t.Errorf("GET factor-suggestions of a missing postmortem = %d, want 404", x.status)
	}
	if x := e.do("GET", "/api/v1/postmortems/"+pm.Key+"/factor-suggestions?x=1", "", nil); x.status != http.StatusBadRequest {
		t.Errorf("GET factor-suggestions?x=1 = %d, want 400", x.status)
	}
}
