package storetest

import (
	"slices"
	"sort"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("SearchFactors", testSearchFactors)
}

// testSearchFactors checks that the accepted contributing factors of the
// matching documents' postmortems are counted as a facet, compared by
// their words ("Connection pool too small" and "connection pool too
// small" are one), and that factor: keeps the documents that have one of
// its values.
func testSearchFactors(t *testing.T, open Opener) {
	s := open(t)
	c := newSearchCorpus(t, s)

	res := searchRun(t, s, "checkout", searchAdmin)
	want := []debrief.FacetCount{{Value: "connection pool too small", Count: 2}, {Value: "missing alert on pool saturation", Count: 1}}
	if !slices.Equal(res.Facets.Factor, want) {
		t.Errorf("Search(checkout) factor facet = %+v, want %+v", res.Facets.Factor, want)
	}

	for _, c := range []struct {
		q    string
		want []string
	}{
		{"factor:connection-pool-too-small", []string{c.checkout.Key, c.checkoutRepeat.Key}},
		{`checkout factor:"Missing alert on pool saturation"`, []string{c.checkout.Key}},
		{"factor:dns,connection-pool-too-small factor:missing-alert-on-pool-saturation", []string{c.checkout.Key}},
		{"factor:dns", nil},
	} {
		res := searchRun(t, s, c.q, searchAdmin)
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.Key)
		}
		sort.Strings(got)
		sort.Strings(c.want)
		if !slices.Equal(got, c.want) || res.Total != len(c.want) {
			t.Errorf("Search(%q) = %v (total %d), want %v", c.q, got, res.Total, c.want)
		}
	}
}
