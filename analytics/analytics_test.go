package analytics

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/debriefhq/debrief/debrief"
)

func TestMedianPercentile(t *testing.T) {
	cases := []struct {
		name        string
		values      []float64 // sorted
		median, p90 float64
	}{
		{"one value", []float64{7}, 7, 7},
		// Odd: the middle value. p90 rank ⌈0.9×3⌉ = 3.
		{"three", []float64{1, 2, 9}, 2, 9},
		// Even: mean of 5 and 8. p90 rank ⌈0.9×4⌉ = 4.
		{"four", []float64{1, 5, 8, 10}, 6.5, 10},
		// Ten values: median (5+6)/2; p90 rank ⌈9⌉ = 9, the ninth value.
		{"ten", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 100}, 5.5, 9},
		// Eleven: p90 rank ⌈9.9⌉ = 10.
		{"eleven", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 6, 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Median(c.values); got != c.median {
				t.Errorf("Median(%v) = %v, want %v", c.values, got, c.median)
			}
			if got := Percentile(c.values, 90); got != c.p90 {
				t.Errorf("Percentile(%v, 90) = %v, want %v", c.values, got, c.p90)
			}
		})
	}
}

// fixtureStart is the start of the hand-computed fixture; fixtureNow is the
// clock the report is computed at.
var (
	fixtureStart = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	fixtureNow   = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
)

func tp(t time.Time) *time.Time { return &t }
func i64(v int64) *int64        { return &v }
func f64(v float64) *float64    { return &v }
func iptr(v int) *int           { return &v }

// fixtureRecords are five incidents; every figure below is worked out by
// hand from them in the comments of TestReportFixture.
func fixtureRecords() []debrief.AnalyticsRecord {
	m := func(t time.Time, minutes int) *time.Time { return tp(t.Add(time.Duration(minutes) * time.Minute)) }
	t1 := fixtureStart
	t2 := fixtureStart.AddDate(0, 0, 1)
	t3 := time.Date(2026, 4, 10, 9, 0, 0, 0, time.UTC)
	t4 := time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC)
	t5 := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	return []debrief.AnalyticsRecord{
		{Incident: debrief.Incident{ID: 1, Severity: "SEV1", Status: debrief.StatusResolved, Services: []string{"checkout", "payments"}, Labels: []string{"database"},
			StartedAt: t1, DetectedAt: m(t1, 10), AcknowledgedAt: m(t1, 15), MitigatedAt: m(t1, 40), ResolvedAt: m(t1, 60)},
			Postmortem: &debrief.AnalyticsPostmortem{Status: debrief.PostmortemPublished, CreatedAt: t1, PublishedAt: tp(m(t1, 60).AddDate(0, 0, 2)), ContributingFactors: []string{"Config", "alerting"}, QualityScore: iptr(80)}},
		{Incident: debrief.Incident{ID: 2, Severity: "SEV2", Status: debrief.StatusClosed, Services: []string{"checkout"}, RepeatOf: i64(1),
			StartedAt: t2, DetectedAt: m(t2, 20), AcknowledgedAt: m(t2, 30), MitigatedAt: m(t2, 90), ResolvedAt: m(t2, 120)},
			Postmortem: &debrief.AnalyticsPostmortem{Status: debrief.PostmortemDraft, CreatedAt: t2, ContributingFactors: []string{"config"}, QualityScore: iptr(65)}},
		{Incident: debrief.Incident{ID: 3, Severity: "SEV2", Status: debrief.StatusResolved, Services: []string{"search"}, Labels: []string{"network"},
			StartedAt: t3, DetectedAt: m(t3, 5), MitigatedAt: m(t3, 30), ResolvedAt: m(t3, 300)}},
		{Incident: debrief.Incident{ID: 4, Severity: "SEV3", Status: debrief.StatusInvestigating, Services: []string{"checkout"},
			StartedAt: t4, AcknowledgedAt: m(t4, 8)}},
		{Incident: debrief.Incident{ID: 5, Severity: "SEV1", Status: debrief.StatusResolved, Services: []string{"payments"},
			StartedAt: t5, DetectedAt: m(t5, 30), AcknowledgedAt: m(t5, 31), MitigatedAt: m(t5, 45), ResolvedAt: m(t5, 50)},
			Postmortem: &debrief.AnalyticsPostmortem{Status: debrief.PostmortemInReview, CreatedAt: t5, QualityScore: iptr(90)}},
	}
}

func fixtureItems() []debrief.ActionItem {
	day := func(y int, mo time.Month, d int) time.Time { return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC) }
	return []debrief.ActionItem{
		{ID: 1, IncidentID: i64(1), Status: debrief.ActionDone, CreatedAt: fixtureStart, CompletedAt: tp(fixtureStart.AddDate(0, 0, 2))},
		{ID: 2, IncidentID: i64(1), Status: debrief.ActionDone, CreatedAt: fixtureStart, CompletedAt: tp(fixtureStart.AddDate(0, 0, 4))},
		{ID: 3, IncidentID: i64(2), Status: debrief.ActionOpen, CreatedAt: day(2026, 5, 22), DueDate: tp(day(2026, 5, 25))},
		{ID: 4, IncidentID: i64(3), Status: debrief.ActionInProgress, CreatedAt: day(2026, 5, 29), DueDate: tp(day(2026, 6, 10))},
		{ID: 5, IncidentID: i64(5), Status: debrief.ActionWontDo, CreatedAt: day(2026, 5, 21)},
		// Due yesterday: due through the whole of its day, so not overdue
		// until tomorrow begins (debrief.ActionItem.Overdue).
		{ID: 6, IncidentID: i64(5), Status: debrief.ActionOpen, CreatedAt: day(2026, 5, 31), DueDate: tp(day(2026, 5, 31))},
		{ID: 7, IncidentID: i64(5), Status: debrief.ActionDone, CreatedAt: day(2026, 5, 21)},
	}
}

// buildFixture reduces the fixture like Compute does after the scan.
func buildFixture(t *testing.T) *Report {
	t.Helper()
	b := newBuilder(fixtureNow, debrief.DefaultSeverities)
	for _, r := range fixtureRecords() {
		if err := b.incident(&r); err != nil {
			t.Fatal(err)
		}
	}
	for _, it := range fixtureItems() {
		if err := b.item(&it); err != nil {
			t.Fatal(err)
		}
	}
	return b.report()
}

func TestReportFixture(t *testing.T) {
	r := buildFixture(t)
	const min = 60.0
	want := &Report{
		GeneratedAt: fixtureNow,
		Incidents:   5,
		BySeverity:  []Count{{"SEV1", 2}, {"SEV2", 2}, {"SEV3", 1}, {"SEV4", 0}},
		// INC-1 counts for both of its services.
		ByService: []Count{{"checkout", 3}, {"payments", 2}, {"search", 1}},
		ByLabel:   []Count{{"database", 1}, {"network", 1}},
		ByMonth:   []Count{{"2026-03", 2}, {"2026-04", 1}, {"2026-05", 2}},
		Response: ResponseTimes{
			// Detect (minutes): 10, 20, 5, 30; INC-4 has no detection time.
			// Sorted 5 10 20 30: median (10+20)/2 = 15; p90 rank ⌈3.6⌉ = 4 → 30.
			Detect: DurationStat{Count: 4, MedianSeconds: f64(15 * min), P90Seconds: f64(30 * min), Missing: 1, MissingKeys: []string{"INC-4"}},
			// Acknowledge, from detection or else the start: 5, 10, 8 (INC-4
			// from its start), 1; INC-3 was never acknowledged.
			// Sorted 1 5 8 10: median 6.5; p90 → 10.
			Acknowledge: DurationStat{Count: 4, MedianSeconds: f64(6.5 * min), P90Seconds: f64(10 * min), Missing: 1, MissingKeys: []string{"INC-3"}},
			// Mitigate: 40, 90, 30, 45; INC-4 is still open.
			// Sorted 30 40 45 90: median 42.5; p90 → 90.
			Mitigate: DurationStat{Count: 4, MedianSeconds: f64(42.5 * min), P90Seconds: f64(90 * min), MissingKeys: []string{}, StillOpen: 1},
			// Resolve: 60, 120, 300, 50. Sorted 50 60 120 300: median 90; p90 → 300.
			Resolve: DurationStat{Count: 4, MedianSeconds: f64(90 * min), P90Seconds: f64(300 * min), MissingKeys: []string{}, StillOpen: 1},
		},
		// Seven items: done 1, 2, 7; won't do 5; open 3, 4, 6.
		// Completion 3 / (7 − 1) = 0.5. Open ages at 1 June: 10, 3 and 1
		// days → median 3. Overdue: only AI-3 (due 25 May).
		// Time to complete: 2 and 4 days (AI-7 has no completion time):
		// median 3 days; p90 rank ⌈1.8⌉ = 2 → 4 days.
		ActionItems: ActionItems{Total: 7, Open: 3, Done: 3, WontDo: 1, Overdue: 1, CompletionRate: f64(0.5), MedianOpenAgeDays: f64(3),
			TimeToComplete: DurationStat{Count: 2, MedianSeconds: f64(3 * 86400), P90Seconds: f64(4 * 86400), Missing: 1, MissingKeys: []string{"AI-7"}}},
		// Resolved or closed: 1, 2, 3, 5. Published 1, draft 2, none 3,
		// in review 5: completion 1/4. INC-1 published two days after
		// resolution.
		Postmortems: Postmortems{ResolvedIncidents: 4, Published: 1, InReview: 1, Draft: 1, None: 1, CompletionRate: f64(0.25),
			TimeToPublish: DurationStat{Count: 1, MedianSeconds: f64(2 * 86400), P90Seconds: f64(2 * 86400), MissingKeys: []string{}}},
		// "Config" and "config" are one factor.
		Factors: []Count{{"config", 2}, {"alerting", 1}},
		Repeats: []Count{{"checkout", 1}},
		// Scores by the month each postmortem was created: March 80 and
		// 65 (median 72.5), none in April, May 90. Over all: 65 80 90 → 80.
		Quality: QualityScores{ByMonth: []QualityMonth{{"2026-03", 2, f64(72.5)}, {"2026-04", 0, nil}, {"2026-05", 1, f64(90)}},
			Scored: 3, MedianScore: f64(80)},
		// Every postmortem has a score, so no note about unscored ones.
		LeftOut: []string{noteProject},
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("report of the fixture differs from the hand-computed figures (-want +got):\n%s", diff)
	}
}

// TestQualityUnscored checks that a postmortem without a stored score is
// counted as unscored, left out of the months, and that the report says so.
func TestQualityUnscored(t *testing.T) {
	b := newBuilder(fixtureNow, debrief.DefaultSeverities)
	for i, score := range []*int{nil, iptr(40), nil} {
		r := debrief.AnalyticsRecord{Incident: debrief.Incident{ID: int64(i + 1), Severity: "SEV2", Status: debrief.StatusResolved, StartedAt: fixtureStart},
			Postmortem: &debrief.AnalyticsPostmortem{Status: debrief.PostmortemDraft, CreatedAt: fixtureStart, QualityScore: score}}
		if err := b.incident(&r); err != nil {
			t.Fatal(err)
		}
	}
	r := b.report()
	want := QualityScores{ByMonth: []QualityMonth{{"2026-03", 1, f64(40)}}, Scored: 1, Unscored: 2, MedianScore: f64(40)}
	if diff := cmp.Diff(want, r.Quality); diff != "" {
		t.Errorf("quality scores with two unscored postmortems (-want +got):\n%s", diff)
	}
	if len(r.LeftOut) == 0 || r.LeftOut[0] != noteQuality {
		t.Errorf("LeftOut = %q, want the note about unscored postmortems first", r.LeftOut)
	}
	tb, err := r.Table("quality_by_month")
	if err != nil {
		t.Fatalf("Table(quality_by_month) = %v", err)
	}
	if want := [][]string{{"2026-03", "40", "1"}}; !cmp.Equal(want, tb.Rows) {
		t.Errorf("Table(quality_by_month).Rows = %q, want %q", tb.Rows, want)
	}
}

func TestMonthsFillGaps(t *testing.T) {
	got := months(map[string]int{"2025-11": 2, "2026-02": 1})
	want := []Count{{"2025-11", 2}, {"2025-12", 0}, {"2026-01", 0}, {"2026-02", 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("months over a gap (-want +got):\n%s", diff)
	}
}

func TestEmptyReport(t *testing.T) {
	r := newBuilder(fixtureNow, debrief.DefaultSeverities).report()
	if r.Incidents != 0 || r.Response.Resolve.MedianSeconds != nil || r.ActionItems.CompletionRate != nil || r.Postmortems.CompletionRate != nil {
		t.Errorf("report of nothing = %+v, want zero counts and no medians or rates", r)
	}
	if len(r.BySeverity) != 4 {
		t.Errorf("BySeverity of nothing = %v, want every configured level with 0", r.BySeverity)
	}
}

// TestMedianAndP90AgreeWithSorting checks the selection against sorting
// on many sizes and on inputs with many equal values, sorted, reversed.
func TestMedianAndP90AgreeWithSorting(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 300; n++ {
		for _, shape := range []string{"random", "few values", "sorted", "reversed"} {
			values := make([]float64, n)
			for i := range values {
				switch shape {
				case "random":
					values[i] = float64(rnd.IntN(1_000_000))
				case "few values":
					values[i] = float64(rnd.IntN(3))
				case "sorted":
					values[i] = float64(i)
				case "reversed":
					values[i] = float64(n - i)
				}
			}
			sorted := slices.Sorted(slices.Values(values))
			med, p90 := medianAndP90(values)
			if want := Median(sorted); med != want {
				t.Fatalf("medianAndP90(%s, n=%d) median = %v, want %v", shape, n, med, want)
			}
			if want := Percentile(sorted, 90); p90 != want {
				t.Fatalf("medianAndP90(%s, n=%d) p90 = %v, want %v", shape, n, p90, want)
			}
		}
	}
}
