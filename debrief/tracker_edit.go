package debrief

import (
	"context"
	"strings"
)

// Audit actions of trackers changed and removed.
const (
	AuditTrackerUpdate = "tracker.update"
	AuditTrackerDelete = "tracker.delete"
)

// TrackerPatch changes some fields of a tracker; nil fields stay. An empty
// Token keeps the stored one, so a form that never shows the token (it is
// write-only) does not erase it. The kind cannot change: a GitHub
// repository does not become a Jira project, so that is a new tracker.
type TrackerPatch struct {
	Name      *string `json:"name,omitempty"`
	BaseURL   *string `json:"base_url,omitempty"`
	Project   *string `json:"project,omitempty"`
	IssueType *string `json:"issue_type,omitempty"`
	Email     *string `json:"email,omitempty"`
	Token     *string `json:"token,omitempty"`
}

// TrackerEditStore changes and removes trackers.
type TrackerEditStore interface {
	// UpdateTracker stores t (token included) with audit if its stored
	// version is ifVersion; otherwise EConflict. A name in use is
	// EConflict on field name.
	UpdateTracker(ctx context.Context, t *Tracker, ifVersion int, audit *AuditEntry) error
	// DeleteTracker removes the tracker and its links (the action items
	// keep their tracker_url) if its stored version is ifVersion.
	DeleteTracker(ctx context.Context, id int64, ifVersion int, audit *AuditEntry) error
	// TrackerLinksOf returns the links of the action items itemIDs (at
	// most MaxPageSize of them), by item, oldest first.
	TrackerLinksOf(ctx context.Context, itemIDs []int64) ([]*TrackerLink, error)
}

// withoutToken returns a copy of t fit to show: no token, HasToken set.
func withoutToken(t *Tracker) *Tracker {
	c := *t
	c.HasToken, c.Token = t.Token != "", ""
	return &c
}

// UpdateTracker changes the tracker with id if it is still at ifVersion
// (admins). The audit entry says the token was replaced, never what it is.
func (s *Service) UpdateTracker(ctx context.Context, id int64, p TrackerPatch, ifVersion int) (*Tracker, error) {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return nil, err
	}
	cur, err := s.store.Tracker(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.Version != ifVersion {
		return nil, Conflict("tracker", withoutToken(cur), cur.Version)
	}
	next := *cur
	for _, f := range []struct {
		dst *string
		src *string
	}{{&next.Name, p.Name}, {&next.BaseURL, p.BaseURL}, {&next.Project, p.Project}, {&next.IssueType, p.IssueType}, {&next.Email, p.Email}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if p.Token != nil && strings.TrimSpace(*p.Token) != "" {
		next.Token = *p.Token
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	changes := Diff(cur, &next)
	if next.Token != cur.Token {
		changes = append(changes, change("token", nil, "replaced"))
	}
	if len(changes) == 0 {
		return withoutToken(cur), nil
	}
	next.UpdatedAt = s.Now()
	audit := s.audit(ctx, a, AuditTrackerUpdate, TargetTracker, idString(id), changes)
	if err := s.store.UpdateTracker(ctx, &next, ifVersion, audit); err != nil {
		return nil, err
	}
	return withoutToken(&next), nil
}

// DeleteTracker removes the tracker with id if it is still at ifVersion
// (admins). Exported items keep their issue's address as tracker_url; their
// links, and so syncing their state back, go with the tracker.
func (s *Service) DeleteTracker(ctx context.Context, id int64, ifVersion int) error {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return err
	}
	cur, err := s.store.Tracker(ctx, id)
	if err != nil {
		return err
	}
	if cur.Version != ifVersion {
		return Conflict("tracker", withoutToken(cur), cur.Version)
	}
	audit := s.audit(ctx, a, AuditTrackerDelete, TargetTracker, idString(id), []Change{
		change("name", cur.Name, nil), change("kind", cur.Kind, nil), change("project", cur.Project, nil)})
	return s.store.DeleteTracker(ctx, id, ifVersion, audit)
}

// TrackerLinksOf returns the tracker links of the items named, by item ID,
// for a list that shows many items (the board) in one read. Only items the
// caller may see get their links; an item of a private incident the caller
// is not a member of is left out, as are IDs that name no item.
func (s *Service) TrackerLinksOf(ctx context.Context, itemIDs []int64) (map[int64][]*TrackerLink, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	if len(itemIDs) > MaxPageSize {
		return nil, Errorf(EInvalid, "ids", "Ask for the links of at most %d action items at once.", MaxPageSize)
	}
	out := map[int64][]*TrackerLink{}
	if len(itemIDs) == 0 {
		return out, nil
	}
	links, err := s.store.TrackerLinksOf(ctx, itemIDs)
	if err != nil {
		return nil, err
	}
	// Only exported items have links, so few items are checked here.
	visible := map[int64]bool{}
	for _, l := range links {
		ok, seen := visible[l.ActionItemID]
		if !seen {
			_, err := s.visibleActionItem(ctx, a, l.ActionItemID)
			if err != nil && !IsCode(err, ENotFound) {
				return nil, err
			}
			ok = err == nil
			visible[l.ActionItemID] = ok
		}
		if ok {
			out[l.ActionItemID] = append(out[l.ActionItemID], l)
		}
	}
	return out, nil
}
