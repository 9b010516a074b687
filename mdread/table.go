package mdread

import (
	"html"
	"regexp"
	"strings"
)

// TableData is a pipe table read from its lines.
type TableData struct {
	Line int // line of the header row in the document (0 when unknown)
	// Header holds the header cells as plain lower-case text.
	Header []string
	// RawHeader holds the header cells as written.
	RawHeader []string
	// Rows holds each row's cells as plain text (HTML entities decoded,
	// <br> read as a line break, "\|" as "|"); short rows are padded.
	Rows [][]string
	// RowLines holds each row's index in the lines given to ReadTable.
	RowLines []int
}

var delimiterRowRe = regexp.MustCompile(`^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$`)

// ReadTable reads a table from its lines: the header row, the delimiter
// row and the rows up to the first blank line. It returns nil when the
// second line is not a delimiter row.
func ReadTable(lines []string) *TableData {
	if len(lines) < 2 || !delimiterRowRe.MatchString(strings.TrimSpace(lines[1])) {
		return nil
	}
	t := &TableData{}
	for _, c := range SplitRow(lines[0]) {
		t.RawHeader = append(t.RawHeader, c)
		t.Header = append(t.Header, strings.ToLower(Plain(c)))
	}
	for i := 2; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "" {
			break
		}
		cells := SplitRow(lines[i])
		for len(cells) < len(t.Header) {
			cells = append(cells, "")
		}
		t.Rows = append(t.Rows, cells)
		t.RowLines = append(t.RowLines, i)
	}
	return t
}

var brRe = regexp.MustCompile(`(?i)<br\s*/?>`)

// SplitRow splits a table row into its cells, honouring "\|" escapes, and
// turns each cell into text: HTML entities decoded, <br> as a line break.
func SplitRow(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	if strings.HasSuffix(row, "|") && !strings.HasSuffix(row, `\|`) {
		row = row[:len(row)-1]
	}
	var cells []string
	var b strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row) && row[i+1] == '|':
			b.WriteByte('|')
			i++
		case row[i] == '|':
			cells = append(cells, b.String())
			b.Reset()
		default:
			b.WriteByte(row[i])
		}
	}
	cells = append(cells, b.String())
	for i, c := range cells {
		c = brRe.ReplaceAllString(c, "\n")
		cells[i] = strings.TrimSpace(html.UnescapeString(c))
	}
	return cells
}

// Column finds the column whose header means one of the given names: a
// header equal to a name, or containing it as a word ("Time (UTC)" for
// "time"). Names are tried in order; -1 when none matches.
func (t *TableData) Column(names ...string) int {
	for _, n := range names {
		for i, h := range t.Header {
			if h == n {
				return i
			}
		}
	}
	for _, n := range names {
		for i, h := range t.Header {
			if strings.Contains(" "+strings.Join(words(h), " ")+" ", " "+n+" ") {
				return i
			}
		}
	}
	return -1
}

// Cell is row's cell in column col, "" when col is -1 or past the row.
func (t *TableData) Cell(row []string, col int) string {
	if col < 0 || col >= len(row) {
		return ""
	}
	return row[col]
}

// headerName is column i's header as written, or "Column N" when empty.
func headerName(t *TableData, i int) string {
	if i < len(t.RawHeader) && strings.TrimSpace(t.RawHeader[i]) != "" {
		return Plain(t.RawHeader[i])
	}
	return "Column " + itoa(i+1)
}

// Extra is row's non-empty cells outside the given columns, as
// "Header: value".
func (t *TableData) Extra(row []string, used ...int) []string {
	var out []string
	for i, v := range row {
		skip := false
		for _, u := range used {
			skip = skip || u == i
		}
		if v = strings.TrimSpace(v); !skip && v != "" {
			out = append(out, headerName(t, i)+": "+v)
		}
	}
	return out
}
