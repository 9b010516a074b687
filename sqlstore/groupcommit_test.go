package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
)

// TestGroupCommitIsolatesFailedWrites runs many writes at once so they share
// commits, makes every third one fail after it has written, and checks that
// exactly the successful writes are stored and each caller got its own
// outcome.
func TestGroupCommitIsolatesFailedWrites(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if db.group == nil {
		t.Fatal("SQLite store has no group committer")
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE g (n INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	errPlanned := errors.New("planned failure")
	const writers = 300
	results := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = db.inTx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO g (n) VALUES ($1)`, i); err != nil {
					return err
				}
				if i%3 == 0 {
					return fmt.Errorf("write %d: %w", i, errPlanned)
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range results {
		if want := i%3 == 0; errors.Is(err, errPlanned) != want || (!want && err != nil) {
			t.Errorf("inTx(write %d) = %v, want planned failure: %v", i, err, want)
		}
	}
	rows, err := db.r.QueryContext(ctx, `SELECT n FROM g`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := map[int]bool{}
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		stored[n] = true
	}
	for i := range writers {
		if stored[i] != (i%3 != 0) {
			t.Errorf("row %d stored = %v, want %v", i, stored[i], i%3 != 0)
		}
	}
}

// TestGroupCommitCanceledCaller checks that a caller whose context is already
// done gets its error and writes nothing, without failing the others.
func TestGroupCommitCanceledCaller(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE g (n INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := ctx
			if i == 7 {
				c = canceled
			}
			errs[i] = db.inTx(c, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(c, `INSERT INTO g (n) VALUES ($1)`, i)
				return err
			})
		}()
	}
	wg.Wait()
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM g WHERE n <> 7`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 39 {
		t.Errorf("rows of live callers = %d, want 39", n)
	}
	for i, err := range errs {
		if i != 7 && err != nil {
			t.Errorf("inTx(write %d) = %v, want nil", i, err)
		}
	}
	if errs[7] == nil {
		var got int
		db.r.QueryRowContext(ctx, `SELECT count(*) FROM g WHERE n = 7`).Scan(&got)
		if got != 1 {
			t.Errorf("canceled caller got nil but its row is missing")
		}
	}
}
