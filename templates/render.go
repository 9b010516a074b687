package templates

import (
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Variable is one name a template's text may hold as {{name}}.
type Variable struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Variables lists every variable Render resolves, for documentation and for
// editors that offer completion.
var Variables = []Variable{
	{"incident.key", "The incident's key, e.g. INC-42."},
	{"incident.title", "The incident's title."},
	{"incident.severity", "The severity, e.g. SEV2."},
	{"incident.status", "The incident's status."},
	{"incident.services", "The affected services, comma-separated."},
	{"incident.customers", "The affected customers, comma-separated."},
	{"incident.impact", "The impact statement."},
	{"incident.labels", "The incident's labels, comma-separated."},
	{"incident.commander", "Who led the response."},
	{"incident.duration", "From start to resolution (or mitigation, or now while it lasts), e.g. 1 hour 48 minutes."},
	{"incident.time_to_detect", "From start to detection."},
	{"incident.time_to_mitigate", "From start to mitigation."},
	{"incident.started_at", "When the problem began."},
	{"incident.detected_at", "When it was detected."},
	{"incident.mitigated_at", "When customers stopped being hurt."},
	{"incident.resolved_at", "When it was resolved."},
	{"postmortem.key", "The postmortem's key, e.g. PM-7."},
	{"postmortem.title", "The postmortem's title."},
	{"postmortem.owner", "The postmortem's owner."},
}

// RenderOption adjusts Render.
type RenderOption func(*renderer)

type renderer struct {
	inc *debrief.Incident
	pm  *debrief.Postmortem
	now time.Time
	loc *time.Location
}

// WithPostmortem makes the postmortem.* variables available.
func WithPostmortem(pm *debrief.Postmortem) RenderOption {
	return func(r *renderer) { r.pm = pm }
}

// WithNow sets the time used for the duration of an incident still open;
// without it such a duration reads "ongoing", so output stays deterministic.
func WithNow(now time.Time) RenderOption { return func(r *renderer) { r.now = now } }

// WithLocation shows times in loc (the viewer's zone), naming the zone;
// the default is UTC.
func WithLocation(loc *time.Location) RenderOption {
	return func(r *renderer) {
		if loc != nil {
			r.loc = loc
		}
	}
}

// Render replaces the variables in body with values from the live record, so
// a document never shows stale copies of them. Spaces inside the braces are
// allowed ({{ incident.title }}). A variable that is unknown, or whose record
// is absent (incident variables of a project postmortem), is left as written
// so the author sees it; a known variable whose value is empty becomes "".
func Render(body string, inc *debrief.Incident, opts ...RenderOption) string {
	if !strings.Contains(body, "{{") {
		return body
	}
	r := renderer{inc: inc, loc: time.UTC}
	for _, o := range opts {
		o(&r)
	}
	var b strings.Builder
	b.Grow(len(body))
	rest := body
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			b.WriteString(rest)
			break
		}
		name := strings.TrimSpace(rest[i+2 : i+2+j])
		b.WriteString(rest[:i])
		if v, ok := r.value(name); ok {
			b.WriteString(v)
		} else {
			b.WriteString(rest[i : i+4+j])
		}
		rest = rest[i+4+j:]
	}
	return b.String()
}

// UnknownVariables returns the {{names}} in body that Render does not know,
// so a template with a typo is rejected when it is applied.
func UnknownVariables(body string) []string {
	var out []string
	rest := body
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			return out
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return out
		}
		name := strings.TrimSpace(rest[i+2 : i+2+j])
		if !known(name) {
			out = append(out, name)
		}
		rest = rest[i+4+j:]
	}
}

func known(name string) bool {
	for _, v := range Variables {
		if v.Name == name {
			return true
		}
	}
	return false
}

func (r *renderer) value(name string) (string, bool) {
	if strings.HasPrefix(name, "postmortem.") {
		if r.pm == nil {
			return "", false
		}
		switch name {
		case "postmortem.key":
			return r.pm.Key, true
		case "postmortem.title":
			return r.pm.Title, true
		case "postmortem.owner":
			return r.pm.Owner, true
		}
		return "", false
	}
	if !strings.HasPrefix(name, "incident.") || r.inc == nil {
		return "", false
	}
	inc := r.inc
	switch name {
	case "incident.key":
		return inc.Key, true
	case "incident.title":
		return inc.Title, true
	case "incident.severity":
		return inc.Severity, true
	case "incident.status":
		return string(inc.Status), true
	case "incident.services":
		return strings.Join(inc.Services, ", "), true
	case "incident.customers":
		return strings.Join(inc.Customers, ", "), true
	case "incident.impact":
		return inc.Impact, true
	case "incident.labels":
		return strings.Join(inc.Labels, ", "), true
	case "incident.commander":
		return inc.Roles.Commander, true
	case "incident.duration":
		end := inc.ResolvedAt
		if end == nil {
			end = inc.MitigatedAt
		}
		if end == nil {
			if r.now.IsZero() {
				return "ongoing", true
			}
			return FormatDuration(r.now.Sub(inc.StartedAt)) + " so far", true
		}
		return FormatDuration(end.Sub(inc.StartedAt)), true
	case "incident.time_to_detect":
		return durationOrEmpty(inc.TimeToDetect()), true
	case "incident.time_to_mitigate":
		return durationOrEmpty(inc.TimeToMitigate()), true
	case "incident.started_at":
		if inc.StartedAt.IsZero() {
			return "", true
		}
		return r.formatTime(inc.StartedAt), true
	case "incident.detected_at":
		return r.formatTimePtr(inc.DetectedAt), true
	case "incident.mitigated_at":
		return r.formatTimePtr(inc.MitigatedAt), true
	case "incident.resolved_at":
		return r.formatTimePtr(inc.ResolvedAt), true
	}
	return "", false
}

func (r *renderer) formatTime(t time.Time) string {
	return t.In(r.loc).Format("2006-01-02 15:04 ") + zoneLabel(t.In(r.loc))
}

func (r *renderer) formatTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return r.formatTime(*t)
}

func zoneLabel(t time.Time) string {
	name, _ := t.Zone()
	if t.Location() == time.UTC || name == "" {
		return "UTC"
	}
	return name
}

func durationOrEmpty(d *time.Duration) string {
	if d == nil {
		return ""
	}
	return FormatDuration(*d)
}

// FormatDuration writes d the way people say it, to the minute: "42
// minutes", "1 hour 48 minutes", "2 days 3 hours". Durations under a minute
// read "less than a minute"; negative ones are written as their size.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	mins := int64(d / time.Minute)
	if mins == 0 {
		return "less than a minute"
	}
	days, hours, m := mins/(24*60), (mins/60)%24, mins%60
	var parts []string
	add := func(n int64, unit string) {
		if n == 0 {
			return
		}
		s := strconv.FormatInt(n, 10) + " " + unit
		if n != 1 {
			s += "s"
		}
		parts = append(parts, s)
	}
	add(days, "day")
	add(hours, "hour")
	if days == 0 {
		add(m, "minute")
	}
	return strings.Join(parts, " ")
}
