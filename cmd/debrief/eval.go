package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/mdread"
	"github.com/debriefhq/debrief/sqlstore"
)

// EvalCmd groups the commands that measure how well Debrief's judgements
// agree with what a team already knows about its history.
type EvalCmd struct {
	Similar EvalSimilarCmd `cmd:"" help:"Measure similar incidents on a folder of labelled Markdown postmortems: precision@5 and lift per label."`
}

// EvalSimilarCmd imports a folder of postmortems into a scratch database,
// asks for the incidents like each one among those before it, and reports
// how often the answers share the asked one's labels, against chance.
type EvalSimilarCmd struct {
	Dir     string   `arg:"" help:"Folder of Markdown postmortems; each file's front matter carries the labels." placeholder:"DIR" type:"existingdir"`
	Label   string   `required:"" help:"Front matter field holding the labels, e.g. categories." placeholder:"FIELD"`
	Fields  []string `default:"title,summary,body" enum:"title,summary,body" help:"What of each document to import: title, summary (the front matter's summary, else the Summary section) and body (the other sections)." placeholder:"LIST"`
	Rare    []string `help:"Label values whose mean lift is reported (default: all)." placeholder:"A,B"`
	Redact  []string `help:"Front matter fields whose values are taken out of the text, e.g. company: inside one organisation its name says nothing." placeholder:"FIELD"`
	Shuffle int64    `help:"Import in an order shuffled with this seed instead of by file name (0: by file name)." placeholder:"SEED"`
	Seeds   []int64  `help:"Measure in several orders, one shuffled with each seed, and print each order's lifts and their spread (instead of --shuffle)." placeholder:"1,2,3"`
	Train   []int64  `help:"With --seeds: the seeds used while tuning; their mean is printed apart from the other (held-out) seeds'." placeholder:"1,2"`
	Top     int      `default:"5" hidden:""`
}

// evalDoc is one postmortem of the folder as imported.
type evalDoc struct {
	name   string
	labels map[string]bool
	imp    *debrief.PostmortemImport
	id     int64
}

// Run reads the folder, measures in one order (or in each order --seeds
// names) and prints.
func (c *EvalSimilarCmd) Run(env *Env) error {
	docs, skipped, err := c.read()
	if err != nil {
		return err
	}
	if len(docs) < 2 {
		return fmt.Errorf("%s holds %d postmortems with %s and the fields asked for; at least 2 are needed", c.Dir, len(docs), c.Label)
	}
	if len(c.Seeds) == 0 {
		r, err := c.measure(env, docs, c.Shuffle)
		if err != nil {
			return err
		}
		c.print(env.Stdout, r, len(docs), skipped)
		return nil
	}
	if c.Shuffle != 0 {
		return fmt.Errorf("give either --shuffle or --seeds, not both")
	}
	results := make([]*evalResult, len(c.Seeds))
	for i, seed := range c.Seeds {
		if results[i], err = c.measure(env, docs, seed); err != nil {
			return err
		}
	}
	c.printSeeds(env.Stdout, results, len(docs), skipped)
	return nil
}

// measure imports docs in the order shuffled with seed (by file name when
// seed is 0) into a scratch database and asks for each one's similar
// incidents. The scratch database lives in a temporary folder removed on
// return: the user's own database is never touched.
func (c *EvalSimilarCmd) measure(env *Env, files []*evalDoc, seed int64) (*evalResult, error) {
	docs := append([]*evalDoc(nil), files...)
	if seed != 0 {
		r := rand.New(rand.NewSource(seed))
		r.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	}
	tmp, err := os.MkdirTemp("", "debrief-eval-")
	if err != nil {
		return nil, fmt.Errorf("make a scratch folder: %w", err)
	}
	defer os.RemoveAll(tmp)
	db, err := sqlstore.Open(env.Ctx, filepath.Join(tmp, "eval.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, fmt.Errorf("open the scratch database: %w", err)
	}
	defer db.Close()
	svc := newService(db)
	ctx := debrief.WithActor(env.Ctx, cliActor)
	// One incident an hour, in import order, so "earlier" is the order.
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, d := range docs {
		d.imp.Incident.StartedAt = start.Add(time.Duration(i) * time.Hour)
		out, err := svc.ImportPostmortem(ctx, d.imp)
		if err != nil {
			return nil, fmt.Errorf("import %s: %s", d.name, debrief.ErrorMessage(err))
		}
		d.id = out.Incident.ID
	}
	byID := map[int64]*evalDoc{}
	for _, d := range docs {
		byID[d.id] = d
	}
	return c.score(ctx, svc, docs, byID)
}

// read parses the folder's Markdown files, sorted by name. Files without
// the label field or without any of the fields asked for are skipped.
func (c *EvalSimilarCmd) read() ([]*evalDoc, int, error) {
	names, err := filepath.Glob(filepath.Join(c.Dir, "*.md"))
	if err != nil {
		return nil, 0, err
	}
	sort.Strings(names)
	want := map[string]bool{}
	for _, f := range c.Fields {
		want[f] = true
	}
	var docs []*evalDoc
	skipped := 0
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, 0, fmt.Errorf("cannot read %s: %v", name, fileErrorText(err))
		}
		d, ok := c.parse(filepath.Base(name), src, want)
		if !ok {
			skipped++
			continue
		}
		docs = append(docs, d)
	}
	return docs, skipped, nil
}

func (c *EvalSimilarCmd) parse(name string, src []byte, want map[string]bool) (*evalDoc, bool) {
	md := mdread.Parse(src)
	var fields map[string]any
	if md.FrontMatter != nil {
		fields = md.FrontMatter.Fields
	}
	labels := map[string]bool{}
	for _, v := range frontList(fields[c.Label]) {
		labels[strings.ToLower(v)] = true
	}
	if len(labels) == 0 {
		return nil, false
	}
	var names []string
	for _, f := range c.Redact {
		names = append(names, frontList(fields[f])...)
	}
	redact := func(s string) string { return redactNames(s, names) }
	title := redact(md.Title)
	summary, _ := fields["summary"].(string)
	var body []debrief.Section
	for _, s := range md.Sections {
		if s.FromFrontMatter {
			// The front matter's summary is read above; its other fields
			// (the label itself among them) are not the document's text.
			continue
		}
		text := strings.TrimSpace(strings.Join(s.Body, "\n"))
		if s.Role == mdread.RoleSummary && summary == "" {
			summary = text
			continue
		}
		if text != "" {
			body = append(body, debrief.Section{Key: s.Key, Heading: s.Heading, Body: redact(text)})
		}
	}
	summary = redact(strings.TrimSpace(summary))
	pm := &debrief.Postmortem{Status: debrief.PostmortemPublished}
	if want["title"] {
		pm.Title = title
	}
	if want["summary"] && summary != "" {
		pm.Sections = append(pm.Sections, debrief.Section{Key: "summary", Heading: "Summary", Body: summary})
	}
	if want["body"] {
		pm.Sections = append(pm.Sections, body...)
	}
	// A document is kept only when it has every field asked for, so all
	// are measured on the same text.
	if (want["title"] && title == "") || (want["summary"] && summary == "") || len(pm.Sections) == 0 && pm.Title == "" {
		return nil, false
	}
	if pm.Title == "" {
		// A title is required; an untitled import is named by its file.
		pm.Title = strings.TrimSuffix(name, filepath.Ext(name))
	}
	inc := &debrief.Incident{Title: pm.Title}
	return &evalDoc{name: name, labels: labels, imp: &debrief.PostmortemImport{Incident: inc, Postmortem: pm}}, true
}

// frontList reads a front matter value as a list of strings: a YAML list
// or one string.
func frontList(v any) []string {
	var out []string
	switch v := v.(type) {
	case string:
		if s := strings.TrimSpace(v); s != "" {
			out = append(out, s)
		}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
	}
	return out
}

// redactNames takes each of names out of s, whatever its case.
func redactNames(s string, names []string) string {
	for _, n := range names {
		if n == "" {
			continue
		}
		lower, ln := strings.ToLower(s), strings.ToLower(n)
		var b strings.Builder
		for {
			i := strings.Index(lower, ln)
			if i < 0 {
				b.WriteString(s)
				break
			}
			b.WriteString(s[:i])
			s, lower = s[i+len(n):], lower[i+len(n):]
		}
		s = b.String()
	}
	return strings.Join(strings.Fields(s), " ")
}

// evalResult counts, per label value, how many documents carry it, how
// many answers were given to documents with it, and how many of those
// answers carry it too.
type evalResult struct {
	docs    map[string]int
	answers map[string]int
	hits    map[string]int
	asked   int
	empty   int
}

func (c *EvalSimilarCmd) score(ctx context.Context, svc *debrief.Service, docs []*evalDoc, byID map[int64]*evalDoc) (*evalResult, error) {
	r := &evalResult{docs: map[string]int{}, answers: map[string]int{}, hits: map[string]int{}}
	for _, d := range docs {
		for l := range d.labels {
			r.docs[l]++
		}
	}
	for i, d := range docs {
		if i == 0 {
			continue // nothing before it
		}
		similar, err := svc.SimilarIncidents(ctx, d.id)
		if err != nil {
			return nil, fmt.Errorf("similar incidents of %s: %s", d.name, debrief.ErrorMessage(err))
		}
		r.asked++
		if len(similar) == 0 {
			r.empty++
		}
		if len(similar) > c.Top {
			similar = similar[:c.Top]
		}
		for l := range d.labels {
			for _, s := range similar {
				r.answers[l]++
				if o := byID[s.Incident.ID]; o != nil && o.labels[l] {
					r.hits[l]++
				}
			}
		}
	}
	return r, nil
}

// lifts returns each label's lift: the precision of the answers given to
// documents carrying it over its base rate among the n documents.
func (r *evalResult) lifts(n int) map[string]float64 {
	out := make(map[string]float64, len(r.docs))
	for l, d := range r.docs {
		p := 0.0
		if r.answers[l] > 0 {
			p = float64(r.hits[l]) / float64(r.answers[l])
		}
		out[l] = p / (float64(d) / float64(n))
	}
	return out
}

// rare returns the labels whose mean lift is reported (--rare, lowercased,
// or every label), and those of them no document carries.
func (c *EvalSimilarCmd) rare(r *evalResult) (over, missing []string) {
	for _, l := range c.Rare {
		l = strings.ToLower(l)
		if r.docs[l] == 0 {
			missing = append(missing, l)
			continue
		}
		over = append(over, l)
	}
	if len(c.Rare) == 0 {
		for l := range r.docs {
			over = append(over, l)
		}
		sort.Strings(over)
	}
	return over, missing
}

// meanLift is the mean of lifts over labels, and the lowest with its label.
func meanLift(lifts map[string]float64, labels []string) (mean, low float64, lowName string) {
	for i, l := range labels {
		v := lifts[l]
		mean += v / float64(len(labels))
		if i == 0 || v < low {
			low, lowName = v, l
		}
	}
	return mean, low, lowName
}

// printSeeds prints one line per order and how the mean lift spreads over
// the orders, with the training orders (--train) apart from the others.
func (c *EvalSimilarCmd) printSeeds(w io.Writer, results []*evalResult, n, skipped int) {
	empty := 0
	for _, r := range results {
		empty += r.empty
	}
	fmt.Fprintf(w, "%d postmortems imported (%s), %d skipped; asked for the %d most similar earlier incidents of %d, in %d orders; %.1f got none per order.\n",
		n, strings.Join(c.Fields, "+"), skipped, c.Top, results[0].asked, len(results), float64(empty)/float64(len(results)))
	over, missing := c.rare(results[0])
	if len(over) == 0 {
		fmt.Fprintf(w, "No document carries %s.\n", strings.Join(missing, ", "))
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "seed\t"+strings.Join(over, "\t")+"\tmean\t")
	train := map[int64]bool{}
	for _, s := range c.Train {
		train[s] = true
	}
	var all, trained, held []float64
	lowest, lowestSeed := 0.0, int64(0)
	for i, r := range results {
		lifts := r.lifts(n)
		mean, _, _ := meanLift(lifts, over)
		row := strconv.FormatInt(c.Seeds[i], 10)
		if train[c.Seeds[i]] {
			row += " (train)"
		}
		for _, l := range over {
			row += fmt.Sprintf("\t%.2f×", lifts[l])
		}
		fmt.Fprintf(tw, "%s\t%.2f×\t\n", row, mean)
		all = append(all, mean)
		if train[c.Seeds[i]] {
			trained = append(trained, mean)
		} else {
			held = append(held, mean)
		}
		if i == 0 || mean < lowest {
			lowest, lowestSeed = mean, c.Seeds[i]
		}
	}
	tw.Flush()
	avg := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x / float64(len(xs))
		}
		return s
	}
	fmt.Fprintf(w, "Mean lift over %s, over %d orders: %.2f× (lowest %.2f×, seed %d).\n", strings.Join(over, ", "), len(all), avg(all), lowest, lowestSeed)
	if len(trained) > 0 && len(held) > 0 {
		fmt.Fprintf(w, "Training orders: %.2f×; held-out orders: %.2f×.\n", avg(trained), avg(held))
	}
	if len(missing) > 0 {
		fmt.Fprintf(w, "No document carries %s.\n", strings.Join(missing, ", "))
	}
}

func (c *EvalSimilarCmd) print(w io.Writer, r *evalResult, n, skipped int) {
	fmt.Fprintf(w, "%d postmortems imported (%s), %d skipped; asked for the %d most similar earlier incidents of %d, %d got none.\n",
		n, strings.Join(c.Fields, "+"), skipped, c.Top, r.asked, r.empty)
	labels := make([]string, 0, len(r.docs))
	for l := range r.docs {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, c.Label+"\tdocs\tbase rate\tanswers\tprecision@5\tlift\t")
	lift := r.lifts(n)
	for _, l := range labels {
		base := float64(r.docs[l]) / float64(n)
		p := 0.0
		if r.answers[l] > 0 {
			p = float64(r.hits[l]) / float64(r.answers[l])
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%d\t%.3f\t%.2f×\t\n", l, r.docs[l], base, r.answers[l], p, lift[l])
	}
	tw.Flush()
	over, missing := c.rare(r)
	if len(over) > 0 {
		mean, low, lowName := meanLift(lift, over)
		fmt.Fprintf(w, "Mean lift over %s: %.2f× (lowest %s %.2f×).\n", strings.Join(over, ", "), mean, lowName, low)
	}
	if len(missing) > 0 {
		fmt.Fprintf(w, "No document carries %s.\n", strings.Join(missing, ", "))
	}
}
