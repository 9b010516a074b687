package debrief

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCheckStrings(t *testing.T) {
	type section struct {
		Heading string `json:"heading"`
		Body    string `json:"body"`
	}
	type record struct {
		Title    string            `json:"title"`
		Impact   string            `json:"impact"`
		Sections []section         `json:"sections"`
		Labels   map[string]string `json:"labels"`
		Mapping  json.RawMessage   `json:"mapping"`
	}
	ok := record{Title: "Checkout API returned 500s", Impact: "Some \u202E text is fine in a body.",
		Sections: []section{{Heading: "Summary", Body: "Fine."}}, Labels: map[string]string{"team": "payments"},
		Mapping: json.RawMessage(`{"title": "a\\\\u0000"}`)}
	if err := CheckStrings(&ok); err != nil {
		t.Fatalf("CheckStrings(valid record) = %v, want nil", err)
	}
	cases := []struct {
		name  string
		spoil func(r *record)
		field string
	}{
		{"NUL in the title", func(r *record) { r.Title = "a\x00b" }, "title"},
		{"invalid UTF-8 in the impact", func(r *record) { r.Impact = "a\xffb" }, "impact"},
		{"override in the title", func(r *record) { r.Title = "a\u202Eb" }, "title"},
		{"isolate in a heading", func(r *record) { r.Sections[0].Heading = "a\u2066b" }, "sections[0].heading"},
		{"NUL in a body", func(r *record) { r.Sections[0].Body = "a\x00b" }, "sections[0].body"},
		{"NUL in a label value", func(r *record) { r.Labels["team"] = "a\x00" }, "labels.team"},
		{"NUL in a label name", func(r *record) { r.Labels["te\x00am"] = "x" }, "labels"},
		{"NUL escaped in raw JSON", func(r *record) { r.Mapping = json.RawMessage(`{"title": "a\u0000"}`) }, "mapping"},
		{"long title", func(r *record) { r.Title = strings.Repeat("x", MaxTitleLen+1) }, "title"},
		{"long text", func(r *record) { r.Impact = strings.Repeat("x", MaxTextLen+1) }, "impact"},
	}
	for _, c := range cases {
		r := ok
		r.Sections = append([]section(nil), ok.Sections...)
		r.Labels = map[string]string{"team": "payments"}
		c.spoil(&r)
		err := CheckStrings(&r)
		if ErrorCode(err) != EInvalid || ErrorField(err) != c.field {
			t.Errorf("CheckStrings(%s) = %v (field %q); want EInvalid on %q", c.name, err, ErrorField(err), c.field)
		}
	}
}
