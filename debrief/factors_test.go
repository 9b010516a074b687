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

// A phrase written with a hyphen matches the text however it is joined,
// and a phrase's last word matches its inflections: both used to be missed
// ("knock-on" never matched, since the text's words are split at hyphens).
func TestSuggestFactorsPhraseForms(t *testing.T) {
	cases := []struct {
		text, factor, word string
	}{
		{"The knock-on effects took down checkout.", "cascading-failure", "knock-on"},
		{"A knock on effect of the retry storm", "cascading-failure", "knock-on"},
		{"Retries cascaded through the mesh.", "cascading-failure", "cascade"},
		{"The API was attacked from thousands of hosts.", "security", "attack"},
		{"A third-party SDK broke the login page.", "dependency", "third-party"},
		{"Two generators failed to start.", "hardware-power", "generator"},
	}
	for _, c := range cases {
		var got *FactorSuggestion
		all := SuggestFactors(c.text, nil, nil)
		for i := range all {
			if all[i].Factor == c.factor {
				got = &all[i]
			}
		}
		if got == nil || !containsString(got.Words, c.word) {
			t.Errorf("SuggestFactors(%q) = %+v; want %s from %q", c.text, all, c.factor, c.word)
		}
	}
	// Endings extend the last word only, and only by the listed endings:
	// "powerful" is not "power", "attackers'" prose aside.
	for _, text := range []string{"A powerful new dashboard", "The clockwork scheduler", "We met the certifying body"} {
		for _, s := range SuggestFactors(text, nil, nil) {
			if s.Factor == "hardware-power" || s.Factor == "time-clock" || s.Factor == "certificate" {
				t.Errorf("SuggestFactors(%q) suggests %+v", text, s)
			}
		}
	}
}
