package web

import (
	"net/http"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// itemServices returns a function naming the services of an action item's
// incident, the board's "by service" group: each incident is read once per
// request, as the viewer (an item is listed only when its incident can be
// seen, so a hidden one only names no service).
func itemServices(r *http.Request, svc *debrief.Service) func(*debrief.ActionItem) (string, error) {
	seen := map[int64]string{}
	return func(it *debrief.ActionItem) (string, error) {
		if it.IncidentID == nil {
			return "No service", nil
		}
		if name, ok := seen[*it.IncidentID]; ok {
			return name, nil
		}
		inc, err := svc.Incident(r.Context(), *it.IncidentID)
		name := "No service"
		switch {
		case err == nil && len(inc.Services) > 0:
			name = strings.Join(inc.Services, ", ")
		case err != nil && !debrief.IsCode(err, debrief.ENotFound):
			return "", err
		}
		seen[*it.IncidentID] = name
		return name, nil
	}
}
