package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupRestoreCommands backs up a running server's database through
// the CLI, restores it into a new file and checks what the restored server
// answers; restoring over a database with records needs --force.
func TestBackupRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "debrief.db")
	s := startServer(t, live)
	for i := range 3 {
		api(t, "POST", s.URL+"/api/v1/incidents", fmt.Sprintf(`{"title":"Checkout API returned 500s, part %d"}`, i), nil, nil)
	}
	backup := filepath.Join(dir, "backup.db")
	out, errOut, err := cli(t, "", "", nil, "backup", "--db", live, backup)
	if err != nil || !strings.Contains(out, "3 incidents") || !strings.Contains(out, "integrity check") {
		t.Fatalf("debrief backup while serving = %q, %v (stderr %s); want it to report 3 incidents and the check", out, err, errOut)
	}
	_, _, err = cli(t, "", "", nil, "backup", "--db", live, backup)
	if err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("debrief backup to an existing file = %v, want a refusal", err)
	}
	api(t, "POST", s.URL+"/api/v1/incidents", `{"title":"Search returned stale results"}`, nil, nil)
	s.Stop(t)

	_, _, err = cli(t, "", "", nil, "restore", "--db", live, backup)
	if err == nil || !strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), "4 incidents") {
		t.Fatalf("debrief restore over 4 incidents = %v, want a refusal naming them and --force", err)
	}
	out, errOut, err = cli(t, "", "", nil, "restore", "--db", live, "--force", backup)
	if err != nil || !strings.Contains(out, "3 incidents") {
		t.Fatalf("debrief restore --force = %q, %v (stderr %s); want 3 incidents restored", out, err, errOut)
	}
	s = startServer(t, live)
	var list struct {
		Items []struct{ Title string } `json:"items"`
	}
	api(t, "GET", s.URL+"/api/v1/incidents", "", nil, &list)
	if len(list.Items) != 3 {
		t.Errorf("after the restore the server lists %d incidents, want 3: %+v", len(list.Items), list.Items)
	}
	s.Stop(t)

	_, _, err = cli(t, "", "", nil, "backup", "--db", "postgres://debrief@127.0.0.1:5432/debrief", filepath.Join(dir, "pg.db"))
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("debrief backup on PostgreSQL = %v, want a pointer to pg_dump", err)
	}
}
