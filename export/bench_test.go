package export

import (
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// largeDocument is a realistic large postmortem: the sample's record with
// twelve long sections (about 40 KB of Markdown), 300 timeline events in
// four zones and 25 action items.
func largeDocument() *Document {
	doc := sampleDocument()
	para := "The connection pool on the payments database was sized for the old traffic pattern; when the batch job started, " +
		"requests queued behind it and **p99 latency** rose from 180 ms to 9.4 s. See [the dashboard](https://grafana.example.com/d/pay) " +
		"and `pool_max`, which was 20.\n\n- first contributing factor\n- second contributing factor\n\n| metric | before | after |\n|---|---|---|\n| p99 | 180 ms | 9.4 s |\n\n"
	for i := 0; i < 12; i++ {
		doc.Postmortem.Sections = append(doc.Postmortem.Sections, debrief.Section{
			Key: fmt.Sprintf("detail-%d", i), Heading: fmt.Sprintf("Detail %d", i), Body: strings.Repeat(para, 8)})
	}
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"}
	start := doc.Incident.StartedAt
	doc.Timeline = nil
	for i := 0; i < 300; i++ {
		doc.Timeline = append(doc.Timeline, &debrief.TimelineEvent{ID: int64(1000 + i), IncidentID: 42, At: start.Add(time.Duration(i) * 37 * time.Second),
			Zone: zones[i%len(zones)], Source: debrief.SourceSlack, Kind: debrief.KindCommunication,
			Text: fmt.Sprintf("Message %d: checking the pool | restarting payments-%d, error rate %d%%", i, i%7, i%30), Actor: "li@example.com",
			ExternalID: fmt.Sprintf("slack:C01:%d.0001", 1709640000+i), CreatedAt: start, Version: 1})
	}
	for i := 0; i < 25; i++ {
		a := *doc.ActionItems[i%2]
		a.ID, a.Key = int64(100+i), fmt.Sprintf("AI-%d", 100+i)
		a.Title = fmt.Sprintf("Add an alert on pool saturation for service %d", i)
		doc.ActionItems = append(doc.ActionItems, &a)
	}
	return doc
}

// cpuTime returns the process's user and system CPU time. The benchmarks
// report it per operation beside the wall time, because on a shared,
// loaded machine the wall time mostly measures waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ms/op to a benchmark that started at start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

func BenchmarkMarkdownLarge(b *testing.B) {
	doc := largeDocument()
	md, _ := Markdown(doc)
	b.SetBytes(int64(len(md)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if err := WriteMarkdown(io.Discard, doc); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

func BenchmarkHTMLLarge(b *testing.B) {
	doc := largeDocument()
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if err := WriteHTML(io.Discard, doc, HTMLOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

func BenchmarkParseMarkdownLarge(b *testing.B) {
	md, _ := Markdown(largeDocument())
	b.SetBytes(int64(len(md)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := ParseMarkdown(strings.NewReader(string(md))); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

func BenchmarkPublicLarge(b *testing.B) {
	doc := largeDocument()
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		Public(doc)
	}
	reportCPU(b, start)
}
