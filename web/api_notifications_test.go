package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

func init() { scenarioSteps = append(scenarioSteps, notificationsScenario) }

// notificationsScenario adds, lists and removes channels and reads the
// delivery log.
func notificationsScenario(t *testing.T, e *testEnv) {
	t.Helper()
	var hook debrief.NotificationChannel
	e.must(201, "POST", "/api/v1/notification-channels", `{"kind": "webhook", "name": "pager-bridge", "target": "https://bridge.example.com/debrief", "events": ["incident.declared"]}`, nil).decode(t, &hook)
	if len(hook.Secret) != 64 {
		t.Errorf("webhook channel secret = %q, want 64 hex characters, shown once", hook.Secret)
	}
	var list struct {
		Items []debrief.NotificationChannel `json:"items"`
	}
	e.must(200, "GET", "/api/v1/notification-channels", "", nil).decode(t, &list)
	found := false
	for _, c := range list.Items {
		if c.ID == hook.ID {
			found = true
			if c.Secret != "" {
				t.Errorf("listed channel shows its secret %q, want it hidden", c.Secret)
			}
		}
	}
	if !found {
		t.Errorf("GET /api/v1/notification-channels = %+v, want channel %d", list.Items, hook.ID)
	}
	for _, c := range []struct{ body, field string }{
		{`{"kind": "pager", "name": "x", "target": "https://x.example"}`, "kind"},
		{`{"kind": "email", "name": "x", "target": "not an address"}`, "target"},
		{`{"kind": "slack", "name": "x", "target": "https://x.example", "events": ["incident.exploded"]}`, "events"},
	} {
		x := e.do("POST", "/api/v1/notification-channels", c.body, nil)
		if code, field := x.errorCode(); x.status != 400 || code != "invalid" || field != c.field {
			t.Errorf("POST %s = %d %s, want 400 invalid on %s", c.body, x.status, x.body, c.field)
		}
	}
	if _, err := e.svc.EnqueueNotifications(e.ctx(), []*debrief.Notification{{EventKey: "incident.declared:INC-1", Event: debrief.EventIncidentDeclared,
		Channel: debrief.ChannelWebhook, ChannelID: &hook.ID, Target: hook.Target, Message: debrief.Message{Subject: "INC-1 declared", Text: "x", Data: []byte(`{"a":1}`)}}}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Items []debrief.Notification `json:"items"`
	}
	e.must(200, "GET", "/api/v1/notifications?status=pending&event=incident.declared", "", nil).decode(t, &log)
	if len(log.Items) == 0 || log.Items[0].Status != debrief.NotificationPending {
		t.Errorf("GET /api/v1/notifications = %+v, want the pending delivery", log.Items)
	}
	if x := e.do("GET", "/api/v1/notifications?status=lost", "", nil); x.status != 400 {
		t.Errorf("GET /api/v1/notifications?status=lost = %d, want 400", x.status)
	}
	e.must(204, "DELETE", "/api/v1/notification-channels/"+strconv.FormatInt(hook.ID, 10), "", nil)
	e.must(404, "DELETE", "/api/v1/notification-channels/"+strconv.FormatInt(hook.ID, 10), "", nil)
}

// TestNotificationPreferences mutes and unmutes an incident and sets the
// events a person opts out of, as that person.
func TestNotificationPreferences(t *testing.T) {
	bob := debrief.Actor{Email: "Bob@Example.com", Role: debrief.RoleResponder}
	e := newEnv(t, openSQLite(t), Config{Authenticate: func(*http.Request) (debrief.Actor, error) { return bob, nil }})
	var inc struct {
		Key string `json:"key"`
	}
	e.must(201, "POST", "/api/v1/incidents", `{"title": "Checkout returned 500s", "severity": "SEV2"}`, nil).decode(t, &inc)
	e.must(204, "PUT", "/api/v1/incidents/"+inc.Key+"/mute", "", nil)
	e.must(204, "PUT", "/api/v1/incidents/"+inc.Key+"/mute", "", nil) // twice is the same
	var p debrief.NotificationPreferences
	e.must(200, "PUT", "/api/v1/notification-preferences", `{"opted_out_events": ["summary.weekly", "action_item.due_soon"]}`, nil).decode(t, &p)
	if strings.Join(p.MutedIncidents, ",") != inc.Key || strings.Join(p.OptedOutEvents, ",") != "action_item.due_soon,summary.weekly" {
		t.Errorf("preferences = %+v, want %s muted and two events off", p, inc.Key)
	}
	e.must(200, "PUT", "/api/v1/notification-preferences", `{"opted_out_events": ["summary.weekly"]}`, nil).decode(t, &p)
	if strings.Join(p.OptedOutEvents, ",") != "summary.weekly" {
		t.Errorf("after replacing, opted out of %v, want only summary.weekly", p.OptedOutEvents)
	}
	e.must(204, "DELETE", "/api/v1/incidents/"+inc.Key+"/mute", "", nil)
	e.must(200, "GET", "/api/v1/notification-preferences", "", nil).decode(t, &p)
	if len(p.MutedIncidents) != 0 {
		t.Errorf("after unmuting, muted = %v, want none", p.MutedIncidents)
	}
	if x := e.do("PUT", "/api/v1/notification-preferences", `{"opted_out_events": ["incident.exploded"]}`, nil); x.status != 400 {
		t.Errorf("opting out of an unknown event = %d %s, want 400", x.status, x.body)
	}
	if x := e.do("PUT", "/api/v1/incidents/INC-999/mute", "", nil); x.status != 404 {
		t.Errorf("muting an incident that does not exist = %d, want 404", x.status)
	}
	open := newEnv(t, openSQLite(t), Config{})
	if x := open.do("GET", "/api/v1/notification-preferences", "", nil); x.status != 400 {
		t.Errorf("preferences without an account = %d %s, want 400 (they belong to a person)", x.status, x.body)
	}
}
