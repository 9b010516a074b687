package mdread

import (
	"regexp"
	"strings"
	"time"
)

// Action is one action item as written: a table row or a list item.
type Action struct {
	Title    string
	Owner    string
	Type     string // as written, lower case: "prevent", "mitigate", "other"…
	Priority string // as written: "P1", "high"…
	Due      *time.Time
	Status   string // as written, lower case
	Link     string
	// Done is set for a ticked task box, a "(done)" suffix, struck-through
	// text or a done status.
	Done bool
	// Detail is the text of a list item after its first line (nested
	// lists, continuation lines), as written, indentation included.
	Detail string
	// Extra holds the table's other non-empty cells, and a bug or ticket
	// reference that is not an address, as "Header: value", so a caller
	// that turns the row into a record can keep them.
	Extra []string
	// Start and End are the item's lines in the section body.
	Start, End int
}

// ActionBlock is a table or list of a section read as action items.
type ActionBlock struct {
	Start, End int
	Items      []Action
	Table      bool
}

// Column names by meaning, tried in order.
var (
	titleColumns    = []string{"action item", "action", "item", "task", "title", "description", "what", "remediation", "summary", "follow-up"}
	ownerColumns    = []string{"owner", "owners", "assignee", "assigned to", "who", "responsible", "team"}
	typeColumns     = []string{"type", "kind", "category"}
	priorityColumns = []string{"priority", "prio", "severity"}
	dueColumns      = []string{"due", "due date", "deadline", "target date", "target", "eta", "by", "when"}
	statusColumns   = []string{"status", "state", "done"}
	linkColumns     = []string{"bug", "ticket", "issue", "link", "tracker", "jira", "url", "pr"}
)

var (
	checkboxRe    = regexp.MustCompile(`^\[([ xX])\]\s*`)
	doneTextRe    = regexp.MustCompile(`(?i)\s*\((done|completed?|fixed)\)\s*$`)
	inlineOwnerRe = regexp.MustCompile(`(?i)(?:\bowner|\bassignee|\bassigned to)\s*[:=]\s*([^,;()\]\n]+)|\((@[\w.-]+)\)\s*$|(?:^|\s)(@[\w.-]+)`)
	inlineDueRe   = regexp.MustCompile(`(?i)(?:\bdue|\bdeadline|\bby)\s*[:=]?\s*(\d{4}-\d{2}-\d{2})`)
	inlineTypeRe  = regexp.MustCompile(`(?i)\[(prevent|detect|mitigate|process|investigate|repair)\]|\btype\s*[:=]\s*(prevent|detect|mitigate|process|investigate|repair)\b`)
	urlRe         = regexp.MustCompile(`https?://[^\s)>\]|]+`)
)

// ActionItems reads the section's tables (a column whose header means
// the item: "Action Item", "Task", "Description"…; owner, type, priority,
// due, status and bug/link columns in any order) and top-level list items
// (task lists too) as action items. Sub-headings saying "completed" or
// "done" mark the items under them done.
func (s *Section) ActionItems() []ActionBlock {
	var out []ActionBlock
	doneGroup := false
	for _, b := range s.Blocks {
		lines := s.Body[b.Start:min(b.End, len(s.Body))]
		switch b.Kind {
		case Heading:
			l := strings.ToLower(b.Text)
			doneGroup = strings.Contains(l, "completed") || strings.Contains(l, "done") || strings.Contains(l, "finished")
		case Table:
			t := ReadTable(lines)
			if t == nil {
				continue
			}
			cTitle := t.Column(titleColumns...)
			if cTitle < 0 {
				continue
			}
			c := map[string]int{"owner": t.Column(ownerColumns...), "type": t.Column(typeColumns...), "priority": t.Column(priorityColumns...),
				"due": t.Column(dueColumns...), "status": t.Column(statusColumns...), "link": t.Column(linkColumns...)}
			for k, v := range c {
				if v == cTitle {
					c[k] = -1
				}
			}
			ab := ActionBlock{Start: b.Start, End: b.End, Table: true}
			for ri, row := range t.Rows {
				a := Action{Title: Plain(t.Cell(row, cTitle)), Owner: Plain(t.Cell(row, c["owner"])), Type: strings.ToLower(Plain(t.Cell(row, c["type"]))),
					Priority: Plain(t.Cell(row, c["priority"])), Status: strings.ToLower(Plain(t.Cell(row, c["status"]))),
					Start: b.Start + t.RowLines[ri], End: b.Start + t.RowLines[ri] + 1}
				if d, ok := FindDate(t.Cell(row, c["due"])); ok {
					a.Due = &d
				}
				link := t.Cell(row, c["link"])
				if u := urlRe.FindString(link); u != "" && strings.TrimSpace(Plain(link)) == u {
					a.Link = u
				} else if u := urlRe.FindString(t.Cell(row, cTitle)); u != "" && c["link"] < 0 {
					a.Link = u
				}
				used := map[int]bool{cTitle: true}
				for k, v := range c {
					if v >= 0 && (k != "link" || a.Link != "") && !(k == "due" && a.Due == nil) {
						used[v] = true
					}
				}
				for i := range t.Header {
					if v := strings.TrimSpace(t.Cell(row, i)); !used[i] && v != "" {
						a.Extra = append(a.Extra, headerName(t, i)+": "+v)
					}
				}
				a.Done = doneGroup || isDoneStatus(a.Status) || strings.Contains(t.Cell(row, cTitle), "~~")
				out0 := a
				ab.Items = append(ab.Items, out0)
			}
			if len(ab.Items) > 0 {
				out = append(out, ab)
			}
		case List:
			ab := ActionBlock{Start: b.Start, End: b.End}
			for _, it := range b.Items {
				first, ok := itemText(s.Body[it.Start])
				if !ok {
					continue
				}
				a := Action{Start: it.Start, End: it.End}
				raw := first
				if m := checkboxRe.FindStringSubmatch(first); m != nil {
					first = first[len(m[0]):]
					a.Done = m[1] != " "
				} else if it.Task {
					a.Done = it.Checked
				}
				if doneTextRe.MatchString(first) {
					first = doneTextRe.ReplaceAllString(first, "")
					a.Done = true
				}
				if strings.Contains(raw, "~~") || strings.ContainsAny(raw, "✅✔☑") || doneGroup {
					a.Done = true
				}
				if m := inlineOwnerRe.FindStringSubmatch(first); m != nil {
					a.Owner = strings.TrimSpace(m[1] + m[2] + m[3])
				}
				if m := inlineDueRe.FindStringSubmatch(first); m != nil {
					if d, err := time.Parse("2006-01-02", m[1]); err == nil {
						a.Due = &d
					}
				}
				if m := inlineTypeRe.FindStringSubmatch(first); m != nil {
					a.Type = strings.ToLower(m[1] + m[2])
				}
				if u := urlRe.FindString(first); u != "" {
					a.Link = u
				}
				a.Title = strings.TrimSpace(strings.TrimLeft(Plain(first), "✅✔☑ "))
				var detail []string
				for k := it.Start + 1; k < min(it.End, len(s.Body)); k++ {
					detail = append(detail, s.Body[k])
				}
				// Blank lines around it go; the indentation that nests it
				// under the item stays.
				a.Detail = strings.TrimRight(strings.Trim(strings.Join(detail, "\n"), "\n"), " \t\n")
				if strings.TrimSpace(a.Detail) == "" {
					a.Detail = ""
				}
				if a.Title == "" {
					continue
				}
				ab.Items = append(ab.Items, a)
			}
			if len(ab.Items) > 0 {
				out = append(out, ab)
			}
		}
	}
	return out
}

func isDoneStatus(s string) bool {
	if strings.Contains(s, "not ") || strings.Contains(s, "undone") || strings.Contains(s, "to do") {
		return false
	}
	for _, w := range []string{"done", "complete", "fixed", "closed", "resolved", "✅", "shipped", "merged"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
