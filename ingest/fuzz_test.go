package ingest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/debriefhq/debrief/debrief"
)

// addSamples seeds a fuzzer with the real samples of one testdata folder;
// the committed corpus in testdata/fuzz adds what earlier runs found.
func addSamples(f *testing.F, dir string) {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	for _, p := range files {
		if strings.HasSuffix(p, ".golden.json") || strings.HasSuffix(p, ".mapping.json") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkBatch holds every parser to the same contract: an error carries a
// code, and a batch holds only events the timeline accepts.
func checkBatch(t *testing.T, b *Batch, err error) {
	t.Helper()
	if err != nil {
		if debrief.ErrorCode(err) != debrief.EInvalid {
			t.Fatalf("error without EInvalid code: %v", err)
		}
		if b != nil {
			t.Fatalf("batch %+v returned with error %v", b, err)
		}
		return
	}
	if _, err := json.Marshal(b); err != nil {
		t.Fatalf("batch does not marshal: %v", err)
	}
	check := func(e Event, source debrief.EventSource) {
		te := e.TimelineEvent(source)
		// Text the sender sent is passed on as sent; the Service refuses
		// what debrief's text rule does not accept. Anything else the
		// timeline would refuse is the parser's fault.
		if err := te.Validate(); err != nil && debrief.CheckStrings(te) == nil {
			t.Fatalf("event %+v is not valid: %v", e, err)
		}
		if e.ExternalID == "" || len(e.ExternalID) > maxExtIDLen+10 || !utf8.ValidString(e.ExternalID) {
			t.Fatalf("bad external id %q", e.ExternalID)
		}
		if strings.ContainsRune(e.ExternalID, 0) {
			t.Fatalf("NUL byte in the external id of %+v", e)
		}
	}
	for _, a := range b.Alerts {
		if a.GroupKey == "" || a.Fingerprint == "" || a.Title == "" || len(a.Title) > debrief.MaxTitleLen {
			t.Fatalf("alert lacks group key, fingerprint or title: %+v", a)
		}
		if a.Status != AlertFiring && a.Status != AlertResolved && a.Status != AlertUpdate {
			t.Fatalf("alert status %q", a.Status)
		}
		if a.Status == AlertResolved && a.EndsAt.IsZero() {
			t.Fatalf("resolved alert without end: %+v", a)
		}
		if len(a.Events) == 0 {
			t.Fatalf("alert without events: %+v", a)
		}
		for _, e := range a.Events {
			check(e, a.Source)
		}
	}
	for _, d := range b.Deploys {
		if d.Service == "" {
			t.Fatalf("deploy without service: %+v", d)
		}
		check(d.Event, d.Source)
	}
}

func FuzzParseAlertmanager(f *testing.F) {
	addSamples(f, "alertmanager")
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := ParseAlertmanager(body)
		checkBatch(t, b, err)
	})
}

func FuzzParseGrafana(f *testing.F) {
	addSamples(f, "grafana")
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := ParseGrafana(body)
		checkBatch(t, b, err)
	})
}

func FuzzParsePagerDuty(f *testing.F) {
	addSamples(f, "pagerduty")
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := ParsePagerDuty(body)
		checkBatch(t, b, err)
	})
}

func FuzzParseOpsgenie(f *testing.F) {
	addSamples(f, "opsgenie")
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := ParseOpsgenie(body)
		checkBatch(t, b, err)
	})
}

func FuzzParseGitHub(f *testing.F) {
	addSamples(f, "github")
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := ParseGitHub("deployment_status", body)
		checkBatch(t, b, err)
	})
}

func FuzzParseGeneric(f *testing.F) {
	for _, name := range []string{"uptime-checker", "batch-items"} {
		body, err := os.ReadFile("testdata/generic/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		mapping, err := os.ReadFile("testdata/generic/" + name + ".mapping.json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(mapping, body)
	}
	f.Fuzz(func(t *testing.T, mapping, body []byte) {
		var m GenericMapping
		if json.Unmarshal(mapping, &m) != nil {
			return
		}
		b, err := ParseGeneric(m, body, receivedAt)
		checkBatch(t, b, err)
	})
}

func FuzzVerifyPagerDuty(f *testing.F) {
	f.Add([]byte(`{"event":{}}`), "v1=00", "secret")
	f.Fuzz(func(t *testing.T, body []byte, header, secret string) {
		err := VerifyPagerDuty(body, header, []string{secret})
		if err != nil && !debrief.IsCode(err, debrief.EUnauthorized) {
			t.Fatalf("VerifyPagerDuty = %v, want nil or EUnauthorized", err)
		}
		if secret != "" && VerifyPagerDuty(body, "v1="+SignHMAC(body, secret), []string{secret}) != nil {
			t.Fatal("a correct signature was refused")
		}
	})
}
