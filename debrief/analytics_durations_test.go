package debrief

import (
	"testing"
	"time"
)

// TestResponseDurationsAgree checks ResponseDurations against the four
// methods it stands in for, with every combination of recorded times.
func TestResponseDurationsAgree(t *testing.T) {
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(m int) *time.Time { v := start.Add(time.Duration(m) * time.Minute); return &v }
	for mask := range 16 {
		inc := &Incident{StartedAt: start}
		if mask&1 != 0 {
			inc.DetectedAt = at(3)
		}
		if mask&2 != 0 {
			inc.AcknowledgedAt = at(7)
		}
		if mask&4 != 0 {
			inc.MitigatedAt = at(30)
		}
		if mask&8 != 0 {
			inc.ResolvedAt = at(95)
		}
		d, ok := inc.ResponseDurations()
		for i, want := range []*time.Duration{inc.TimeToDetect(), inc.TimeToAcknowledge(), inc.TimeToMitigate(), inc.TimeToResolve()} {
			if ok[i] != (want != nil) || (want != nil && d[i] != *want) {
				t.Errorf("times %04b: ResponseDurations()[%d] = %v, %v; want %v", mask, i, d[i], ok[i], want)
			}
		}
	}
}
