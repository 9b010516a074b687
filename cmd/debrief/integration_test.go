package main

import (
	"bytes"
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
	srv.Stop(t)

	list := mustCLI(t, "", "integration", "list", "--db", db)
	if !strings.Contains(list, "prod-alertmanager") || !strings.Contains(list, path[1]) {
		t.Fatalf("debrief integration list = %q, want the integration and its path", list)
	}
	log := mustCLI(t, "", "integration", "deliveries", "1", "--db", db)
	if !strings.Contains(log, "200") || !strings.Contains(log, "INC-1") {
		t.Fatalf("debrief integration deliveries 1 = %q, want the accepted delivery on INC-1", log)
	}
}
