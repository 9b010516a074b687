package debrief

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"time"
)

// NewToken returns a random secret of 32 bytes in URL-safe base64, for
// bearer tokens and webhook signing secrets.
func NewToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand never fails on supported platforms (Go 1.24+).
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken returns the stored form of a bearer token. SHA-256 without a
// salt is enough here: the tokens are 256 random bits, not passwords.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CheckToken reports whether token is the integration's bearer token, in
// constant time.
func (in *Integration) CheckToken(token string) bool {
	if in.TokenHash == "" || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(HashToken(token)), []byte(in.TokenHash)) == 1
}

// CreateIntegration adds an integration and returns it with its secret:
// a new bearer token, or for signed kinds the signing secret (the one given
// in secrets, else a new one). The secret is shown only now. PagerDuty makes
// its own signing secret once it has the URL, so a PagerDuty integration
// may start without one (and refuses deliveries until it is set).
func (s *Service) CreateIntegration(ctx context.Context, in *Integration, secrets []string) (*Integration, string, error) {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return nil, "", err
	}
	st := s.store
	n := *in
	n.ID, n.Version = 0, 0
	n.Enabled = true
	if err := n.Validate(s.severities); err != nil {
		return nil, "", err
	}
	if err := s.checkIntegrationConfig(n.Kind, n.Config); err != nil {
		return nil, "", err
	}
	secret := ""
	if n.Kind.Signed() {
		secrets, err = cleanSecrets(secrets)
		if err != nil {
			return nil, "", err
		}
		if len(secrets) == 0 && n.Kind != IntegrationPagerDuty {
			secrets = []string{NewToken()}
		}
		// PagerDuty makes the signing secret itself, after it knows the
		// URL: until an admin sets it, every delivery is refused.
		n.SigningSecrets = secrets
		if len(secrets) > 0 {
			secret = secrets[0]
		}
	} else {
		if len(secrets) > 0 {
			return nil, "", Errorf(EInvalid, "secret", "A %s integration uses a bearer token that Debrief makes; do not give a secret.", n.Kind)
		}
		secret = NewToken()
		n.TokenHash = HashToken(secret)
	}
	now := s.Now()
	n.CreatedBy, n.CreatedAt, n.UpdatedAt = a.Label(), now, now
	audit := s.audit(ctx, a, AuditIntegrationCreate, TargetIntegration, "",
		[]Change{change("name", nil, n.Name), change("kind", nil, n.Kind)})
	if err := st.CreateIntegration(ctx, &n, audit); err != nil {
		return nil, "", err
	}
	return &n, secret, nil
}

func cleanSecrets(secrets []string) ([]string, error) {
	var out []string
	for _, sec := range secrets {
		sec = strings.TrimSpace(sec)
		if sec == "" {
			continue
		}
		if len(sec) < 16 || len(sec) > 200 {
			return nil, Errorf(EInvalid, "secret", "A signing secret must be 16 to 200 characters long.")
		}
		out = append(out, sec)
	}
	if len(out) > 2 {
		return nil, Errorf(EInvalid, "secret", "At most two signing secrets (the current and the next, while rotating) are kept.")
	}
	return out, nil
}

// Integration returns one integration; admins only, as it holds the config.
func (s *Service) Integration(ctx context.Context, id int64) (*Integration, error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	st := s.store
	return st.Integration(ctx, id)
}

// ListIntegrations returns every integration.
func (s *Service) ListIntegrations(ctx context.Context) ([]*Integration, error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	st := s.store
	return st.ListIntegrations(ctx)
}

// IntegrationPatch names what an update changes.
type IntegrationPatch struct {
	Name    *string            `json:"name,omitempty"`
	Enabled *bool              `json:"enabled,omitempty"`
	Config  *IntegrationConfig `json:"config,omitempty"`
	// RotateToken makes a new bearer token (returned once); the old one
	// stops working at once.
	RotateToken bool `json:"rotate_token,omitempty"`
	// SigningSecrets replaces the signing secrets (give two while the
	// sender rotates, then the new one alone).
	SigningSecrets []string `json:"signing_secrets,omitempty"`
}

// UpdateIntegration changes an integration if it is still at ifVersion. It
// returns the new bearer token when one was made.
func (s *Service) UpdateIntegration(ctx context.Context, id int64, p IntegrationPatch, ifVersion int) (*Integration, string, error) {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return nil, "", err
	}
	st := s.store
	cur, err := st.Integration(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if cur.Version != ifVersion {
		return nil, "", Conflict("integration", cur, cur.Version)
	}
	next := *cur
	if p.Name != nil {
		next.Name = *p.Name
	}
	if p.Enabled != nil {
		next.Enabled = *p.Enabled
	}
	if p.Config != nil {
		next.Config = *p.Config
	}
	token := ""
	if p.RotateToken {
		if next.Kind.Signed() {
			return nil, "", Errorf(EInvalid, "rotate_token", "A %s integration is signed, not token-based; replace signing_secrets instead.", next.Kind)
		}
		token = NewToken()
		next.TokenHash = HashToken(token)
	}
	if p.SigningSecrets != nil {
		if !next.Kind.Signed() {
			return nil, "", Errorf(EInvalid, "signing_secrets", "A %s integration uses a bearer token; use rotate_token.", next.Kind)
		}
		secrets, err := cleanSecrets(p.SigningSecrets)
		if err != nil {
			return nil, "", err
		}
		if len(secrets) == 0 {
			return nil, "", Errorf(EInvalid, "signing_secrets", "Give at least one signing secret.")
		}
		next.SigningSecrets = secrets
	}
	if err := next.Validate(s.severities); err != nil {
		return nil, "", err
	}
	if err := s.checkIntegrationConfig(next.Kind, next.Config); err != nil {
		return nil, "", err
	}
	next.UpdatedAt = s.Now()
	audit := s.audit(ctx, a, AuditIntegrationUpdate, TargetIntegration, idString(id), integrationChanges(cur, &next))
	if err := st.UpdateIntegration(ctx, &next, ifVersion, audit); err != nil {
		return nil, "", err
	}
	return &next, token, nil
}

// DeleteIntegration removes an integration; its incidents stay.
func (s *Service) DeleteIntegration(ctx context.Context, id int64) error {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return err
	}
	return s.store.DeleteIntegration(ctx, id, s.audit(ctx, a, AuditIntegrationDelete, TargetIntegration, idString(id), nil))
}

// integrationChanges lists what an update changed for the audit log. A
// rotated token or replaced signing secrets are named, never shown.
func integrationChanges(cur, next *Integration) []Change {
	var out []Change
	if cur.Name != next.Name {
		out = append(out, change("name", cur.Name, next.Name))
	}
	if cur.Enabled != next.Enabled {
		out = append(out, change("enabled", cur.Enabled, next.Enabled))
	}
	if string(mustJSON(cur.Config)) != string(mustJSON(next.Config)) {
		out = append(out, change("config", cur.Config, next.Config))
	}
	if cur.TokenHash != next.TokenHash {
		out = append(out, change("token", nil, "rotated"))
	}
	if strings.Join(cur.SigningSecrets, "\n") != strings.Join(next.SigningSecrets, "\n") {
		out = append(out, change("signing_secrets", len(cur.SigningSecrets), len(next.SigningSecrets)))
	}
	return out
}

// ListDeliveries returns a page of an integration's delivery log.
func (s *Service) ListDeliveries(ctx context.Context, f DeliveryFilter) (Page[*Delivery], error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return Page[*Delivery]{}, err
	}
	st := s.store
	if _, err := DecodeCursor(f.After); err != nil {
		return Page[*Delivery]{}, err
	}
	f.Limit = PageLimit(f.Limit)
	return st.ListDeliveries(ctx, f)
}

// RecordRejectedDelivery logs a delivery that was refused (bad secret, bad
// payload) and so changed nothing else.
func (s *Service) RecordRejectedDelivery(ctx context.Context, d *Delivery) error {
	st := s.store
	d.ReceivedAt = s.Now()
	// The log keeps what the sender sent as well as it can be stored; a
	// bad byte in it must not lose the entry.
	d.Source, d.Error = CleanLogText(d.Source), CleanLogText(d.Error)
	for i := range d.Rejected {
		d.Rejected[i].Field, d.Rejected[i].Message = CleanLogText(d.Rejected[i].Field), CleanLogText(d.Rejected[i].Message)
	}
	switch {
	case d.Status >= 400:
		d.Outcome = DeliveryRejected
	case d.Outcome == "":
		d.Outcome = DeliveryIgnored
	}
	if len(d.Rejected) > maxLoggedRejections {
		d.Rejected = d.Rejected[:maxLoggedRejections]
	}
	if len(d.Error) > 2000 {
		d.Error = truncate(d.Error, 2000)
	}
	if d.Incidents == nil {
		d.Incidents = []int64{}
	}
	return st.RecordDelivery(ctx, d)
}

// RecordRefusedDelivery counts a delivery refused before it was
// authenticated (no or wrong secret or signature) on the integration
// instead of logging it, so a stranger cannot fill the delivery log.
func (s *Service) RecordRefusedDelivery(ctx context.Context, integrationID int64, source, reason string) error {
	return s.store.CountRefusedDelivery(ctx, integrationID, s.Now(), truncate(source, 200), truncate(reason, 200))
}

// maxLoggedRejections bounds the rejected alerts one log entry keeps (the
// error says how many there were), so a delivery of thousands of bad
// alerts cannot bloat the log.
const maxLoggedRejections = 100

// IntegrationActor is who an integration's deliveries act as.
func IntegrationActor(in *Integration) Actor {
	return Actor{Name: "integration " + in.Name, Role: RoleResponder, Via: "webhook"}
}

// Ingest applies one authenticated delivery: alerts open or join incidents
// by group key, their events are added once (redeliveries add nothing),
// alert states follow the newest news even when deliveries arrive out of
// order, and deploys go onto the open incidents of their service. It all
// happens in one transaction, so an answer of success means it is stored.
func (s *Service) Ingest(ctx context.Context, in *Integration, alerts []IngestAlert, deploys []IngestDeploy, d *Delivery) (*Delivery, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	st := s.store
	matchers := make([]LabelMatcher, 0, len(in.Config.Matchers))
	for _, m := range in.Config.Matchers {
		lm, err := ParseMatcher(m)
		if err != nil {
			return nil, err
		}
		matchers = append(matchers, lm)
	}
	now := s.Now()
	source := in.Kind.Source()
	req := IngestRequest{IntegrationID: in.ID, Alerts: map[string][]string{}}
	seenGroup, seenService := map[string]bool{}, map[string]bool{}
	// An alert whose events the timeline would refuse is left out and
	// reported; the delivery's other alerts are still stored.
	valid := make([]IngestAlert, 0, len(alerts))
	for i := range alerts {
		al := &alerts[i]
		if in.Config.SeverityLabel != "" {
			al.Severity = al.Labels[in.Config.SeverityLabel]
		}
		if in.Config.ServiceLabel != "" {
			if v := al.Labels[in.Config.ServiceLabel]; v != "" {
				al.Service = v
			}
		}
		al.StartsAt, al.EndsAt = normTime(al.StartsAt), normTimeOrZero(al.EndsAt)
		bad := prefixed(al.checkText(), "Alert "+strconv.Itoa(al.Index+1)+": ")
		for j, e := range al.Events {
			if bad != nil {
				break
			}
			if err := s.prepareEvent(e, source, now); err != nil {
				bad = prefixed(err, "Alert "+strconv.Itoa(al.Index+1)+", event "+strconv.Itoa(j+1)+": ")
				break
			}
		}
		if bad != nil {
			d.Rejected = append(d.Rejected, RejectedAlert{Index: al.Index, Field: ErrorField(bad), Message: ErrorMessage(bad)})
			continue
		}
		if !seenGroup[al.GroupKey] {
			seenGroup[al.GroupKey] = true
			req.GroupKeys = append(req.GroupKeys, al.GroupKey)
		}
		req.Alerts[al.GroupKey] = append(req.Alerts[al.GroupKey], al.Fingerprint)
		valid = append(valid, *al)
	}
	alerts = valid
	sort.SliceStable(d.Rejected, func(i, j int) bool { return d.Rejected[i].Index < d.Rejected[j].Index })
	for i := range deploys {
		dp := &deploys[i]
		if mapped := in.Config.Services[dp.Service]; mapped != "" {
			dp.Service = mapped
		}
		if err := CheckText("service", dp.Service, true); err != nil {
			return nil, prefixed(err, "Deploy "+strconv.Itoa(i+1)+": ")
		}
		if err := s.prepareEvent(dp.Event, SourceDeploy, now); err != nil {
			return nil, prefixed(err, "Deploy "+strconv.Itoa(i+1)+": ")
		}
		if !seenService[dp.Service] {
			seenService[dp.Service] = true
			req.Services = append(req.Services, dp.Service)
		}
	}
	d.IntegrationID, d.ReceivedAt, d.Alerts = in.ID, now, len(alerts)
	d.Source = CleanLogText(d.Source)
	if len(alerts) == 0 && len(deploys) == 0 && len(d.Rejected) > 0 {
		r := d.Rejected[0]
		if len(d.Rejected) == 1 {
			return nil, Errorf(EInvalid, r.Field, "%s", r.Message)
		}
		return nil, Errorf(EInvalid, r.Field, "None of the %d alerts is valid; the first: %s", len(d.Rejected), r.Message)
	}
	if d.Status == 0 {
		d.Status = 200
	}
	d.Outcome = DeliveryAccepted
	if len(d.Rejected) > 0 {
		d.Outcome = DeliveryPartial
		d.Error = strconv.Itoa(len(d.Rejected)) + " of " + strconv.Itoa(len(d.Rejected)+len(alerts)) + " alerts were rejected; the others were stored."
	}
	var out *Delivery
	for attempt := 0; ; attempt++ {
		out, err = st.Ingest(ctx, req, func(state *IngestState) (*IngestPlan, error) {
			plan, err := s.planIngest(a, in, matchers, cloneAlerts(alerts), deploys, state, now)
			if err != nil {
				return nil, err
			}
			dd := *d
			if len(dd.Rejected) > maxLoggedRejections {
				dd.Rejected = dd.Rejected[:maxLoggedRejections]
			}
			plan.Delivery = &dd
			return plan, nil
		})
		// A person editing one of the incidents at the same moment makes
		// the version check fail: plan again from the fresh state.
		if (IsCode(err, EConflict) || IsCode(err, EUnavailable)) && attempt < 5 {
			continue
		}
		if err == nil && out != nil {
			for _, id := range out.Incidents {
				s.publish(nil, LiveEvent{Topic: IncidentTopic(id), Kind: LiveTimeline, By: a.Label()})
				// Alerts may also have moved the incident's status.
				s.publish(nil, LiveEvent{Topic: IncidentTopic(id), Kind: LiveIncident, ID: id, By: a.Label()})
			}
		}
		return out, err
	}
}

// checkText applies the text rule to what of an alert becomes an
// incident or its timeline.
func (al *IngestAlert) checkText() error {
	for _, f := range []struct {
		name, value string
	}{{"title", al.Title}, {"severity", al.Severity}, {"service", al.Service}, {"group_key", al.GroupKey}, {"fingerprint", al.Fingerprint}} {
		if err := CheckText(f.name, f.value, f.name != "group_key" && f.name != "fingerprint"); err != nil {
			return err
		}
	}
	return CheckStrings(struct {
		Labels map[string]string `json:"labels"`
	}{al.Labels})
}

func normTimeOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return normTime(t)
}

func prefixed(err error, prefix string) error {
	if de, ok := err.(*Error); ok {
		c := *de
		c.Message = prefix + c.Message
		return &c
	}
	return err
}

// prepareEvent readies an ingested event (readyEvent) as one from the
// integration's source, whatever the parser said.
func (s *Service) prepareEvent(e *TimelineEvent, source EventSource, now time.Time) error {
	e.Source = source
	return s.readyEvent(e, 0, now, "")
}

// planTarget is where one incident's share of a delivery goes.
type planTarget struct {
	create   *IngestCreate
	incident *Incident // nil for a create
	events   []*TimelineEvent
	starts   []time.Time // alert start times that may move StartedAt earlier
	acks     []time.Time
	alerts   []int // indexes of alerts routed here
}

func (t *planTarget) id() int64 {
	if t.incident != nil {
		return t.incident.ID
	}
	return 0
}

// planIngest decides what a delivery changes given the stored state. It
// runs inside the store's transaction and must not call the store.
func (s *Service) planIngest(a Actor, in *Integration, matchers []LabelMatcher, alerts []IngestAlert, deploys []IngestDeploy, st *IngestState, now time.Time) (*IngestPlan, error) {
	plan := &IngestPlan{}
	known := map[string]AlertState{}
	for g, list := range st.Alerts {
		for _, as := range list {
			known[g+"\x00"+as.Fingerprint] = as
		}
	}
	byIncident := map[int64]*planTarget{}
	byGroupCreate := map[string]*planTarget{}
	var order []*planTarget
	targetFor := func(inc *Incident) *planTarget {
		if t, ok := byIncident[inc.ID]; ok {
			return t
		}
		t := &planTarget{incident: inc}
		byIncident[inc.ID] = t
		order = append(order, t)
		return t
	}
	// newStates holds this delivery's alert states; target says which
	// planTarget each belongs to so creates can fill in the incident id.
	type pending struct {
		state  AlertState
		target *planTarget
		// resolvedNow is set when this delivery moved the alert to resolved.
		resolvedNow bool
		alert       int
	}
	newStates := map[string]*pending{}
	var stateOrder []string
	for i := range alerts {
		al := &alerts[i]
		key := al.GroupKey + "\x00" + al.Fingerprint
		var prev AlertState
		var isKnown bool
		if p, ok := newStates[key]; ok {
			prev, isKnown = p.state, true
		} else {
			prev, isKnown = known[key]
		}
		newCycle := !isKnown
		if isKnown && al.Status != AlertUpdate && al.StartsAt.After(prev.StartsAt) && !(al.Status == AlertResolved && prev.Status == AlertFiring) {
			newCycle = true
		}
		if isKnown && al.Status == AlertUpdate {
			newCycle = false
		}
		// Pick the incident.
		var t *planTarget
		if !newCycle {
			if p, ok := newStates[key]; ok {
				t = p.target
			} else if inc := st.Incidents[prev.IncidentID]; inc != nil {
				t = targetFor(inc)
			}
		}
		if t == nil {
			if c, ok := byGroupCreate[al.GroupKey]; ok {
				t = c
			} else if inc := st.Groups[al.GroupKey]; inc != nil && inc.Status.Open() {
				t = targetFor(inc)
			} else if matchAll(matchers, al) {
				t = &planTarget{create: &IngestCreate{GroupKey: al.GroupKey}}
				byGroupCreate[al.GroupKey] = t
				order = append(order, t)
			}
		}
		if t == nil {
			continue // not selected by the matchers and no open incident
		}
		t.alerts = append(t.alerts, i)
		t.events = append(t.events, al.Events...)
		if al.Status != AlertUpdate {
			t.starts = append(t.starts, al.StartsAt)
		}
		for _, e := range al.Events {
			if e.Lifecycle == LifecycleAcknowledged {
				t.acks = append(t.acks, e.At)
			}
		}
		// Move the alert's state forward; never backward.
		if al.Status == AlertUpdate {
			continue
		}
		next := prev
		changed := false
		switch {
		case newCycle:
			next = AlertState{GroupKey: al.GroupKey, Fingerprint: al.Fingerprint, Status: al.Status, StartsAt: al.StartsAt, EndsAt: al.EndsAt}
			changed = true
		case al.Status == AlertResolved && prev.Status != AlertResolved && !al.StartsAt.Before(prev.StartsAt):
			next.Status, next.EndsAt = AlertResolved, al.EndsAt
			changed = true
		}
		if !changed {
			continue
		}
		if _, ok := newStates[key]; !ok {
			stateOrder = append(stateOrder, key)
		}
		newStates[key] = &pending{state: next, target: t, resolvedNow: next.Status == AlertResolved, alert: i}
	}
	for _, dp := range deploys {
		for _, inc := range st.OpenByService[dp.Service] {
			t := targetFor(inc)
			t.events = append(t.events, dp.Event)
		}
	}
	// Suggest the mitigated time where this delivery resolved the last
	// firing alert of an incident: tag the resolved event with the latest
	// end, and leave the incident's times to a person.
	for _, t := range order {
		firing := 0
		if t.incident != nil {
			firing = st.Firing[t.incident.ID]
		}
		resolvedHere := -1
		var latest time.Time
		for _, k := range stateOrder {
			p := newStates[k]
			if prev, ok := known[k]; ok && prev.Status == AlertFiring && t.incident != nil && prev.IncidentID == t.incident.ID {
				firing-- // counted in st.Firing; its new state counts below
			}
			if p.target != t {
				continue
			}
			if p.state.Status == AlertFiring {
				firing++
			} else if p.resolvedNow && !p.state.EndsAt.Before(latest) {
				latest, resolvedHere = p.state.EndsAt, p.alert
			}
		}
		if firing > 0 || resolvedHere < 0 {
			continue
		}
		evs := alerts[resolvedHere].Events
		if len(evs) == 0 {
			continue
		}
		if last := evs[len(evs)-1]; last.Lifecycle == LifecycleNone {
			last.Lifecycle = LifecycleMitigated
		}
	}
	// Build the writes.
	for _, t := range order {
		events := dedupeEvents(t.events)
		if t.create != nil {
			first := alerts[t.alerts[0]]
			inc := &Incident{
				Title:     firstLine(first.Title),
				Severity:  s.mapSeverity(in.Config, first.Severity),
				Status:    StatusInvestigating,
				Services:  []string{},
				Customers: []string{},
				Labels:    []string{},
				Members:   []string{},
				CreatedBy: a.Label(),
				CreatedAt: now,
				UpdatedAt: now,
			}
			for _, i := range t.alerts {
				if sv := alerts[i].Service; sv != "" && len(inc.Services) < MaxListLen && !contains(inc.Services, sv) && len(sv) <= MaxListItemLen {
					inc.Services = append(inc.Services, sv)
				}
			}
			start := earliest(t.starts)
			if start.IsZero() {
				start = earliestEvent(events)
			}
			if start.IsZero() {
				start = now
			}
			inc.StartedAt = start
			det := start
			inc.DetectedAt = &det
			if ack := earliest(t.acks); !ack.IsZero() && !ack.Before(det) {
				inc.AcknowledgedAt = &ack
			}
			if err := inc.Validate(s.severities); err != nil {
				return nil, err
			}
			t.create.Incident = inc
			t.create.Revision = s.revision(a, EntityIncident, 0, 1, "create", Snapshot(inc))
			t.create.Events = events
			plan.Creates = append(plan.Creates, t.create)
			continue
		}
		if len(events) == 0 {
			continue
		}
		add := &IngestAdd{IncidentID: t.incident.ID, Events: events,
			Revision: s.revision(a, EntityIncident, t.incident.ID, 0, "timeline.add", []Change{{Field: "timeline", New: jsonCount(len(events))}})}
		next := *t.incident
		if start := earliest(t.starts); !start.IsZero() && start.Before(next.StartedAt) {
			next.StartedAt = start
		}
		if ack := earliest(t.acks); !ack.IsZero() && next.AcknowledgedAt == nil {
			next.AcknowledgedAt = &ack
		}
		if next.checkOrder() != nil {
			// The sender's times contradict what a person recorded: keep
			// the person's, the events still carry the sender's.
			next = *t.incident
		}
		if changes := Diff(t.incident, &next); len(changes) > 0 {
			next.UpdatedAt = now
			add.Change = &IncidentChange{Incident: &next, IfVersion: t.incident.Version,
				Revision: s.revision(a, EntityIncident, t.incident.ID, t.incident.Version+1, "update", changes)}
		}
		plan.Adds = append(plan.Adds, add)
	}
	for _, k := range stateOrder {
		p := newStates[k]
		as := p.state
		as.IncidentID = p.target.id()
		if p.target.create != nil {
			as.IncidentID = 0
			as.GroupKey = p.target.create.GroupKey
			// The store links states of a create by group key; an alert
			// state's own group key is the same by construction.
		}
		plan.Alerts = append(plan.Alerts, as)
	}
	return plan, nil
}

// dedupeEvents drops events repeated within one delivery (the same alert
// listed twice), keeping the first.
func dedupeEvents(events []*TimelineEvent) []*TimelineEvent {
	seen := make(map[string]bool, len(events))
	out := make([]*TimelineEvent, 0, len(events))
	for _, e := range events {
		k := string(e.Source) + "\x00" + e.ExternalID
		if e.ExternalID != "" && seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	return out
}

func matchAll(ms []LabelMatcher, al *IngestAlert) bool {
	for _, m := range ms {
		if !m.Matches(al.Labels) {
			return false
		}
	}
	return true
}

func earliest(ts []time.Time) time.Time {
	var min time.Time
	for _, t := range ts {
		if !t.IsZero() && (min.IsZero() || t.Before(min)) {
			min = t
		}
	}
	return min
}

func earliestEvent(events []*TimelineEvent) time.Time {
	ts := make([]time.Time, len(events))
	for i, e := range events {
		ts[i] = e.At
	}
	return earliest(ts)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "Alert"
	}
	if len(s) > MaxTitleLen {
		s = truncate(s, MaxTitleLen-4)
	}
	return s
}

// builtinSeverityRanks maps common severity words of alerting tools to a
// rank (1 is most severe), used when the integration's map has no entry.
var builtinSeverityRanks = map[string]int{
	"critical": 1, "crit": 1, "page": 1, "p1": 1, "sev1": 1, "sev-1": 1, "disaster": 1, "emergency": 1, "fatal": 1,
	"high": 2, "error": 2, "major": 2, "p2": 2, "sev2": 2, "sev-2": 2,
	"warning": 3, "warn": 3, "medium": 3, "average": 3, "p3": 3, "sev3": 3, "sev-3": 3,
	"info": 4, "low": 4, "minor": 4, "p4": 4, "p5": 4, "sev4": 4, "sev-4": 4, "none": 4,
}

// mapSeverity turns a source severity into a configured Debrief severity.
func (s *Service) mapSeverity(c IntegrationConfig, value string) string {
	v := strings.ToLower(strings.TrimSpace(value))
	for from, to := range c.SeverityMap {
		if strings.ToLower(from) == v && knownSeverity(s.severities, to) {
			return to
		}
	}
	if rank, ok := builtinSeverityRanks[v]; ok {
		levels := append([]SeverityLevel(nil), s.severities...)
		sort.SliceStable(levels, func(i, j int) bool { return levels[i].Rank < levels[j].Rank })
		for _, l := range levels {
			if l.Rank >= rank {
				return l.Name
			}
		}
	}
	if c.DefaultSeverity != "" && knownSeverity(s.severities, c.DefaultSeverity) {
		return c.DefaultSeverity
	}
	return s.severities[len(s.severities)-1].Name
}

// WebhookIntegration returns an integration for its webhook endpoint, which
// has no user session: the caller must check the delivery's secret before
// acting on anything it carries.
func (s *Service) WebhookIntegration(ctx context.Context, id int64) (*Integration, error) {
	st := s.store
	return st.Integration(ctx, id)
}

// cloneAlerts copies alerts with fresh events, so an ingest attempt that is
// retried starts from what the sender said, not from the last attempt.
func cloneAlerts(alerts []IngestAlert) []IngestAlert {
	out := make([]IngestAlert, len(alerts))
	for i, a := range alerts {
		out[i] = a
		out[i].Events = make([]*TimelineEvent, len(a.Events))
		for j, e := range a.Events {
			c := *e
			out[i].Events[j] = &c
		}
	}
	return out
}
