package debrief

import (
	"context"
	"time"
)

// A Stamp names one state of a record. Every change to a postmortem moves
// its version and its update time, and ids are never reused, so two reads
// with the same stamp saw the same record; the update time also tells
// apart a record put back from a backup and then changed to a version
// number it had had before.
type Stamp struct {
	ID        int64
	Version   int
	UpdatedAt time.Time
}

// Same reports whether a and b name the same state of a record.
func (a Stamp) Same(b Stamp) bool {
	return a.ID == b.ID && a.Version == b.Version && a.UpdatedAt.Equal(b.UpdatedAt)
}

// Stamp returns the stamp of the postmortem as it was read.
func (pm *Postmortem) Stamp() Stamp {
	return Stamp{ID: pm.ID, Version: pm.Version, UpdatedAt: pm.UpdatedAt}
}

// PostmortemStampStore is a store that reads a postmortem's stamp and
// incident without the rest of the record: three small columns instead of
// the sections and their decoding, for a caller that keeps what it made of
// a postmortem and only needs to know whether it changed.
type PostmortemStampStore interface {
	// PostmortemStamp returns ENotFound as Postmortem does.
	PostmortemStamp(ctx context.Context, id int64) (Stamp, *int64, error)
}

// PostmortemStampByRef returns the stamp of the postmortem named by ref
// ("7" or "PM-7") after the checks of PostmortemByRef, with the same
// answers (a postmortem of a private incident the caller may not see does
// not exist). ok is false when the store reads no stamps; the caller then
// reads the postmortem.
func (s *Service) PostmortemStampByRef(ctx context.Context, ref string) (stamp Stamp, ok bool, err error) {
	id, err := ParseRef(ref, PostmortemKeyPrefix)
	if err != nil {
		return Stamp{}, false, err
	}
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return Stamp{}, false, err
	}
	st, ok := s.store.(PostmortemStampStore)
	if !ok {
		return Stamp{}, false, nil
	}
	stamp, incidentID, err := st.PostmortemStamp(ctx, id)
	if err != nil {
		return Stamp{}, false, err
	}
	if err := s.checkPostmortem(ctx, a, &Postmortem{ID: stamp.ID, IncidentID: incidentID}); err != nil {
		return Stamp{}, false, err
	}
	return stamp, true, nil
}
