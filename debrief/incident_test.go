package debrief

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zone test must run, not skip, on machines without zoneinfo
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func tp(s string) *time.Time { t := ts(s); return &t }

func validIncident() *Incident {
	return &Incident{Title: "Checkout API returned 500s for EU customers", Severity: "SEV2", Status: StatusInvestigating,
		StartedAt: ts("2024-03-05T10:00:00Z")}
}

func TestIncidentValidate(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*Incident)
		wantCode  string
		wantField string
	}{
		{"valid", func(*Incident) {}, "", ""},
		{"empty title", func(i *Incident) { i.Title = "   " }, EInvalid, "title"},
		{"long title", func(i *Incident) { i.Title = strings.Repeat("x", MaxTitleLen+1) }, EInvalid, "title"},
		{"unknown severity", func(i *Incident) { i.Severity = "SEV9" }, EInvalid, "severity"},
		{"unknown status", func(i *Incident) { i.Status = "done" }, EInvalid, "status"},
		{"no start", func(i *Incident) { i.StartedAt = time.Time{} }, EInvalid, "started_at"},
		{"detected before start", func(i *Incident) { i.DetectedAt = tp("2024-03-05T09:59:00Z") }, EUnprocessable, "detected_at"},
		{"resolved before mitigated", func(i *Incident) {
			i.MitigatedAt = tp("2024-03-05T11:00:00Z")
			i.ResolvedAt = tp("2024-03-05T10:30:00Z")
		}, EUnprocessable, "resolved_at"},
		{"gaps allowed", func(i *Incident) { i.ResolvedAt = tp("2024-03-05T12:00:00Z") }, "", ""},
		{"too many services", func(i *Incident) { i.Services = make([]string, MaxListLen+1) }, EInvalid, "services"},
		{"long label", func(i *Incident) { i.Labels = []string{strings.Repeat("l", MaxListItemLen+1)} }, EInvalid, "labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := validIncident()
			tt.edit(inc)
			err := inc.Validate(DefaultSeverities)
			if got := ErrorCode(err); got != tt.wantCode {
				t.Fatalf("Validate() = %v, want code %q", err, tt.wantCode)
			}
			if got := ErrorField(err); got != tt.wantField {
				t.Errorf("Validate() field = %q, want %q", got, tt.wantField)
			}
		})
	}
}

func TestIncidentValidateCleansLists(t *testing.T) {
	inc := validIncident()
	inc.Services = []string{" checkout ", "", "checkout", "payments"}
	if err := inc.Validate(DefaultSeverities); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(inc.Services, ","); got != "checkout,payments" {
		t.Errorf("Services after Validate = %q, want %q", got, "checkout,payments")
	}
}

func TestDurations(t *testing.T) {
	inc := validIncident()
	inc.DetectedAt = tp("2024-03-05T10:05:00Z")
	inc.AcknowledgedAt = tp("2024-03-05T10:07:00Z")
	inc.MitigatedAt = tp("2024-03-05T10:40:00Z")
	d := inc.Durations()
	for name, got := range map[string]*int64{"detect": d.TimeToDetect, "ack": d.TimeToAcknowledge, "mitigate": d.TimeToMitigate} {
		if got == nil {
			t.Fatalf("%s duration is nil", name)
		}
	}
	if *d.TimeToDetect != 300 || *d.TimeToAcknowledge != 120 || *d.TimeToMitigate != 2400 {
		t.Errorf("Durations() = detect %d ack %d mitigate %d, want 300 120 2400", *d.TimeToDetect, *d.TimeToAcknowledge, *d.TimeToMitigate)
	}
	if d.TimeToResolve != nil {
		t.Errorf("TimeToResolve = %d, want nil while unresolved", *d.TimeToResolve)
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"42", 42, true}, {"INC-42", 42, true}, {"inc-7", 7, true}, {" INC-3 ", 3, true},
		{"INC-", 0, false}, {"PM-4", 0, false}, {"-1", 0, false}, {"0", 0, false}, {"INC-x", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseRef(tt.in, IncidentKeyPrefix)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseRef(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && ErrorCode(err) != ENotFound {
			t.Errorf("ParseRef(%q) code = %q, want not_found", tt.in, ErrorCode(err))
		}
	}
}

func TestIncidentPatchApply(t *testing.T) {
	inc := validIncident()
	inc.DetectedAt = tp("2024-03-05T10:05:00Z")
	title := "Checkout API timed out for all customers"
	p := IncidentPatch{Title: &title, Clear: []string{"detected_at"}}
	if err := p.Apply(inc); err != nil {
		t.Fatal(err)
	}
	if inc.Title != title || inc.DetectedAt != nil {
		t.Errorf("after Apply: title %q detected %v; want new title and no detection time", inc.Title, inc.DetectedAt)
	}
	bad := IncidentPatch{Clear: []string{"title"}}
	if err := bad.Apply(inc); ErrorCode(err) != EInvalid {
		t.Errorf("Apply(clear title) = %v, want invalid", err)
	}
}

func TestDiff(t *testing.T) {
	a := validIncident()
	b := *a
	b.Title = "New title"
	b.Version = 9
	b.Services = []string{"api"}
	changes := Diff(a, &b)
	var fields []string
	for _, c := range changes {
		fields = append(fields, c.Field)
	}
	if got := strings.Join(fields, ","); got != "title,services" {
		t.Errorf("Diff fields = %q, want %q (version is bookkeeping)", got, "title,services")
	}
}

func TestRoleIncludes(t *testing.T) {
	if !RoleAdmin.Includes(RoleResponder) || RoleViewer.Includes(RoleResponder) || Role("").Includes(RoleViewer) || RoleViewer.Includes("") {
		t.Error("role ranks are wrong")
	}
}

func TestTimelineEventValidateKeepsZone(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	e := &TimelineEvent{At: time.Date(2024, 3, 5, 14, 2, 0, 0, loc), Text: "Rolled back the deploy"}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if e.Zone != "Europe/Berlin" || e.At.Location() != time.UTC || e.At.Hour() != 13 {
		t.Errorf("Validate() = zone %q at %v; want Europe/Berlin and 13:02 UTC", e.Zone, e.At)
	}
	if got := e.LocalTime().Hour(); got != 14 {
		t.Errorf("LocalTime().Hour() = %d, want 14", got)
	}
	fixed := &TimelineEvent{At: ts("2024-03-05T14:02:00+05:30"), Text: "x"}
	if err := fixed.Validate(); err != nil {
		t.Fatal(err)
	}
	if fixed.Zone != "+05:30" || fixed.LocalTime().Hour() != 14 {
		t.Errorf("fixed offset: zone %q local %v, want +05:30 and 14h", fixed.Zone, fixed.LocalTime())
	}
}
