package export

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Table cells hold one line of text, so a few characters are written as
// escapes that GitHub-flavoured Markdown renders as the character itself:
//
//	\  →  \\          (a backslash escape)
//	|  →  \|          (a pipe would end the cell)
//	newline → <br>    (rendered as a line break)
//	<br> in the text → \<br> (any "<b", whatever its case)
//	other control characters → &#N;, and a space or tab at either end →
//	  &#32; / &#9; (cells are trimmed), with & before # written as \&
//
// unescapeCell reverses it, and also reads cells written by hand: a
// backslash before anything but ASCII punctuation stays a backslash.

func escapeCell(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '|':
			b.WriteString(`\|`)
		case c == '\n':
			b.WriteString("<br>")
		case c < 0x20 && c != '\t' || c == 0x7f:
			b.WriteString("&#" + strconv.Itoa(int(c)) + ";")
		case c == '<' && i+1 < len(s) && (s[i+1] == 'b' || s[i+1] == 'B'):
			b.WriteString(`\<`)
		case c == '&' && i+1 < len(s) && s[i+1] == '#':
			b.WriteString(`\&`)
		case (c == ' ' || c == '\t') && (i == 0 || i == len(s)-1):
			if c == ' ' {
				b.WriteString("&#32;")
			} else {
				b.WriteString("&#9;")
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

func unescapeCell(s string) string {
	if !strings.ContainsAny(s, `\<&`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
			b.WriteByte(s[i+1])
			i++
		case c == '<' && hasPrefixFold(s[i:], "<br>"):
			b.WriteByte('\n')
			i += len("<br>") - 1
		case c == '<' && hasPrefixFold(s[i:], "<br/>"):
			b.WriteByte('\n')
			i += len("<br/>") - 1
		case c == '<' && hasPrefixFold(s[i:], "<br />"):
			b.WriteByte('\n')
			i += len("<br />") - 1
		case c == '&' && strings.HasPrefix(s[i:], "&#"):
			r, n := numericEntity(s[i:])
			if n == 0 {
				b.WriteByte(c)
				continue
			}
			b.WriteRune(r)
			i += n - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// numericEntity reads "&#N;" (decimal) at the start of s and returns the
// rune and the entity's length, or 0 when s does not start with one.
func numericEntity(s string) (rune, int) {
	end := strings.IndexByte(s, ';')
	if end < 3 || end > 9 {
		return 0, 0
	}
	n, err := strconv.Atoi(s[2:end])
	if err != nil || n < 0 || n > utf8.MaxRune || s[2] == '+' || s[2] == '-' {
		return 0, 0
	}
	if !utf8.ValidRune(rune(n)) {
		return 0, 0
	}
	return rune(n), end + 1
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// splitRow splits a table row into raw (still escaped) cells. A row is
// "| a | b |"; the outer pipes are optional, as in GFM. A pipe preceded by a
// backslash belongs to the cell.
func splitRow(line string) []string {
	s := strings.TrimSpace(line)
	s = strings.TrimPrefix(s, "|")
	var cells []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // skip the escaped character
		case '|':
			cells = append(cells, strings.Trim(s[start:i], " \t"))
			start = i + 1
		}
	}
	if rest := strings.Trim(s[start:], " \t"); rest != "" || start < len(s) || len(cells) == 0 {
		// A row ends with "|" normally; text after the last pipe is one more cell.
		if start < len(s) {
			cells = append(cells, rest)
		} else if len(cells) == 0 {
			cells = append(cells, rest)
		}
	}
	return cells
}

// isDelimiterRow reports whether line is a GFM table delimiter row such as
// "|---|:--:|".
func isDelimiterRow(line string) bool {
	cells := splitRow(line)
	if len(cells) == 0 {
		return false
	}
	for _, c := range cells {
		c = strings.Trim(c, ":")
		if c == "" || strings.Trim(c, "-") != "" {
			return false
		}
	}
	return true
}

func isTableLine(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " "), "|")
}

// writeRow writes one table row of already escaped cells.
func writeRow(b *strings.Builder, cells ...string) {
	b.WriteString("|")
	for _, c := range cells {
		b.WriteByte(' ')
		b.WriteString(c)
		b.WriteString(" |")
	}
	b.WriteByte('\n')
}
