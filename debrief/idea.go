package debrief

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// EntityIdea names ideas in revisions and the audit log.
const EntityIdea = "idea"

// IdeaKeyPrefix prefixes the human key of every improvement idea.
const IdeaKeyPrefix = "IDEA-"

// IdeaKey returns the human key for an idea ID, e.g. IDEA-3.
func IdeaKey(id int64) string { return IdeaKeyPrefix + strconv.FormatInt(id, 10) }

// IdeaStatus is the state of an improvement idea.
type IdeaStatus string

const (
	// IdeaOpen ideas are on the board.
	IdeaOpen IdeaStatus = "open"
	// IdeaPromoted ideas became an action item (ActionItemID).
	IdeaPromoted IdeaStatus = "promoted"
	// IdeaMerged ideas were the same as another (MergedInto), which
	// carries their mentions now.
	IdeaMerged IdeaStatus = "merged"
	// IdeaDropped ideas were decided against.
	IdeaDropped IdeaStatus = "dropped"
)

// Valid reports whether s is a known status.
func (s IdeaStatus) Valid() bool {
	return s == IdeaOpen || s == IdeaPromoted || s == IdeaMerged || s == IdeaDropped
}

// Idea is an improvement that a postmortem suggests but nobody has
// committed to yet (it is not an action item). The same idea raised in
// several postmortems is one idea with several mentions, and the number of
// postmortems that raised it is its weight on the ideas board.
type Idea struct {
	ID     int64      `json:"id"`
	Key    string     `json:"key"`
	Title  string     `json:"title"`
	Detail string     `json:"detail,omitempty"`
	Status IdeaStatus `json:"status"`
	// MergedInto names the idea that carries this one's mentions now.
	MergedInto *int64 `json:"merged_into,omitempty"`
	// ActionItemID names the action item the idea was promoted to.
	ActionItemID *int64 `json:"action_item_id,omitempty"`
	// Mentions are the postmortems that raised the idea, oldest first;
	// Weight is how many of them the reader may see.
	Mentions  []IdeaMention `json:"mentions"`
	Weight    int           `json:"weight"`
	CreatedBy string        `json:"created_by"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
	Version   int           `json:"version"`
}

// IdeaMention is one postmortem raising an idea.
type IdeaMention struct {
	PostmortemID int64 `json:"postmortem_id"`
	// Note says how the idea came up in this postmortem.
	Note     string    `json:"note,omitempty"`
	RaisedBy string    `json:"raised_by"`
	RaisedAt time.Time `json:"raised_at"`
}

// Validate checks the rules that hold for every idea.
func (i *Idea) Validate() error {
	i.Title = strings.TrimSpace(i.Title)
	i.Detail = strings.TrimSpace(i.Detail)
	if err := CheckStrings(i); err != nil {
		return err
	}
	if i.Title == "" {
		return Errorf(EInvalid, "title", "The idea needs a title that says what would change, e.g. 'Canary every config change'.")
	}
	if !i.Status.Valid() {
		return Errorf(EInvalid, "status", "Unknown status %q; use open, promoted, merged or dropped.", i.Status)
	}
	if len(i.Mentions) == 0 {
		return Errorf(EInvalid, "postmortem_id", "An idea is raised in a postmortem; name the postmortem.")
	}
	return nil
}

// hasMention reports whether postmortem pm raised the idea.
func (i *Idea) hasMention(pm int64) bool {
	for _, m := range i.Mentions {
		if m.PostmortemID == pm {
			return true
		}
	}
	return false
}

// IdeaFilter selects ideas.
type IdeaFilter struct {
	Status []IdeaStatus
	// PostmortemID selects the ideas a postmortem raised.
	PostmortemID *int64
}

// IdeaStore keeps improvement ideas and their mentions. Mentions are read
// and written whole with their idea.
type IdeaStore interface {
	// CreateIdea inserts idea with its mentions, assigning ID, Key and
	// Version 1.
	CreateIdea(ctx context.Context, idea *Idea, rev *Revision) error
	// Idea returns one idea with its mentions, or ENotFound.
	Idea(ctx context.Context, id int64) (*Idea, error)
	// ListIdeas returns the ideas matching f with their mentions, newest
	// first; ideas are few (one for many postmortems), so there are no pages.
	ListIdeas(ctx context.Context, f IdeaFilter) ([]*Idea, error)
	// ListIdeasAfter returns at most limit ideas matching f with their
	// mentions, by weight (every mention counted) then newest, after the
	// idea of weight afterWeight and ID afterID (0 for the first page):
	// one page of the ideas board.
	ListIdeasAfter(ctx context.Context, f IdeaFilter, afterWeight int, afterID int64, limit int) ([]*Idea, error)
	// UpdateIdea stores idea and replaces its mentions if its stored
	// version is ifVersion.
	UpdateIdea(ctx context.Context, idea *Idea, ifVersion int, rev *Revision) error
	// MergeIdeas stores from (merged) and into (with from's mentions) in
	// one transaction, each under its own version check.
	MergeIdeas(ctx context.Context, from *Idea, fromVersion int, into *Idea, intoVersion int, fromRev, intoRev *Revision) error
	// PromoteIdea inserts item (assigning its ID, Key and Version 1), sets
	// idea.ActionItemID to it and stores idea if its version is ifVersion,
	// in one transaction; ideaRev gains the action_item_id change.
	PromoteIdea(ctx context.Context, idea *Idea, ifVersion int, item *ActionItem, ideaRev, itemRev *Revision) error
}
