package ingest

import "testing"

func TestTimelineFormat(t *testing.T) {
	cases := []struct{ name, mediaType, want string }{
		{"export.zip", "", FormatSlack},
		{"timeline.CSV", "", FormatCSV},
		{"notes.tsv", "", FormatCSV},
		{"events.jsonl", "", FormatJSON},
		{"events.ndjson", "", FormatJSON},
		{"log.md", "", FormatMarkdown},
		{`C:\exports\log.markdown`, "", FormatMarkdown},
		{"upload", "text/csv", FormatCSV},
		{"upload", "application/zip", FormatSlack},
		{"notes.md", "text/csv", FormatMarkdown}, // the name wins
		{"upload", "application/octet-stream", ""},
		{"-", "", ""},
	}
	for _, c := range cases {
		if got := TimelineFormat(c.name, c.mediaType); got != c.want {
			t.Errorf("TimelineFormat(%q, %q) = %q, want %q", c.name, c.mediaType, got, c.want)
		}
	}
}
