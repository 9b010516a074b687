package debrief

import "testing"

func TestSimilarTerms(t *testing.T) {
	got := SimilarTerms([]SearchField{
		{Name: "title", Text: "Generator failed"},
		{Name: "summary", Text: "The generator did not start in 2024"},
		{Name: "timeline", Text: "generator generator generator"},
	}, 100)
	// Title words weigh 2, summary words 1; the timeline is not read; stop
	// words, short words and numbers are left out.
	if got["generator"] != 3 || got["failed"] != 2 || got["start"] != 1 {
		t.Errorf("SimilarTerms = %v, want generator 3, failed 2, start 1", got)
	}
	for _, w := range []string{"the", "did", "in", "2024"} {
		if _, ok := got[w]; ok {
			t.Errorf("SimilarTerms kept %q", w)
		}
	}
	// "generator" is a phrase of the hardware-power topic.
	if got[similarTopicPrefix+"hardware-power"] == 0 {
		t.Errorf("SimilarTerms = %v, want the hardware-power topic", got)
	}
}

func TestSimilarTextScore(t *testing.T) {
	idf := map[string]float64{"generator": 3, "power": 2, "cache": 3}
	probe := map[string]float64{"generator": 2, "power": 1}
	near := map[string]float64{"generator": 1, "power": 1}
	far := map[string]float64{"power": 1, "cache": 2}
	none := map[string]float64{"cache": 1}
	n, f := SimilarTextScore(probe, near, idf, 1), SimilarTextScore(probe, far, idf, 1)
	if !(n > f && f > 0) {
		t.Errorf("scores near %v, far %v: want near > far > 0", n, f)
	}
	if s := SimilarTextScore(probe, none, idf, 1); s != 0 {
		t.Errorf("score with no shared word = %v, want 0", s)
	}
	// A word of the document the probe lacks weighs the typical IDF: more
	// of them, a lower score.
	longer := map[string]float64{"generator": 1, "power": 1, "unrelated": 1, "words": 1}
	if l := SimilarTextScore(probe, longer, idf, 2); l >= n {
		t.Errorf("score with extra words %v >= without %v", l, n)
	}
}
