package debrief

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// NewIdea is an improvement idea as a postmortem raises it.
type NewIdea struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	// Note says how the idea came up in this postmortem.
	Note string `json:"note"`
}

// RaiseIdea records a new idea raised in postmortem pmID.
func (s *Service) RaiseIdea(ctx context.Context, pmID int64, in NewIdea) (*Idea, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	if err := CheckText("note", in.Note, false); err != nil {
		return nil, err
	}
	// The postmortem is named by the path: one the caller may not see is
	// not found, like a missing one.
	if _, err := s.visiblePostmortem(ctx, a, pmID); err != nil {
		return nil, err
	}
	now := s.Now()
	idea := &Idea{Title: in.Title, Detail: in.Detail, Status: IdeaOpen, CreatedBy: a.Label(), CreatedAt: now, UpdatedAt: now,
		Mentions: []IdeaMention{{PostmortemID: pmID, Note: strings.TrimSpace(in.Note), RaisedBy: a.Label(), RaisedAt: now}}}
	if err := idea.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.CreateIdea(ctx, idea, s.revision(a, EntityIdea, 0, 1, "create", Snapshot(idea))); err != nil {
		return nil, err
	}
	idea.Weight = 1
	return idea, nil
}

// ideaPostmortem checks postmortem pmID exists and a may see it; one that a
// may not see reads as missing.
func (s *Service) ideaPostmortem(ctx context.Context, a Actor, pmID int64) error {
	if _, err := s.visiblePostmortem(ctx, a, pmID); err != nil {
		if IsCode(err, ENotFound) {
			return Errorf(EInvalid, "postmortem_id", "Postmortem %d does not exist.", pmID)
		}
		return err
	}
	return nil
}

// AddIdeaMention records that postmortem pmID raised idea id again, which
// adds to its weight.
func (s *Service) AddIdeaMention(ctx context.Context, id, pmID int64, note string, ifVersion int) (*Idea, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	if err := CheckText("note", note, false); err != nil {
		return nil, err
	}
	cur, err := s.storedIdea(ctx, a, id, ifVersion)
	if err != nil {
		return nil, err
	}
	if err := s.ideaPostmortem(ctx, a, pmID); err != nil {
		return nil, err
	}
	if cur.hasMention(pmID) {
		return nil, Errorf(EInvalid, "postmortem_id", "%s was already raised in postmortem %s.", cur.Key, PostmortemKeyPrefix+strconv.FormatInt(pmID, 10))
	}
	if cur.Status == IdeaMerged {
		return nil, Errorf(EInvalid, "id", "%s was merged into %s; raise that one instead.", cur.Key, IdeaKey(*cur.MergedInto))
	}
	next := cloneIdea(cur)
	now := s.Now()
	next.Mentions = append(next.Mentions, IdeaMention{PostmortemID: pmID, Note: strings.TrimSpace(note), RaisedBy: a.Label(), RaisedAt: now})
	return s.saveIdea(ctx, a, cur, next, ifVersion, "mention")
}

// storedIdea reads idea id as stored (all its mentions) after checking a
// may see it, and refuses a stale ifVersion with EConflict.
func (s *Service) storedIdea(ctx context.Context, a Actor, id int64, ifVersion int) (*Idea, error) {
	cur, shown, err := s.visibleIdea(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if cur.Version != ifVersion {
		return nil, Conflict("idea", shown, cur.Version)
	}
	return cur, nil
}

// shownIdea returns the idea as a sees it: only the mentions in
// postmortems a may see, weighed by their number; nil when a sees none
// (every idea was raised somewhere, so it is on a private incident).
func (s *Service) shownIdea(ctx context.Context, v *visibility, idea *Idea) (*Idea, error) {
	out := cloneIdea(idea)
	out.Mentions = out.Mentions[:0]
	for _, m := range idea.Mentions {
		ok, err := v.postmortem(ctx, &m.PostmortemID)
		if err != nil {
			return nil, err
		}
		if ok {
			out.Mentions = append(out.Mentions, m)
		}
	}
	if len(out.Mentions) == 0 {
		return nil, nil
	}
	out.Weight = len(out.Mentions)
	return out, nil
}

func cloneIdea(i *Idea) *Idea {
	c := *i
	c.Mentions = slices.Clone(i.Mentions)
	return &c
}

// saveIdea stores next over cur with a revision of what changed and
// returns next as a sees it.
func (s *Service) saveIdea(ctx context.Context, a Actor, cur, next *Idea, ifVersion int, action string) (*Idea, error) {
	if err := next.Validate(); err != nil {
		return nil, err
	}
	cur.Weight, next.Weight = 0, 0
	changes := Diff(cur, next)
	if len(changes) == 0 {
		return s.shownIdea(ctx, s.visibility(a), cur)
	}
	next.UpdatedAt = s.Now()
	if err := s.store.UpdateIdea(ctx, next, ifVersion, s.revision(a, EntityIdea, next.ID, ifVersion+1, action, changes)); err != nil {
		return nil, err
	}
	return s.shownIdea(ctx, s.visibility(a), next)
}

// Idea returns one idea as the caller may see it.
func (s *Service) Idea(ctx context.Context, id int64) (*Idea, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	_, shown, err := s.visibleIdea(ctx, a, id)
	return shown, err
}

// visibleIdea returns idea id as stored and as a sees it; an idea a sees
// no mention of is not found.
func (s *Service) visibleIdea(ctx context.Context, a Actor, id int64) (stored, shown *Idea, err error) {
	stored, err = s.store.Idea(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if shown, err = s.shownIdea(ctx, s.visibility(a), stored); err != nil {
		return nil, nil, err
	}
	if shown == nil {
		return nil, nil, Errorf(ENotFound, "", "There is no idea %s.", IdeaKey(id))
	}
	return stored, shown, nil
}

// IdeaByRef returns the idea named by "3" or "IDEA-3".
func (s *Service) IdeaByRef(ctx context.Context, ref string) (*Idea, error) {
	id, err := ParseRef(ref, IdeaKeyPrefix)
	if err != nil {
		return nil, err
	}
	return s.Idea(ctx, id)
}

// ListIdeas returns the ideas matching f that the caller may see, ranked
// as the ideas board shows them: the heaviest (raised in most postmortems)
// first, then the newest.
func (s *Service) ListIdeas(ctx context.Context, f IdeaFilter) ([]*Idea, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	for _, st := range f.Status {
		if !st.Valid() {
			return nil, Errorf(EInvalid, "status", "Unknown status %q; use open, promoted, merged or dropped.", st)
		}
	}
	list, err := s.store.ListIdeas(ctx, f)
	if err != nil {
		return nil, err
	}
	v := s.visibility(a)
	out := make([]*Idea, 0, len(list))
	for _, idea := range list {
		shown, err := s.shownIdea(ctx, v, idea)
		if err != nil {
			return nil, err
		}
		if shown != nil {
			out = append(out, shown)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Weight != out[j].Weight {
			return out[i].Weight > out[j].Weight
		}
		return out[i].ID > out[j].ID
	})
	return out, nil
}

// IdeaPatch names the fields an update changes. Status may be set to open
// or dropped; merging and promoting have their own methods.
type IdeaPatch struct {
	Title  *string     `json:"title,omitempty"`
	Detail *string     `json:"detail,omitempty"`
	Status *IdeaStatus `json:"status,omitempty"`
}

// UpdateIdea applies p if the idea is still at ifVersion.
func (s *Service) UpdateIdea(ctx context.Context, id int64, p IdeaPatch, ifVersion int) (*Idea, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	cur, err := s.storedIdea(ctx, a, id, ifVersion)
	if err != nil {
		return nil, err
	}
	next := cloneIdea(cur)
	if p.Title != nil {
		next.Title = *p.Title
	}
	if p.Detail != nil {
		next.Detail = *p.Detail
	}
	if p.Status != nil && *p.Status != cur.Status {
		if *p.Status != IdeaOpen && *p.Status != IdeaDropped {
			return nil, Errorf(EInvalid, "status", "Set status to open or dropped; merge or promote an idea with their own actions.")
		}
		if cur.Status == IdeaMerged || cur.Status == IdeaPromoted {
			return nil, Errorf(EInvalid, "status", "%s was %s, so its status stays.", cur.Key, cur.Status)
		}
		next.Status = *p.Status
	}
	return s.saveIdea(ctx, a, cur, next, ifVersion, "update")
}

// MergeIdeas merges idea fromID into intoID: the same improvement raised
// twice. Into gains from's mentions (and so its weight); from stays, marked
// merged and pointing at into, so links to it still lead somewhere.
func (s *Service) MergeIdeas(ctx context.Context, fromID, intoID int64, fromVersion, intoVersion int) (*Idea, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	if fromID == intoID {
		return nil, Errorf(EInvalid, "into", "An idea cannot be merged into itself.")
	}
	from, err := s.storedIdea(ctx, a, fromID, fromVersion)
	if err != nil {
		return nil, err
	}
	into, err := s.storedIdea(ctx, a, intoID, intoVersion)
	if err != nil {
		if IsCode(err, ENotFound) {
			return nil, Errorf(EInvalid, "into", "There is no idea %s to merge into.", IdeaKey(intoID))
		}
		return nil, err
	}
	for _, i := range []*Idea{from, into} {
		if i.Status == IdeaMerged {
			return nil, Errorf(EInvalid, "into", "%s was already merged into %s.", i.Key, IdeaKey(*i.MergedInto))
		}
	}
	nextFrom, nextInto := cloneIdea(from), cloneIdea(into)
	nextFrom.Status, nextFrom.MergedInto = IdeaMerged, &into.ID
	for _, m := range from.Mentions {
		if !nextInto.hasMention(m.PostmortemID) {
			nextInto.Mentions = append(nextInto.Mentions, m)
		}
	}
	sort.SliceStable(nextInto.Mentions, func(i, j int) bool { return nextInto.Mentions[i].RaisedAt.Before(nextInto.Mentions[j].RaisedAt) })
	now := s.Now()
	nextFrom.UpdatedAt, nextInto.UpdatedAt = now, now
	from.Weight, into.Weight = 0, 0
	fromRev := s.revision(a, EntityIdea, from.ID, fromVersion+1, "merge", Diff(from, nextFrom))
	intoRev := s.revision(a, EntityIdea, into.ID, intoVersion+1, "merge", Diff(into, nextInto))
	if err := s.store.MergeIdeas(ctx, nextFrom, fromVersion, nextInto, intoVersion, fromRev, intoRev); err != nil {
		return nil, err
	}
	return s.shownIdea(ctx, s.visibility(a), nextInto)
}

// IdeaSuggestion is an idea that looks like another, with how alike their
// words are, out of 1.
type IdeaSuggestion struct {
	Idea  *Idea   `json:"idea"`
	Score float64 `json:"score"`
}

// IdeaSimilarThreshold is the least text similarity at which an open idea
// is suggested as a likely duplicate of another.
const IdeaSimilarThreshold = 0.3

// SimilarIdeas suggests the open ideas that likely say the same as idea id
// (by the words of their titles and details, compared as similar incidents
// compare text), most alike first, at most limit; merging stays a person's
// decision.
func (s *Service) SimilarIdeas(ctx context.Context, id int64, limit int) ([]IdeaSuggestion, error) {
	probe, err := s.Idea(ctx, id)
	if err != nil {
		return nil, err
	}
	open, err := s.ListIdeas(ctx, IdeaFilter{Status: []IdeaStatus{IdeaOpen}})
	if err != nil {
		return nil, err
	}
	p := ideaTerms(probe)
	// Every word weighs alike: among a handful of short titles, rarity
	// says little, and the words two ideas share are what make them alike.
	one := map[string]float64{}
	for t := range p {
		one[t] = 1
	}
	var out []IdeaSuggestion
	for _, i := range open {
		if i.ID == probe.ID {
			continue
		}
		if score := SimilarTextScore(p, ideaTerms(i), one, 1); score >= IdeaSimilarThreshold {
			out = append(out, IdeaSuggestion{Idea: i, Score: score})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// PromoteIdea turns idea id into an action item on the postmortem that
// first raised it (of those the caller may see), made from in (title, when
// empty, from the idea), and marks the idea promoted, in one transaction.
func (s *Service) PromoteIdea(ctx context.Context, id int64, ifVersion int, in *ActionItem) (*Idea, *ActionItem, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, nil, err
	}
	cur, err := s.storedIdea(ctx, a, id, ifVersion)
	if err != nil {
		return nil, nil, err
	}
	if cur.Status != IdeaOpen {
		return nil, nil, Errorf(EInvalid, "status", "Only open ideas can be promoted; %s is %s.", cur.Key, cur.Status)
	}
	shown, err := s.shownIdea(ctx, s.visibility(a), cur)
	if err != nil {
		return nil, nil, err
	}
	draft := *in
	if strings.TrimSpace(draft.Title) == "" {
		draft.Title = cur.Title
	}
	pm := shown.Mentions[0].PostmortemID
	draft.PostmortemID, draft.IncidentID = &pm, nil
	item, err := s.newActionItem(ctx, a, &draft)
	if err != nil {
		return nil, nil, err
	}
	next := cloneIdea(cur)
	next.Status = IdeaPromoted
	next.UpdatedAt = item.CreatedAt
	cur.Weight = 0
	itemRev := s.revision(a, EntityActionItem, 0, 1, "create", Snapshot(item))
	// The store adds the item's ID to the idea's revision once it has one.
	ideaRev := s.revision(a, EntityIdea, cur.ID, ifVersion+1, "promote", Diff(cur, next))
	if err := s.store.PromoteIdea(ctx, next, ifVersion, item, ideaRev, itemRev); err != nil {
		return nil, nil, err
	}
	// The new item shows on its incident's and postmortem's pages and on
	// the board, as one made by CreateActionItem does.
	s.publishActionItem(nil, a, item)
	out, err := s.shownIdea(ctx, s.visibility(a), next)
	return out, item, err
}

// ideaTerms returns the telling words of an idea's title and detail, as
// similar incidents count them, with a plural "s" dropped so that "config
// changes" and "a config change" share their words.
func ideaTerms(i *Idea) map[string]float64 {
	out := map[string]float64{}
	for t, w := range SimilarTerms([]SearchField{{Name: "title", Text: i.Title}, {Name: "summary", Text: i.Detail}}, 64) {
		if len(t) > 4 && strings.HasSuffix(t, "s") && !strings.HasSuffix(t, "ss") {
			t = t[:len(t)-1]
		}
		out[t] += w
	}
	return out
}

// checkIdeaHistory lets a see an idea's history only when a may see every
// postmortem that raised it: revisions hold the mentions' notes.
func (s *Service) checkIdeaHistory(ctx context.Context, a Actor, id int64) error {
	idea, err := s.store.Idea(ctx, id)
	if err != nil {
		return err
	}
	v := s.visibility(a)
	for _, m := range idea.Mentions {
		ok, err := v.postmortem(ctx, &m.PostmortemID)
		if err != nil {
			return err
		}
		if !ok {
			return Errorf(EForbidden, "", "%s was raised in a postmortem you may not see, so only admins can read its history.", idea.Key)
		}
	}
	return nil
}
