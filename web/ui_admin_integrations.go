package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// adminIntegrationsPage lists the alert integrations and adds one.
type adminIntegrationsPage struct {
	layout
	Integrations []integrationRow
	Pager        pager
	Kinds        []kindOption
	Errors       formErrors
	// The add form, kept as typed after an error.
	Name, Kind, Matchers, Mapping, Secret string
}

type kindOption struct{ Value, Label string }

// kindLabels name each kind's sender as people know it.
var kindLabels = map[debrief.IntegrationKind]string{
	debrief.IntegrationAlertmanager: "Prometheus Alertmanager",
	debrief.IntegrationGrafana:      "Grafana alerting",
	debrief.IntegrationPagerDuty:    "PagerDuty (webhooks v3)",
	debrief.IntegrationOpsgenie:     "Opsgenie",
	debrief.IntegrationGitHub:       "GitHub deployments",
	debrief.IntegrationGeneric:      "Any tool (generic JSON)",
}

func kindOptions() []kindOption {
	out := make([]kindOption, len(debrief.IntegrationKinds))
	for i, k := range debrief.IntegrationKinds {
		out[i] = kindOption{Value: string(k), Label: kindLabels[k]}
	}
	return out
}

type integrationRow struct {
	In  *debrief.Integration
	URL string
}

func (s *Server) adminIntegrationsData(r *http.Request) (adminIntegrationsPage, error) {
	p := adminIntegrationsPage{layout: newLayout(r, "Integrations · Admin", "admin"), Kinds: kindOptions(), Errors: formErrors{},
		Kind: string(debrief.IntegrationAlertmanager)}
	after := r.URL.Query().Get("after")
	page, err := s.svc.IntegrationsPage(r.Context(), after, uiPageSize)
	if err != nil {
		return p, err
	}
	p.Pager = newPager("Pages of integrations", "/admin/integrations", nil, after, page.NextCursor)
	base := baseURL(s.publicURL, r)
	for _, in := range page.Items {
		p.Integrations = append(p.Integrations, integrationRow{In: in, URL: base + WebhookPath(in)})
	}
	return p, nil
}

func (s *Server) uiAdminIntegrations() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.adminIntegrationsData(r)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "admin_integrations.html", "layout", p)
	}
}

// uiAdminAddIntegration adds an integration and answers with its page,
// which shows the secret this once, filled into the configuration snippet.
func (s *Server) uiAdminAddIntegration() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		p, err := s.adminIntegrationsData(r)
		if err != nil {
			return err
		}
		f := r.PostForm
		p.Name, p.Kind, p.Matchers, p.Mapping, p.Secret = strings.TrimSpace(f.Get("name")), f.Get("kind"), f.Get("matchers"), f.Get("mapping"), strings.TrimSpace(f.Get("secret"))
		in := &debrief.Integration{Name: p.Name, Kind: debrief.IntegrationKind(p.Kind)}
		for _, line := range strings.Split(p.Matchers, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				in.Config.Matchers = append(in.Config.Matchers, line)
			}
		}
		if mapping := strings.TrimSpace(p.Mapping); mapping != "" {
			if in.Kind != debrief.IntegrationGeneric {
				p.Errors["mapping"] = &fieldError{Field: "mapping", Message: "Only a generic integration takes a field mapping; leave it empty for " + p.Kind + "."}
			} else if !json.Valid([]byte(mapping)) {
				p.Errors["mapping"] = &fieldError{Field: "mapping", Message: `The mapping is not valid JSON; write it like {"title": "message", "dedup_key": "check.id"}.`}
			}
			in.Config.Mapping = json.RawMessage(mapping)
		}
		var secrets []string
		if p.Secret != "" {
			if !in.Kind.Signed() {
				p.Errors["secret"] = &fieldError{Field: "secret", Message: "Only PagerDuty and GitHub integrations take a signing secret; Debrief makes the token for " + p.Kind + "."}
			}
			secrets = []string{p.Secret}
		}
		if len(p.Errors) > 0 {
			return s.render(w, r, http.StatusUnprocessableEntity, "admin_integrations.html", "layout", p)
		}
		n, secret, err := s.svc.CreateIntegration(r.Context(), in, secrets)
		if err != nil {
			if p.Errors.add(err) {
				p.Errors.rename(map[string]string{"config.matchers": "matchers", "config.mapping": "mapping"})
				return s.render(w, r, http.StatusUnprocessableEntity, "admin_integrations.html", "layout", p)
			}
			return err
		}
		d, err := s.adminIntegrationData(r, n)
		if err != nil {
			return err
		}
		d.Created, d.Secret = true, secret
		d.Snippet = integrationSnippet(n, d.URL, secret)
		return s.render(w, r, http.StatusCreated, "admin_integration.html", "layout", d)
	}
}

// rename moves errors the Service names by their API field (config.matchers)
// to the form field that holds them.
func (fe formErrors) rename(names map[string]string) {
	for from, to := range names {
		if e, ok := fe[from]; ok {
			delete(fe, from)
			fe[to] = &fieldError{Field: fieldID(to), Message: e.Message}
		}
	}
}

// adminIntegrationPage shows one integration: where and how its sender
// posts, a configuration snippet, and its delivery log.
type adminIntegrationPage struct {
	layout
	In        *debrief.Integration
	KindLabel string
	URL       string
	Auth      string
	// Created is true on the answer to the add form; Secret is the token or
	// signing secret just made, shown on this answer only.
	Created bool
	Secret  string
	Snippet snippet
	// Deliveries is a page of the delivery log.
	Deliveries        []*debrief.Delivery
	NextURL, FirstURL string
	Errors            formErrors
	Notice            string
	// The signing secret form, kept as typed after an error.
	NewSecret string
	KeepOld   bool
}

// snippet is the configuration the sender needs, in its own terms.
type snippet struct {
	// Where says where in the sender it goes; Text is the configuration,
	// copied as it is.
	Where string
	Text  string
	// After is what to do once the sender has it (PagerDuty's secret).
	After string
}

func (s *Server) adminIntegrationData(r *http.Request, in *debrief.Integration) (adminIntegrationPage, error) {
	p := adminIntegrationPage{layout: newLayout(r, in.Name+" · Integrations · Admin", "admin"), In: in, KindLabel: kindLabels[in.Kind], Errors: formErrors{}, KeepOld: true,
		URL: baseURL(s.publicURL, r) + WebhookPath(in), Auth: "Bearer token"}
	if in.Kind.Signed() {
		p.Auth = "HMAC-SHA256 signature"
	}
	p.Snippet = integrationSnippet(in, p.URL, "")
	after := r.URL.Query().Get("after")
	page, err := s.svc.ListDeliveries(r.Context(), debrief.DeliveryFilter{IntegrationID: in.ID, Limit: 50, After: after})
	if err != nil {
		if debrief.ErrorField(err) == "after" {
			p.Errors[""] = &fieldError{Field: "form", Message: debrief.ErrorMessage(err)}
			return p, nil
		}
		return p, err
	}
	p.Deliveries = page.Items
	self := "/admin/integrations/" + strconv.FormatInt(in.ID, 10)
	if page.NextCursor != "" {
		p.NextURL = self + "?" + url.Values{"after": {page.NextCursor}}.Encode() + "#deliveries"
	}
	if after != "" {
		p.FirstURL = self + "#deliveries"
	}
	return p, nil
}

func (s *Server) loadIntegration(r *http.Request) (*debrief.Integration, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.svc.Integration(r.Context(), id)
}

func (s *Server) uiAdminIntegration() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := s.loadIntegration(r)
		if err != nil {
			return err
		}
		p, err := s.adminIntegrationData(r, in)
		if err != nil {
			return err
		}
		switch {
		case r.URL.Query().Get("secrets") != "":
			p.Notice = "The signing secrets were saved."
		case r.URL.Query().Get("enabled") == "1":
			p.Notice = "The integration is on: its deliveries are taken again."
		case r.URL.Query().Get("enabled") == "0":
			p.Notice = "The integration is off: its deliveries are refused until it is turned on."
		}
		status := http.StatusOK
		if p.Errors[""] != nil {
			status = http.StatusBadRequest
		}
		return s.render(w, r, status, "admin_integration.html", "layout", p)
	}
}

// uiAdminRotateIntegration makes a new bearer token (the old one stops
// working at once) and shows it, filled into the snippet, this once.
func (s *Server) uiAdminRotateIntegration() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := s.loadIntegration(r)
		if err != nil {
			return err
		}
		version, err := s.parseVersionedForm(w, r)
		if err != nil {
			return err
		}
		n, token, err := s.svc.UpdateIntegration(r.Context(), in.ID, debrief.IntegrationPatch{RotateToken: true}, version)
		if err != nil {
			return s.integrationFormError(w, r, in, err)
		}
		p, err := s.adminIntegrationData(r, n)
		if err != nil {
			return err
		}
		p.Secret = token
		p.Snippet = integrationSnippet(n, p.URL, token)
		p.Notice = "A new token was made and the old one no longer works. Copy it into the sender now: it is shown only this once."
		return s.render(w, r, http.StatusOK, "admin_integration.html", "layout", p)
	}
}

// uiAdminSigningSecret sets a signed integration's signing secret: the one
// PagerDuty made, or a new one (Debrief makes it for GitHub when none is
// given). Keeping the current one too lets deliveries signed with either
// through while the sender changes over.
func (s *Server) uiAdminSigningSecret() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := s.loadIntegration(r)
		if err != nil {
			return err
		}
		version, err := s.parseVersionedForm(w, r)
		if err != nil {
			return err
		}
		secret, keep := strings.TrimSpace(r.PostForm.Get("secret")), r.PostForm.Get("keep_old") == "on"
		made := false
		if secret == "" {
			if in.Kind == debrief.IntegrationPagerDuty {
				p, err := s.adminIntegrationData(r, in)
				if err != nil {
					return err
				}
				p.KeepOld = keep
				p.Errors["secret"] = &fieldError{Field: "secret", Message: "Paste the signing secret PagerDuty showed when you added the webhook."}
				return s.render(w, r, http.StatusUnprocessableEntity, "admin_integration.html", "layout", p)
			}
			secret, made = debrief.NewToken(), true
		}
		secrets := []string{secret}
		if keep && len(in.SigningSecrets) > 0 {
			// The newest current secret stays valid beside the new one.
			secrets = []string{in.SigningSecrets[len(in.SigningSecrets)-1], secret}
		}
		n, _, err := s.svc.UpdateIntegration(r.Context(), in.ID, debrief.IntegrationPatch{SigningSecrets: secrets}, version)
		if err != nil {
			return s.integrationFormError(w, r, in, err, secret, keep)
		}
		if !made {
			return seeOther(w, r, "/admin/integrations/"+strconv.FormatInt(n.ID, 10)+"?secrets=1")
		}
		p, err := s.adminIntegrationData(r, n)
		if err != nil {
			return err
		}
		p.Secret = secret
		p.Snippet = integrationSnippet(n, p.URL, secret)
		p.Notice = "A new signing secret was made. Copy it into the sender now: it is shown only this once."
		return s.render(w, r, http.StatusOK, "admin_integration.html", "layout", p)
	}
}

// uiAdminToggleIntegration turns an integration off (its deliveries are
// refused) or on again.
func (s *Server) uiAdminToggleIntegration() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := s.loadIntegration(r)
		if err != nil {
			return err
		}
		version, err := s.parseVersionedForm(w, r)
		if err != nil {
			return err
		}
		on := r.PostForm.Get("enabled") == "true"
		if _, _, err := s.svc.UpdateIntegration(r.Context(), in.ID, debrief.IntegrationPatch{Enabled: &on}, version); err != nil {
			return s.integrationFormError(w, r, in, err)
		}
		state := "0"
		if on {
			state = "1"
		}
		return seeOther(w, r, "/admin/integrations/"+strconv.FormatInt(in.ID, 10)+"?enabled="+state)
	}
}

// integrationFormError shows the integration page again with a sentence for
// a validation error or a version conflict; other errors go to the caller.
func (s *Server) integrationFormError(w http.ResponseWriter, r *http.Request, in *debrief.Integration, err error, typed ...any) error {
	status := http.StatusUnprocessableEntity
	msg := debrief.ErrorMessage(err)
	switch debrief.ErrorCode(err) {
	case debrief.EConflict:
		status = http.StatusConflict
		msg = "Someone else changed this integration after you loaded the page, so nothing was changed. The page now shows it as it is; do it again if it still applies."
		if cur, cerr := s.svc.Integration(r.Context(), in.ID); cerr == nil {
			in = cur
		}
	case debrief.EInvalid, debrief.EUnprocessable:
	default:
		return err
	}
	p, perr := s.adminIntegrationData(r, in)
	if perr != nil {
		return perr
	}
	field := debrief.ErrorField(err)
	if field == "secret" || field == "signing_secrets" {
		p.Errors["secret"] = &fieldError{Field: "secret", Message: msg}
	} else {
		p.Errors[""] = &fieldError{Field: "form", Message: msg}
	}
	if len(typed) == 2 {
		p.NewSecret, _ = typed[0].(string)
		p.KeepOld, _ = typed[1].(bool)
	}
	return s.render(w, r, status, "admin_integration.html", "layout", p)
}

// integrationSnippet is the sender's configuration for in, as README.md's
// "Alert sources" documents it, with the real URL and, when it is known
// (just made), the secret.
func integrationSnippet(in *debrief.Integration, hookURL, secret string) snippet {
	token := secret
	if token == "" {
		if in.Kind.Signed() {
			token = "<the signing secret>"
		} else {
			token = "<the token shown when it was made>"
		}
	}
	switch in.Kind {
	case debrief.IntegrationAlertmanager:
		return snippet{Where: "In alertmanager.yml: a receiver, and a route that sends to it (webhook format version 4).", Text: fmt.Sprintf(`route:
  receiver: debrief
  group_by: [alertname, service]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h

receivers:
  - name: debrief
    webhook_configs:
      - url: %s
        send_resolved: true      # resolves are what end alerts on the timeline
        max_alerts: 0            # send the whole group in one delivery
        http_config:
          authorization:
            type: Bearer
            credentials: %s
`, hookURL, token)}
	case debrief.IntegrationGrafana:
		return snippet{Where: "In Grafana: Alerting → Contact points → Add contact point → Integration: Webhook.", Text: fmt.Sprintf(`Integration:   Webhook
URL:           %s
HTTP Method:   POST
Optional Webhook settings:
  Authorization Header - Scheme:       Bearer
  Authorization Header - Credentials:  %s
`, hookURL, token), After: "Grafana 8 offers only basic authentication: put the token in the password."}
	case debrief.IntegrationPagerDuty:
		s := snippet{Where: "In PagerDuty: Integrations → Generic Webhooks (v3) → New Webhook.", Text: fmt.Sprintf(`Webhook URL:     %s
Scope type:      your service (or team, or account)
Event subscription:
  incident.triggered
  incident.acknowledged
  incident.resolved
  incident.annotated
  incident.reassigned
  incident.priority_updated
`, hookURL)}
		if len(in.SigningSecrets) == 0 {
			s.After = "Add the webhook, copy the signing secret PagerDuty shows once, and paste it below: until then every delivery is refused."
		} else {
			s.After = "PagerDuty signs every delivery (X-PagerDuty-Signature) with the secret it showed once; to rotate, paste the new one below and keep the current one while PagerDuty changes over."
		}
		return s
	case debrief.IntegrationOpsgenie:
		return snippet{Where: "In Opsgenie: Settings → Integrations → Webhook.", Text: fmt.Sprintf(`Webhook URL:  %s
Custom headers:
  Authorization: Bearer %s
Send alert actions:  Create, Acknowledge, AddNote, Close
`, hookURL, token)}
	case debrief.IntegrationGitHub:
		return snippet{Where: "In the repository (or organisation): Settings → Webhooks → Add webhook.", Text: fmt.Sprintf(`Payload URL:   %s
Content type:  application/json
Secret:        %s
Which events:  Let me select individual events → Deployment statuses (only)
`, hookURL, token), After: "Deploys go onto the timelines of open incidents of the service named like the repository."}
	}
	return snippet{Where: "From any tool or script that can post JSON, with the fields where the mapping says.", Text: fmt.Sprintf(`curl -X POST %s \
  -H "Authorization: Bearer %s" \
  -H 'Content-Type: application/json' \
  -d '{"message": "Checkout API health check failed", "state": "DOWN"}'
`, hookURL, token)}
}
