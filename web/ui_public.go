package web

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
)

// The public version beside the internal one: the reading view's record,
// part by part, next to what export.Public makes of it (the same code the
// public link and the public export use), with each redaction and each
// part left out marked, so the writer sees what a customer would read
// before sharing it.

// publicPage compares a postmortem with its public version.
type publicComparePage struct {
	layout
	PM     *debrief.Postmortem
	Report export.PublicReport
	Rows   []compareRow
	// LeftOutFields names what the public version never shows.
	LeftOutFields string
}

// compareRow is one part of the record in both versions; LeftOut is set
// when the public version does not have the part at all.
type compareRow struct {
	ID, Heading      string
	Internal, Public template.HTML
	LeftOut          string
}

// redactionMarks are the placeholders export.Public writes and how the
// page marks them: a highlighted span whose title says what was removed.
var redactionMarks = []struct{ placeholder, what string }{
	{export.RedactedName, "a name"},
	{export.RedactedEmail, "an e-mail address"},
	{export.RedactedHost, "a host name"},
	{export.RedactedIP, "an IP address"},
}

// redactionToken stands in for a placeholder while Markdown is rendered,
// so a placeholder is not read as link syntax and the mark is added only
// to text (a token inside an attribute comes out escaped and unmarked).
// The private-use characters do not occur in what people write.
func redactionToken(i int) string { return "\uE000" + string(rune('0'+i)) + "\uE001" }

func redactionSpan(i int) string {
	m := redactionMarks[i]
	return `<span class="redacted" title="Redacted: ` + m.what + `">` + template.HTMLEscapeString(m.placeholder) + `</span>`
}

// markedMarkdown renders public Markdown with its redactions marked.
func markedMarkdown(src string) (template.HTML, error) {
	for i, m := range redactionMarks {
		src = strings.ReplaceAll(src, m.placeholder, redactionToken(i))
	}
	h, err := export.PageMarkdown(src)
	if err != nil {
		return "", err
	}
	s := string(h)
	for i := range redactionMarks {
		s = strings.ReplaceAll(s, redactionToken(i), redactionSpan(i))
	}
	return template.HTML(s), nil
}

// markedText escapes plain public text and marks its redactions.
func markedText(s string) template.HTML {
	s = template.HTMLEscapeString(s)
	for i, m := range redactionMarks {
		s = strings.ReplaceAll(s, template.HTMLEscapeString(m.placeholder), redactionSpan(i))
	}
	return template.HTML(s)
}

func plainHTML(s string) template.HTML { return template.HTML(template.HTMLEscapeString(s)) }

// listHTML shows a list of plain entries, each through mark.
func listHTML(items []string, mark func(string) template.HTML) template.HTML {
	if len(items) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("<ul>")
	for _, it := range items {
		b.WriteString("<li>")
		b.WriteString(string(mark(it)))
		b.WriteString("</li>")
	}
	b.WriteString("</ul>")
	return template.HTML(b.String())
}

func (s *Server) uiPublicCompare() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		doc, err := export.Load(ctx, s.svc, pm.ID)
		if err != nil {
			return err
		}
		pub, rep := export.Public(doc)
		p := publicComparePage{layout: newLayout(r, "Public version of "+pm.Key, "postmortems"), PM: doc.Postmortem, Report: rep,
			LeftOutFields: "owners, authors, incident roles and members, customers, labels, who wrote each timeline event, action item owners and tracker links"}
		if p.Rows, err = compareRows(doc, pub, p); err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "public.html", "layout", p)
	}
}

// compareRows lays the two versions side by side, part by part.
func compareRows(doc, pub *export.Document, p publicComparePage) ([]compareRow, error) {
	in, out := doc.Postmortem, pub.Postmortem
	rows := []compareRow{{ID: "cmp-title", Heading: "Title", Internal: plainHTML(in.Title), Public: markedText(out.Title)}}
	md := func(row compareRow, internal, public string) (compareRow, error) {
		var err error
		if row.Internal, err = export.PageMarkdown(internal); err != nil {
			return row, err
		}
		if row.LeftOut == "" {
			row.Public, err = markedMarkdown(public)
		}
		return row, err
	}
	if doc.Incident != nil && pub.Incident != nil && doc.Incident.Impact != "" {
		row, err := md(compareRow{ID: "cmp-impact", Heading: "Impact"}, doc.Incident.Impact, pub.Incident.Impact)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	public := map[string]debrief.Section{}
	for _, sec := range out.Sections {
		public[sec.Key] = sec
	}
	for _, sec := range in.Sections {
		row := compareRow{ID: "cmp-section-" + sec.Key, Heading: sec.Heading}
		ps, ok := public[sec.Key]
		if !ok {
			row.LeftOut = "Left out: this section is marked internal."
		}
		row, err := md(row, sec.Body, ps.Body)
		if err != nil {
			return nil, err
		}
		if ok && ps.Heading != sec.Heading {
			row.Heading = sec.Heading + " (public heading: " + ps.Heading + ")"
		}
		rows = append(rows, row)
	}
	if in.RootCause != "" {
		row, err := md(compareRow{ID: "cmp-root-cause", Heading: "Root cause"}, in.RootCause, out.RootCause)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	if len(in.ContributingFactors) > 0 {
		rows = append(rows, compareRow{ID: "cmp-factors", Heading: "Contributing factors",
			Internal: listHTML(in.ContributingFactors, plainHTML), Public: listHTML(out.ContributingFactors, markedText)})
	}
	for _, l := range []struct {
		id, heading string
		in, out     []string
	}{
		{"cmp-went-well", "What went well", in.Lessons.WentWell, out.Lessons.WentWell},
		{"cmp-went-wrong", "What went wrong", in.Lessons.WentWrong, out.Lessons.WentWrong},
		{"cmp-got-lucky", "Where we got lucky", in.Lessons.GotLucky, out.Lessons.GotLucky},
	} {
		if len(l.in) > 0 {
			rows = append(rows, compareRow{ID: l.id, Heading: l.heading, Internal: listHTML(l.in, plainHTML), Public: listHTML(l.out, markedText)})
		}
	}
	if len(doc.Timeline) > 0 && len(pub.Timeline) == len(doc.Timeline) {
		var inT, outT []string
		for i, e := range doc.Timeline {
			at := formatDateTime(p.Loc, e.At) + " " + p.Zone + " · "
			who := ""
			if e.Actor != "" {
				who = " (" + e.Actor + ")"
			}
			inT = append(inT, at+e.Text+who)
			outT = append(outT, at+pub.Timeline[i].Text)
		}
		rows = append(rows, compareRow{ID: "cmp-timeline", Heading: "Timeline events", Internal: listHTML(inT, plainHTML), Public: listHTML(outT, markedText)})
	}
	if len(doc.ActionItems) > 0 && len(pub.ActionItems) == len(doc.ActionItems) {
		var inA, outA []string
		for i, a := range doc.ActionItems {
			owner := ""
			if a.Owner != "" {
				owner = " (owner " + a.Owner + ")"
			}
			inA = append(inA, a.Key+" "+a.Title+owner)
			outA = append(outA, pub.ActionItems[i].Title)
		}
		rows = append(rows, compareRow{ID: "cmp-actions", Heading: "Action item titles", Internal: listHTML(inA, plainHTML), Public: listHTML(outA, markedText)})
	}
	return rows, nil
}
