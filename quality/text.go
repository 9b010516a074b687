package quality

import (
	"strings"
)

// token is one word of a line: lowercase ASCII letters, digits, apostrophes
// and inner hyphens; raw keeps the original spelling (for capitalisation).
type token struct {
	word       string
	raw        string
	start, end int // byte offsets in the line
	// sentenceStart is true for the first word after ". ", "! ", "? ", ":"
	// or at the start of the line.
	sentenceStart bool
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '\'' || b >= 0x80 || b == '@' || b == '_'
}

// tokenize splits a line into words. It does not allocate per byte and
// keeps offsets, so findings can name the column.
func tokenize(line string) []token {
	out := make([]token, 0, len(line)/6+1)
	sentence := true
	fancy := strings.Contains(line, "’")
	for i := 0; i < len(line); {
		b := line[i]
		if !isWordByte(b) {
			switch b {
			case '.', '!', '?', ':', ';':
				sentence = true
			}
			i++
			continue
		}
		j := i
		for j < len(line) && (isWordByte(line[j]) || line[j] == '-' && j+1 < len(line) && isWordByte(line[j+1]) && j > i) {
			j++
		}
		start, end := i, j
		for start < end && line[start] == '\'' {
			start++
		}
		for end > start && line[end-1] == '\'' {
			end--
		}
		if start < end {
			raw := line[start:end]
			word := raw
			if fancy {
				word = normApostrophe(word)
			}
			out = append(out, token{word: asciiLower(word), raw: raw, start: start, end: end, sentenceStart: sentence})
		}
		sentence = false
		i = j
	}
	return out
}

func normApostrophe(s string) string {
	if strings.Contains(s, "’") {
		return strings.ReplaceAll(s, "’", "'")
	}
	return s
}

// tokenWords returns the lowercase words of s, for word lists.
func tokenWords(s string) []string {
	toks := tokenize(strings.ReplaceAll(s, "’", "'"))
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.word
	}
	return out
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for k := i; k < len(b); k++ {
				if b[k] >= 'A' && b[k] <= 'Z' {
					b[k] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// proseLine is one line of a Markdown body that holds prose: code blocks,
// HTML comments, inline code and link targets are blanked so that words in
// them are not checked, while offsets stay the same.
type proseLine struct {
	n    int // 1-based line within the body
	text string
	// toks are the line's words, made once because every blameless rule
	// reads them.
	toks []token
}

func proseLines(body string) []proseLine {
	var out []proseLine
	fence := ""
	inComment := false
	n := 0
	for len(body) > 0 || n == 0 {
		line := body
		if i := strings.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = ""
		}
		n++
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			continue
		}
		if inComment {
			if i := strings.Index(line, "-->"); i >= 0 {
				inComment = false
				line = strings.Repeat(" ", i+3) + line[i+3:]
			} else {
				continue
			}
		}
		if strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t") {
			// An indented code block, unless it continues a list item.
			if !strings.HasPrefix(trimmed, "-") && !strings.HasPrefix(trimmed, "*") && !startsWithDigitDot(trimmed) {
				if len(out) == 0 || strings.TrimSpace(out[len(out)-1].text) == "" {
					continue
				}
			}
		}
		line, inComment = blankMarkup(line)
		out = append(out, proseLine{n: n, text: line, toks: tokenize(line)})
		if body == "" {
			break
		}
	}
	return out
}

func startsWithDigitDot(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')')
}

// blankMarkup replaces inline code, link and image targets, bare URLs, HTML
// tags and comments with spaces, keeping byte offsets. It reports whether an
// HTML comment stays open at the end of the line.
func blankMarkup(line string) (string, bool) {
	if !strings.ContainsAny(line, "`<(:") {
		return line, false
	}
	b := []byte(line)
	blank := func(from, to int) {
		for k := from; k < to && k < len(b); k++ {
			b[k] = ' '
		}
	}
	open := false
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '`':
			j := strings.IndexByte(string(b[i+1:]), '`')
			if j < 0 {
				blank(i, len(b))
				return string(b), false
			}
			blank(i, i+2+j)
			i += 1 + j
		case b[i] == '<' && strings.HasPrefix(string(b[i:]), "<!--"):
			j := strings.Index(string(b[i+4:]), "-->")
			if j < 0 {
				blank(i, len(b))
				open = true
				return string(b), open
			}
			blank(i, i+7+j)
			i += 6 + j
		case b[i] == '<':
			j := strings.IndexByte(string(b[i:]), '>')
			if j > 0 {
				blank(i, i+j+1)
				i += j
			}
		case b[i] == ']' && i+1 < len(b) && b[i+1] == '(':
			j := strings.IndexByte(string(b[i+1:]), ')')
			if j > 0 {
				blank(i+1, i+2+j)
				i += 1 + j
			}
		case b[i] == ':' && i+2 < len(b) && b[i+1] == '/' && b[i+2] == '/':
			s := i
			for s > 0 && b[s-1] != ' ' && b[s-1] != '(' && b[s-1] != '<' {
				s--
			}
			e := i
			for e < len(b) && b[e] != ' ' && b[e] != ')' && b[e] != '>' {
				e++
			}
			blank(s, e)
			i = e
		}
	}
	return string(b), open
}

// hasDigit reports whether s holds a digit.
func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// stripListMarker removes "- ", "* ", "+ ", "1. " and a task box "[ ] ".
func stripListMarker(s string) (string, bool) {
	t := strings.TrimLeft(s, " \t")
	switch {
	case strings.HasPrefix(t, "- "), strings.HasPrefix(t, "* "), strings.HasPrefix(t, "+ "):
		t = t[2:]
	case startsWithDigitDot(t):
		i := strings.IndexAny(t, ".)")
		t = t[i+1:]
		if !strings.HasPrefix(t, " ") {
			return s, false
		}
	default:
		return s, false
	}
	t = strings.TrimSpace(t)
	for _, box := range []string{"[ ] ", "[x] ", "[X] "} {
		t = strings.TrimPrefix(t, box)
	}
	return t, true
}

// plainText removes emphasis markers and link syntax for messages.
var emphasis = strings.NewReplacer("**", "", "__", "", "`", "")

func plainText(s string) string {
	s = emphasis.Replace(s)
	// [text](url) → text
	for {
		i := strings.Index(s, "](")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], ')')
		k := strings.LastIndexByte(s[:i], '[')
		if j < 0 || k < 0 {
			break
		}
		s = s[:k] + s[k+1:i] + s[i+j+1:]
	}
	return strings.TrimSpace(s)
}
