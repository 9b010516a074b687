package ingest

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// ghDeploymentStatus is the body of a GitHub "deployment_status" webhook
// event, reduced to the fields Debrief records.
type ghDeploymentStatus struct {
	Action           string `json:"action"`
	DeploymentStatus *struct {
		ID             int64   `json:"id"`
		State          string  `json:"state"`
		Description    string  `json:"description"`
		Environment    string  `json:"environment"`
		TargetURL      string  `json:"target_url"`
		LogURL         string  `json:"log_url"`
		EnvironmentURL string  `json:"environment_url"`
		CreatedAt      string  `json:"created_at"`
		UpdatedAt      string  `json:"updated_at"`
		Creator        *ghUser `json:"creator"`
	} `json:"deployment_status"`
	Deployment *struct {
		ID          int64   `json:"id"`
		SHA         string  `json:"sha"`
		Ref         string  `json:"ref"`
		Environment string  `json:"environment"`
		Description string  `json:"description"`
		Creator     *ghUser `json:"creator"`
	} `json:"deployment"`
	Repository *struct {
		Name     string `json:"name"`
		FullName string `json:"full_name"`
		HTMLURL  string `json:"html_url"`
	} `json:"repository"`
	Sender *ghUser `json:"sender"`
}

type ghUser struct {
	Login string `json:"login"`
}

// GitHubDeployStates are the deployment states recorded on timelines. Queued,
// pending and inactive say nothing about a change reaching production.
var GitHubDeployStates = []string{"in_progress", "success", "failure", "error"}

// ParseGitHub parses a GitHub webhook delivery of event type eventType (the
// X-GitHub-Event header). A "deployment_status" event becomes a Deploy whose
// service is the repository's name; "ping" and other events are ignored.
func ParseGitHub(eventType string, body []byte) (*Batch, error) {
	b := &Batch{Source: debrief.SourceDeploy}
	switch eventType {
	case "deployment_status":
	case "ping":
		b.Ignored = "GitHub ping: the webhook is set up."
		return b, nil
	case "":
		return nil, payloadError("X-GitHub-Event", "The X-GitHub-Event header is missing; GitHub sends it with every delivery.")
	default:
		b.Ignored = "GitHub event " + cleanText(eventType, 80) + " is not recorded; subscribe the webhook to deployment statuses only."
		return b, nil
	}
	var w ghDeploymentStatus
	if err := decodePayload(body, &w); err != nil {
		return nil, err
	}
	st, dep, repo := w.DeploymentStatus, w.Deployment, w.Repository
	if st == nil || dep == nil || repo == nil {
		return nil, payloadError("deployment_status", "This is not a GitHub deployment_status body: deployment_status, deployment and repository are required.")
	}
	if st.ID == 0 {
		return nil, payloadError("deployment_status.id", "The deployment status has no id.")
	}
	state := cleanText(st.State, 40)
	if state == "" {
		return nil, payloadError("deployment_status.state", "The deployment status has no state.")
	}
	recorded := false
	for _, s := range GitHubDeployStates {
		if s == state {
			recorded = true
		}
	}
	if !recorded {
		b.Ignored = "GitHub deployment state " + state + " is not recorded."
		return b, nil
	}
	at, err := parseRFC3339(firstText(st.UpdatedAt, st.CreatedAt))
	if err != nil || at.IsZero() {
		return nil, payloadError("deployment_status.created_at", "The deployment status has no valid created_at time.")
	}
	service := cleanText(firstText(repo.Name, repo.FullName), debrief.MaxListItemLen)
	if service == "" {
		return nil, payloadError("repository.name", "The repository has no name.")
	}
	env := cleanText(firstText(st.Environment, dep.Environment), 200)
	creator := ""
	for _, u := range []*ghUser{st.Creator, dep.Creator, w.Sender} {
		if u != nil && u.Login != "" {
			creator = cleanText(u.Login, debrief.MaxListItemLen)
			break
		}
	}
	d := Deploy{
		Source:      debrief.SourceDeploy,
		ExternalID:  eventID("github", "deployment_status", strconv.FormatInt(st.ID, 10)),
		Service:     service,
		Environment: env,
		State:       state,
		At:          at,
		Ref:         cleanText(dep.Ref, 300),
		SHA:         cleanText(dep.SHA, 100),
		Creator:     creator,
		URL:         cleanText(firstText(st.LogURL, st.TargetURL, st.EnvironmentURL, repo.HTMLURL), 2000),
	}
	what := cleanText(firstText(repo.FullName, repo.Name), 300)
	if d.Ref != "" {
		what += "@" + d.Ref
	}
	if sha := d.SHA; len(sha) >= 7 && isHexText(sha) {
		what += " (" + sha[:7] + ")"
	}
	text := "Deploy " + deployVerb(state) + ": " + what
	if env != "" {
		text += " to " + env
	}
	if desc := cleanText(firstText(st.Description, dep.Description), maxTextLen); desc != "" {
		text += ": " + desc
	}
	d.Event = Event{At: at, Kind: debrief.KindAction, Text: text, Actor: creator, ExternalID: d.ExternalID}
	b.Deploys = []Deploy{d}
	return b, nil
}

func deployVerb(state string) string {
	switch state {
	case "in_progress":
		return "started"
	case "success":
		return "succeeded"
	case "failure", "error":
		return "failed"
	}
	return state
}

func isHexText(s string) bool {
	_, err := hex.DecodeString(s[:len(s)&^1])
	return err == nil
}

// VerifyGitHub checks the X-Hub-Signature-256 header ("sha256=<hex HMAC>")
// of a GitHub delivery against the webhook secret, in constant time.
func VerifyGitHub(body []byte, header string, secrets []string) error {
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return debrief.Errorf(debrief.EUnauthorized, "X-Hub-Signature-256", "The X-Hub-Signature-256 header is missing or is not sha256=<hex>; set a secret on the GitHub webhook.")
	}
	sig, err := hex.DecodeString(hexSig)
	if err != nil {
		return debrief.Errorf(debrief.EUnauthorized, "X-Hub-Signature-256", "The X-Hub-Signature-256 header is not hexadecimal.")
	}
	if !matchHMAC(body, [][]byte{sig}, secrets) {
		return debrief.Errorf(debrief.EUnauthorized, "X-Hub-Signature-256", "The signature does not match this integration's webhook secret.")
	}
	return nil
}
