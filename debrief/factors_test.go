package debrief

import (
	"strings"
	"testing"
)

func TestSuggestFactors(t *testing.T) {
	vocab := []FacetCount{{Value: "Config change", Count: 4}, {Value: "config-change", Count: 1}, {Value: "kafka-lag", Count: 3}}
	text := "A concert of errors: the config push raised Kafka lag, and the DNS resolver timed out. We restored from backup."
	got := SuggestFactors(text, vocab, []string{"data_loss"})
	names := map[string]FactorSuggestion{}
	for _, f := range got {
		names[f.Factor] = f
	}
	if f, ok := names["Config change"]; !ok || f.Used != 5 || strings.Join(f.Words, ",") != "config push" {
		t.Errorf("SuggestFactors = %+v; want the team's spelling \"Config change\" (used 5 times in all spellings) from \"config push\"", got)
	}
	if f, ok := names["kafka-lag"]; !ok || strings.Join(f.Words, ",") != "kafka lag" {
		t.Errorf("SuggestFactors = %+v; want kafka-lag from \"kafka lag\"", got)
	}
	if _, ok := names["dns"]; !ok {
		t.Errorf("SuggestFactors = %+v; want dns", got)
	}
	if _, ok := names["certificate"]; ok {
		t.Errorf("SuggestFactors suggests certificate for \"concert\": %+v", got)
	}
	if _, ok := names["data-loss"]; ok {
		t.Errorf("SuggestFactors suggests data-loss, which is tagged already (as data_loss): %+v", got)
	}
	if len(SuggestFactors("", nil, nil)) != 0 {
		t.Errorf("SuggestFactors(\"\") suggests something")
	}
}
