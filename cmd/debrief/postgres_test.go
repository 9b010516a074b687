package main

import (
	"strings"
	"testing"

	"github.com/debriefhq/debrief/storetest"
)

// The same end-to-end run on PostgreSQL, each on a fresh database created
// from DEBRIEF_TEST_POSTGRES (a missing server fails the test, never skips).

func TestEndToEndPostgres(t *testing.T) {
	s := startServer(t, storetest.PostgresDSN(t))
	exercise(t, s.URL)
	s.Stop(t)
}

func TestDemoPostgres(t *testing.T) {
	demo(t, storetest.PostgresDSN(t))
}

func TestMigratePostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	out, errOut, err := cli(t, "", "", nil, "migrate", "--db", dsn)
	if err != nil {
		t.Fatalf("debrief migrate --db <postgres> = %v (stderr %s)", err, errOut)
	}
	if want := "PostgreSQL"; !strings.Contains(out, want) || strings.Contains(out, "debrief:debrief@") {
		t.Errorf("debrief migrate printed %q; want it to name %s and hide the password", out, want)
	}
}
