package web

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/debriefhq/debrief/debrief"
)

// listTimeline answers one page of the incident's timeline, oldest first,
// in the {items, next_cursor} shape of every list.
func listTimeline(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.IncidentKeyPrefix)
		if err != nil {
			return err
		}
		q, err := parseQuery(r, "starred", "source", "kind", "limit", "after")
		if err != nil {
			return err
		}
		// Without a limit a page holds DefaultTimelinePageSize events: the
		// whole timeline of most incidents, as before timelines were paged.
		limit, after, err := q.pageCursor(func(c string) error {
			_, _, err := debrief.DecodeTimelineCursor(c)
			return err
		})
		if err != nil {
			return err
		}
		var f debrief.TimelineFilter
		if f.Starred, err = q.bool("starred"); err != nil {
			return err
		}
		source, err := q.one("source")
		if err != nil {
			return err
		}
		if f.Source = debrief.EventSource(source); source != "" && !f.Source.Valid() {
			return debrief.Errorf(debrief.EInvalid, "source", "Unknown source %q.", truncate(source, 40))
		}
		kind, err := q.one("kind")
		if err != nil {
			return err
		}
		if f.Kind = debrief.EventKind(kind); kind != "" && !f.Kind.Valid() {
			return debrief.Errorf(debrief.EInvalid, "kind", "Unknown kind %q.", truncate(kind, 40))
		}
		page, err := svc.TimelinePage(r.Context(), id, f, after, limit)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[*debrief.TimelineEvent]{Items: page.Items, NextCursor: page.NextCursor})
		return nil
	}
}

// addTimeline takes one event object, or {"events": [...]} to add many in
// one transaction. Events whose (source, external_id) the incident already
// has are not added again; the answer lists every event as stored.
func addTimeline(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.IncidentKeyPrefix)
		if err != nil {
			return err
		}
		b, err := readBody(r, dec.maxBody)
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(b)) == 0 {
			return debrief.Errorf(debrief.EInvalid, "", "The request body is empty; send one event object or {\"events\": [...]}.")
		}
		if err := requireJSON(r); err != nil {
			return err
		}
		var events []*debrief.TimelineEvent
		var opt debrief.AddEventsOptions
		if isBulk(b) {
			var in eventsCreate
			if err := unmarshalStrict(b, &in); err != nil {
				return err
			}
			if in.Events == nil {
				return debrief.Errorf(debrief.EInvalid, "events", "events must be a list of event objects.")
			}
			events = make([]*debrief.TimelineEvent, len(in.Events))
			for i := range in.Events {
				events[i] = in.Events[i].event()
			}
			opt = debrief.AddEventsOptions{SetLifecycle: in.SetLifecycle, SuggestOnly: in.SuggestOnly}
		} else {
			var in eventCreate
			if err := unmarshalStrict(b, &in); err != nil {
				return err
			}
			events = []*debrief.TimelineEvent{in.event()}
		}
		added, err := svc.AddTimelineEvents(r.Context(), id, events, opt)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, timelineAdded{Added: added, Events: events})
		return nil
	}
}

// isBulk reports whether a timeline body is the {"events": [...]} form: a
// JSON object with an "events" member. Anything else is read as one event,
// whose decoding then reports what is wrong with it.
func isBulk(b []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(b, &probe) != nil {
		return false
	}
	_, ok := probe["events"]
	return ok
}

func updateTimelineEvent(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		incidentID, err := pathRef(r, "id", debrief.IncidentKeyPrefix)
		if err != nil {
			return err
		}
		eventID, err := pathRef(r, "event", "")
		if err != nil {
			return err
		}
		var p eventPatch
		if err := dec.decode(r, &p); err != nil {
			return err
		}
		version, err := versionFrom(r, p.Version)
		if err != nil {
			return err
		}
		ev, err := svc.UpdateTimelineEvent(r.Context(), incidentID, eventID, p.patch(), version)
		if err != nil {
			return err
		}
		setETag(w, ev.Version)
		writeJSON(w, http.StatusOK, ev)
		return nil
	}
}

func deleteTimelineEvent(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		incidentID, err := pathRef(r, "id", debrief.IncidentKeyPrefix)
		if err != nil {
			return err
		}
		eventID, err := pathRef(r, "event", "")
		if err != nil {
			return err
		}
		version, err := deleteVersion(r, dec)
		if err != nil {
			return err
		}
		if err := svc.DeleteTimelineEvent(r.Context(), incidentID, eventID, version); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
