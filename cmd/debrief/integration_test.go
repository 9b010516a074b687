package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestIntegrationAddAndDeliver adds an Alertmanager integration with the
// CLI, posts the captured Alertmanager delivery to the printed path with the
// printed token, as the README's receiver configuration does, and reads the
// delivery log back.
func TestIntegrationAddAndDeliver(t *testing.T) {
	db := filepath.Join(t.TempDir(), "debrief.db")
	out := mustCLI(t, "", "integration", "add", "alertmanager", "--name", "prod-alertmanager", "--db", db,
		"--matcher", `severity=~"critical|warning"`, "--severity-map", "critical=SEV1")
	path := regexp.MustCompile(`Webhook URL path: (\S+)`).FindStringSubmatch(out)
	token := regexp.MustCompile(`Bearer token: +(\S+)`).FindStringSubmatch(out)
	if path == nil || token == nil {
		t.Fatalf("debrief integration add printed %q, want the webhook path and the token", out)
	}
	pd := mustCLI(t, "", "integration", "add", "pagerduty", "--name", "pd", "--db", db)
	if !strings.Contains(pd, "debrief integration set-secret 2") {
		t.Fatalf("integration add pagerduty without --secret printed %q, want how to set PagerDuty's secret", pd)
	}
	if out := mustCLI(t, "", "integration", "set-secret", "2", "pd-secret-from-pagerduty-0123", "--db", db); !strings.Contains(out, "1 secret") {
		t.Fatalf("integration set-secret printed %q", out)
	}
	if _, _, err := cli(t, "", "", nil, "integration", "set-secret", "1", "abcdefghijklmnopqrs", "--db", db); err == nil || !strings.Contains(err.Error(), "bearer token") {
		t.Fatalf("integration set-secret on an Alertmanager integration = %v, want a refusal naming the bearer token", err)
	}
	// Changes made on the database from the command line are audited as
	// those made through the API are, without the secrets.
	audit := mustCLI(t, "", "audit", "--jsonl", "--db", db)
	var actions []string
	for _, l := range strings.Split(strings.TrimSpace(audit), "\n") {
		var e struct{ Action string }
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("audit --jsonl line %q is not JSON: %v", l, err)
		}
		actions = append(actions, e.Action)
	}
	if got, want := strings.Join(actions, " "), "integration.update integration.create integration.create"; got != want {
		t.Errorf("debrief audit after two integration add and one set-secret lists %q; want %q", got, want)
	}
	if strings.Contains(audit, "pd-secret-from-pagerduty-0123") || strings.Contains(audit, token[1]) {
		t.Errorf("the audit log holds a secret: %s", audit)
	}

	body, err := os.ReadFile("../../ingest/testdata/alertmanager/01-firing-group-of-2.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, db)
	req, _ := http.NewRequest("POST", srv.URL+path[1], bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s with the printed token = %d, want 200", path[1], resp.StatusCode)
	}
	// One alert without its start time among valid ones: the others are
	// stored and the log says which alert was rejected and why.
	partial := `{"version":"4","groupKey":"g","alerts":[{"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-11-24T10:00:00Z"},{"status":"firing","labels":{"alertname":"B"}}]}`
	req, _ = http.NewRequest("POST", srv.URL+path[1], strings.NewReader(partial))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token[1])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s with one invalid alert of two = %d, want 200", path[1], resp.StatusCode)
	}
	srv.Stop(t)

	list := mustCLI(t, "", "integration", "list", "--db", db)
	if !strings.Contains(list, "prod-alertmanager") || !strings.Contains(list, path[1]) {
		t.Fatalf("debrief integration list = %q, want the integration and its path", list)
	}
	log := mustCLI(t, "", "integration", "deliveries", "1", "--db", db)
	if !strings.Contains(log, "accepted") || !strings.Contains(log, "INC-1") {
		t.Fatalf("debrief integration deliveries 1 = %q, want the accepted delivery on INC-1", log)
	}
	if !strings.Contains(log, "partial") || !strings.Contains(log, "1 of 2 alerts were rejected") || !strings.Contains(log, "Alert 2 has no valid startsAt") {
		t.Fatalf("debrief integration deliveries 1 = %q, want the partial delivery with the rejected alert's reason", log)
	}
}
