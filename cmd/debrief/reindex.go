package main

import (
	"fmt"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
)

// ReindexCmd rebuilds the search index from the records, for after a
// restore from backup or an upgrade that changes how text is indexed.
type ReindexCmd struct {
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run opens the database directly (not through a server), rebuilds the
// index in one transaction and reports how many documents it holds.
func (c *ReindexCmd) Run(env *Env) error {
	db, err := sqlstore.Open(env.Ctx, c.DB, c.logger(env.Stderr))
	if err != nil {
		return openError(c.DB, err)
	}
	defer db.Close()
	// The command line acts on the database directly, as an admin; the
	// Service audits the rebuild.
	ctx := debrief.WithActor(env.Ctx, cliActor)
	start := time.Now()
	n, err := newService(db).Reindex(ctx)
	if err != nil {
		return fmt.Errorf("rebuild the search index of %s: %w", redactDSN(c.DB), err)
	}
	fmt.Fprintf(env.Stdout, "Rebuilt the search index of the %s database %s: %s in %s.\n",
		dbKind(c.DB), redactDSN(c.DB), plural(n, "document"), time.Since(start).Round(time.Millisecond))
	return nil
}
