package debrief

import (
	"context"
	"strconv"
	"time"
)

// Audit actions and target of trackers.
const (
	AuditTrackerCreate = "tracker.create"
	TargetTracker      = "tracker"
)

// trackerClaim is how long an export may take before another may try
// again: longer than any tracker's answer, short enough that a process
// that died mid-export does not block the item for long.
const trackerClaim = 2 * time.Minute

// CreateTracker adds a tracker action items can be exported to (admins).
func (s *Service) CreateTracker(ctx context.Context, in *Tracker) (*Tracker, error) {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return nil, err
	}
	t := *in
	t.ID, t.Version, t.Enabled = 0, 0, true
	if err := t.Validate(); err != nil {
		return nil, err
	}
	now := s.Now()
	t.CreatedBy, t.CreatedAt, t.UpdatedAt = a.Label(), now, now
	// The audit entry names what was set, never the token.
	audit := s.audit(ctx, a, AuditTrackerCreate, TargetTracker, "", []Change{
		change("name", nil, t.Name), change("kind", nil, t.Kind), change("base_url", nil, t.BaseURL), change("project", nil, t.Project)})
	if err := s.store.CreateTracker(ctx, &t, audit); err != nil {
		if IsCode(err, EConflict) {
			return nil, Errorf(EConflict, "name", "A tracker named %q exists already; choose another name.", t.Name)
		}
		return nil, err
	}
	t.HasToken = true
	return &t, nil
}

// ListTrackers returns the trackers (without their tokens), so that
// anyone who may export an item can choose one.
func (s *Service) ListTrackers(ctx context.Context) ([]*Tracker, error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return nil, err
	}
	list, err := s.store.ListTrackers(ctx)
	return withoutTokens(list), err
}

// withoutTokens blanks the trackers' tokens, saying only whether each has
// one: a token goes out to its tracker, never back to a reader.
func withoutTokens(list []*Tracker) []*Tracker {
	for _, t := range list {
		t.HasToken, t.Token = t.Token != "", ""
	}
	return list
}

// trackerByRef returns the tracker named by its ID or name, with its token
// (for the Service's own use).
func (s *Service) trackerByRef(ctx context.Context, ref string) (*Tracker, error) {
	if ref == "" {
		return nil, Errorf(EInvalid, "tracker", "Name the tracker to export to (its name or ID).")
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.store.Tracker(ctx, id)
	}
	list, err := s.store.ListTrackers(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range list {
		if t.Name == ref {
			return t, nil
		}
	}
	return nil, Errorf(EInvalid, "tracker", "There is no tracker %q; an admin adds one with 'debrief tracker add'.", truncate(ref, 80))
}

// ExportActionItem creates the item's issue in the tracker named by ref
// and keeps the link (also as the item's tracker_url when it has none).
// Exporting an item again returns the link it has: one issue per item and
// tracker, also when two exports race (the first claims the link before it
// asks the tracker). created says whether this call made the issue.
func (s *Service) ExportActionItem(ctx context.Context, itemID int64, ref string) (link *TrackerLink, created bool, err error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, false, err
	}
	item, err := s.visibleActionItem(ctx, a, itemID)
	if err != nil {
		return nil, false, err
	}
	t, err := s.trackerByRef(ctx, ref)
	if err != nil {
		return nil, false, err
	}
	if item.IncidentID != nil {
		// Private incidents' items stay inside Debrief: the tracker's
		// readers are not the incident's members.
		if inc, err := s.store.Incident(ctx, *item.IncidentID); err != nil {
			return nil, false, err
		} else if inc.Private {
			return nil, false, Errorf(EInvalid, "id", "%s belongs to a private incident, so it is not exported to a tracker others can read.", item.Key)
		}
	}
	if s.trackerClient == nil {
		return nil, false, Errorf(EUnavailable, "", "This server cannot reach issue trackers (no tracker client is configured).")
	}
	now := s.Now()
	link, claimed, err := s.store.ClaimTrackerLink(ctx, item.ID, t.ID, now, now.Add(trackerClaim))
	if err != nil {
		return nil, false, err
	}
	if !claimed {
		if link.State == LinkPending {
			return nil, false, Errorf(EConflict, "", "%s is being exported to %s just now; look again in a moment.", item.Key, t.Name)
		}
		return link, false, nil
	}
	back := ""
	if s.baseURL != "" {
		back = s.baseURL + "/action-items?status=all#item-" + strconv.FormatInt(item.ID, 10)
	}
	issue, err := s.trackerClient.CreateIssue(ctx, t, item, back)
	if err != nil {
		if rerr := s.store.ReleaseTrackerLink(context.WithoutCancel(ctx), item.ID, t.ID); rerr != nil {
			return nil, false, rerr
		}
		return nil, false, err
	}
	link.State, link.ExternalKey, link.URL, link.SyncedAt, link.ClaimedUntil = LinkOpen, issue.Key, issue.URL, &now, nil
	// The link is recorded even if the item changed meanwhile; only the
	// item's tracker_url waits for an item nobody else is changing.
	var next *ActionItem
	var rev *Revision
	if item.TrackerURL == "" {
		n := *item
		n.TrackerURL, n.UpdatedAt = issue.URL, now
		next = &n
		rev = s.revision(a, EntityActionItem, item.ID, item.Version+1, "export", Diff(item, &n))
	}
	shown := item
	if err := s.store.UpdateTrackerLink(context.WithoutCancel(ctx), link, next, item.Version, rev); err != nil {
		if !IsCode(err, EConflict) || next == nil {
			return nil, false, err
		}
		if err := s.store.UpdateTrackerLink(context.WithoutCancel(ctx), link, nil, 0, nil); err != nil {
			return nil, false, err
		}
	} else if next != nil {
		shown = next
	}
	// The board shows the item's issue; its pages, its tracker URL.
	s.publishActionItem(nil, a, shown)
	return link, true, nil
}

// ActionItemLinks returns the tracker links of an item the caller may see.
func (s *Service) ActionItemLinks(ctx context.Context, itemID int64) ([]*TrackerLink, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	if _, err := s.visibleActionItem(ctx, a, itemID); err != nil {
		return nil, err
	}
	return s.store.ListTrackerLinks(ctx, itemID, "")
}

// SyncActionItem reads the state of the item's issues back now (on
// demand): see SyncTrackers.
func (s *Service) SyncActionItem(ctx context.Context, itemID int64) ([]*TrackerLink, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	if _, err := s.visibleActionItem(ctx, a, itemID); err != nil {
		return nil, err
	}
	links, err := s.store.ListTrackerLinks(ctx, itemID, "")
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		if l.State == LinkOpen {
			if err := s.syncLink(ctx, a, l); err != nil {
				return nil, err
			}
		}
	}
	return links, nil
}

// SyncTrackers reads back every open issue: one done there (closed on
// GitHub, status category done on Jira) marks its action item done here,
// with the issue's link as the verification. The periodic job in serve
// calls it as the system; a tracker that cannot be reached leaves its
// sentence on the link and the others are still read.
func (s *Service) SyncTrackers(ctx context.Context) (done int, err error) {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return 0, err
	}
	if s.trackerClient == nil {
		return 0, nil
	}
	links, err := s.store.ListTrackerLinks(ctx, 0, LinkOpen)
	if err != nil {
		return 0, err
	}
	for _, l := range links {
		if err := s.syncLink(ctx, a, l); err != nil {
			return done, err
		}
		if l.State == LinkClosed {
			done++
		}
	}
	return done, nil
}

// syncLink reads one open link's issue and records what it says; an
// unreachable tracker is recorded on the link (LastError), not returned.
func (s *Service) syncLink(ctx context.Context, a Actor, l *TrackerLink) error {
	if s.trackerClient == nil {
		return Errorf(EUnavailable, "", "This server cannot reach issue trackers (no tracker client is configured).")
	}
	t, err := s.store.Tracker(ctx, l.TrackerID)
	if err != nil {
		return err
	}
	now := s.Now()
	issue, err := s.trackerClient.Issue(ctx, t, l.ExternalKey)
	l.SyncedAt = &now
	lastError := l.LastError
	// linkOnly saves the link alone and, when what the board shows of it
	// (its state, its sentence) changed, tells the board.
	linkOnly := func() error {
		err := s.store.UpdateTrackerLink(ctx, l, nil, 0, nil)
		if l.LastError != lastError || l.State == LinkClosed {
			s.publish(err, LiveEvent{Topic: ActionItemsTopic, Kind: LiveActionItems})
		}
		return err
	}
	if err != nil {
		if ErrorCode(err) == "" {
			return err
		}
		l.LastError = ErrorMessage(err)
		return linkOnly()
	}
	l.LastError = ""
	if !issue.Done {
		return linkOnly()
	}
	l.State = LinkClosed
	// The item may change under us; read it again on a conflict.
	for range 5 {
		item, err := s.store.ActionItem(ctx, l.ActionItemID)
		if err != nil {
			return err
		}
		if item.Status.Closed() {
			return linkOnly()
		}
		next := *item
		next.Status, next.CompletedAt, next.UpdatedAt = ActionDone, &now, now
		if next.Verification == "" {
			next.Verification = l.URL
		}
		rev := s.revision(a, EntityActionItem, item.ID, item.Version+1, "sync", Diff(item, &next))
		err = s.store.UpdateTrackerLink(ctx, l, &next, item.Version, rev)
		if !IsCode(err, EConflict) {
			// Done here now: the item's pages and the board show it.
			s.publishActionItem(err, a, &next)
			return err
		}
	}
	return Errorf(EConflict, "", "%s kept changing while its issue was read back; it will be tried again.", ActionItemKeyPrefix+strconv.FormatInt(l.ActionItemID, 10))
}
