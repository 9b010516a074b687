package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func listTemplates(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		// The cursor is the last template's key.
		limit, after, err := pageChecked(r)
		if err != nil {
			return err
		}
		page, err := svc.TemplatesPage(r.Context(), after, limit)
		if err != nil {
			return err
		}
		tpls := make([]*debrief.Template, len(page.Items))
		for i, ct := range page.Items {
			tpls[i] = &ct.Template
		}
		writeJSON(w, http.StatusOK, listBody[*debrief.Template]{Items: tpls, NextCursor: page.NextCursor})
		return nil
	}
}

func getTemplate(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		tpl, err := svc.Template(r.Context(), r.PathValue("key"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, tpl)
		return nil
	}
}

func listSeverities(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := parseQuery(r); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[debrief.SeverityLevel]{Items: nonNil(svc.Severities())})
		return nil
	}
}

// statusBody is the answer of the health endpoints.
type statusBody struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
}

// healthz says the process is up and serving; it touches nothing else, so a
// slow database never gets a healthy process restarted.
func healthz(version string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, statusBody{Status: "ok", Version: version})
		return nil
	}
}

// readyz says whether the database answers, so a load balancer sends
// traffic only to instances that can serve it.
func readyz(store debrief.Store) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if store == nil {
			return debrief.Errorf(debrief.EUnavailable, "", "No database is configured.")
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			return &debrief.Error{Code: debrief.EUnavailable, Message: "The database does not answer.", Err: err}
		}
		writeJSON(w, http.StatusOK, statusBody{Status: "ok"})
		return nil
	}
}

// openAPIDocument serves the API description converted once at start.
func openAPIDocument(doc []byte, loadErr error) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if loadErr != nil {
			return loadErr
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(doc)))
		h.Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(doc) // a failed write means the client left; nothing to answer
		return nil
	}
}
