package export

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"
	"sync"

	"github.com/debriefhq/debrief/debrief"
	"github.com/microcosm-cc/bluemonday"
)

// The web UI renders Markdown with the same converter as the exports, so a
// section reads the same on the page and in the file, but sanitises it with
// a policy of its own: links also get target="_blank" with
// rel="nofollow noreferrer noopener", and images are left as the writer
// linked them (the page's Content-Security-Policy decides what loads).

var (
	pagePolicyOnce sync.Once
	pagePolicy     *bluemonday.Policy
)

func pageSanitizer() *bluemonday.Policy {
	pagePolicyOnce.Do(func() {
		p := bluemonday.UGCPolicy()
		p.AllowDataURIImages()
		p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[\w+-]+$`)).OnElements("code")
		p.AllowAttrs("type", "checked", "disabled").OnElements("input")
		p.AllowElements("input")
		p.RequireNoFollowOnLinks(true)
		p.RequireNoReferrerOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		pagePolicy = p
	})
	return pagePolicy
}

// PageMarkdown renders a Markdown body (GitHub Flavored, with footnotes)
// as sanitised HTML for a web page: no script, style, event handler or
// javascript: URL survives. Headings move one level down, as in the
// exports, so a body's "# Details" sits under its section's heading.
func PageMarkdown(src string) (template.HTML, error) {
	md, _ := converter()
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("export: render Markdown: %w", err)
	}
	safe := pageSanitizer().SanitizeBytes(buf.Bytes())
	if bytes.Contains(safe, []byte("<img")) {
		safe = imgWithoutAlt.ReplaceAllFunc(safe, func(tag []byte) []byte {
			if altAttr.Match(tag) {
				return tag
			}
			return append([]byte(`<img alt="Image without a description"`), tag[len("<img"):]...)
		})
	}
	return template.HTML(safe), nil
}

// An image written as raw HTML may have no alt text; screen readers would
// read out its file name, so it gets a plain one. The sanitiser's output
// is normalised, so a pattern over its tags is enough.
var (
	imgWithoutAlt = regexp.MustCompile(`<img\b[^>]*>`)
	altAttr       = regexp.MustCompile(`\salt="`)
)

// PageInline renders a short text such as a timeline event: plain
// sentences are escaped without running the Markdown parser, the rest is
// rendered by PageMarkdown.
func PageInline(s string) (template.HTML, error) {
	if plainText(s) {
		return template.HTML("<p>" + template.HTMLEscapeString(s) + "</p>\n"), nil
	}
	return PageMarkdown(s)
}

// SectionHosts returns the index of the section that holds the timeline and
// of the one that holds the action items (-1 when none does), the same
// places the exports put them, so the web page and the files agree.
func SectionHosts(sections []debrief.Section) (timeline, actions int) { return hosts(sections) }
