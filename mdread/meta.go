package mdread

import (
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Meta is what a document says about its incident and itself outside its
// prose: the fields of its front matter (flat, or under "incident:" and
// "postmortem:") and "**Severity**: SEV-2" style lines such as a Google
// Docs export puts under the title. Import and lint both read it here, so
// they agree on a document's severity, services, root cause and factors.
// Values are as written, trimmed; only the severity and the status are
// normalised (see below).
type Meta struct {
	Title string
	// Severity is "SEV2" for "SEV-2", "sev 2" or "Sev2"; other values as
	// written (a team's own level names).
	Severity                 string
	Services, Customers      []string
	Labels                   []string // labels, tags or categories
	Impact                   string
	IncidentKey              string
	Commander, Scribe, Comms string
	StartedAt, DetectedAt    *time.Time
	MitigatedAt, ResolvedAt  *time.Time
	PublishedAt              *time.Time
	Status                   string // "draft", "in_review", "published" or ""
	Owner, CreatedBy         string
	Kind, Template           string
	TemplateVersion          int
	RootCause                string
	Factors                  []string
	Authors, Reviewers       []string
	// HasIncident says whether any incident field was given.
	HasIncident bool
}

// Meta reads the document's front matter and field lines.
func (d *Doc) Meta() *Meta {
	m := &Meta{}
	if fm := d.FrontMatter; fm != nil && fm.Fields != nil {
		m.postmortem(fm.Fields)
		if inc, ok := fm.Fields["incident"].(map[string]any); ok {
			m.incident(inc)
		}
		if pm, ok := fm.Fields["postmortem"].(map[string]any); ok {
			m.postmortem(pm)
		}
		m.incident(fm.Fields)
	}
	for _, s := range d.Sections {
		if s.FromFrontMatter {
			continue
		}
		props := propertySection(s)
		for _, row := range propertyRows(s) {
			m.field(row[0], row[1])
		}
		for _, l := range s.Body {
			if label, rest, ok := fieldLine(strings.TrimSpace(l)); ok {
				m.field(label, rest)
			} else if label, rest, ok := plainField(l, props); ok {
				m.field(label, rest)
			}
		}
	}
	return m
}

// plainFieldRe matches an unemphasised "Label: value" line or list item
// ("Incident commander: Sam Patel", "- Status: Published", as Notion and
// Confluence export a page's properties); the label must be one of
// fieldLabels.
var plainFieldRe = regexp.MustCompile(`^\s{0,3}(?:[-*+]\s+)?([A-Za-z][A-Za-z ]{0,30}?):\s+(\S.*)$`)

// plainField reads a plain field line. Roles and the severity are read
// wherever they stand; the other labels ("Status:", "Services:") and
// abbreviations ("IC:", "Sev:") start ordinary lines elsewhere (a status
// update in a timeline), so they are read only in a property section.
func plainField(l string, props bool) (label, rest string, ok bool) {
	m := plainFieldRe.FindStringSubmatch(l)
	if m == nil {
		return "", "", false
	}
	label = strings.ToLower(m[1])
	k := fieldLabels[label]
	anywhere := len(label) > 3 && (k == fieldSeverity || k == fieldCommander || k == fieldScribe || k == fieldComms)
	if k == fieldNone || !props && !anywhere {
		return "", "", false
	}
	return label, strings.TrimSpace(m[2]), true
}

// propertySection says whether a section holds a document's properties:
// the text above the first heading, or a section named for them.
func propertySection(s *Section) bool {
	if s.Preamble {
		return true
	}
	switch normName(s.Heading) {
	case "details", "incident details", "metadata", "properties", "incident information", "info", "responders", "roles", "people", "participants", "incident":
		return true
	}
	return false
}

// fieldLine reads "**Label**: value" and "**Label:** value" (the bold
// labels of labelled paragraphs, names.go).
func fieldLine(s string) (label, rest string, ok bool) {
	m := boldLabelRe.FindStringSubmatch(s)
	if m == nil {
		return "", "", false
	}
	return strings.TrimSpace(m[1]), strings.TrimSpace(m[2]), true
}

// fieldKind is the field a labelled line or property row fills.
type fieldKind int

const (
	fieldNone fieldKind = iota
	fieldAuthors
	fieldReviewers
	fieldStatus
	fieldSeverity
	fieldCommander
	fieldScribe
	fieldComms
	fieldServices
	fieldTags
	fieldDate // read by Doc.Day
)

// fieldLabels are the labels of field lines ("**Severity:**", "Incident
// commander:") and property table rows, lower case, with the field each
// fills.
var fieldLabels = map[string]fieldKind{
	"authors": fieldAuthors, "author": fieldAuthors, "owner": fieldAuthors, "owners": fieldAuthors,
	"reviewers": fieldReviewers, "reviewed by": fieldReviewers, "shared with": fieldReviewers,
	"status":   fieldStatus,
	"severity": fieldSeverity, "sev": fieldSeverity, "incident severity": fieldSeverity,
	"incident commander": fieldCommander, "commander": fieldCommander, "ic": fieldCommander, "incident lead": fieldCommander,
	"scribe":              fieldScribe,
	"communications lead": fieldComms, "comms lead": fieldComms, "communications": fieldComms,
	"services": fieldServices, "affected services": fieldServices, "services affected": fieldServices, "service": fieldServices, "affected service": fieldServices,
	"tags": fieldTags, "labels": fieldTags,
	"date": fieldDate, "incident date": fieldDate, "date of incident": fieldDate,
}

// field takes a field line or property row. The line stays text in its
// section. The front matter, read first, wins over a field line; the
// first field line wins over later ones.
func (m *Meta) field(label, rest string) {
	list := func() []string {
		var out []string
		for _, a := range strings.Split(rest, ",") {
			if a = strings.TrimSpace(Plain(a)); a != "" {
				out = append(out, a)
			}
		}
		return out
	}
	one := func(dst *string) {
		if s := Plain(rest); s != "" && *dst == "" {
			*dst, m.HasIncident = s, true
		}
	}
	switch fieldLabels[strings.ToLower(label)] {
	case fieldAuthors:
		m.Authors = append(m.Authors, list()...)
	case fieldReviewers:
		m.Reviewers = append(m.Reviewers, list()...)
	case fieldStatus:
		if s := statusOf(rest); s != "" {
			m.Status = s
		}
	case fieldSeverity:
		if s := Severity(Plain(rest)); s != "" && m.Severity == "" {
			m.Severity, m.HasIncident = s, true
		}
	case fieldCommander:
		one(&m.Commander)
	case fieldScribe:
		one(&m.Scribe)
	case fieldComms:
		one(&m.Comms)
	case fieldServices:
		if l := list(); len(l) > 0 && len(m.Services) == 0 {
			m.Services, m.HasIncident = l, true
		}
	case fieldTags:
		if l := list(); len(l) > 0 && len(m.Labels) == 0 {
			m.Labels, m.HasIncident = l, true
		}
	}
}

// setStr sets *dst to the front matter scalar v, when v is not empty.
func setStr(dst *string, v any) {
	if s := str(v); s != "" {
		*dst = s
	}
}

func (m *Meta) postmortem(f map[string]any) {
	setStr(&m.Title, f["title"])
	setStr(&m.Owner, f["owner"])
	setStr(&m.CreatedBy, f["created_by"])
	if s := str(f["status"]); s != "" {
		m.Status = statusOf(s)
	}
	setStr(&m.Kind, f["kind"])
	setStr(&m.Template, f["template"])
	if v, ok := f["template_version"].(int); ok {
		m.TemplateVersion = v
	}
	if t := timeOf(f["published_at"]); t != nil {
		m.PublishedAt = t
	}
	if l := strList(f["contributing_factors"]); len(l) > 0 {
		m.Factors = l
	}
	setStr(&m.RootCause, f["root_cause"])
	m.Authors = append(m.Authors, strList(f["authors"])...)
	m.Reviewers = append(m.Reviewers, strList(f["reviewers"])...)
	m.Reviewers = append(m.Reviewers, strList(f["shared_with"])...)
}

// incidentKeys are the front matter keys of the incident.
var incidentKeys = []string{"severity", "services", "customers", "started_at", "detected_at", "mitigated_at", "resolved_at",
	"impact", "labels", "tags", "categories", "commander", "roles", "key"}

func (m *Meta) incident(f map[string]any) {
	has := false
	for _, k := range incidentKeys {
		if _, ok := f[k]; ok {
			has = true
		}
	}
	if !has {
		return
	}
	m.HasIncident = true
	if s := str(f["severity"]); s != "" {
		m.Severity = Severity(s)
	}
	if l := strList(f["services"]); len(l) > 0 {
		m.Services = l
	}
	if l := strList(f["customers"]); len(l) > 0 {
		m.Customers = l
	}
	for _, k := range []string{"labels", "tags", "categories"} {
		m.Labels = append(m.Labels, strList(f[k])...)
	}
	setStr(&m.Impact, f["impact"])
	setStr(&m.IncidentKey, f["key"])
	setStr(&m.Commander, f["commander"])
	if roles, ok := f["roles"].(map[string]any); ok {
		m.Commander = str(roles["commander"])
		m.Scribe = str(roles["scribe"])
		m.Comms = str(roles["communications"])
	}
	if t := timeOf(f["started_at"]); t != nil {
		m.StartedAt = t
	}
	m.DetectedAt = orTime(timeOf(f["detected_at"]), m.DetectedAt)
	m.MitigatedAt = orTime(timeOf(f["mitigated_at"]), m.MitigatedAt)
	m.ResolvedAt = orTime(timeOf(f["resolved_at"]), m.ResolvedAt)
}

// statusOf reads a postmortem status: Debrief's own names, or the words
// teams use ("Final", "Complete", "In review").
func statusOf(s string) string {
	l := strings.ToLower(strings.TrimSpace(Plain(s)))
	switch l {
	case "draft", "in_review", "published":
		return l
	}
	switch {
	case strings.Contains(l, "publish") || strings.Contains(l, "complete") || strings.Contains(l, "final"):
		return "published"
	case strings.Contains(l, "review"):
		return "in_review"
	case strings.Contains(l, "draft"):
		return "draft"
	}
	return ""
}

var sevRe = regexp.MustCompile(`(?i)\bsev\s*-?\s*([0-9])\b`)

// Severity normalises a severity: "SEV-2", "sev 2" and "Sev2" are "SEV2";
// other values are returned as plain text.
func Severity(s string) string {
	if m := sevRe.FindStringSubmatch(s); m != nil {
		return "SEV" + m[1]
	}
	return strings.TrimSpace(Plain(s))
}

func orTime(a, b *time.Time) *time.Time {
	if a != nil {
		return a
	}
	return b
}

// str reads a front matter scalar as text.
func str(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case int, int64, float64, bool:
		b, _ := yaml.Marshal(x)
		return strings.TrimSpace(string(b))
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return ""
}

// strList reads a front matter list, or a comma-separated string.
func strList(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if s := str(e); s != "" {
				out = append(out, s)
			}
		}
	case string:
		for _, s := range strings.Split(x, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

var dateTimeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"}

// timeOf reads a front matter time: a YAML timestamp or one of the usual
// layouts, read as UTC when it names no zone.
func timeOf(v any) *time.Time {
	switch x := v.(type) {
	case time.Time:
		t := x.UTC()
		return &t
	case string:
		s := strings.TrimSpace(x)
		for _, l := range dateTimeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				t = t.UTC()
				return &t
			}
		}
	}
	return nil
}

// recordKeys are the top-level front matter keys whose values Meta reads
// into the fields an importer stores (the incident's, but its key, and
// the postmortem's title, status, dates, root cause and factors); the
// front matter section keeps the others as text.
var recordKeys = func() map[string]bool {
	keys := map[string]bool{"title": true, "status": true, "published_at": true, "root_cause": true, "contributing_factors": true}
	for _, k := range incidentKeys {
		keys[k] = k != "key"
	}
	return keys
}()

// propertyRows returns the label and value of each row of the section's
// two-column property tables ("| Severity | SEV-2 |", as Atlassian's
// postmortem template has under its summary): a table counts when at
// least two of its rows (or its header and a row) have a known label.
func propertyRows(s *Section) [][2]string {
	var out [][2]string
	for _, b := range s.Blocks {
		if b.Kind != Table {
			continue
		}
		t := ReadTable(s.Body[b.Start:min(b.End, len(s.Body))])
		if t == nil || len(t.Header) != 2 {
			continue
		}
		rows := append([][]string{{t.RawHeader[0], t.RawHeader[1]}}, t.Rows...)
		var props [][2]string
		for _, r := range rows {
			label := strings.TrimRight(strings.ToLower(Plain(r[0])), ": ")
			if fieldLabels[label] != fieldNone && strings.TrimSpace(r[1]) != "" {
				props = append(props, [2]string{label, strings.TrimSpace(r[1])})
			}
		}
		if len(props) >= 2 {
			out = append(out, props...)
		}
	}
	return out
}
