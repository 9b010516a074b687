package debrief

import (
	"encoding/json"
	"reflect"
	"time"
)

// Entity names for revisions and audit.
const (
	EntityIncident   = "incident"
	EntityPostmortem = "postmortem"
	EntityActionItem = "action_item"
	EntityTimeline   = "timeline_event"
)

// Change is one field's value before and after an accepted change.
type Change struct {
	Field string          `json:"field"`
	Old   json.RawMessage `json:"old,omitempty"`
	New   json.RawMessage `json:"new,omitempty"`
}

// Revision records one accepted change to a record. It is appended in the
// same transaction as the change, so history and state never disagree.
type Revision struct {
	ID         int64  `json:"id"`
	EntityType string `json:"entity_type"`
	EntityID   int64  `json:"entity_id"`
	// Version is the record's version after the change (0 for changes that
	// do not version the record, such as timeline events added to an incident).
	Version int       `json:"version"`
	Action  string    `json:"action"` // create, update, delete, timeline.add, …
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
	Changes []Change  `json:"changes"`
}

// Diff lists the JSON fields whose values differ between old and new, which
// must be pointers to the same struct type. Bookkeeping fields are skipped.
func Diff(old, new any) []Change {
	ov, nv := reflect.ValueOf(old).Elem(), reflect.ValueOf(new).Elem()
	t := ov.Type()
	var out []Change
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := jsonName(f)
		switch name {
		case "", "-", "version", "updated_at", "created_at", "id", "key":
			continue
		}
		ob, _ := json.Marshal(ov.Field(i).Interface())
		nb, _ := json.Marshal(nv.Field(i).Interface())
		if string(ob) != string(nb) {
			out = append(out, Change{Field: name, Old: ob, New: nb})
		}
	}
	return out
}

// Snapshot records every field of a new record as a change from nothing.
func Snapshot(v any) []Change {
	rv := reflect.ValueOf(v).Elem()
	t := rv.Type()
	var out []Change
	for i := 0; i < t.NumField(); i++ {
		name := jsonName(t.Field(i))
		switch name {
		case "", "-", "version", "updated_at", "created_at", "id", "key":
			continue
		}
		b, _ := json.Marshal(rv.Field(i).Interface())
		out = append(out, Change{Field: name, New: b})
	}
	return out
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			return tag[:i]
		}
	}
	return tag
}

// RevisionFilter pages through the revisions of one record, newest first.
type RevisionFilter struct {
	EntityType string
	EntityID   int64
	Limit      int
	After      string
}
