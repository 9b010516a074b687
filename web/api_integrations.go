package web

import (
	"net/http"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

// integrationJSON is an integration as the API shows it: never a secret,
// but the path its sender posts to.
type integrationJSON struct {
	*debrief.Integration
	WebhookPath string `json:"webhook_path"`
	// Auth says how deliveries prove themselves: bearer or hmac-sha256.
	Auth string `json:"auth"`
}

func integrationView(in *debrief.Integration) integrationJSON {
	auth := "bearer"
	if in.Kind.Signed() {
		auth = "hmac-sha256"
	}
	return integrationJSON{Integration: in, WebhookPath: WebhookPath(in), Auth: auth}
}

// integrationCreated is the answer to a create or a token rotation: the
// only time the secret is shown.
type integrationCreated struct {
	integrationJSON
	Secret string `json:"secret,omitempty"`
}

type integrationCreate struct {
	Name   string                    `json:"name"`
	Kind   debrief.IntegrationKind   `json:"kind"`
	Config debrief.IntegrationConfig `json:"config"`
	// Secrets are signing secrets for PagerDuty (required: PagerDuty makes
	// it) and GitHub (optional: Debrief makes one).
	Secrets []string `json:"secrets"`
}

func listIntegrations(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseQuery(r, "limit", "after")
		if err != nil {
			return err
		}
		limit, after, err := q.page()
		if err != nil {
			return err
		}
		page, err := svc.IntegrationsPage(r.Context(), after, limit)
		if err != nil {
			return err
		}
		items := make([]integrationJSON, len(page.Items))
		for i, in := range page.Items {
			items[i] = integrationView(in)
		}
		writeJSON(w, http.StatusOK, listBody[integrationJSON]{Items: items, NextCursor: page.NextCursor})
		return nil
	}
}

func createIntegration(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in integrationCreate
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		n, secret, err := svc.CreateIntegration(r.Context(), &debrief.Integration{Name: in.Name, Kind: in.Kind, Config: in.Config}, in.Secrets)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/integrations/"+strconv.FormatInt(n.ID, 10))
		setETag(w, n.Version)
		writeJSON(w, http.StatusCreated, integrationCreated{integrationJSON: integrationView(n), Secret: secret})
		return nil
	}
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, debrief.Errorf(debrief.ENotFound, "", "%q is not an ID.", truncate(r.PathValue(name), 40))
	}
	return id, nil
}

func getIntegration(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		in, err := svc.Integration(r.Context(), id)
		if err != nil {
			return err
		}
		setETag(w, in.Version)
		writeJSON(w, http.StatusOK, integrationView(in))
		return nil
	}
}

type integrationPatch struct {
	debrief.IntegrationPatch
	Version *int `json:"version,omitempty"`
}

func updateIntegration(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var p integrationPatch
		if err := dec.decode(r, &p); err != nil {
			return err
		}
		version, err := versionFrom(r, p.Version)
		if err != nil {
			return err
		}
		in, token, err := svc.UpdateIntegration(r.Context(), id, p.IntegrationPatch, version)
		if err != nil {
			return err
		}
		setETag(w, in.Version)
		writeJSON(w, http.StatusOK, integrationCreated{integrationJSON: integrationView(in), Secret: token})
		return nil
	}
}

func deleteIntegration(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := svc.DeleteIntegration(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func listDeliveries(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		q, err := parseQuery(r, "limit", "after")
		if err != nil {
			return err
		}
		f := debrief.DeliveryFilter{IntegrationID: id}
		if f.Limit, f.After, err = q.page(); err != nil {
			return err
		}
		if _, err := svc.Integration(r.Context(), id); err != nil {
			return err
		}
		page, err := svc.ListDeliveries(r.Context(), f)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[*debrief.Delivery]{Items: nonNil(page.Items), NextCursor: page.NextCursor})
		return nil
	}
}
