// Package analytics turns incidents and action items into figures: counts
// by severity, service, label and month, response times (median and p90,
// each with its count), action item follow-through, postmortem completion,
// top contributing factors and repeat incidents; and renders them as SVG
// charts, CSV tables and Prometheus metrics.
//
// Figures are computed from one streaming read (debrief.Service.ScanAnalytics),
// which applies the visibility rule for private incidents; this package only
// reduces what it is given.
package analytics

import (
	"context"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Count is one category and how many fall in it.
type Count struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// DurationStat summarises one response time over the incidents that have
// both of its timestamps. Count says how many that is, so a median of three
// incidents is not mistaken for a trend; Missing counts the incidents left
// out for lack of a timestamp, and MissingKeys names up to
// MaxMissingKeys of them (newest first) so they can be corrected.
type DurationStat struct {
	Count         int      `json:"count"`
	MedianSeconds *float64 `json:"median_seconds"`
	P90Seconds    *float64 `json:"p90_seconds"`
	Missing       int      `json:"missing"`
	MissingKeys   []string `json:"missing_keys"`
	// StillOpen counts incidents left out because they are not over yet
	// (for mitigation and resolution only).
	StillOpen int `json:"still_open,omitempty"`
}

// MaxMissingKeys bounds the incidents named in DurationStat.MissingKeys.
const MaxMissingKeys = 50

// ResponseTimes are the four lifecycle durations (debrief.Incident's
// TimeToDetect, TimeToAcknowledge, TimeToMitigate, TimeToResolve).
type ResponseTimes struct {
	Detect      DurationStat `json:"time_to_detect"`
	Acknowledge DurationStat `json:"time_to_acknowledge"`
	Mitigate    DurationStat `json:"time_to_mitigate"`
	Resolve     DurationStat `json:"time_to_resolve"`
}

// ActionItems summarises follow-through on the selected incidents' items.
type ActionItems struct {
	Total   int `json:"total"`
	Open    int `json:"open"` // open or in progress
	Done    int `json:"done"`
	WontDo  int `json:"wont_do"`
	Overdue int `json:"overdue"`
	// CompletionRate is Done / (Total − WontDo): an item the team decided
	// not to do is a decision, not a failure to follow through. Nil when
	// no item counts.
	CompletionRate *float64 `json:"completion_rate"`
	// MedianOpenAgeDays is the median age of the items still open.
	MedianOpenAgeDays *float64 `json:"median_open_age_days"`
	// TimeToComplete is from creation to completion, for done items.
	TimeToComplete DurationStat `json:"time_to_complete"`
}

// Postmortems summarises whether resolved incidents got their postmortem.
type Postmortems struct {
	// ResolvedIncidents are the selected incidents that are resolved or closed.
	ResolvedIncidents int `json:"resolved_incidents"`
	// Published, InReview, Draft and None split ResolvedIncidents by the
	// state of their postmortem.
	Published int `json:"published"`
	InReview  int `json:"in_review"`
	Draft     int `json:"draft"`
	None      int `json:"none"`
	// CompletionRate is Published / ResolvedIncidents; nil when none.
	CompletionRate *float64 `json:"completion_rate"`
	// TimeToPublish is from the incident's resolution to publication.
	TimeToPublish DurationStat `json:"time_to_publish"`
}

// QualityMonth is the quality-check score of the postmortems created in
// one month (UTC): their median score and how many there are, so a median
// of two documents is not read as a trend. Months without a scored
// postmortem are listed with a count of 0 and no median.
type QualityMonth struct {
	Month       string   `json:"month"`
	Count       int      `json:"count"`
	MedianScore *float64 `json:"median_score"`
}

// QualityScores follows the quality check's score (0–100, package quality)
// of the selected incidents' postmortems over time. A postmortem is scored
// when it is saved; one not saved since scores were stored has none and
// is counted in Unscored instead.
type QualityScores struct {
	ByMonth  []QualityMonth `json:"by_month"`
	Scored   int            `json:"scored"`
	Unscored int            `json:"unscored"`
	// MedianScore is the median over every scored postmortem; nil when none.
	MedianScore *float64 `json:"median_score"`
}

// Report holds every figure for one filter.
type Report struct {
	GeneratedAt time.Time     `json:"generated_at"`
	Filter      Filter        `json:"filter"`
	Incidents   int           `json:"incidents"`
	BySeverity  []Count       `json:"by_severity"`
	ByService   []Count       `json:"by_service"`
	ByLabel     []Count       `json:"by_label"`
	ByMonth     []Count       `json:"by_month"`
	Response    ResponseTimes `json:"response_times"`
	ActionItems ActionItems   `json:"action_items"`
	Postmortems Postmortems   `json:"postmortems"`
	Factors     []Count       `json:"top_contributing_factors"`
	Repeats     []Count       `json:"repeat_incidents_by_service"`
	Quality     QualityScores `json:"quality_scores"`
	LeftOut     []string      `json:"left_out"`
}

// Filter is debrief.AnalyticsFilter as reported back, with RFC 3339 times.
type Filter struct {
	From       *time.Time `json:"from,omitempty"`
	To         *time.Time `json:"to,omitempty"`
	Services   []string   `json:"services"`
	Severities []string   `json:"severities"`
}

// TopFactors is how many contributing factors a report lists.
const TopFactors = 10

// What the figures cannot include, said in every report so that nobody
// reads an absence as a zero.
const (
	noteQuality = "Quality-check scores: a postmortem is scored when it is saved, so postmortems not saved since this Debrief version are not in the scores over time (see the count of unscored postmortems)."
	noteProject = "Action items of project postmortems belong to no incident and are not counted."
)

// Compute reads the incidents and action items the actor in ctx may see
// through svc and reduces them to a Report.
func Compute(ctx context.Context, svc *debrief.Service, f debrief.AnalyticsFilter) (*Report, error) {
	now := svc.Now()
	b := newBuilder(now, svc.Severities())
	err := svc.ScanAnalytics(ctx, f, b.incident, b.item)
	if err != nil {
		return nil, err
	}
	r := b.report()
	r.Filter = Filter{From: f.From, To: f.To, Services: nonNil(f.Services), Severities: nonNil(f.Severities)}
	return r, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// builder accumulates figures one record at a time.
type builder struct {
	now        time.Time
	severities []debrief.SeverityLevel
	incidents  int
	severity   map[string]int
	service    map[string]int
	label      map[string]int
	// month counts by year×12 + month − 1 (UTC): an int key costs less
	// than formatting a name for every incident.
	month   map[int]int
	factors map[string]int
	repeats map[string]int
	// durations hold seconds; missing the IDs lacking a timestamp.
	detect, ack, mitigate, resolve, publish, complete durations
	// scores holds the quality scores by month key (as month).
	scores   map[int][]float64
	unscored int
	pm       Postmortems
	items    ActionItems
	openAges []float64
}

type durations struct {
	// prefix makes the keys of the records in missing (INC- or AI-).
	prefix    string
	values    []float64
	missing   []int64
	stillOpen int
}

func (d *durations) add(v *time.Duration) {
	d.values = append(d.values, v.Seconds())
}

func (d *durations) stat() DurationStat {
	st := DurationStat{Count: len(d.values), Missing: len(d.missing), StillOpen: d.stillOpen, MissingKeys: []string{}}
	if len(d.values) > 0 {
		med, p90 := medianAndP90(d.values)
		st.MedianSeconds, st.P90Seconds = &med, &p90
	}
	// Newest first: the most recent gaps are the ones people remember.
	slices.Sort(d.missing)
	for i := len(d.missing) - 1; i >= 0 && len(st.MissingKeys) < MaxMissingKeys; i-- {
		st.MissingKeys = append(st.MissingKeys, d.prefix+strconv.FormatInt(d.missing[i], 10))
	}
	return st
}

func newBuilder(now time.Time, severities []debrief.SeverityLevel) *builder {
	b := &builder{now: now, severities: severities,
		severity: map[string]int{}, service: map[string]int{}, label: map[string]int{},
		month: map[int]int{}, scores: map[int][]float64{}, factors: map[string]int{}, repeats: map[string]int{}}
	for _, d := range []*durations{&b.detect, &b.ack, &b.mitigate, &b.resolve, &b.publish} {
		d.prefix = debrief.IncidentKeyPrefix
	}
	b.complete.prefix = debrief.ActionItemKeyPrefix
	return b
}

func (b *builder) incident(r *debrief.AnalyticsRecord) error {
	inc := &r.Incident
	b.incidents++
	b.severity[inc.Severity]++
	for _, s := range inc.Services {
		b.service[s]++
		if inc.RepeatOf != nil {
			b.repeats[s]++
		}
	}
	for _, l := range inc.Labels {
		b.label[l]++
	}
	y, m, _ := inc.StartedAt.UTC().Date()
	b.month[y*12+int(m)-1]++

	open := inc.Status.Open()
	d, ok := inc.ResponseDurations()
	for i, dur := range []*durations{&b.detect, &b.ack, &b.mitigate, &b.resolve} {
		switch {
		case ok[i]:
			dur.values = append(dur.values, d[i].Seconds())
		case open && i >= 2: // mitigation and resolution wait for the end
			dur.stillOpen++
		default:
			dur.missing = append(dur.missing, inc.ID)
		}
	}

	if !open {
		b.pm.ResolvedIncidents++
		switch {
		case r.Postmortem == nil:
			b.pm.None++
		case r.Postmortem.Status == debrief.PostmortemPublished:
			b.pm.Published++
			if r.Postmortem.PublishedAt != nil && inc.ResolvedAt != nil {
				d := r.Postmortem.PublishedAt.Sub(*inc.ResolvedAt)
				b.publish.add(&d)
			} else {
				b.publish.missing = append(b.publish.missing, inc.ID)
			}
		case r.Postmortem.Status == debrief.PostmortemInReview:
			b.pm.InReview++
		default:
			b.pm.Draft++
		}
	}
	if r.Postmortem != nil {
		if sc := r.Postmortem.QualityScore; sc != nil {
			y, m, _ := r.Postmortem.CreatedAt.UTC().Date()
			k := y*12 + int(m) - 1
			b.scores[k] = append(b.scores[k], float64(*sc))
		} else {
			b.unscored++
		}
		for _, f := range r.Postmortem.ContributingFactors {
			b.factors[strings.ToLower(f)]++
		}
	}
	return nil
}

func (b *builder) item(it *debrief.ActionItem) error {
	b.items.Total++
	switch it.Status {
	case debrief.ActionDone:
		b.items.Done++
		if it.CompletedAt != nil {
			d := it.CompletedAt.Sub(it.CreatedAt)
			b.complete.add(&d)
		} else {
			b.complete.missing = append(b.complete.missing, it.ID)
		}
	case debrief.ActionWontDo:
		b.items.WontDo++
	default:
		b.items.Open++
		b.openAges = append(b.openAges, b.now.Sub(it.CreatedAt).Hours()/24)
	}
	if it.Overdue(b.now) {
		b.items.Overdue++
	}
	return nil
}

func (b *builder) report() *Report {
	r := &Report{GeneratedAt: b.now, Incidents: b.incidents}
	r.BySeverity = b.bySeverity()
	r.ByService = byCount(b.service, 0)
	r.ByLabel = byCount(b.label, 0)
	named := make(map[string]int, len(b.month))
	for k, c := range b.month {
		named[time.Date(k/12, time.Month(k%12+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")] = c
	}
	r.ByMonth = months(named)
	r.Factors = byCount(b.factors, TopFactors)
	r.Repeats = byCount(b.repeats, 0)
	r.Response = ResponseTimes{Detect: b.detect.stat(), Acknowledge: b.ack.stat(), Mitigate: b.mitigate.stat(), Resolve: b.resolve.stat()}
	r.Postmortems = b.pm
	r.Postmortems.TimeToPublish = b.publish.stat()
	if b.pm.ResolvedIncidents > 0 {
		v := float64(b.pm.Published) / float64(b.pm.ResolvedIncidents)
		r.Postmortems.CompletionRate = &v
	}
	r.ActionItems = b.items
	if n := b.items.Total - b.items.WontDo; n > 0 {
		v := float64(b.items.Done) / float64(n)
		r.ActionItems.CompletionRate = &v
	}
	if len(b.openAges) > 0 {
		v := medianOf(b.openAges)
		r.ActionItems.MedianOpenAgeDays = &v
	}
	r.ActionItems.TimeToComplete = b.complete.stat()
	r.Quality = b.quality()
	r.LeftOut = []string{noteProject}
	if b.unscored > 0 {
		r.LeftOut = append([]string{noteQuality}, r.LeftOut...)
	}
	return r
}

// quality lists every month from the first to the last with a scored
// postmortem, zeros included, as months does for incidents.
func (b *builder) quality() QualityScores {
	q := QualityScores{ByMonth: []QualityMonth{}, Unscored: b.unscored}
	if len(b.scores) == 0 {
		return q
	}
	first, last := math.MaxInt, math.MinInt
	var all []float64
	for k, v := range b.scores {
		first, last = min(first, k), max(last, k)
		all = append(all, v...)
	}
	for k := first; k <= last; k++ {
		m := QualityMonth{Month: time.Date(k/12, time.Month(k%12+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")}
		if v := b.scores[k]; len(v) > 0 {
			med := medianOf(v)
			m.Count, m.MedianScore = len(v), &med
		}
		q.ByMonth = append(q.ByMonth, m)
	}
	med := medianOf(all)
	q.Scored, q.MedianScore = len(all), &med
	return q
}

// bySeverity lists every configured level in rank order, zeros included, so
// a chart of severities always has the same bars; unknown names (from a
// level removed from the configuration) follow.
func (b *builder) bySeverity() []Count {
	out := make([]Count, 0, len(b.severities))
	seen := map[string]bool{}
	levels := slices.Clone(b.severities)
	sort.SliceStable(levels, func(i, j int) bool { return levels[i].Rank < levels[j].Rank })
	for _, l := range levels {
		out = append(out, Count{Name: l.Name, Count: b.severity[l.Name]})
		seen[l.Name] = true
	}
	rest := map[string]int{}
	for n, c := range b.severity {
		if !seen[n] {
			rest[n] = c
		}
	}
	return append(out, byName(rest)...)
}

// byCount sorts by count, highest first, ties by name; limit 0 keeps all.
func byCount(m map[string]int, limit int) []Count {
	out := make([]Count, 0, len(m))
	for n, c := range m {
		out = append(out, Count{Name: n, Count: c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Name < out[j].Name
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// byName sorts by name (months as YYYY-MM sort in time order).
func byName(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for n, c := range m {
		out = append(out, Count{Name: n, Count: c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// months lists every month from the first to the last that has an
// incident, zeros included, so a chart over time has no silent gaps.
func months(m map[string]int) []Count {
	named := byName(m)
	if len(named) == 0 {
		return named
	}
	first, err1 := time.Parse("2006-01", named[0].Name)
	last, err2 := time.Parse("2006-01", named[len(named)-1].Name)
	if err1 != nil || err2 != nil {
		return named
	}
	out := []Count{}
	for t := first; !t.After(last); t = t.AddDate(0, 1, 0) {
		k := t.Format("2006-01")
		out = append(out, Count{Name: k, Count: m[k]})
	}
	return out
}

// Median returns the middle of sorted values, or the mean of the two middle
// values when there is an even number of them. It panics on an empty slice.
func Median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Percentile returns the p-th percentile of sorted values by the nearest-rank
// method: the smallest value with at least p% of the values at or below it,
// the value at rank ⌈p/100 × n⌉. It is always one of the values, so a p90 of
// five response times is an actual response time, not an interpolation. It
// panics on an empty slice.
func Percentile(sorted []float64, p float64) float64 {
	return sorted[nearestRank(len(sorted), p)]
}

// nearestRank is the index of Percentile's answer among n sorted values.
func nearestRank(n int, p float64) int {
	rank := int(math.Ceil(p / 100 * float64(n)))
	return max(rank, 1) - 1
}
