package web

import (
	"net/http"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// The parts of a project postmortem (dates live, metrics, each member's
// feedback) are saved one at a time, each with the version of that part
// the client started from (base_version), so members never conflict with
// each other; a stale save answers 409 with the stored postmortem.

type projectDatesBody struct {
	LiveFrom    *time.Time `json:"live_from"`
	LiveUntil   *time.Time `json:"live_until"`
	BaseVersion *int       `json:"base_version"`
}

type projectMetricsBody struct {
	Metrics     []debrief.Metric `json:"metrics"`
	BaseVersion *int             `json:"base_version"`
}

type projectFeedbackBody struct {
	Text        string `json:"text"`
	BaseVersion *int   `json:"base_version"`
}

// baseVersionOf requires the base version a project part's save names.
func baseVersionOf(v *int) (int, error) {
	if v == nil || *v < 0 {
		return 0, debrief.Errorf(debrief.EInvalid, "base_version", "Give base_version: the version of this part you started from (0 when it was never saved).")
	}
	return *v, nil
}

// putProjectPart decodes body into v, and answers with the postmortem save
// made of it.
func putProjectPart[T any](dec decoder, save func(r *http.Request, id int64, v *T) (*debrief.Postmortem, error)) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var v T
		if err := dec.decode(r, &v); err != nil {
			return err
		}
		pm, err := save(r, id, &v)
		if err != nil {
			return err
		}
		setETag(w, pm.Version)
		writeJSON(w, http.StatusOK, pm)
		return nil
	}
}

func putProjectDates(svc *debrief.Service, dec decoder) HandlerFunc {
	return putProjectPart(dec, func(r *http.Request, id int64, b *projectDatesBody) (*debrief.Postmortem, error) {
		base, err := baseVersionOf(b.BaseVersion)
		if err != nil {
			return nil, err
		}
		return svc.SetProjectDates(r.Context(), id, b.LiveFrom, b.LiveUntil, base)
	})
}

func putProjectMetrics(svc *debrief.Service, dec decoder) HandlerFunc {
	return putProjectPart(dec, func(r *http.Request, id int64, b *projectMetricsBody) (*debrief.Postmortem, error) {
		base, err := baseVersionOf(b.BaseVersion)
		if err != nil {
			return nil, err
		}
		return svc.SetProjectMetrics(r.Context(), id, b.Metrics, base)
	})
}

func putProjectFeedback(svc *debrief.Service, dec decoder) HandlerFunc {
	return putProjectPart(dec, func(r *http.Request, id int64, b *projectFeedbackBody) (*debrief.Postmortem, error) {
		base, err := baseVersionOf(b.BaseVersion)
		if err != nil {
			return nil, err
		}
		return svc.SetProjectFeedback(r.Context(), id, b.Text, base)
	})
}
