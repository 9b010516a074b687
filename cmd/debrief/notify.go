package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// NotifyCmd groups the notification commands (admins, except mute).
type NotifyCmd struct {
	Log      NotifyLogCmd      `cmd:"" help:"Show the delivery log: what was sent where, and what failed."`
	Channels NotifyChannelsCmd `cmd:"" help:"List the channels notifications go to."`
	Add      NotifyAddCmd      `cmd:"" help:"Add a channel: a Slack incoming webhook, a signed generic webhook or an email address."`
	Remove   NotifyRemoveCmd   `cmd:"" help:"Remove a channel (its delivery log stays)."`
	Mute     NotifyMuteCmd     `cmd:"" help:"Receive no more messages about an incident (--undo to receive them again)."`
}

// NotifyLogCmd prints the delivery log.
type NotifyLogCmd struct {
	ClientFlags `embed:""`
	Status      []string `help:"Only these statuses: pending, sending, sent, failed."`
	Event       string   `help:"Only this event, e.g. action_item.overdue."`
	PageFlags   `embed:""`
}

// Run prints one page of the log.
func (c *NotifyLogCmd) Run(env *Env) error {
	q := url.Values{}
	for _, s := range c.Status {
		q.Add("status", s)
	}
	addIf(q, "event", c.Event)
	c.addPage(q)
	var page list[*debrief.Notification]
	if done, err := c.get(env, "/api/v1/notifications", q, &page); done {
		return err
	}
	if len(page.Items) == 0 {
		fmt.Fprintln(env.Stdout, "No notifications match.")
		return nil
	}
	loc := viewerZone(env.Getenv)
	t := newTable(env.Stdout, "ID", "STATUS", "TRIES", "WHEN", "CHANNEL", "TO", "SUBJECT", "LAST ERROR")
	for _, n := range page.Items {
		when := showTime(n.CreatedAt, loc)
		switch {
		case n.SentAt != nil:
			when = showTime(*n.SentAt, loc)
		case n.Status == debrief.NotificationPending && n.Attempts > 0:
			when = "retry " + showTime(n.NextAttemptAt, loc)
		}
		t.row(strconv.FormatInt(n.ID, 10), n.Status, strconv.Itoa(n.Attempts), when, n.Channel, clip(n.Target, 40), clip(n.Message.Subject, 60), clip(n.LastError, 60))
	}
	if err := t.flush(); err != nil {
		return err
	}
	printMore(env, page.NextCursor)
	return nil
}

// NotifyChannelsCmd lists channels.
type NotifyChannelsCmd struct {
	ClientFlags `embed:""`
	PageFlags   `embed:""`
}

// Run prints one page of the channels, oldest first.
func (c *NotifyChannelsCmd) Run(env *Env) error {
	q := url.Values{}
	c.addPage(q)
	var out list[*debrief.NotificationChannel]
	if done, err := c.get(env, "/api/v1/notification-channels", q, &out); done {
		return err
	}
	if len(out.Items) == 0 {
		fmt.Fprintln(env.Stdout, "No channels yet; add one with: debrief notify add slack incidents https://hooks.slack.com/services/…")
		return nil
	}
	t := newTable(env.Stdout, "ID", "KIND", "NAME", "TARGET", "EVENTS")
	for _, ch := range out.Items {
		events := strings.Join(ch.Events, ",")
		if events == "" {
			events = "all"
		}
		t.row(strconv.FormatInt(ch.ID, 10), ch.Kind, ch.Name, clip(ch.Target, 50), events)
	}
	if err := t.flush(); err != nil {
		return err
	}
	printMore(env, out.NextCursor)
	return nil
}

// NotifyAddCmd adds a channel.
type NotifyAddCmd struct {
	ClientFlags `embed:""`
	Kind        string   `arg:"" help:"slack, webhook or email."`
	Name        string   `arg:"" help:"A name for the channel, e.g. incidents-slack."`
	Target      string   `arg:"" help:"The URL to post to, or an email address."`
	Events      []string `help:"Only these events (default all): incident.declared, incident.severity_changed, postmortem.published, action_item.due_soon, action_item.due, action_item.overdue, action_item.escalated, postmortem.overdue, summary.weekly, review.scheduled."`
}

// Run creates the channel and prints a webhook's secret once.
func (c *NotifyAddCmd) Run(env *Env) error {
	body := map[string]any{"kind": c.Kind, "name": c.Name, "target": c.Target, "events": c.Events}
	var ch debrief.NotificationChannel
	if done, err := c.send(env, http.MethodPost, "/api/v1/notification-channels", body, 0, &ch); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Added channel %d (%s %s).\n", ch.ID, ch.Kind, ch.Name)
	if ch.Secret != "" {
		fmt.Fprintf(env.Stdout, "Signing secret (shown only now): %s\n", ch.Secret)
	}
	return nil
}

// NotifyRemoveCmd removes a channel.
type NotifyRemoveCmd struct {
	ClientFlags `embed:""`
	ID          int64 `arg:"" help:"The channel's ID (see debrief notify channels)."`
}

// Run deletes the channel.
func (c *NotifyRemoveCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	if _, err := cl.do(env.Ctx, http.MethodDelete, "/api/v1/notification-channels/"+strconv.FormatInt(c.ID, 10), nil, nil, 0); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Removed channel %d.\n", c.ID)
	return nil
}

// NotifyMuteCmd mutes or unmutes an incident for the signed-in person.
type NotifyMuteCmd struct {
	ClientFlags `embed:""`
	Incident    string `arg:"" help:"The incident, e.g. INC-42."`
	Undo        bool   `help:"Unmute: receive its messages again."`
}

// Run mutes (or unmutes) the incident.
func (c *NotifyMuteCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	id, err := debrief.ParseRef(c.Incident, debrief.IncidentKeyPrefix)
	if err != nil {
		return fmt.Errorf("%q is not an incident ID or a key like INC-42", c.Incident)
	}
	method, done := http.MethodPut, "Muted"
	if c.Undo {
		method, done = http.MethodDelete, "Unmuted"
	}
	if _, err := cl.do(env.Ctx, method, "/api/v1/incidents/"+strconv.FormatInt(id, 10)+"/mute", nil, nil, 0); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s %s for you.\n", done, debrief.IncidentKey(id))
	return nil
}
