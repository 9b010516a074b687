package sqlstore_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
)

// TestSQLiteWAL checks that a store's file is in WAL mode, which lets
// readers run beside the one writer. Foreign keys are checked by the
// conformance suite's cascades (IncidentDelete), and that synchronous=NORMAL
// keeps acknowledged commits by TestSQLiteSurvivesKill.
func TestSQLiteWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	openSQLiteAt(t, path)
	// A fresh connection with the store's settings is what a reader gets;
	// journal_mode is a property of the file, so any connection sees it.
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var mode string
	if err := raw.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode of a store's file = %q, %v; want wal", mode, err)
	}
}

func openSQLiteAt(t *testing.T, path string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("sqlstore.Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// crashWriterEnv tells the test binary, run again by TestSQLiteSurvivesKill,
// to be the writer that gets killed.
const crashWriterEnv = "DEBRIEF_TEST_CRASH_WRITER"

// TestSQLiteSurvivesKill runs a writer process that creates incidents as
// fast as it can and prints each ID once CreateIncident has returned, kills
// it with SIGKILL mid-stream, and checks that every incident it reported is
// in the database and that the database passes its integrity check: what
// the store acknowledged survives a crash of the process.
func TestSQLiteSurvivesKill(t *testing.T) {
	if path := os.Getenv(crashWriterEnv); path != "" {
		crashWriter(path)
		return
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSQLiteSurvivesKill$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashWriterEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var acked []int64
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			id, ok := strings.CutPrefix(line, "created ")
			if !ok {
				continue
			}
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				t.Fatalf("writer printed %q", line)
			}
			acked = append(acked, n)
			if len(acked) == 150+100*round {
				// Mid-stream: more writes are in flight right now.
				cmd.Process.Kill()
				break
			}
		}
		cmd.Wait()
		if len(acked) == 0 {
			t.Fatalf("round %d: the writer acknowledged no incident before it was killed", round)
		}

		db := openSQLiteAt(t, path)
		for _, id := range acked {
			if _, err := db.Incident(context.Background(), id); err != nil {
				t.Fatalf("round %d: incident %d was acknowledged before the kill; Incident(%d) = %v", round, id, id, err)
			}
		}
		raw, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		var result string
		if err := raw.QueryRow(`PRAGMA integrity_check`).Scan(&result); err != nil || result != "ok" {
			t.Fatalf("round %d: integrity_check after a kill = %q, %v; want ok", round, result, err)
		}
		raw.Close()
		db.Close()
	}
}

// crashWriter is the process TestSQLiteSurvivesKill kills.
func crashWriter(path string) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, path, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash writer:", err)
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		now := time.Now().UTC().Truncate(time.Microsecond)
		inc := &debrief.Incident{Title: fmt.Sprintf("Crash test incident %d", i), Severity: "SEV3", Status: debrief.StatusInvestigating,
			Services: []string{"checkout"}, Customers: []string{}, Labels: []string{}, Members: []string{},
			StartedAt: now, CreatedBy: "crash@example.com", CreatedAt: now, UpdatedAt: now}
		if err := db.CreateIncident(ctx, inc, &debrief.Revision{EntityType: debrief.EntityIncident, Version: 1, Action: "create", Actor: "crash", At: now}); err != nil {
			fmt.Fprintln(os.Stderr, "crash writer:", err)
			os.Exit(2)
		}
		// Acknowledge only after the store returned, as an HTTP handler
		// answers 2xx only after the write.
		fmt.Fprintf(w, "created %d\n", inc.ID)
		w.Flush()
	}
}
