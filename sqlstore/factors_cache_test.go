package sqlstore

import (
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// TestFactorCacheTTL: counts are reused within factorCountsTTL and counted
// again after it (or when the clock went back), and a caller that changes
// what it got does not change what the next caller gets.
func TestFactorCacheTTL(t *testing.T) {
	var c factorCache
	t0 := time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC)
	if _, ok := c.get(t0); ok {
		t.Fatal("an empty cache answered")
	}
	c.put(t0, []debrief.FacetCount{{Value: "Config change", Count: 3}})
	got, ok := c.get(t0.Add(factorCountsTTL - time.Second))
	if !ok || len(got) != 1 || got[0].Count != 3 {
		t.Fatalf("get within the TTL = %v, %v; want the stored counts", got, ok)
	}
	got[0].Count = 99
	if again, _ := c.get(t0.Add(time.Second)); again[0].Count != 3 {
		t.Errorf("a caller's change reached the cache: %v", again)
	}
	for _, at := range []time.Time{t0.Add(factorCountsTTL), t0.Add(-time.Second)} {
		if _, ok := c.get(at); ok {
			t.Errorf("get at %v answered from a cache filled at %v; want a recount", at, t0)
		}
	}
}
