package debrief

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// SectionEdit is one writer's change to one section of a postmortem.
type SectionEdit struct {
	// Body and Heading are the new text; nil leaves that part as it is.
	Body    *string
	Heading *string
	// BaseVersion is the section's version the writer started from, or the
	// version of the postmortem they read it in: the change is refused only
	// if this section changed after it.
	BaseVersion int
}

// SectionText is a section's heading and body, the parts people write.
type SectionText struct {
	Heading string `json:"heading"`
	Body    string `json:"body"`
}

// SectionConflict is the Current of the EConflict that UpdateSection
// returns when someone else saved the same section after the writer's base.
// It carries both texts and the one they started from, so the writer can
// merge them side by side; nothing was stored, nothing is lost.
type SectionConflict struct {
	Key         string `json:"key"`
	BaseVersion int    `json:"base_version"`
	// Base is the section as it was at BaseVersion, or nil when the history
	// no longer tells (a postmortem older than section versions).
	Base *SectionText `json:"base"`
	// Theirs is the section as stored now, with its version: a retry names
	// Theirs.Version as its base. Its key is empty if the section was removed.
	Theirs Section `json:"theirs"`
	// Yours is the text that was sent, completed from the base where only
	// the body or the heading was sent.
	Yours      SectionText `json:"yours"`
	Postmortem *Postmortem `json:"postmortem"`
}

// maxLegacyRetries bounds the retries of the whole-postmortem path that
// the first section save of an old postmortem takes (see UpdateSection).
const maxLegacyRetries = 20

// UpdateSection saves one section of a postmortem if that section has not
// changed since e.BaseVersion, whatever happened to the rest of the
// postmortem meanwhile: two people writing different sections never
// conflict. When someone else saved this section after the base, it returns
// EConflict with a *SectionConflict as Current (unless they saved exactly
// the same text, which is then simply accepted). The accepted change
// appends a revision, like every other change.
func (s *Service) UpdateSection(ctx context.Context, id int64, key string, e SectionEdit) (*Postmortem, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	if e.Body == nil && e.Heading == nil {
		return nil, Errorf(EInvalid, "body", "Give the section's new body, heading or both.")
	}
	// The text rule every record keeps (see CheckText): this path writes
	// one section without the postmortem's Validate, so it applies it here;
	// PostgreSQL would refuse a NUL with an internal error.
	if e.Heading != nil {
		if err := CheckText("heading", *e.Heading, true); err != nil {
			return nil, err
		}
		h := strings.TrimSpace(*e.Heading)
		if h == "" {
			return nil, Errorf(EInvalid, "heading", "A section needs a heading.")
		}
		if len(h) > MaxTitleLen {
			return nil, Errorf(EInvalid, "heading", "The heading is %d bytes long; a title or name holds at most %d.", len(h), MaxTitleLen)
		}
		e.Heading = &h
	}
	if e.Body != nil {
		if err := CheckText("body", *e.Body, false); err != nil {
			return nil, err
		}
		if len(*e.Body) > MaxTextLen {
			return nil, Errorf(EInvalid, "body", "The section is too long (%d bytes; at most %d).", len(*e.Body), MaxTextLen)
		}
	}
	if e.BaseVersion < 0 {
		return nil, Errorf(EInvalid, "base_version", "The base version cannot be negative.")
	}
	for attempt := 0; ; attempt++ {
		// Read without filling in missing section versions: an old
		// postmortem's first section save must stamp them all (below).
		raw, err := s.store.Postmortem(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := s.checkPostmortem(ctx, a, raw); err != nil {
			return nil, err
		}
		legacy := hasUnversionedSections(raw)
		cur := clonePostmortem(raw)
		fillSectionVersions(cur)
		if e.BaseVersion > cur.Version {
			return nil, Errorf(EInvalid, "base_version", "Version %d is newer than the postmortem, which is at version %d.", e.BaseVersion, cur.Version)
		}
		sec := cur.Section(key)
		if sec == nil {
			return nil, Errorf(ENotFound, "key", "%s has no section %q.", cur.Key, truncate(key, 70))
		}
		yours := SectionText{Heading: sec.Heading, Body: sec.Body}
		if e.Heading != nil {
			yours.Heading = *e.Heading
		}
		if e.Body != nil {
			yours.Body = *e.Body
		}
		old := SectionText{Heading: sec.Heading, Body: sec.Body}
		if yours == old {
			// Nothing to change, whether or not the section moved on: the
			// stored text already says what the writer wants.
			return cur, nil
		}
		if sec.Version > e.BaseVersion {
			return nil, s.sectionConflict(ctx, cur, key, e, yours)
		}
		next := *sec
		next.Heading, next.Body = yours.Heading, yours.Body
		now := s.Now()
		changes := sectionChanges(key, old, yours)
		if legacy {
			// Some sections were stored before sections had versions. Save
			// through the whole postmortem's version check, which stamps
			// them all; a concurrent change to it is retried, since the
			// check above is what decides about this section.
			full := *cur
			full.Sections = append([]Section(nil), cur.Sections...)
			next.Version = cur.Version + 1
			*full.Section(key) = next
			full.UpdatedAt = now
			err := s.store.UpdatePostmortem(ctx, &full, raw.Version, s.revision(a, EntityPostmortem, id, raw.Version+1, "update", changes))
			if IsCode(err, EConflict) && attempt < maxLegacyRetries {
				continue
			}
			if err != nil {
				return nil, err
			}
			s.publishSection(a, &full, key)
			s.storeQualityScore(ctx, &full)
			return &full, nil
		}
		pm, err := s.store.UpdatePostmortemSection(ctx, id, next, sec.Version, now, s.revision(a, EntityPostmortem, id, 0, "update", changes))
		if err != nil {
			var ce *Error
			if IsCode(err, EConflict) && errors.As(err, &ce) {
				if stored, ok := ce.Current.(*Postmortem); ok {
					// Someone saved this section between the read above and
					// the write: the same rule as above, on what is stored now.
					fillSectionVersions(stored)
					if t := stored.Section(key); t != nil && t.Heading == yours.Heading && t.Body == yours.Body {
						return stored, nil
					}
					return nil, s.sectionConflict(ctx, stored, key, e, yours)
				}
			}
			return nil, err
		}
		s.publishSection(a, pm, key)
		s.storeQualityScore(ctx, pm)
		return pm, nil
	}
}

// sectionChanges is the revision of a section save: one change named
// sections.<key>, holding the heading and body before and after.
func sectionChanges(key string, old, new SectionText) []Change {
	ob, _ := json.Marshal(old)
	nb, _ := json.Marshal(new)
	return []Change{{Field: "sections." + key, Old: ob, New: nb}}
}

// sectionConflict builds the EConflict for a section someone else saved
// after the writer's base, with both texts and the base.
func (s *Service) sectionConflict(ctx context.Context, cur *Postmortem, key string, e SectionEdit, yours SectionText) error {
	c := &SectionConflict{Key: key, BaseVersion: e.BaseVersion, Yours: yours, Postmortem: cur}
	c.Base = s.sectionAt(ctx, cur.ID, key, e.BaseVersion)
	if c.Base != nil {
		// What the writer did not send is what they started from.
		if e.Heading == nil {
			c.Yours.Heading = c.Base.Heading
		}
		if e.Body == nil {
			c.Yours.Body = c.Base.Body
		}
	}
	var msg string
	if t := cur.Section(key); t != nil {
		c.Theirs = *t
		msg = "Someone else saved the section " + strconv.Quote(t.Heading) + " after you started editing it. Both texts are kept: merge them and save again with base_version " + strconv.Itoa(t.Version) + "."
	} else {
		msg = "Someone else removed the section " + strconv.Quote(key) + " after you started editing it; your text is kept in this answer."
	}
	return &Error{Code: EConflict, Field: "base_version", Current: c, Message: msg}
}

// maxBaseLookup bounds how many revisions sectionAt reads looking for a
// section's base text, so a conflict on a postmortem with a very long
// history stays cheap; past it the base is reported as unknown.
const maxBaseLookup = 2000

// sectionAt returns section key as it was at postmortem version v, read
// from the postmortem's revisions (the newest one at or before v that
// recorded the section), or nil if they do not tell.
func (s *Service) sectionAt(ctx context.Context, id int64, key string, v int) *SectionText {
	f := RevisionFilter{EntityType: EntityPostmortem, EntityID: id, Limit: 200}
	for read := 0; read < maxBaseLookup; {
		page, err := s.store.ListRevisions(ctx, f)
		if err != nil {
			return nil
		}
		for _, rev := range page.Items {
			read++
			if rev.Version > v || rev.Version == 0 {
				continue
			}
			for _, ch := range rev.Changes {
				switch ch.Field {
				case "sections." + key:
					var t SectionText
					if json.Unmarshal(ch.New, &t) == nil {
						return &t
					}
				case "sections":
					var secs []Section
					if json.Unmarshal(ch.New, &secs) != nil {
						continue
					}
					for _, sec := range secs {
						if sec.Key == key {
							return &SectionText{Heading: sec.Heading, Body: sec.Body}
						}
					}
					// The section did not exist at that version.
					return nil
				}
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		f.After = page.NextCursor
	}
	return nil
}

// stampSections sets the version of each section in next (the sections
// of cur after a whole-postmortem change): a section that is new or
// changed takes cur's next version, an unchanged one keeps its own.
func stampSections(cur *Postmortem, next []Section) {
	for i := range next {
		sec := &next[i]
		old := cur.Section(sec.Key)
		if old == nil {
			sec.Version = cur.Version + 1
			continue
		}
		same := *sec
		same.Version = old.Version
		if same == *old {
			sec.Version = old.Version
		} else {
			sec.Version = cur.Version + 1
		}
	}
}

// fillSectionVersions gives sections stored before sections had versions
// the postmortem's version, the latest at which they can have changed, so
// a writer who read them never overwrites a later change unseen.
func fillSectionVersions(pm *Postmortem) {
	if !hasUnversionedSections(pm) {
		return
	}
	// The sections may be shared with whoever handed pm over; change a copy.
	pm.Sections = append([]Section(nil), pm.Sections...)
	for i := range pm.Sections {
		if pm.Sections[i].Version == 0 {
			pm.Sections[i].Version = pm.Version
		}
	}
}

func hasUnversionedSections(pm *Postmortem) bool {
	for i := range pm.Sections {
		if pm.Sections[i].Version == 0 {
			return true
		}
	}
	return false
}

func clonePostmortem(pm *Postmortem) *Postmortem {
	c := *pm
	c.Sections = append([]Section(nil), pm.Sections...)
	return &c
}
