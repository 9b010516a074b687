package web

import (
	"net/http"

	"github.com/debriefhq/debrief/debrief"
)

// suggestFactors answers GET /api/v1/postmortems/{id}/factor-suggestions.
func suggestFactors(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := parseQuery(r); err != nil {
			return err
		}
		pm, err := svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		items, err := svc.FactorSuggestions(r.Context(), pm.ID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[debrief.FactorSuggestion]{Items: items})
		return nil
	}
}
