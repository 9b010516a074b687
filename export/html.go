package export

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/templates"
	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/net/html"
)

// HTMLOptions adjusts the HTML export.
type HTMLOptions struct {
	// Location is the viewer's zone; times are shown in it with the zone
	// named (and each event's own zone beside it when that differs).
	// Nil means UTC.
	Location *time.Location
	// Now is the time variables such as {{incident.duration}} use for an
	// incident that is still open, and the "exported on" date. Zero means
	// those read "ongoing" and no date is shown, so output is deterministic.
	Now time.Time
	// Images fetches images that section bodies link to, so the file can
	// inline them as data: URIs. Nil leaves such images as links, which
	// keeps the file self-contained without fetching anything.
	Images ImageLoader
	// Public marks the document as the customer-facing version.
	Public bool
}

// ImageLoader returns an image's bytes and media type (image/png, …).
type ImageLoader func(src string) (data []byte, mediaType string, err error)

// MaxImageSize bounds one inlined image.
const MaxImageSize = 5 << 20

// HTTPImages fetches http(s) images with client (its timeout applies),
// accepting only PNG, JPEG, GIF and WebP of at most MaxImageSize bytes.
func HTTPImages(client *http.Client) ImageLoader {
	return func(src string) ([]byte, string, error) {
		if !strings.HasPrefix(src, "https://") && !strings.HasPrefix(src, "http://") {
			return nil, "", fmt.Errorf("export: image %q is not an http(s) URL", src)
		}
		resp, err := client.Get(src)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, "", fmt.Errorf("export: image %q: %s", src, resp.Status)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, MaxImageSize+1))
		if err != nil {
			return nil, "", err
		}
		if len(data) > MaxImageSize {
			return nil, "", fmt.Errorf("export: image %q is larger than %d bytes", src, MaxImageSize)
		}
		return data, http.DetectContentType(data), nil
	}
}

// PublicImages returns an ImageLoader for servers: it fetches only http(s)
// images from public addresses (never loopback, private, link-local or
// otherwise internal ones, checked on the address actually dialled, so a
// document cannot make the server probe its own network), waits at most
// 10 s per image and takes at most max images per export (later ones stay
// links).
func PublicImages(max int) ImageLoader {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || !publicAddr(ip) {
			return fmt.Errorf("export: image host %s is not a public address", host)
		}
		return nil
	}}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil,
		TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: 5 * time.Second}}
	load := HTTPImages(client)
	var mu sync.Mutex
	n := 0
	return func(src string) ([]byte, string, error) {
		mu.Lock()
		n++
		over := n > max
		mu.Unlock()
		if over {
			return nil, "", fmt.Errorf("export: more than %d images", max)
		}
		return load(src)
	}
}

func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() &&
		!netip.MustParsePrefix("100.64.0.0/10").Contains(ip) && !netip.MustParsePrefix("fc00::/7").Contains(ip)
}

// inlineImageTypes are the image types inlined; SVG is not, because it can
// carry script.
var inlineImageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

var (
	markdownOnce sync.Once
	markdownConv goldmark.Markdown
	sanitizer    *bluemonday.Policy
)

func converter() (goldmark.Markdown, *bluemonday.Policy) {
	markdownOnce.Do(func() {
		markdownConv = goldmark.New(
			goldmark.WithExtensions(extension.GFM, extension.Footnote),
			goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(headingShift{}, 100))),
			// Raw HTML (such as <img> tags) is let through here and made
			// safe by the sanitiser below, which is the one place that decides.
			goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
		)
		p := bluemonday.UGCPolicy()
		p.AllowDataURIImages()
		p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[\w+-]+$`)).OnElements("code")
		p.AllowAttrs("type", "checked", "disabled").OnElements("input")
		p.AllowElements("input")
		sanitizer = p
	})
	return markdownConv, sanitizer
}

// headingShift moves headings inside a section one level down, so a
// body's "## Details" sits under the section's own h2.
type headingShift struct{}

func (headingShift) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering && h.Level < 6 {
			h.Level++
		}
		return ast.WalkContinue, nil
	})
}

// renderMarkdown turns a section body into safe HTML.
func renderMarkdown(src string, images ImageLoader) (template.HTML, error) {
	md, policy := converter()
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("export: render Markdown: %w", err)
	}
	safe := policy.SanitizeBytes(buf.Bytes())
	if bytes.Contains(safe, []byte("<img")) {
		safe = inlineImages(safe, images)
	}
	return template.HTML(safe), nil
}

// renderInline renders a timeline event's text. Most events are plain
// sentences; those skip the Markdown parser, which keeps a timeline of
// thousands of events fast.
func renderInline(s string) (template.HTML, error) {
	if plainText(s) {
		return template.HTML("<p>" + template.HTMLEscapeString(s) + "</p>\n"), nil
	}
	return renderMarkdown(s, nil)
}

// plainText reports whether s has nothing Markdown would render
// differently from the text itself.
func plainText(s string) bool {
	return !strings.ContainsAny(s, "*_`[]<>!#~&\\\n@") && !strings.Contains(s, "://") && !strings.Contains(s, "www.") &&
		!strings.HasPrefix(s, "-") && !strings.HasPrefix(s, "+") && !startsWithDigitDot(s)
}

func startsWithDigitDot(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')')
}

// inlineImages rewrites <img src> to data: URIs, or to a link when the image
// cannot be fetched, so the file never loads anything when opened.
func inlineImages(src []byte, images ImageLoader) []byte {
	var out bytes.Buffer
	z := html.NewTokenizer(bytes.NewReader(src))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out.Bytes()
		}
		tok := z.Token()
		if (tt == html.StartTagToken || tt == html.SelfClosingTagToken) && tok.Data == "img" {
			var srcAttr, alt string
			for _, a := range tok.Attr {
				switch a.Key {
				case "src":
					srcAttr = a.Val
				case "alt":
					alt = a.Val
				}
			}
			if strings.HasPrefix(srcAttr, "data:") {
				out.WriteString(tok.String())
				continue
			}
			if images != nil && srcAttr != "" {
				if data, mt, err := images(srcAttr); err == nil && inlineImageTypes[mt] {
					for i, a := range tok.Attr {
						if a.Key == "src" {
							tok.Attr[i].Val = "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(data)
						}
					}
					out.WriteString(tok.String())
					continue
				}
			}
			if alt == "" {
				alt = "image"
			}
			out.WriteString(`<a class="image-link" href="` + html.EscapeString(srcAttr) + `">[` + html.EscapeString(alt) + `]</a>`)
			continue
		}
		out.WriteString(tok.String())
	}
}

type htmlFact struct {
	Label string
	Value string
}

type htmlEvent struct {
	Date, Time, Zone, Original string
	Text                       template.HTML
	Kind, Actor                string
	Starred                    bool
	Lifecycle                  string
}

type htmlAction struct {
	Key, Title, Owner, Due, Priority, Type, Status, Tracker string
}

type htmlSection struct {
	ID, Heading string
	Body        template.HTML
	Internal    bool
	Timeline    bool
	Actions     bool
}

type htmlPage struct {
	Title       string
	Subtitle    string
	Public      bool
	Facts       []htmlFact
	Impact      string
	Sections    []htmlSection
	Events      []htmlEvent
	Actions     []htmlAction
	TimelineEnd bool // the timeline has no host section
	ActionsEnd  bool
	ZoneName    string
	Extra       []htmlSection // root cause, factors, lessons, feedback
	Exported    string
}

// HTML renders doc as one self-contained HTML file: styles inline, images
// inlined (see HTMLOptions.Images), Markdown rendered as GitHub does and
// sanitised, variables such as {{incident.title}} resolved from the record.
func HTML(doc *Document, opt HTMLOptions) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, doc, opt); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteHTML writes doc as HTML; see HTML.
func WriteHTML(w io.Writer, doc *Document, opt HTMLOptions) error {
	page, err := buildPage(doc, opt)
	if err != nil {
		return err
	}
	return pageTemplate.Execute(w, page)
}

func fmtTime(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return t.Format("Mon 2 Jan 2006 15:04 ") + zoneLabel(t, loc)
}

// zoneLabel names the zone: its IANA name, with the abbreviation when Go
// knows one ("Europe/Berlin (CET)").
func zoneLabel(t time.Time, loc *time.Location) string {
	name := loc.String()
	abbr, _ := t.Zone()
	if name == "UTC" || name == "" {
		return "UTC"
	}
	if abbr != "" && abbr != name && !strings.HasPrefix(abbr, "+") && !strings.HasPrefix(abbr, "-") {
		return name + " (" + abbr + ")"
	}
	return name
}

func buildPage(doc *Document, opt HTMLOptions) (*htmlPage, error) {
	if doc == nil || doc.Postmortem == nil {
		return nil, debrief.Errorf(debrief.EInvalid, "postmortem", "There is no postmortem to export.")
	}
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	pm, inc := doc.Postmortem, doc.Incident
	renderOpts := []templates.RenderOption{templates.WithPostmortem(pm), templates.WithLocation(loc)}
	if !opt.Now.IsZero() {
		renderOpts = append(renderOpts, templates.WithNow(opt.Now))
	}
	images := withAttachments(doc, opt.Images)
	render := func(body string) (template.HTML, error) {
		return renderMarkdown(templates.Render(body, inc, renderOpts...), images)
	}
	page := &htmlPage{Title: pm.Title, Public: opt.Public, ZoneName: loc.String()}
	if page.Title == "" {
		page.Title = "Untitled postmortem"
	}
	kind := "Postmortem"
	if pm.Kind == debrief.KindProject {
		kind = "Project postmortem"
	}
	page.Subtitle = strings.TrimSpace(kind + " " + pm.Key)
	if opt.Public {
		page.Subtitle = kind
	}
	add := func(label, value string) {
		if strings.TrimSpace(value) != "" {
			page.Facts = append(page.Facts, htmlFact{label, value})
		}
	}
	if !opt.Public {
		add("Status", strings.ReplaceAll(string(pm.Status), "_", " "))
		add("Owner", pm.Owner)
	}
	if pm.PublishedAt != nil {
		add("Published", fmtTime(*pm.PublishedAt, loc))
	}
	if inc != nil {
		if !opt.Public {
			add("Incident", strings.TrimSpace(inc.Key+" "+inc.Title))
		}
		add("Severity", inc.Severity)
		add("Services", strings.Join(inc.Services, ", "))
		add("Customers", strings.Join(inc.Customers, ", "))
		add("Started", fmtTime(inc.StartedAt, loc))
		if inc.DetectedAt != nil {
			add("Detected", fmtTime(*inc.DetectedAt, loc))
		}
		if inc.MitigatedAt != nil {
			add("Mitigated", fmtTime(*inc.MitigatedAt, loc))
		}
		if inc.ResolvedAt != nil {
			add("Resolved", fmtTime(*inc.ResolvedAt, loc))
		}
		if d := inc.TimeToResolve(); d != nil && *d >= 0 {
			add("Duration", templates.FormatDuration(*d))
		}
		if !opt.Public {
			add("Commander", inc.Roles.Commander)
		}
		page.Impact = inc.Impact
	}
	if pm.Project != nil {
		if pm.Project.LiveFrom != nil {
			add("Live from", fmtTime(*pm.Project.LiveFrom, loc))
		}
		if pm.Project.LiveUntil != nil {
			add("Live until", fmtTime(*pm.Project.LiveUntil, loc))
		}
	}

	timelineHost, actionHost := hosts(pm.Sections)
	for i, s := range pm.Sections {
		body, err := render(s.Body)
		if err != nil {
			return nil, err
		}
		heading := s.Heading
		if strings.TrimSpace(heading) == "" {
			heading = s.Key
		}
		page.Sections = append(page.Sections, htmlSection{ID: "s-" + s.Key, Heading: heading, Body: body, Internal: s.Internal && !opt.Public,
			Timeline: i == timelineHost && len(doc.Timeline) > 0, Actions: i == actionHost && len(doc.ActionItems) > 0})
	}
	page.TimelineEnd = timelineHost < 0 && len(doc.Timeline) > 0
	page.ActionsEnd = actionHost < 0 && len(doc.ActionItems) > 0

	zones := zoneCache{}
	for _, e := range doc.Timeline {
		at := e.At.In(loc)
		ev := htmlEvent{Date: at.Format("Mon 2 Jan 2006"), Time: at.Format("15:04:05"), Zone: zoneLabel(at, loc),
			Kind: string(e.Kind), Actor: e.Actor, Starred: e.Starred, Lifecycle: string(e.Lifecycle)}
		if strings.HasSuffix(ev.Time, ":00") {
			ev.Time = at.Format("15:04")
		}
		if e.Zone != "" && e.Zone != loc.String() && !(e.Zone == "UTC" && loc == time.UTC) {
			lt := zones.local(e)
			ev.Original = lt.Format("15:04") + " " + e.Zone
			if lt.YearDay() != at.YearDay() {
				ev.Original = lt.Format("Mon 2 Jan 15:04") + " " + e.Zone
			}
		}
		text, err := renderInline(e.Text)
		if err != nil {
			return nil, err
		}
		ev.Text = text
		page.Events = append(page.Events, ev)
	}
	for _, a := range doc.ActionItems {
		ha := htmlAction{Key: a.Key, Title: a.Title, Owner: a.Owner, Priority: string(a.Priority), Type: string(a.Type),
			Status: strings.ReplaceAll(string(a.Status), "_", " "), Tracker: a.TrackerURL}
		if a.DueDate != nil {
			ha.Due = a.DueDate.UTC().Format("2 Jan 2006")
		}
		page.Actions = append(page.Actions, ha)
	}

	// Record fields that are not sections, shown when they hold anything.
	extra := func(id, heading, md string) error {
		if strings.TrimSpace(md) == "" {
			return nil
		}
		body, err := render(md)
		if err != nil {
			return err
		}
		page.Extra = append(page.Extra, htmlSection{ID: id, Heading: heading, Body: body})
		return nil
	}
	if err := extra("x-root-cause", "Root cause", pm.RootCause); err != nil {
		return nil, err
	}
	if err := extra("x-factors", "Contributing factors", bulletList(pm.ContributingFactors)); err != nil {
		return nil, err
	}
	var lessons strings.Builder
	for _, l := range []struct {
		title string
		items []string
	}{{"What went well", pm.Lessons.WentWell}, {"What went wrong", pm.Lessons.WentWrong}, {"Where we got lucky", pm.Lessons.GotLucky}} {
		if len(l.items) > 0 {
			lessons.WriteString("**" + l.title + "**\n\n" + bulletList(l.items) + "\n")
		}
	}
	if err := extra("x-lessons", "Lessons", lessons.String()); err != nil {
		return nil, err
	}
	if pm.Project != nil {
		if err := extra("x-metrics", "Results against goals", metricsMarkdown(pm.Project.Metrics)); err != nil {
			return nil, err
		}
	}
	if pm.Project != nil && len(pm.Project.Feedback) > 0 {
		var fb strings.Builder
		for _, f := range pm.Project.Feedback {
			if f.Member != "" {
				fb.WriteString("**" + escapeMarkdown(f.Member) + "**: ")
			}
			fb.WriteString(f.Text + "\n\n")
		}
		if err := extra("x-feedback", "Team feedback", fb.String()); err != nil {
			return nil, err
		}
	}
	if !opt.Public {
		texts := []string{pm.RootCause}
		for _, s := range pm.Sections {
			texts = append(texts, s.Body)
		}
		if body, ok := attachmentsSection(doc, referencedAttachments(texts...)); ok {
			page.Extra = append(page.Extra, htmlSection{ID: "x-attachments", Heading: "Attachments", Body: body})
		}
	}
	if !opt.Now.IsZero() {
		page.Exported = opt.Now.In(loc).Format("2 Jan 2006 15:04 ") + zoneLabel(opt.Now.In(loc), loc)
	}
	return page, nil
}

func bulletList(items []string) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString("- " + strings.ReplaceAll(it, "\n", " ") + "\n")
	}
	return b.String()
}

func escapeMarkdown(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, `[`, `\[`, `<`, `&lt;`).Replace(s)
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Debrief">
<title>{{.Title}}</title>
<style>
:root { --ink:#1b1f24; --muted:#5b6470; --line:#d8dde3; --accent:#1f5fbf; --soft:#f4f6f8; --warn:#8a4b00; }
* { box-sizing: border-box; }
html { font: 16px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; color: var(--ink); background: #fff; }
body { margin: 0 auto; max-width: 52rem; padding: 2rem 1.25rem 4rem; }
header.title-page { border-bottom: 2px solid var(--ink); padding-bottom: 1.25rem; margin-bottom: 1.5rem; }
.kind { text-transform: uppercase; letter-spacing: .08em; font-size: .8rem; color: var(--muted); margin: 0; }
h1 { font-size: 2rem; line-height: 1.2; margin: .3rem 0 1rem; }
h2 { font-size: 1.4rem; margin: 2.2rem 0 .6rem; padding-bottom: .25rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.15rem; margin: 1.5rem 0 .4rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); font-weight: 600; }
dl.facts dd { margin: 0; }
.impact { background: var(--soft); border-left: 4px solid var(--accent); padding: .6rem .9rem; margin: 1rem 0 0; }
.public-note { background: #eef6ee; border: 1px solid #b9d8b9; padding: .5rem .8rem; font-size: .9rem; }
nav.toc ol { padding-left: 1.4rem; margin: .3rem 0; }
nav.toc h2 { font-size: 1rem; border: 0; margin: 0; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
a { color: var(--accent); }
.internal-tag { font-size: .7rem; font-weight: 600; color: var(--warn); border: 1px solid var(--warn); border-radius: 3px; padding: 0 .3rem; vertical-align: middle; margin-left: .4rem; }
table { border-collapse: collapse; width: 100%; margin: .8rem 0; font-size: .92rem; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--soft); }
table.timeline td.when { white-space: nowrap; }
table.timeline .date { display: block; color: var(--muted); font-size: .8rem; }
table.timeline .orig { display: block; color: var(--muted); font-size: .78rem; }
table.timeline tr.starred td { background: #fffbea; }
table.timeline td p, table.actions td p { margin: 0; }
.lifecycle { font-size: .72rem; text-transform: uppercase; letter-spacing: .05em; color: var(--accent); font-weight: 700; }
pre { background: var(--soft); padding: .7rem; overflow-x: auto; font-size: .85rem; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; }
blockquote { margin: 0; padding-left: 1rem; border-left: 3px solid var(--line); color: var(--muted); }
img { max-width: 100%; height: auto; }
footer { margin-top: 3rem; color: var(--muted); font-size: .8rem; border-top: 1px solid var(--line); padding-top: .6rem; }
@media print {
  html { font-size: 11pt; }
  body { max-width: none; padding: 0; }
  header.title-page { min-height: 85vh; border: 0; display: flex; flex-direction: column; justify-content: center; page-break-after: always; break-after: page; }
  h1 { font-size: 26pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr, img, pre { break-inside: avoid; page-break-inside: avoid; }
  nav.toc { page-break-after: always; break-after: page; }
  a { color: inherit; text-decoration: none; }
}
</style>
</head>
<body>
<header class="title-page">
<p class="kind">{{.Subtitle}}</p>
<h1>{{.Title}}</h1>
{{if .Public}}<p class="public-note">This is the public version of the postmortem: internal sections and details are left out and names, hosts and addresses are redacted.</p>{{end}}
{{if .Facts}}<dl class="facts">{{range .Facts}}
<dt>{{.Label}}</dt><dd>{{.Value}}</dd>{{end}}
</dl>{{end}}
{{if .Impact}}<p class="impact"><strong>Impact:</strong> {{.Impact}}</p>{{end}}
</header>
{{if .Sections}}<nav class="toc"><h2>Contents</h2><ol>
{{range .Sections}}<li><a href="#{{.ID}}">{{.Heading}}</a></li>
{{end}}{{if .TimelineEnd}}<li><a href="#timeline">Timeline</a></li>{{end}}{{if .ActionsEnd}}<li><a href="#action-items">Action items</a></li>{{end}}{{range .Extra}}<li><a href="#{{.ID}}">{{.Heading}}</a></li>
{{end}}</ol></nav>{{end}}
<main>
{{range .Sections}}<section id="{{.ID}}">
<h2>{{.Heading}}{{if .Internal}}<span class="internal-tag">internal</span>{{end}}</h2>
{{.Body}}
{{if .Timeline}}{{template "timeline" $}}{{end}}
{{if .Actions}}{{template "actions" $}}{{end}}
</section>
{{end}}
{{if .TimelineEnd}}<section id="timeline"><h2>Timeline</h2>{{template "timeline" $}}</section>{{end}}
{{if .ActionsEnd}}<section id="action-items"><h2>Action items</h2>{{template "actions" $}}</section>{{end}}
{{range .Extra}}<section id="{{.ID}}">
<h2>{{.Heading}}</h2>
{{.Body}}
</section>
{{end}}
</main>
<footer>{{if .Exported}}Exported from Debrief on {{.Exported}}.{{else}}Exported from Debrief.{{end}} Times are shown in {{.ZoneName}}.</footer>
</body>
</html>
{{define "timeline"}}<table class="timeline">
<thead><tr><th>When ({{.ZoneName}})</th><th>Event</th><th>Kind</th>{{if not .Public}}<th>Who</th>{{end}}</tr></thead>
<tbody>
{{range .Events}}<tr{{if .Starred}} class="starred"{{end}}><td class="when"><span class="date">{{.Date}}</span>{{.Time}} {{.Zone}}{{if .Original}}<span class="orig">{{.Original}}</span>{{end}}</td><td>{{if .Lifecycle}}<span class="lifecycle">{{.Lifecycle}}</span> {{end}}{{.Text}}</td><td>{{.Kind}}</td>{{if not $.Public}}<td>{{.Actor}}</td>{{end}}</tr>
{{end}}</tbody>
</table>{{end}}
{{define "actions"}}<table class="actions">
<thead><tr>{{if not .Public}}<th>Key</th>{{end}}<th>Action</th>{{if not .Public}}<th>Owner</th>{{end}}<th>Due</th><th>Priority</th><th>Type</th><th>Status</th></tr></thead>
<tbody>
{{range .Actions}}<tr>{{if not $.Public}}<td>{{if .Tracker}}<a href="{{.Tracker}}">{{.Key}}</a>{{else}}{{.Key}}{{end}}</td>{{end}}<td>{{.Title}}</td>{{if not $.Public}}<td>{{.Owner}}</td>{{end}}<td>{{.Due}}</td><td>{{.Priority}}</td><td>{{.Type}}</td><td>{{.Status}}</td></tr>
{{end}}</tbody>
</table>{{end}}
`))
