package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/web"
)

// IntegrationCmd groups the commands that manage alert and deploy webhooks.
// They work on the database directly, as the server's administrator.
type IntegrationCmd struct {
	Add        IntegrationAddCmd        `cmd:"" help:"Add a webhook integration and print its URL path and secret."`
	List       IntegrationListCmd       `cmd:"" help:"List the integrations."`
	Deliveries IntegrationDeliveriesCmd `cmd:"" help:"Show an integration's recent deliveries, newest first."`
	SetSecret  IntegrationSetSecretCmd  `cmd:"" name:"set-secret" help:"Set the signing secrets of a PagerDuty or GitHub integration (two while rotating)."`
}

// IntegrationAddCmd adds an integration.
type IntegrationAddCmd struct {
	DBFlag          `embed:""`
	Kind            string            `arg:"" enum:"alertmanager,pagerduty,grafana,opsgenie,github,generic" help:"alertmanager, pagerduty, grafana, opsgenie, github or generic."`
	Name            string            `required:"" help:"A name for the integration, e.g. prod-alertmanager."`
	Secret          []string          `help:"Signing secret (PagerDuty: the one PagerDuty shows, required; GitHub: optional, made when absent). Repeat while rotating." placeholder:"SECRET"`
	Matcher         []string          `help:"Only alerts matching all of these open incidents: label=value, label!=value, label=~regex, label!~regex." placeholder:"MATCHER"`
	SeverityMap     map[string]string `help:"Map a source severity to a Debrief one, e.g. --severity-map critical=SEV1." placeholder:"FROM=TO"`
	SeverityLabel   string            `help:"Label carrying the alert's severity (default: severity)." placeholder:"LABEL"`
	DefaultSeverity string            `help:"Severity for alerts whose severity maps to nothing (default: the least severe)." placeholder:"SEV"`
	ServiceLabel    string            `help:"Label naming the affected service (default: service, app, job)." placeholder:"LABEL"`
	Service         map[string]string `help:"Map a GitHub repository to a Debrief service, e.g. --service checkout-api=checkout." placeholder:"REPO=SERVICE"`
	Mapping         string            `help:"Generic webhooks: JSON mapping of field paths, e.g. '{\"title\":\"alert.summary\",\"time\":\"alert.at\"}'." placeholder:"JSON"`
}

// Run creates the integration and prints how to point the sender at it.
func (c *IntegrationAddCmd) Run(env *Env) error {
	svc, ctx, closeDB, err := openIntegrations(env, c.DBFlag)
	if err != nil {
		return err
	}
	defer closeDB()
	in := &debrief.Integration{Name: c.Name, Kind: debrief.IntegrationKind(c.Kind), Config: debrief.IntegrationConfig{
		Matchers: c.Matcher, SeverityMap: c.SeverityMap, SeverityLabel: c.SeverityLabel, DefaultSeverity: c.DefaultSeverity,
		ServiceLabel: c.ServiceLabel, Services: c.Service,
	}}
	if c.Mapping != "" {
		if !json.Valid([]byte(c.Mapping)) {
			return fmt.Errorf("--mapping is not valid JSON; give an object such as '{\"title\":\"alert.summary\"}'")
		}
		in.Config.Mapping = json.RawMessage(c.Mapping)
	}
	created, secret, err := svc.CreateIntegration(ctx, in, c.Secret)
	if err != nil {
		return plainError(err)
	}
	w := env.Stdout
	fmt.Fprintf(w, "Added integration %d %q (%s).\n", created.ID, created.Name, created.Kind)
	fmt.Fprintf(w, "Webhook URL path: %s\n", web.WebhookPath(created))
	switch {
	case created.Kind.Signed() && secret == "":
		fmt.Fprintf(w, "No signing secret yet: add the webhook in PagerDuty with this URL, then give Debrief the secret PagerDuty shows:\n  debrief integration set-secret %d '<secret>'\nUntil then every delivery is refused.\n", created.ID)
	case created.Kind.Signed():
		fmt.Fprintf(w, "Signing secret:   %s\n", secret)
	default:
		fmt.Fprintf(w, "Bearer token:     %s\n", secret)
		fmt.Fprintln(w, "Send it as the header 'Authorization: Bearer <token>'. It is shown only now; Debrief keeps only its hash.")
	}
	fmt.Fprintln(w, "Prefix the path with this server's public URL, e.g. https://debrief.example.com"+web.WebhookPath(created)+" (see the README, \"Alert sources\").")
	return nil
}

// IntegrationSetSecretCmd replaces the signing secrets.
type IntegrationSetSecretCmd struct {
	DBFlag  `embed:""`
	ID      int64    `arg:"" help:"Integration ID (see debrief integration list)."`
	Secrets []string `arg:"" help:"The signing secret; give the old and the new one while the sender rotates, then the new one alone."`
}

// Run stores the secrets.
func (c *IntegrationSetSecretCmd) Run(env *Env) error {
	svc, ctx, closeDB, err := openIntegrations(env, c.DBFlag)
	if err != nil {
		return err
	}
	defer closeDB()
	in, err := svc.Integration(ctx, c.ID)
	if err != nil {
		return plainError(err)
	}
	if _, _, err := svc.UpdateIntegration(ctx, c.ID, debrief.IntegrationPatch{SigningSecrets: c.Secrets}, in.Version); err != nil {
		return plainError(err)
	}
	fmt.Fprintf(env.Stdout, "Integration %d %q now verifies signatures with %d secret(s).\n", in.ID, in.Name, len(c.Secrets))
	return nil
}

// IntegrationListCmd lists integrations.
type IntegrationListCmd struct {
	DBFlag `embed:""`
}

// Run prints one line per integration.
func (c *IntegrationListCmd) Run(env *Env) error {
	svc, ctx, closeDB, err := openIntegrations(env, c.DBFlag)
	if err != nil {
		return err
	}
	defer closeDB()
	list, err := svc.ListIntegrations(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(env.Stdout, "No integrations yet; add one with: debrief integration add alertmanager --name prod-alertmanager")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tKIND\tENABLED\tWEBHOOK PATH\tMATCHERS")
	for _, in := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%s\t%s\n", in.ID, in.Name, in.Kind, in.Enabled, web.WebhookPath(in), strings.Join(in.Config.Matchers, ", "))
	}
	return tw.Flush()
}

// IntegrationDeliveriesCmd shows the delivery log.
type IntegrationDeliveriesCmd struct {
	DBFlag `embed:""`
	ID     int64 `arg:"" help:"Integration ID (see debrief integration list)."`
	Limit  int   `help:"How many deliveries to show." default:"20"`
}

// Run prints the newest deliveries.
func (c *IntegrationDeliveriesCmd) Run(env *Env) error {
	svc, ctx, closeDB, err := openIntegrations(env, c.DBFlag)
	if err != nil {
		return err
	}
	defer closeDB()
	if _, err := svc.Integration(ctx, c.ID); err != nil {
		return plainError(err)
	}
	page, err := svc.ListDeliveries(ctx, debrief.DeliveryFilter{IntegrationID: c.ID, Limit: c.Limit})
	if err != nil {
		return err
	}
	if len(page.Items) == 0 {
		fmt.Fprintln(env.Stdout, "No deliveries yet.")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RECEIVED (UTC)\tSTATUS\tOUTCOME\tALERTS\tNEW EVENTS\tINCIDENTS\tSOURCE\tERROR")
	for _, d := range page.Items {
		incs := make([]string, len(d.Incidents))
		for i, id := range d.Incidents {
			incs[i] = debrief.IncidentKey(id)
		}
		// A partial delivery's reasons follow its summary, so an admin sees
		// which alerts the sender must fix without asking the API.
		reasons := []string{d.Error}
		for _, r := range d.Rejected {
			reasons = append(reasons, r.Message)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%s\t%s\t%s\n", d.ReceivedAt.UTC().Format("2006-01-02 15:04:05"), d.Status, d.Outcome, d.Alerts, d.EventsAdded,
			strings.Join(incs, ","), d.Source, strings.TrimSpace(strings.Join(reasons, " ")))
	}
	return tw.Flush()
}

// openIntegrations opens the database and a Service acting as the CLI, as
// every integration command does; closeDB closes the database.
func openIntegrations(env *Env, db DBFlag) (svc *debrief.Service, ctx context.Context, closeDB func(), err error) {
	st, err := sqlstore.Open(env.Ctx, db.DB, nil)
	if err != nil {
		return nil, nil, nil, openError(db.DB, err)
	}
	return newService(st), debrief.WithActor(env.Ctx, cliActor), func() { st.Close() }, nil
}

// plainError keeps only the user-safe sentence of a Debrief error, which is
// what a terminal user can act on.
func plainError(err error) error {
	if debrief.ErrorCode(err) == debrief.EInternal {
		return err
	}
	return errors.New(debrief.ErrorMessage(err))
}
