package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// maxGroup bounds how many writes share one SQLite transaction, so one
// commit never holds many callers waiting behind a long batch.
const maxGroup = 64

// groupCommitter batches concurrent write transactions on SQLite into one
// commit. SQLite has one writer, so each transaction waits its turn anyway;
// writes that arrive while another commit runs are taken together in the
// next one. Each write runs inside its own SAVEPOINT, so a write that fails
// (a stale version, a bad reference) is rolled back alone and the others
// still commit. No caller returns before the commit that holds its write
// has finished, so an acknowledged write is durable as before.
type groupCommitter struct {
	mu      sync.Mutex
	pending []*groupWrite
	leading bool
}

type groupWrite struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

func newGroupCommitter() *groupCommitter { return &groupCommitter{} }

// do runs fn in a shared transaction and returns once it is committed (nil)
// or rolled back (the error).
func (g *groupCommitter) do(ctx context.Context, db *DB, fn func(tx *sql.Tx) error) error {
	w := &groupWrite{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, w)
	if !g.leading {
		// A goroutine of its own commits batches until none wait, so no
		// caller's answer is held back while it commits other callers'
		// writes under sustained load.
		g.leading = true
		go g.lead(db)
	}
	g.mu.Unlock()
	return <-w.done
}

// lead commits waiting writes, a batch at a time, until none are left.
func (g *groupCommitter) lead(db *DB) {
	for {
		g.mu.Lock()
		batch := g.pending
		if len(batch) > maxGroup {
			batch = batch[:maxGroup]
		}
		g.pending = g.pending[len(batch):]
		if len(batch) == 0 {
			g.leading = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		db.commitGroup(batch)
	}
}

// commitGroup runs a batch of writes in one transaction and tells each its
// outcome.
func (db *DB) commitGroup(batch []*groupWrite) {
	if len(batch) == 1 {
		w := batch[0]
		w.done <- db.singleTx(w.ctx, w.fn)
		return
	}
	// The transaction outlives any one caller's context: a caller that
	// gives up only loses its own write, checked before it runs.
	ctx := context.WithoutCancel(batch[0].ctx)
	fail := func(err error) {
		for _, w := range batch {
			w.done <- err
		}
	}
	if err := db.wg.enter(ctx); err != nil {
		fail(err)
		return
	}
	defer db.wg.leave()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		fail(err)
		return
	}
	results := make([]error, len(batch))
	for i, w := range batch {
		if err := w.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT grouped"); err != nil {
			tx.Rollback()
			fail(fmt.Errorf("sqlstore: savepoint: %w", err))
			return
		}
		if err := w.fn(tx); err != nil {
			results[i] = err
			// Undo this write alone. If SQLite already rolled the whole
			// transaction back (an interrupt, a full disk), nothing of the
			// batch may be acknowledged.
			if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO grouped"); rerr != nil {
				tx.Rollback()
				fail(fmt.Errorf("sqlstore: grouped transaction lost after a failed write: %w", rerr))
				return
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE grouped"); err != nil {
			tx.Rollback()
			fail(fmt.Errorf("sqlstore: release savepoint: %w", err))
			return
		}
	}
	if err := db.flushSearch(ctx, tx); err != nil {
		tx.Rollback()
		fail(err)
		return
	}
	if err := tx.Commit(); err != nil {
		fail(err)
		return
	}
	for i, w := range batch {
		w.done <- results[i]
	}
}
