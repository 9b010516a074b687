package debrief

import (
	"context"
	"sort"
	"strings"
)

// FactorStore reads the team's vocabulary of contributing factors.
type FactorStore interface {
	// ContributingFactorCounts counts how many postmortems name each
	// contributing factor, as written, most used first. Postmortems of
	// private incidents are left out, so their factors never show to
	// people who cannot see them.
	ContributingFactorCounts(ctx context.Context) ([]FacetCount, error)
}

// FactorSuggestion is a contributing factor the text of a postmortem
// suggests, for a person to accept or not.
type FactorSuggestion struct {
	// Factor is the name to tag: the team's own spelling when the team has
	// used it before, else the taxonomy's.
	Factor string `json:"factor"`
	// Words are the words or phrases of the text that suggested it.
	Words []string `json:"words"`
	// Used counts the team's postmortems already tagged with it (0 for a
	// factor only the taxonomy knows).
	Used int `json:"used"`
}

// factorTaxonomy is the built-in list of contributing factors and the
// phrases that suggest each. Phrases are matched as whole words.
var factorTaxonomy = []struct {
	factor  string
	phrases []string
}{
	{"config-change", []string{"config change", "configuration change", "config push", "config update", "misconfiguration", "misconfigured", "feature flag", "flag change", "config file", "configuration file", "setting was changed"}},
	{"deploy", []string{"deploy", "deployed", "deployment", "release", "rollout", "rolled out", "new version", "upgrade", "upgraded", "canary", "rollback", "rolled back"}},
	{"capacity", []string{"capacity", "out of memory", "oom", "memory leak", "cpu", "disk full", "disk space", "exhausted", "exhaustion", "saturated", "saturation", "overloaded", "high load", "traffic spike", "scaling", "autoscaling", "quota", "rate limit", "throttled", "connection pool"}},
	{"dependency", []string{"third-party", "third party", "upstream", "vendor", "provider", "dependency", "sdk", "external service", "aws", "gcp", "azure", "cloudflare"}},
	{"hardware-power", []string{"hardware", "hardware failure", "power", "power outage", "power loss", "lost power", "power failure", "power supply", "utility power", "generator", "transfer switch", "disk failure", "failed disk", "drive failure", "hard drive", "server failure", "faulty hardware", "memory errors", "ecc", "network card", "line card", "datacenter", "data center", "cooling", "overheating", "chiller", "fiber cut", "fibre cut", "cable cut"}},
	{"network", []string{"network", "packet loss", "latency", "bgp", "routing", "firewall", "load balancer", "partition", "connectivity", "timeout", "timeouts", "ingress", "proxy"}},
	{"dns", []string{"dns", "resolver", "nameserver", "name server", "coredns", "zone file"}},
	{"certificate", []string{"certificate", "certificates", "cert", "tls", "ssl", "expired", "expiry", "expiration"}},
	{"time-clock", []string{"clock", "clock skew", "clock drift", "time drift", "time sync", "time zone", "timezone", "leap second", "leap year", "leap day", "daylight saving", "ntp", "date handling", "y2k", "year 2038", "wraparound", "integer overflow", "monotonic"}},
	{"database", []string{"database", "db", "sql", "replica", "replication", "migration", "schema", "postgres", "postgresql", "mysql", "deadlock", "vacuum"}},
	{"security", []string{"security", "vulnerability", "cve", "attack", "attacker", "malicious", "breach", "credential", "credentials", "leaked", "phishing", "ddos", "denial of service", "unauthorized", "unauthorised", "compromised", "hacked", "intrusion", "exploit", "exploited", "malware", "ransomware", "stolen", "private key", "sql injection", "privilege escalation", "account takeover", "bug bounty"}},
	{"data-loss", []string{"data loss", "lost data", "deleted", "deletion", "corrupted", "corruption", "data corruption", "overwritten", "backup", "restore"}},
	{"cascading-failure", []string{"cascading", "cascade", "cascading failure", "retry storm", "retries", "thundering herd", "knock-on", "overload spread", "domino", "feedback loop", "death spiral", "circuit breaker", "chain reaction", "metastable", "load shedding"}},
	{"missing-alert", []string{"no alert", "missing alert", "did not alert", "didn't alert", "no alerting", "not alerted", "customer reported", "customers reported", "reported by a customer", "noticed by customers", "no monitoring", "not monitored", "blind"}},
	{"runbook-gap", []string{"runbook", "playbook", "no documentation", "undocumented", "not documented", "documentation was", "procedure", "manual step", "manual steps", "tribal knowledge"}},
	{"testing-gap", []string{"not tested", "untested", "no test", "no tests", "test coverage", "staging", "load test", "integration test", "regression"}},
}

// factorWords splits text into lower-case words, so phrases match on word
// boundaries: "cert" never matches inside "concert".
func factorWords(text string) string {
	var b strings.Builder
	b.WriteByte(' ')
	word := false
	for _, r := range strings.ToLower(text) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'' || r > 127 {
			b.WriteRune(r)
			word = true
			continue
		}
		if word {
			b.WriteByte(' ')
			word = false
		}
	}
	if word {
		b.WriteByte(' ')
	}
	return b.String()
}

// phraseEndings are the endings a phrase's last word may take in a text
// and still be the phrase: "attack" is said as "attacks", "attacked" and
// "attacking", "cascade" as "cascaded".
var phraseEndings = []string{"", "s", "es", "d", "ed", "ing"}

// taxonomyWords holds each phrase of factorTaxonomy read as factorWords
// reads text, so "knock-on" matches "knock-on" and "knock on". Read once:
// similar incidents suggests factors for every candidate it scores.
var taxonomyWords = func() map[string]string {
	out := map[string]string{}
	for _, f := range factorTaxonomy {
		for _, p := range f.phrases {
			out[p] = strings.TrimSpace(factorWords(p))
		}
	}
	return out
}()

// hasPhrase says whether words (as factorWords makes them) hold the
// phrase p (as taxonomyWords holds it), its last word with any of
// phraseEndings.
func hasPhrase(words, p string) bool {
	if p == "" {
		return false
	}
	for _, e := range phraseEndings {
		if strings.Contains(words, " "+p+e+" ") {
			return true
		}
	}
	return false
}

// normFactor is a factor's name in a comparable form: "Config change",
// "config-change" and "config_change" are one factor.
func normFactor(s string) string { return strings.TrimSpace(factorWords(s)) }

// SuggestFactors suggests contributing factors for a postmortem's text:
// the built-in taxonomy's, found by the phrases that suggest them, and the
// team's vocabulary (each factor with its use count), found by the words
// of its name. Factors in tagged are left out. Each suggestion carries the
// words that triggered it; the most strongly suggested come first.
func SuggestFactors(text string, vocabulary []FacetCount, tagged []string) []FactorSuggestion {
	words := factorWords(text)
	have := map[string]bool{}
	for _, t := range tagged {
		have[normFactor(t)] = true
	}
	// used holds each factor the team has used, under the spelling most
	// postmortems use, with the count of all spellings.
	used := map[string]FacetCount{}
	best := map[string]int{}
	for _, v := range vocabulary {
		n := normFactor(v.Value)
		if n == "" {
			continue
		}
		cur := used[n]
		cur.Count += v.Count
		if v.Count > best[n] {
			cur.Value, best[n] = v.Value, v.Count
		}
		used[n] = cur
	}
	found := map[string]*FactorSuggestion{}
	var order []string
	add := func(name string, hits []string) {
		n := normFactor(name)
		if n == "" || have[n] || len(hits) == 0 {
			return
		}
		s := found[n]
		if s == nil {
			s = &FactorSuggestion{Factor: name}
			if v, ok := used[n]; ok {
				s.Factor, s.Used = v.Value, v.Count
			}
			found[n] = s
			order = append(order, n)
		}
		for _, h := range hits {
			if !containsString(s.Words, h) {
				s.Words = append(s.Words, h)
			}
		}
	}
	for _, f := range factorTaxonomy {
		var hits []string
		for _, p := range f.phrases {
			if hasPhrase(words, taxonomyWords[p]) {
				hits = append(hits, p)
			}
		}
		add(f.factor, hits)
	}
	for n, v := range used {
		// The team's own factor suggests itself when its name, or every
		// word of it, is in the text.
		if strings.Contains(words, " "+n+" ") {
			add(v.Value, []string{n})
			continue
		}
		parts := strings.Fields(n)
		all := len(parts) > 0
		for _, p := range parts {
			if len(p) < 3 || !strings.Contains(words, " "+p+" ") {
				all = false
			}
		}
		if all {
			add(v.Value, parts)
		}
	}
	out := make([]FactorSuggestion, 0, len(order))
	for _, n := range order {
		out = append(out, *found[n])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if len(out[i].Words) != len(out[j].Words) {
			return len(out[i].Words) > len(out[j].Words)
		}
		return out[i].Used > out[j].Used
	})
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FactorSuggestions suggests contributing factors for the postmortem id
// from its title, sections, root cause and lessons and its incident's
// timeline, using the built-in taxonomy and the factors the team has
// already used. Factors the postmortem already has are not suggested.
func (s *Service) FactorSuggestions(ctx context.Context, id int64) ([]FactorSuggestion, error) {
	pm, err := s.Postmortem(ctx, id)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(pm.Title + "\n" + pm.RootCause + "\n")
	for _, sec := range pm.Sections {
		b.WriteString(sec.Heading + "\n" + sec.Body + "\n")
	}
	for _, l := range [][]string{pm.Lessons.WentWell, pm.Lessons.WentWrong, pm.Lessons.GotLucky} {
		b.WriteString(strings.Join(l, "\n") + "\n")
	}
	if pm.IncidentID != nil {
		events, err := s.ListTimeline(ctx, *pm.IncidentID, TimelineFilter{})
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			b.WriteString(e.Text + "\n")
		}
	}
	vocabulary, err := s.store.ContributingFactorCounts(ctx)
	if err != nil {
		return nil, err
	}
	return SuggestFactors(b.String(), vocabulary, pm.ContributingFactors), nil
}
