package web

import (
	"encoding/json"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/ingest"
)

// MaxWebhookBytes bounds one webhook body: Alertmanager batches a whole
// group into one delivery, so this is larger than the API's limit.
const MaxWebhookBytes = 16 << 20

// WebhookPath returns the path an integration's sender posts to.
func WebhookPath(in *debrief.Integration) string {
	return "/hooks/" + strconv.FormatInt(in.ID, 10) + "/" + string(in.Kind)
}

// webhookAnswer is the body of a webhook response.
type webhookAnswer struct {
	Delivery *debrief.Delivery `json:"delivery,omitempty"`
	Ignored  string            `json:"ignored,omitempty"`
	// Rejected lists the alerts left out of a delivery whose other alerts
	// were stored, and why: the answer is still 2xx, because Alertmanager
	// drops a delivery answered with 4xx and the valid alerts would be lost.
	Rejected []debrief.RejectedAlert `json:"rejected,omitempty"`
}

// receiveWebhook accepts one delivery for the integration named in the
// path. It authenticates by the integration's secret (no user session),
// answers 2xx only after the delivery is committed, 5xx when storage fails
// (the sender retries), 4xx with the reason for a bad payload and 401 for a
// bad secret. Authenticated deliveries are logged; refused ones (no or
// wrong secret) are only counted on the integration.
// A well-formed payload with some invalid alerts is a partial success: the
// valid alerts are stored and the answer (2xx) lists the rejected ones.
func receiveWebhook(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return debrief.Errorf(debrief.ENotFound, "", "There is no such webhook.")
		}
		in, err := svc.WebhookIntegration(r.Context(), id)
		if debrief.IsCode(err, debrief.ENotFound) || (err == nil && string(in.Kind) != r.PathValue("kind")) {
			return debrief.Errorf(debrief.ENotFound, "", "There is no such webhook.")
		}
		if err != nil {
			return storageError(err)
		}
		d := &debrief.Delivery{IntegrationID: in.ID, Source: deliverySource(r)}
		// A delivery without the right secret is counted on the integration,
		// not logged: anyone who knows the URL can send one.
		refuse := func(err error) error {
			// Best effort: the answer does not depend on the count.
			_ = svc.RecordRefusedDelivery(r.Context(), in.ID, d.Source, debrief.ErrorMessage(err))
			return err
		}
		reject := func(err error) error {
			d.Status, d.Error = StatusOf(err), debrief.ErrorMessage(err)
			// Best effort: the answer does not depend on the log entry.
			_ = svc.RecordRejectedDelivery(r.Context(), d)
			return err
		}
		// A bearer secret is checked before the body is read, and a signed
		// delivery must at least carry a signature: a stranger cannot make
		// the server read 16 MiB.
		if err := authenticateHeaders(in, r); err != nil {
			return refuse(err)
		}
		body, err := readBody(r, MaxWebhookBytes)
		if err != nil {
			if signedKind(in.Kind) {
				return refuse(err)
			}
			return reject(err)
		}
		if signedKind(in.Kind) {
			if err := verifySignature(in, r, body); err != nil {
				return refuse(err)
			}
		}
		if err := webhookMediaType(r); err != nil {
			return reject(err)
		}
		if err := checkUTF8(body); err != nil {
			return reject(err)
		}
		if !in.Enabled {
			return reject(debrief.Errorf(debrief.EForbidden, "", "The integration %q is disabled; an admin can enable it.", in.Name))
		}
		batch, err := parseDelivery(in, r, body, svc.Now())
		if err != nil {
			return reject(err)
		}
		if batch.Ignored != "" || (len(batch.Alerts) == 0 && len(batch.Deploys) == 0) {
			d.Status, d.Error = http.StatusOK, batch.Ignored
			_ = svc.RecordRejectedDelivery(r.Context(), d)
			writeJSON(w, http.StatusOK, webhookAnswer{Ignored: batch.Ignored})
			return nil
		}
		d.Rejected = batch.Rejected
		alerts, deploys := batch.Domain()
		ctx := debrief.WithActor(r.Context(), debrief.IntegrationActor(in))
		out, err := svc.Ingest(ctx, in, alerts, deploys, d)
		if err != nil {
			switch debrief.ErrorCode(err) {
			case debrief.EInvalid, debrief.EUnprocessable:
				return reject(err)
			}
			err = storageError(err)
			d.Status, d.Error = StatusOf(err), debrief.ErrorMessage(err)
			_ = svc.RecordRejectedDelivery(r.Context(), d)
			return err
		}
		writeJSON(w, http.StatusOK, webhookAnswer{Delivery: out, Rejected: d.Rejected})
		return nil
	}
}

// storageError makes any failure to store a delivery a 503, so the sender
// retries it later instead of dropping it (Alertmanager drops on 4xx).
func storageError(err error) error {
	if debrief.IsCode(err, debrief.EUnavailable) {
		return err
	}
	return &debrief.Error{Code: debrief.EUnavailable, Message: "The delivery could not be stored; retry it.", Err: err}
}

// deliverySource names the sender for the delivery log.
func deliverySource(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ua := r.UserAgent()
	if len(ua) > 120 {
		ua = ua[:120]
	}
	return strings.TrimSpace(host + " " + strings.ToValidUTF8(ua, ""))
}

// signedKind reports whether a kind's deliveries carry an HMAC signature
// of the body (PagerDuty, GitHub) rather than a bearer token.
func signedKind(k debrief.IntegrationKind) bool {
	return k == debrief.IntegrationPagerDuty || k == debrief.IntegrationGitHub
}

// signatureHeader is the header of a signed kind's HMAC signature.
func signatureHeader(k debrief.IntegrationKind) string {
	if k == debrief.IntegrationPagerDuty {
		return "X-PagerDuty-Signature"
	}
	return "X-Hub-Signature-256"
}

// authenticateHeaders checks what can be checked before the body is read:
// a signed delivery carries a signature header; any other carries the
// integration's token, as a bearer token (Authorization: Bearer, as
// Alertmanager's http_config.authorization sends it) or the password of
// basic auth (which older Grafana contact points offer).
func authenticateHeaders(in *debrief.Integration, r *http.Request) error {
	if signedKind(in.Kind) {
		if strings.TrimSpace(r.Header.Get(signatureHeader(in.Kind))) == "" {
			return debrief.Errorf(debrief.EUnauthorized, signatureHeader(in.Kind), "The delivery is not signed; send the %s header signed with the integration's secret.", signatureHeader(in.Kind))
		}
		return nil
	}
	token := ""
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	if scheme, rest, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(rest)
	} else if _, pass, ok := r.BasicAuth(); ok {
		token = pass
	}
	if token == "" {
		return debrief.Errorf(debrief.EUnauthorized, "Authorization", "Send the integration's token as Authorization: Bearer <token>.")
	}
	if !in.CheckToken(token) {
		return debrief.Errorf(debrief.EUnauthorized, "Authorization", "The token is not this integration's token.")
	}
	return nil
}

// verifySignature checks a signed delivery's HMAC signature of body.
func verifySignature(in *debrief.Integration, r *http.Request, body []byte) error {
	switch in.Kind {
	case debrief.IntegrationPagerDuty:
		return ingest.VerifyPagerDuty(body, r.Header.Get("X-PagerDuty-Signature"), in.SigningSecrets)
	case debrief.IntegrationGitHub:
		return ingest.VerifyGitHub(body, r.Header.Get("X-Hub-Signature-256"), in.SigningSecrets)
	}
	return nil
}

// webhookMediaType refuses bodies that are certainly not JSON: a form
// (the content type GitHub offers first for a new webhook) or multipart.
// Other types are read as JSON, because some senders label JSON text/plain
// or send no type at all.
func webhookMediaType(r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" || strings.HasPrefix(mt, "multipart/") {
		return debrief.Errorf(debrief.EUnsupported, "Content-Type", "Send the payload as JSON (Content-Type: application/json), not %s; in GitHub, set the webhook's content type to application/json.", mt)
	}
	return nil
}

// parseDelivery picks the parser for the integration's kind.
func parseDelivery(in *debrief.Integration, r *http.Request, body []byte, now time.Time) (*ingest.Batch, error) {
	switch in.Kind {
	case debrief.IntegrationAlertmanager:
		return ingest.ParseAlertmanager(body)
	case debrief.IntegrationGrafana:
		return ingest.ParseGrafana(body)
	case debrief.IntegrationPagerDuty:
		return ingest.ParsePagerDuty(body)
	case debrief.IntegrationOpsgenie:
		return ingest.ParseOpsgenie(body)
	case debrief.IntegrationGitHub:
		return ingest.ParseGitHub(r.Header.Get("X-GitHub-Event"), body)
	case debrief.IntegrationGeneric:
		var m ingest.GenericMapping
		if err := json.Unmarshal(in.Config.Mapping, &m); err != nil {
			return nil, debrief.Errorf(debrief.EUnprocessable, "config.mapping", "The integration's mapping is not valid JSON; an admin must fix it.")
		}
		return ingest.ParseGeneric(m, body, now)
	}
	return nil, debrief.Errorf(debrief.ENotFound, "", "There is no such webhook.")
}
