package mdread

import (
	"strings"
	"unicode"
)

// Moment is what a timeline entry's words say happened: the problem was
// detected, mitigated or resolved. Lint judges a timeline by them, and
// import dates the incident's detection, mitigation and resolution by
// them, so both read the same words the same way.
type Moment string

const (
	MomentDetection  Moment = "detection"
	MomentMitigation Moment = "mitigation"
	MomentResolution Moment = "resolution"
)

var momentWords = []struct {
	kind  Moment
	words []string
}{
	{MomentResolution, []string{"resolved", "resolve", "resolution", "fixed", "restored", "recovered", "recovery", "back to normal", "fully operational", "operational again", "incident closed", "closed the incident", "all clear", "service restored", "normal operation", "permanently fixed", "stabilized", "stabilised", "back up", "healthy again", "returned to normal", "solved", "outage ends", "outage ended", "incident ends", "incident ended", "confirmed the fix", "fix confirmed", "no further action",
		"working as intended", "working as expected", "working again", "working normally", "works again", "it works", "back online", "online again",
		"traffic resumed", "service resumed", "services resumed"}},
	{MomentMitigation, []string{"mitigated", "mitigate", "mitigation", "rollback", "rolled back", "roll back", "rolls back", "rolling back", "switched back", "moved back", "pointed back", "reverted", "revert", "reverting", "failover", "failed over", "workaround", "drained", "disabled", "scaled up", "scaled out", "restarted", "rerouted", "redirected", "hotfix", "patched", "throttled", "downgraded", "blocked", "increased capacity", "added capacity", "manual configuration changes deployed", "removed", "deleted", "excluded", "outage mitigated"}},
	{MomentDetection, []string{"detected", "detect", "detects", "notice", "receives", "received", "detection", "alert", "alerted", "alerts", "alerting", "paged", "page fired", "noticed", "notices", "reported", "discovered", "spotted", "flagged", "declared", "on-call", "oncall", "investigation", "investigating", "notified", "escalated", "raised", "ticket", "identified", "became aware", "made aware", "reached out", "informed us", "told us", "first report", "report of"}},
}

// againWorkWords are what a system does when it works; said "again" ("the
// nodes started shipping logs again") they mark the recovery. Failures
// said again ("errors started again") do not.
var againWorkWords = []string{" shipping ", " serving ", " working ", " processing ", " responding ", " accepting ", " sending ", " delivering ", " running normally ", " now fine ", " fine "}

// recoveredAgain reports whether a timeline line (lower case, words between
// spaces) says something works again or is now fine.
func recoveredAgain(lower string) bool {
	if strings.Contains(lower, " is now fine ") || strings.Contains(lower, " are now fine ") {
		return true
	}
	if !strings.Contains(lower, " again ") {
		return false
	}
	for _, w := range againWorkWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// MomentsOfWords returns the moment words name (lower case, each word
// between single spaces, the string starting and ending with one), the
// first found in the order resolution, mitigation, detection, and every
// one named.
func MomentsOfWords(lower string) (first Moment, all map[Moment]bool) {
	all = map[Moment]bool{}
	if recoveredAgain(lower) {
		first = MomentResolution
		all[MomentResolution] = true
	}
	for _, m := range momentWords {
		for _, w := range m.words {
			if strings.Contains(lower, " "+w+" ") {
				all[m.kind] = true
				if first == "" {
					first = m.kind
				}
				break
			}
		}
	}
	return first, all
}

// MomentsOf returns every moment a line of text (Markdown) names: "A
// customer reached out to inform us that they had removed the SDK" is a
// detection and a mitigation at once.
func MomentsOf(text string) map[Moment]bool {
	var b strings.Builder
	b.WriteByte(' ')
	for _, w := range strings.FieldsFunc(strings.ToLower(strings.ReplaceAll(Plain(text), "’", "'")), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-')
	}) {
		if w = strings.Trim(w, "'-"); w != "" {
			b.WriteString(w)
			b.WriteByte(' ')
		}
	}
	_, all := MomentsOfWords(b.String())
	return all
}
