package main

import (
	"errors"
	"fmt"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
)

// BackupCmd copies a SQLite database while the server runs.
type BackupCmd struct {
	DBFlag `embed:""`
	File   string `arg:"" help:"The new file to write the backup to; it must not exist." type:"path"`
}

// Run writes the backup and says what it holds.
func (c *BackupCmd) Run(env *Env) error {
	info, err := sqlstore.Backup(env.Ctx, c.DB, c.File)
	if err != nil {
		return storageCommandError("back up", c.DB, err)
	}
	fmt.Fprintf(env.Stdout, "Backed up the SQLite database %s to %s (%s); it passed SQLite's integrity check.\n", c.DB, info.Path, info.Summary())
	return nil
}

// RestoreCmd replaces a SQLite database with a backup.
type RestoreCmd struct {
	DBFlag `embed:""`
	File   string `arg:"" help:"The backup file to restore (made by debrief backup)." type:"path"`
	Force  bool   `help:"Replace a database that holds records (take a backup of it first)."`
}

// Run checks the backup, restores it and says what the database now holds.
func (c *RestoreCmd) Run(env *Env) error {
	info, err := sqlstore.Restore(env.Ctx, c.DB, c.File, c.Force)
	if err != nil {
		return storageCommandError("restore", c.DB, err)
	}
	fmt.Fprintf(env.Stdout, "Restored %s into the SQLite database %s (%s); it passed SQLite's integrity check. Start the server now.\n", c.File, c.DB, info.Summary())
	return nil
}

// storageCommandError says what went wrong in a sentence: a coded error's
// own message, or the cause without package prefixes.
func storageCommandError(what, dsn string, err error) error {
	if debrief.ErrorCode(err) != debrief.EInternal {
		return errors.New(debrief.ErrorMessage(err))
	}
	return fmt.Errorf("could not %s the %s database %s: %s", what, dbKind(dsn), redactDSN(dsn), plainCause(err))
}
