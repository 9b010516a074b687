package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/storetest"
)

// benchGrowth runs `debrief bench-growth` on a demo database and checks
// that every kind of request of the mix and the memory figures are
// reported, and that a database without records is refused with a
// sentence rather than a table of nothing.
func benchGrowth(t *testing.T, dsn, emptyDSN string) {
	s := startServer(t, dsn, "--demo")
	s.Stop(t)
	out, errOut, err := cli(t, "", "", nil, "bench-growth", "--db", dsn, "--requests", "5", "--warmup", "1")
	if err != nil {
		t.Fatalf("debrief bench-growth = %v; stderr:\n%s", err, errOut)
	}
	wantLines(t, "debrief bench-growth", out, "search memos: off", "load average:", "p50", "p99",
		"read postmortem", "list incidents", "search", "similar incidents", "home page",
		"memory: heap in use", "resident")
	if _, _, err := cli(t, "", "", nil, "bench-growth", "--db", emptyDSN, "--requests", "2"); err == nil || !strings.Contains(err.Error(), "no incidents") {
		t.Errorf("bench-growth on an empty database = %v, want an error saying it holds no incidents", err)
	}
	if _, _, err := cli(t, "", "", nil, "bench-growth", "--db", dsn, "--requests", "0"); err == nil {
		t.Error("bench-growth --requests 0 succeeded, want a usage error")
	}
}

func TestBenchGrowthSQLite(t *testing.T) {
	dir := t.TempDir()
	benchGrowth(t, filepath.Join(dir, "demo.db"), filepath.Join(dir, "empty.db"))
}

func TestBenchGrowthPostgres(t *testing.T) {
	benchGrowth(t, storetest.PostgresDSN(t), storetest.PostgresDSN(t))
}
