package export

import (
	"encoding/json"

	"github.com/debriefhq/debrief/debrief"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// PublicReport says what the public version left out and changed, for the
// preview shown beside the internal version before it is shared.
type PublicReport struct {
	// LeftOut lists the headings of the sections marked internal.
	LeftOut []string `json:"left_out"`
	// Redactions counts the names, emails, hosts and addresses replaced.
	Redactions int `json:"redactions"`
}

// Redaction placeholders.
const (
	RedactedName  = "[name]"
	RedactedEmail = "[email]"
	RedactedHost  = "[host]"
	RedactedIP    = "[ip address]"
)

// Public returns the customer-facing version of doc, a copy that leaves
// out every section marked internal and the fields that name people or
// internal systems (roles, members, owners, authors, actors, event sources'
// IDs, tracker links, template guidance, record IDs), and that redacts
// person names, email addresses, hostnames and IP addresses (v4 and v6)
// found in the remaining text. doc is not changed.
func Public(doc *Document) (*Document, PublicReport) {
	var rep PublicReport
	cp := copyDocument(doc)
	r := newRedactor(doc)
	pm := cp.Postmortem
	kept := pm.Sections[:0]
	for _, s := range pm.Sections {
		if s.Internal {
			rep.LeftOut = append(rep.LeftOut, s.Heading)
			continue
		}
		s.Heading = r.text(s.Heading)
		s.Body = r.text(s.Body)
		s.Guidance = ""
		kept = append(kept, s)
	}
	if pm.Sections != nil {
		pm.Sections = append([]debrief.Section(nil), kept...)
	}
	cp.Attachments = publicAttachments(cp, r.text)
	pm.ID, pm.Key, pm.IncidentID = 0, "", nil
	pm.Title = r.text(pm.Title)
	pm.Owner, pm.CreatedBy = "", ""
	pm.RootCause = r.text(pm.RootCause)
	pm.ContributingFactors = r.list(pm.ContributingFactors)
	pm.Lessons.WentWell = r.list(pm.Lessons.WentWell)
	pm.Lessons.WentWrong = r.list(pm.Lessons.WentWrong)
	pm.Lessons.GotLucky = r.list(pm.Lessons.GotLucky)
	if pm.Project != nil {
		for i := range pm.Project.Feedback {
			pm.Project.Feedback[i].Member, pm.Project.Feedback[i].Name = "", ""
			pm.Project.Feedback[i].Text = r.text(pm.Project.Feedback[i].Text)
		}
		for i := range pm.Project.Metrics {
			pm.Project.Metrics[i].Name = r.text(pm.Project.Metrics[i].Name)
		}
	}
	if inc := cp.Incident; inc != nil {
		inc.ID, inc.Key, inc.RepeatOf = 0, "", nil
		inc.Title = r.text(inc.Title)
		inc.Impact = r.text(inc.Impact)
		inc.Roles = debrief.Roles{}
		inc.Members, inc.Customers, inc.Labels = nil, nil, nil
		inc.CreatedBy = ""
		inc.Private = false
		inc.Services = r.list(inc.Services)
	}
	for _, e := range cp.Timeline {
		e.ID, e.IncidentID = 0, 0
		// The alert name is an internal rule name, like the external id.
		e.Actor, e.ExternalID, e.Alert = "", "", ""
		e.Text = r.text(e.Text)
	}
	for _, a := range cp.ActionItems {
		a.ID, a.Key, a.IncidentID, a.PostmortemID = 0, "", nil, nil
		a.Owner, a.CreatedBy, a.TrackerURL = "", "", ""
		a.Title = r.text(a.Title)
	}
	cp.Source, cp.Warnings = nil, nil
	rep.Redactions = r.count
	return cp, rep
}

// copyDocument deep-copies doc through its JSON form, which carries every
// field of the record.
func copyDocument(doc *Document) *Document {
	b, err := json.Marshal(doc)
	if err != nil {
		panic("export: a document that cannot be copied: " + err.Error()) // every field is plain data
	}
	var cp Document
	if err := json.Unmarshal(b, &cp); err != nil {
		panic("export: a document that cannot be copied: " + err.Error())
	}
	return &cp
}

var (
	emailRe   = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	mentionRe = regexp.MustCompile(`(^|[^\w@])@([A-Za-z0-9][A-Za-z0-9._\-]*[A-Za-z0-9]|[A-Za-z0-9])`)
	ipv4Re    = regexp.MustCompile(`\b(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?:/\d{1,2})?\b`)
	ipv6Re    = regexp.MustCompile(`[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9._]+)?(?:/\d{1,3})?`)
	hostRe    = regexp.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+([a-z][a-z0-9\-]{0,62})\b`)
)

// hostSuffixes are the last labels that make a dotted word a hostname:
// internal pseudo-domains and common public top-level domains.
var hostSuffixes = map[string]bool{
	"internal": true, "local": true, "lan": true, "corp": true, "intra": true, "intranet": true, "home": true, "svc": true,
	"cluster": true, "localdomain": true, "private": true, "test": true, "example": true, "invalid": true,
	"com": true, "net": true, "org": true, "io": true, "dev": true, "cloud": true, "app": true, "co": true, "ai": true,
	"de": true, "uk": true, "eu": true, "us": true, "fr": true, "nl": true, "se": true, "dk": true, "no": true, "fi": true,
	"jp": true, "cn": true, "in": true, "au": true, "ca": true, "ch": true, "at": true, "be": true, "es": true, "it": true,
	"pl": true, "info": true, "biz": true, "tech": true, "me": true, "tv": true, "gov": true, "edu": true, "aws": true,
}

type redactor struct {
	// names are full names and emails of people in the record, longest first.
	names []string
	// words are single-word parts of those names (lower case).
	words map[string]bool
	count int
}

// newRedactor collects the people the record names: roles, members,
// owners, authors, actors and feedback members.
func newRedactor(doc *Document) *redactor {
	r := &redactor{words: map[string]bool{}}
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" || seen[strings.ToLower(s)] || strings.EqualFold(s, "system") {
			return
		}
		seen[strings.ToLower(s)] = true
		r.names = append(r.names, s)
		// Parts of a person's name are redacted on their own too ("Ana" of
		// "Ana Pérez", "ana" of ana.perez@…), but handles such as
		// "deploy-bot" are not split, so ordinary words survive.
		local, sep := s, " "
		if at := strings.IndexByte(s, '@'); at > 0 {
			local, sep = s[:at], "._"
			r.names = append(r.names, local)
		}
		if strings.ContainsAny(local, sep) {
			for _, w := range strings.FieldsFunc(local, func(c rune) bool { return strings.ContainsRune(sep, c) }) {
				if len([]rune(w)) >= 3 && isNameWord(w) {
					r.words[strings.ToLower(w)] = true
				}
			}
		}
	}
	pm := doc.Postmortem
	add(pm.Owner)
	add(pm.CreatedBy)
	if pm.Project != nil {
		for _, f := range pm.Project.Feedback {
			add(f.Member)
			add(f.Name)
		}
	}
	if inc := doc.Incident; inc != nil {
		add(inc.Roles.Commander)
		add(inc.Roles.Scribe)
		add(inc.Roles.Communications)
		add(inc.CreatedBy)
		for _, m := range inc.Members {
			add(m)
		}
	}
	for _, e := range doc.Timeline {
		add(e.Actor)
	}
	for _, a := range doc.ActionItems {
		add(a.Owner)
		add(a.CreatedBy)
	}
	sort.SliceStable(r.names, func(i, j int) bool { return len(r.names[i]) > len(r.names[j]) })
	return r
}

// isNameWord reports whether w is letters only, as name parts are.
func isNameWord(w string) bool {
	for _, c := range w {
		if !unicode.IsLetter(c) {
			return false
		}
	}
	return true
}

func (r *redactor) list(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = r.text(s)
	}
	return out
}

// text redacts one piece of text.
func (r *redactor) text(s string) string {
	if s == "" {
		return s
	}
	s = r.replace(emailRe, s, func(string) string { return RedactedEmail })
	s = mentionRe.ReplaceAllStringFunc(s, func(m string) string {
		r.count++
		i := strings.IndexByte(m, '@')
		return m[:i] + RedactedName
	})
	for _, n := range r.names {
		s = r.replaceFold(s, n, RedactedName)
	}
	if len(r.words) > 0 {
		s = r.replaceWords(s)
	}
	s = r.replace(ipv4Re, s, func(string) string { return RedactedIP })
	s = r.replaceIPv6(s)
	s = r.replaceHosts(s)
	return s
}

func (r *redactor) replace(re *regexp.Regexp, s string, with func(string) string) string {
	return re.ReplaceAllStringFunc(s, func(m string) string {
		r.count++
		return with(m)
	})
}

// replaceFold replaces every case-insensitive occurrence of name that is
// not part of a longer word.
func (r *redactor) replaceFold(s, name, with string) string {
	if len(name) == 0 {
		return s
	}
	lower, lname := strings.ToLower(s), strings.ToLower(name)
	if len(lower) != len(s) || !strings.Contains(lower, lname) {
		if len(lower) != len(s) && strings.Contains(lower, lname) {
			return r.replaceFoldSlow(s, name, with)
		}
		return s
	}
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(lower[i:], lname)
		if j < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		j += i
		end := j + len(lname)
		if wordBoundary(s, j, end) {
			b.WriteString(s[i:j])
			b.WriteString(with)
			r.count++
		} else {
			b.WriteString(s[i:end])
		}
		i = end
	}
}

// replaceFoldSlow handles text whose lower-case form changes length.
func (r *redactor) replaceFoldSlow(s, name, with string) string {
	re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(name))
	return re.ReplaceAllStringFunc(s, func(m string) string {
		r.count++
		return with
	})
}

func isWordRune(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_' }

func wordBoundary(s string, start, end int) bool {
	if start > 0 {
		c := lastRune(s[:start])
		if isWordRune(c) {
			return false
		}
	}
	if end < len(s) {
		c := []rune(s[end:min(end+4, len(s))])
		if len(c) > 0 && isWordRune(c[0]) {
			return false
		}
	}
	return true
}

func lastRune(s string) rune {
	rs := []rune(s[max(0, len(s)-4):])
	if len(rs) == 0 {
		return 0
	}
	return rs[len(rs)-1]
}

// replaceWords replaces whole words that are parts of people's names.
func (r *redactor) replaceWords(s string) string {
	var b strings.Builder
	start := -1
	flush := func(end int) {
		w := s[start:end]
		if r.words[strings.ToLower(w)] {
			b.WriteString(RedactedName)
			r.count++
		} else {
			b.WriteString(w)
		}
		start = -1
	}
	for i, c := range s {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			flush(i)
		}
		b.WriteRune(c)
	}
	if start >= 0 {
		flush(len(s))
	}
	return b.String()
}

func (r *redactor) replaceIPv6(s string) string {
	if strings.Count(s, ":") < 2 {
		return s
	}
	locs := ipv6Re.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	prev := 0
	for _, l := range locs {
		start, end := l[0], l[1]
		// Trim a trailing dot or colon that ends a sentence or a label.
		for end > start && (s[end-1] == '.' || s[end-1] == ':') && !strings.HasSuffix(s[start:end], "::") {
			end--
		}
		cand := s[start:end]
		if start > 0 && (isASCIIWord(s[start-1]) || s[start-1] == ':') || end < len(s) && isASCIIWord(s[end]) {
			continue
		}
		addr := cand
		if i := strings.IndexByte(addr, '/'); i >= 0 {
			addr = addr[:i]
		}
		if _, err := netip.ParseAddr(addr); err != nil || !strings.Contains(addr, ":") {
			continue
		}
		b.WriteString(s[prev:start])
		b.WriteString(RedactedIP)
		r.count++
		prev = end
	}
	b.WriteString(s[prev:])
	return b.String()
}

func isASCIIWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func (r *redactor) replaceHosts(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return hostRe.ReplaceAllStringFunc(s, func(m string) string {
		last := m[strings.LastIndexByte(m, '.')+1:]
		if !hostSuffixes[strings.ToLower(last)] {
			return m
		}
		r.count++
		return RedactedHost
	})
}
