package quality

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
	"github.com/debriefhq/debrief/mdread"
)

// corpusFiles are the Markdown postmortems the agreement check reads: the
// real ones kept in testdata (MIT-licensed, see testdata/SOURCES.md) and
// our own examples, plus every .md file under the folders named in
// DEBRIEF_CORPUS (separated by the OS list separator), so a team can run
// the check and the score report on its own history:
//
//	DEBRIEF_CORPUS=../shared/research-data/postmortems go test ./quality -run Corpus -v
func corpusFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"testdata/*.md", "testdata/real/*.md", "../export/testdata/plain/*.md"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no Markdown postmortems found in testdata")
	}
	for _, dir := range filepath.SplitList(os.Getenv("DEBRIEF_CORPUS")) {
		if dir == "" {
			continue
		}
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".md") && !strings.EqualFold(d.Name(), "README.md") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("DEBRIEF_CORPUS: %v", err)
		}
	}
	return files
}

// TestCorpusLintAndImportAgree checks that `debrief lint` (ParseMarkdown
// here) and `debrief import` (export.ParseMarkdown) find the same title
// and the same sections, by key and heading, in every document.
func TestCorpusLintAndImportAgree(t *testing.T) {
	for _, path := range corpusFiles(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		in, err := ParseMarkdown(src, path)
		if err != nil {
			t.Errorf("lint %s: %v", path, err)
			continue
		}
		doc, err := export.ParseMarkdown(bytes.NewReader(src))
		if err != nil {
			// Import refuses what lint reads anyway (no title at all,
			// invalid UTF-8); lint must then say the title is missing.
			if in.Postmortem.Title != "" {
				t.Errorf("%s: import fails (%v) but lint read the title %q", path, err, in.Postmortem.Title)
			}
			continue
		}
		if in.Postmortem.Title != doc.Postmortem.Title {
			t.Errorf("%s: lint read the title %q, import %q", path, in.Postmortem.Title, doc.Postmortem.Title)
		}
		if a, b := sectionList(in.Postmortem.Sections), sectionListDoc(doc); a != b {
			t.Errorf("%s: lint and import found different sections\nlint:   %s\nimport: %s", path, a, b)
		}
	}
}

func sectionList(secs []debrief.Section) string {
	var out []string
	for _, s := range secs {
		out = append(out, s.Key+"="+s.Heading)
	}
	return strings.Join(out, ", ")
}

func sectionListDoc(doc *export.Document) string { return sectionList(doc.Postmortem.Sections) }

// TestCorpusScores prints the score distribution and the five lowest
// documents with their findings, for docs/QUALITY.md. It reads only the
// folders named in DEBRIEF_CORPUS.
func TestCorpusScores(t *testing.T) {
	if os.Getenv("DEBRIEF_CORPUS") == "" {
		t.Skip("set DEBRIEF_CORPUS to folders of Markdown postmortems to score them")
	}
	type scored struct {
		path string
		rep  *Report
	}
	var all []scored
	byDir := map[string][]int{}
	for _, path := range corpusFiles(t) {
		if strings.HasPrefix(path, "testdata") || strings.HasPrefix(path, "../export") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		in, err := ParseMarkdown(src, path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		rep := Check(in, nil)
		all = append(all, scored{path, rep})
		dir := filepath.Base(filepath.Dir(path))
		byDir[dir] = append(byDir[dir], rep.Score)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].rep.Score < all[j].rep.Score })
	var b strings.Builder
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	fmt.Fprintf(&b, "| corpus | files | min | p25 | median | p75 | max |\n|---|---|---|---|---|---|---|\n")
	var every []int
	for _, d := range dirs {
		s := byDir[d]
		every = append(every, s...)
		fmt.Fprintf(&b, "| %s | %s |\n", d, quantiles(s))
	}
	fmt.Fprintf(&b, "| all | %s |\n\n", quantiles(every))
	hist := make([]int, 10)
	for _, s := range every {
		hist[min(s/10, 9)]++
	}
	for i, n := range hist {
		fmt.Fprintf(&b, "%3d–%-3d %4d %s\n", i*10, i*10+9+boolInt(i == 9), n, strings.Repeat("#", (n+1)/2))
	}
	b.WriteString("\nLowest five:\n")
	for _, s := range all[:min(5, len(all))] {
		fmt.Fprintf(&b, "\n%s: %d\n", s.path, s.rep.Score)
		for _, f := range s.rep.Findings {
			fmt.Fprintf(&b, "  %s [%s] %s\n", f.Severity, f.Rule, f.Message)
		}
	}
	t.Log("\n" + b.String())
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func quantiles(s []int) string {
	if len(s) == 0 {
		return "0 | | | | | "
	}
	c := append([]int(nil), s...)
	sort.Ints(c)
	q := func(p float64) int { return c[int(p*float64(len(c)-1)+0.5)] }
	return fmt.Sprintf("%d | %d | %d | %d | %d | %d", len(c), c[0], q(0.25), q(0.5), q(0.75), c[len(c)-1])
}

// TestCorpusImportKeepsText checks that `debrief import` drops no text: every
// word of four letters or more in the document (front matter included) is in
// the imported record, in the title, a section, an event or an action item.
func TestCorpusImportKeepsText(t *testing.T) {
	for _, path := range corpusFiles(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := export.ParseMarkdown(bytes.NewReader(src))
		if err != nil {
			continue // refused as a whole: nothing is half-imported
		}
		var kept strings.Builder
		kept.WriteString(doc.Postmortem.Title + "\n")
		for _, s := range doc.Postmortem.Sections {
			kept.WriteString(s.Heading + "\n" + s.Body + "\n")
		}
		for _, e := range doc.Timeline {
			kept.WriteString(e.Text + " " + e.Actor + " " + e.At.Format("2006-01-02 15:04") + "\n")
		}
		for _, a := range doc.ActionItems {
			kept.WriteString(a.Title + " " + a.Owner + " " + string(a.Type) + " " + string(a.Status) + " " + a.TrackerURL + " " + a.Verification + "\n")
		}
		// Front matter values read into the records' own fields.
		pm := doc.Postmortem
		kept.WriteString(pm.RootCause + " " + strings.Join(pm.ContributingFactors, " ") + " " + string(pm.Status) + "\n")
		if pm.PublishedAt != nil {
			kept.WriteString(pm.PublishedAt.Format(time.RFC3339) + "\n")
		}
		if inc := doc.Incident; inc != nil {
			kept.WriteString(inc.Severity + " " + strings.Join(inc.Services, " ") + " " + strings.Join(inc.Customers, " ") + " " +
				strings.Join(inc.Labels, " ") + " " + inc.Impact + " " + inc.Roles.Commander + " " + inc.Roles.Scribe + " " + inc.Roles.Communications + "\n")
			for _, t := range []*time.Time{&inc.StartedAt, inc.DetectedAt, inc.MitigatedAt, inc.ResolvedAt} {
				if t != nil {
					kept.WriteString(t.Format(time.RFC3339) + "\n")
				}
			}
		}
		have := map[string]bool{}
		// The names of the front matter entries read into those fields
		// are what maps them, like a table's headers.
		for _, k := range []string{"title", "status", "published_at", "root_cause", "contributing_factors", "severity", "services", "customers",
			"labels", "tags", "categories", "impact", "commander", "roles", "started_at", "detected_at", "mitigated_at", "resolved_at", "summary"} {
			for _, w := range wordsOf(k) {
				have[w] = true
			}
		}
		for _, w := range wordsOf(kept.String()) {
			have[w] = true
		}
		body := string(src) // front matter included: what is not mapped is kept as a section
		// Table headers are what maps the columns to fields.
		for _, tab := range mdread.Parse(src).Tables() {
			for _, w := range wordsOf(strings.Join(tab.Table.RawHeader, " ")) {
				have[w] = true
			}
		}
		var missing []string
		for _, w := range wordsOf(body) {
			if !have[w] && !genericWords[w] {
				missing = append(missing, w)
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s: import dropped %d words, e.g. %q", path, len(missing), missing[:min(8, len(missing))])
		}
	}
}

// genericWords may be dropped: they are the generic first headings
// ("Example Postmortem") that name the kind of document.
var genericWords = map[string]bool{"example": true, "postmortem": true, "post-mortem": true, "incident": true, "report": true}

func wordsOf(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}) {
		if len(f) >= 4 {
			out = append(out, f)
		}
	}
	return out
}
