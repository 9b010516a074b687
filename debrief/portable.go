package debrief

import (
	"context"
	"time"
)

// PostmortemImport is a whole postmortem brought in from a document: the
// incident it is about (nil for a project postmortem), its timeline, the
// postmortem and its action items. It is stored all or nothing.
type PostmortemImport struct {
	Incident    *Incident
	Timeline    []*TimelineEvent
	Postmortem  *Postmortem
	ActionItems []*ActionItem
}

// PublicLink is an unguessable URL that shows the public version of one
// postmortem to anyone who has it, without signing in. Only a hash of the
// token is stored, so the database does not hold working links.
type PublicLink struct {
	ID           int64      `json:"id"`
	PostmortemID int64      `json:"postmortem_id"`
	TokenHash    string     `json:"-"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the link still works.
func (l *PublicLink) Active() bool { return l.RevokedAt == nil }

// PostmortemDocument is one postmortem with everything its document shows:
// its incident (nil for a project postmortem), the incident's timeline
// (oldest first) and the action items of the postmortem or its incident
// (oldest first).
type PostmortemDocument struct {
	Postmortem  *Postmortem
	Incident    *Incident
	Timeline    []*TimelineEvent
	ActionItems []*ActionItem
}

// PortableStore is the part of the Store that reads and imports whole
// postmortems and keeps public links.
type PortableStore interface {
	// PostmortemDocument reads one postmortem's document in one read
	// transaction, so its parts agree with each other; ENotFound when
	// there is no such postmortem.
	PostmortemDocument(ctx context.Context, id int64) (*PostmortemDocument, error)
	// ImportPostmortem inserts everything in imp in one transaction,
	// assigning IDs, keys and version 1, linking the timeline, postmortem
	// and action items to the new incident and the action items to the new
	// postmortem, and appends a revision by actor at at for every record.
	// On any failure nothing is stored.
	ImportPostmortem(ctx context.Context, imp *PostmortemImport, actor string, at time.Time) error
	// CreatePublicLink inserts l, assigning its ID, and appends audit (its
	// target set to the new ID) in the same transaction.
	CreatePublicLink(ctx context.Context, l *PublicLink, audit *AuditEntry) error
	// PublicLinkByHash returns the link whose token hashes to hash, or ENotFound.
	PublicLinkByHash(ctx context.Context, hash string) (*PublicLink, error)
	// ListPublicLinksAfter returns at most limit links of a postmortem
	// with an ID below after (0 for the first page), newest first: one
	// page of its links.
	ListPublicLinksAfter(ctx context.Context, postmortemID, after int64, limit int) ([]*PublicLink, error)
	// RevokePublicLink marks a link of the postmortem revoked at at; a link
	// already revoked keeps its first revocation time. ENotFound when the
	// postmortem has no such link. audit is appended in the same
	// transaction when the link was active.
	RevokePublicLink(ctx context.Context, postmortemID, id int64, at time.Time, audit *AuditEntry) (*PublicLink, error)
}
