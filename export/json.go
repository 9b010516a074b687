package export

import (
	"encoding/json"
	"io"
)

// jsonDocument is the JSON export: the full record with the format version.
type jsonDocument struct {
	Debrief int `json:"debrief"`
	*Document
	Durations any `json:"durations,omitempty"`
}

// JSON returns the full record as indented JSON, for other tools: the
// postmortem, its incident (with derived durations), timeline and action
// items, every field under its API name.
func JSON(doc *Document) ([]byte, error) {
	jd := jsonDocument{Debrief: FormatVersion, Document: doc}
	if doc.Incident != nil {
		jd.Durations = doc.Incident.Durations()
	}
	b, err := json.MarshalIndent(jd, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WriteJSON writes the JSON export; see JSON.
func WriteJSON(w io.Writer, doc *Document) error {
	b, err := JSON(doc)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
