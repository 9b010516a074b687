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

func TestSimilarRelevance(t *testing.T) {
	// "datacenter" is too common to say anything (IDF 0).
	idf := map[string]float64{"generator": 3, "power": 2, "datacenter": 0}
	probe := map[string]float64{"generator": 2, "power": 1, "datacenter": 1}
	avg := 6.0
	once := map[string]float64{"generator": 1, "other": 1, "words": 1, "here": 1, "too": 1, "more": 1}
	twice := map[string]float64{"generator": 2, "other": 1, "words": 1, "here": 1, "too": 1}
	five := map[string]float64{"generator": 5, "other": 1}
	// five and once are the same length (6).
	both := map[string]float64{"generator": 1, "power": 1, "other": 1, "words": 1, "here": 1, "too": 1}
	s1, s2, s5, sb := SimilarRelevance(probe, once, idf, avg), SimilarRelevance(probe, twice, idf, avg),
		SimilarRelevance(probe, five, idf, avg), SimilarRelevance(probe, both, idf, avg)
	// A word said again adds, but less each time: five times counts less
	// than twice once.
	if !(s2 > s1 && s5 > s2 && s5 < 2*s1) {
		t.Errorf("once %v, twice %v, five times %v: want once < twice < five times < 2×once", s1, s2, s5)
	}
	// A second shared word adds its own weight.
	if sb <= s1 {
		t.Errorf("two shared words %v <= one %v", sb, s1)
	}
	// The same words in a longer text say less.
	long := map[string]float64{"generator": 1, "power": 1}
	for _, w := range []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11", "a12"} {
		long[w] = 1
	}
	if l := SimilarRelevance(probe, long, idf, avg); l >= sb {
		t.Errorf("longer text %v >= shorter %v with the same shared words", l, sb)
	}
	// Only words with an IDF count.
	if s := SimilarRelevance(probe, map[string]float64{"datacenter": 3}, idf, avg); s != 0 {
		t.Errorf("score from a word without IDF = %v, want 0", s)
	}
	if s := SimilarRelevance(probe, map[string]float64{"cache": 1}, idf, avg); s != 0 {
		t.Errorf("score with no shared word = %v, want 0", s)
	}
}
