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

// PostmortemStamp is what a store reads of a postmortem without the
// record: its stamp, and what the Service needs to decide who may see it.
type PostmortemStamp struct {
	Stamp
	IncidentID *int64
	// IncidentPrivate says whether the incident is private; nil when the
	// postmortem has no incident or the incident is gone.
	IncidentPrivate *bool
}

// PostmortemStampStore is a store that reads a postmortem's stamp and
// incident without the rest of the record: a few small columns instead of
// the sections and their decoding, for a caller that keeps what it made of
// a postmortem and only needs to know whether it changed.
type PostmortemStampStore interface {
	// PostmortemStamp returns ENotFound as Postmortem does.
	PostmortemStamp(ctx context.Context, id int64) (PostmortemStamp, error)
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
	var ps PostmortemStamp
	if ahead := stampAheadOf(ctx); ahead != nil && ahead.read && ahead.found && ahead.id == id {
		ps = ahead.stamp
	} else {
		st, ok := s.store.(PostmortemStampStore)
		if !ok {
			return Stamp{}, false, nil
		}
		if ps, err = st.PostmortemStamp(ctx, id); err != nil {
			return Stamp{}, false, err
		}
	}
	if ps.IncidentPrivate == nil || *ps.IncidentPrivate {
		// Only a private incident hides its postmortem; whether the
		// caller is one of its members takes reading it.
		if err := s.checkPostmortem(ctx, a, &Postmortem{ID: ps.ID, IncidentID: ps.IncidentID}); err != nil {
			return Stamp{}, false, err
		}
	}
	return ps.Stamp, true, nil
}

// AuthStampStore is a store that reads the authentication generation and
// a postmortem's stamp in one statement, so that a request which
// authenticates with an API token and then asks for a postmortem's stamp
// makes one read instead of two (WithPostmortemStampAhead). found is
// false when there is no postmortem id.
type AuthStampStore interface {
	AuthGenerationAndPostmortemStamp(ctx context.Context, id int64) (gen int64, stamp PostmortemStamp, found bool, err error)
}

type stampAheadKey struct{}

// stampAhead is a postmortem's stamp read along with the authentication
// generation by TokenActor, for PostmortemStampByRef later in the same
// request. A request is served by one goroutine at a time, so it needs no
// lock.
type stampAhead struct {
	id    int64
	read  bool
	found bool
	stamp PostmortemStamp
}

// WithPostmortemStampAhead returns ctx asking TokenActor to read the stamp
// of the postmortem named by ref in the statement that reads the
// authentication generation, where the store can. PostmortemStampByRef in
// the same request then uses that stamp, after its own checks of the
// actor, instead of reading it again. The stamp is as fresh as the
// generation: both are of one moment during the request. ctx is returned
// unchanged when ref names no postmortem.
func WithPostmortemStampAhead(ctx context.Context, ref string) context.Context {
	id, err := ParseRef(ref, PostmortemKeyPrefix)
	if err != nil {
		return ctx
	}
	return context.WithValue(ctx, stampAheadKey{}, &stampAhead{id: id})
}

// stampAheadOf returns the stamp ctx asks TokenActor to read along, or nil.
func stampAheadOf(ctx context.Context) *stampAhead {
	a, _ := ctx.Value(stampAheadKey{}).(*stampAhead)
	return a
}

// readGenerationAhead reads the authentication generation together with
// the postmortem stamp ctx asks for; ok is false when ctx asks for none,
// it was read already, or the store cannot.
func readGenerationAhead(ctx context.Context, st AccountStore) (gen int64, ok bool, err error) {
	ahead := stampAheadOf(ctx)
	as, can := st.(AuthStampStore)
	if ahead == nil || ahead.read || !can {
		return 0, false, nil
	}
	gen, stamp, found, err := as.AuthGenerationAndPostmortemStamp(ctx, ahead.id)
	if err != nil {
		return 0, false, err
	}
	ahead.read, ahead.found, ahead.stamp = true, found, stamp
	return gen, true, nil
}
