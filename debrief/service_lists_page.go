package debrief

import (
	"context"
	"math"
	"strconv"
	"strings"
)

// Pages of the lists that were once answered whole (tokens, integrations,
// ideas, templates, teams, trackers, notification channels, a template's
// versions, a postmortem's public links, a record's attachments): each page
// is cut by the store, with the cursor of the page's last item, as every
// other list is (Page, PageLimit).

// TokensPage returns one page of the caller's tokens, or of everyone's for
// an admin who asks for all, newest first.
func (s *Service) TokensPage(ctx context.Context, all bool, after string, limit int) (Page[*APIToken], error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return Page[*APIToken]{}, err
	}
	st, err := s.accountStore()
	if err != nil {
		return Page[*APIToken]{}, err
	}
	userID := a.UserID
	if all {
		if a.Role != RoleAdmin {
			return Page[*APIToken]{}, Errorf(EForbidden, "", "Only admins can list everyone's tokens.")
		}
		userID = 0
	} else if a.UserID == 0 {
		// An actor without an account (the CLI, open mode) has no tokens.
		return Page[*APIToken]{Items: []*APIToken{}}, nil
	}
	id, err := DecodeCursor(after)
	if err != nil {
		return Page[*APIToken]{}, err
	}
	limit = PageLimit(limit)
	list, err := st.ListTokensAfter(ctx, userID, id, limit+1)
	if err != nil {
		return Page[*APIToken]{}, err
	}
	return pageOf(list, limit, func(t *APIToken) string { return EncodeCursor(t.ID) }), nil
}

// IntegrationsPage returns one page of the integrations (admins only),
// oldest first.
func (s *Service) IntegrationsPage(ctx context.Context, after string, limit int) (Page[*Integration], error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return Page[*Integration]{}, err
	}
	id, err := DecodeCursor(after)
	if err != nil {
		return Page[*Integration]{}, err
	}
	limit = PageLimit(limit)
	list, err := s.store.ListIntegrationsAfter(ctx, id, limit+1)
	if err != nil {
		return Page[*Integration]{}, err
	}
	return pageOf(list, limit, func(in *Integration) string { return EncodeCursor(in.ID) }), nil
}

// TemplatesPage returns one page of the templates with their policies:
// the built-in ones first, then custom ones by key, as TemplateDefinitions
// lists them. The cursor is the last template's key.
func (s *Service) TemplatesPage(ctx context.Context, after string, limit int) (Page[*CustomTemplate], error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return Page[*CustomTemplate]{}, err
	}
	if after != "" && !validKey(after) {
		return Page[*CustomTemplate]{}, badCursor(after)
	}
	limit = PageLimit(limit)
	var out []*CustomTemplate
	customAfter, builtIn := "", after == ""
	for _, t := range BuiltInTemplates() {
		switch {
		case builtIn:
			out = append(out, BuiltInCustom(t.Key))
		case t.Key == after:
			builtIn = true
		}
	}
	if !builtIn {
		// The cursor is a custom template's key (or one since deleted:
		// the list goes on after where it would be).
		customAfter = after
		out = nil
	}
	if len(out) <= limit {
		custom, err := s.store.ListCustomTemplatesAfter(ctx, customAfter, limit+1-len(out))
		if err != nil {
			return Page[*CustomTemplate]{}, err
		}
		out = append(out, custom...)
	}
	return pageOf(out, limit, func(ct *CustomTemplate) string { return ct.Key }), nil
}

// TemplateVersionsPage returns one page of a template's versions, newest
// first; the cursor is the last version's number. A built-in template has
// one version. ENotFound when the key never existed.
func (s *Service) TemplateVersionsPage(ctx context.Context, key, after string, limit int) (Page[*CustomTemplate], error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return Page[*CustomTemplate]{}, err
	}
	below, err := DecodeCursor(after)
	if err != nil {
		return Page[*CustomTemplate]{}, err
	}
	if below > math.MaxInt32 {
		// Versions are 32-bit in both stores; no version follows this one.
		return Page[*CustomTemplate]{}, badCursor(after)
	}
	limit = PageLimit(limit)
	version := func(ct *CustomTemplate) string { return strconv.Itoa(ct.Version) }
	if ct := BuiltInCustom(key); ct != nil {
		list := []*CustomTemplate{}
		if below == 0 || int64(ct.Version) < below {
			list = append(list, ct)
		}
		return pageOf(list, limit, version), nil
	}
	list, err := s.store.ListTemplateVersionsAfter(ctx, key, int(below), limit+1)
	if err != nil {
		return Page[*CustomTemplate]{}, err
	}
	return pageOf(list, limit, version), nil
}

// PublicLinksPage returns one page of a postmortem's public links (without
// their tokens), newest first, if the caller may see the postmortem;
// otherwise ENotFound, as if it did not exist.
func (s *Service) PublicLinksPage(ctx context.Context, postmortemID int64, after string, limit int) (Page[*PublicLink], error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return Page[*PublicLink]{}, err
	}
	if _, err := s.visiblePostmortem(ctx, a, postmortemID); err != nil {
		return Page[*PublicLink]{}, err
	}
	id, err := DecodeCursor(after)
	if err != nil {
		return Page[*PublicLink]{}, err
	}
	limit = PageLimit(limit)
	list, err := s.store.ListPublicLinksAfter(ctx, postmortemID, id, limit+1)
	if err != nil {
		return Page[*PublicLink]{}, err
	}
	return pageOf(list, limit, func(l *PublicLink) string { return EncodeCursor(l.ID) }), nil
}

// AttachmentsPage returns one page of the attachments of one incident or
// postmortem, oldest first, without their bytes, if the caller may see the
// record; otherwise ENotFound, as if it did not exist.
func (s *Service) AttachmentsPage(ctx context.Context, f AttachmentFilter, after string, limit int) (Page[*Attachment], error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return Page[*Attachment]{}, err
	}
	if (f.IncidentID == nil) == (f.PostmortemID == nil) {
		return Page[*Attachment]{}, Errorf(EInvalid, "incident_id", "List the attachments of one incident or one postmortem.")
	}
	if err := s.checkAttachmentOwner(ctx, a, f.IncidentID, f.PostmortemID); err != nil {
		return Page[*Attachment]{}, err
	}
	id, err := DecodeCursor(after)
	if err != nil {
		return Page[*Attachment]{}, err
	}
	limit = PageLimit(limit)
	list, err := s.store.ListAttachmentsAfter(ctx, f, id, limit+1)
	if err != nil {
		return Page[*Attachment]{}, err
	}
	return pageOf(list, limit, func(at *Attachment) string { return EncodeCursor(at.ID) }), nil
}

// ideaCursor returns the cursor that continues the ideas board after idea,
// whose stored mentions (all of them, not only those a reader sees) give
// its place: "weight_id".
func ideaCursor(weight int, id int64) string {
	return strconv.Itoa(weight) + "_" + strconv.FormatInt(id, 10)
}

// decodeIdeaCursor parses a cursor made by ideaCursor; "" is the first page.
func decodeIdeaCursor(c string) (weight int, id int64, err error) {
	if c == "" {
		return 0, 0, nil
	}
	w, i, ok := strings.Cut(c, "_")
	weight, err1 := strconv.Atoi(w)
	id, err2 := strconv.ParseInt(i, 10, 64)
	if !ok || err1 != nil || err2 != nil || weight < 0 || id <= 0 {
		return 0, 0, badCursor(c)
	}
	return weight, id, nil
}

// IdeasPage returns one page of the ideas matching f that the caller may
// see, heaviest first (raised in most postmortems), then newest. Pages are
// placed by every mention an idea has, so a reader who cannot see some of
// them may find an idea a little higher than its weight says; its Weight
// still counts only what they see.
func (s *Service) IdeasPage(ctx context.Context, f IdeaFilter, after string, limit int) (Page[*Idea], error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return Page[*Idea]{}, err
	}
	for _, st := range f.Status {
		if !st.Valid() {
			return Page[*Idea]{}, Errorf(EInvalid, "status", "Unknown status %q; use open, promoted, merged or dropped.", st)
		}
	}
	weight, id, err := decodeIdeaCursor(after)
	if err != nil {
		return Page[*Idea]{}, err
	}
	limit = PageLimit(limit)
	v := s.visibility(a)
	out := Page[*Idea]{Items: []*Idea{}}
	stored := map[int64]int{} // each shown idea's weight by every mention, for the cursor
	for {
		list, err := s.store.ListIdeasAfter(ctx, f, weight, id, limit+1)
		if err != nil {
			return Page[*Idea]{}, err
		}
		for _, idea := range list {
			shown, err := s.shownIdea(ctx, v, idea)
			if err != nil {
				return Page[*Idea]{}, err
			}
			// The next read starts after every idea read, shown or not.
			weight, id = len(idea.Mentions), idea.ID
			if shown == nil {
				continue
			}
			if len(out.Items) == limit {
				// Another idea is shown after a full page: it starts the next.
				last := out.Items[limit-1]
				out.NextCursor = ideaCursor(stored[last.ID], last.ID)
				return out, nil
			}
			out.Items = append(out.Items, shown)
			stored[shown.ID] = len(idea.Mentions)
		}
		if len(list) <= limit {
			return out, nil
		}
	}
}

// TeamsPage returns one page of the teams, by name, with their members and
// services. The cursor is the last team's name.
func (s *Service) TeamsPage(ctx context.Context, after string, limit int) (Page[*Team], error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return Page[*Team]{}, err
	}
	if after != "" && !teamNameRe.MatchString(after) {
		return Page[*Team]{}, badCursor(after)
	}
	limit = PageLimit(limit)
	list, err := s.store.ListTeamsAfter(ctx, after, limit+1)
	if err != nil {
		return Page[*Team]{}, err
	}
	return pageOf(list, limit, func(t *Team) string { return t.Name }), nil
}

// TrackersPage returns one page of the trackers, by name, without their
// tokens, as ListTrackers does. The cursor is the last tracker's name,
// which is any text a name may be.
func (s *Service) TrackersPage(ctx context.Context, after string, limit int) (Page[*Tracker], error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return Page[*Tracker]{}, err
	}
	if len(after) > MaxTitleLen || CheckText("after", after, true) != nil {
		return Page[*Tracker]{}, badCursor(after)
	}
	limit = PageLimit(limit)
	list, err := s.store.ListTrackersAfter(ctx, after, limit+1)
	if err != nil {
		return Page[*Tracker]{}, err
	}
	return pageOf(withoutTokens(list), limit, func(t *Tracker) string { return t.Name }), nil
}

// NotificationChannelsPage returns one page of the notification channels
// (admins only), oldest first, secrets included as ListNotificationChannels
// returns them.
func (s *Service) NotificationChannelsPage(ctx context.Context, after string, limit int) (Page[*NotificationChannel], error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return Page[*NotificationChannel]{}, err
	}
	id, err := DecodeCursor(after)
	if err != nil {
		return Page[*NotificationChannel]{}, err
	}
	limit = PageLimit(limit)
	list, err := s.store.ListNotificationChannelsAfter(ctx, id, limit+1)
	if err != nil {
		return Page[*NotificationChannel]{}, err
	}
	return pageOf(list, limit, func(c *NotificationChannel) string { return EncodeCursor(c.ID) }), nil
}

// pageOf cuts list, read with one more than limit, to a page whose cursor
// continues after its last item when more follow.
func pageOf[T any](list []T, limit int, cursor func(T) string) Page[T] {
	p := Page[T]{Items: list}
	if p.Items == nil {
		p.Items = []T{}
	}
	if len(list) > limit {
		p.Items = list[:limit]
		p.NextCursor = cursor(list[limit-1])
	}
	return p
}
