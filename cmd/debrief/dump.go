package main

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/debriefhq/debrief/sqlstore"
)

// DumpCmd writes a portable export of a whole installation.
type DumpCmd struct {
	DBFlag   `embed:""`
	LogFlags `embed:""`
	File     string `arg:"" help:"The new file to write (.gz compresses it), or - for standard output." type:"path"`
}

// Run writes the export under a temporary name and links it to File
// only once it is complete, so a file with that name is always whole.
func (c *DumpCmd) Run(env *Env) error {
	if err := sqliteExists(c.DB); err != nil {
		return err
	}
	db, err := sqlstore.Open(env.Ctx, c.DB, c.logger(env.Stderr))
	if err != nil {
		return openError(c.DB, err)
	}
	defer db.Close()
	start := time.Now()
	if c.File == "-" {
		_, err := db.Dump(env.Ctx, env.Stdout, version, progressLines(env.Stderr, "Exported"))
		if err != nil {
			return storageCommandError("export", c.DB, err)
		}
		return nil
	}
	if _, err := os.Lstat(c.File); err == nil {
		return fmt.Errorf("%s exists already; an export never overwrites a file, so give a new name", c.File)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.File), "."+filepath.Base(c.File)+".tmp-*")
	if err != nil {
		return fmt.Errorf("could not write the export: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	var w io.Writer = tmp
	var gz *gzip.Writer
	if strings.HasSuffix(c.File, ".gz") {
		gz = gzip.NewWriter(tmp)
		w = gz
	}
	sums, err := db.Dump(env.Ctx, w, version, progressLines(env.Stderr, "Exported"))
	if err != nil {
		return storageCommandError("export", c.DB, err)
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			return fmt.Errorf("could not write the export: %w", err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("could not write the export: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("could not write the export: %w", err)
	}
	if err := os.Link(tmp.Name(), c.File); err != nil {
		return fmt.Errorf("could not name the export %s: %w", c.File, err)
	}
	fmt.Fprintf(env.Stdout, "Exported the %s database %s to %s in %s:\n", dbKind(c.DB), redactDSN(c.DB), c.File, time.Since(start).Round(time.Millisecond))
	printSums(env.Stdout, sums)
	return nil
}

// LoadCmd restores a portable export into a database of either engine.
type LoadCmd struct {
	DBFlag   `embed:""`
	LogFlags `embed:""`
	File     string `arg:"" help:"The export to load (made by debrief dump; .gz is read compressed), or - for standard input." type:"path"`
	Replace  bool   `help:"Delete the records the database holds, in the same transaction as the load."`
}

// Run loads the file in one transaction and prints what it verified.
func (c *LoadCmd) Run(env *Env) error {
	var r io.Reader = env.Stdin
	if c.File != "-" {
		f, err := os.Open(c.File)
		if err != nil {
			return fmt.Errorf("there is no export at %s", c.File)
		}
		defer f.Close()
		r = f
		if strings.HasSuffix(c.File, ".gz") {
			gz, err := gzip.NewReader(f)
			if err != nil {
				return fmt.Errorf("%s is not a gzip file", c.File)
			}
			r = gz
		}
	}
	db, err := sqlstore.Open(env.Ctx, c.DB, c.logger(env.Stderr))
	if err != nil {
		return openError(c.DB, err)
	}
	defer db.Close()
	start := time.Now()
	head, sums, err := db.Load(env.Ctx, r, sqlstore.LoadOptions{Replace: c.Replace, Progress: progressLines(env.Stderr, "Loaded")})
	if err != nil {
		return storageCommandError("load into", c.DB, err)
	}
	fmt.Fprintf(env.Stdout, "Loaded %s (exported from %s at %s) into the %s database %s in %s; every table read back with the export's rows and checksums:\n",
		c.File, dbKindName(head.Engine), head.CreatedAt, dbKind(c.DB), redactDSN(c.DB), time.Since(start).Round(time.Millisecond))
	printSums(env.Stdout, sums)
	return nil
}

// MigrateDataCmd moves a whole installation from one database to another.
type MigrateDataCmd struct {
	LogFlags `embed:""`
	From     string `required:"" help:"The database to copy from: a SQLite file (sqlite:./debrief.db or ./debrief.db) or a postgres:// URL." placeholder:"PATH|URL"`
	To       string `required:"" help:"The database to copy into, which must hold no records: a SQLite file or a postgres:// URL." placeholder:"PATH|URL"`
	Replace  bool   `help:"Delete the records the target holds, in the same transaction as the copy."`
}

// Run streams an export of From into a load of To through a pipe, so no
// file is written and memory stays flat; the load commits only when the
// target reads back with the source's rows and checksums.
func (c *MigrateDataCmd) Run(env *Env) error {
	from, to := strings.TrimPrefix(c.From, "sqlite:"), strings.TrimPrefix(c.To, "sqlite:")
	if from == to {
		return errors.New("--from and --to name the same database; give two different ones")
	}
	if err := sqliteExists(from); err != nil {
		return err
	}
	src, err := sqlstore.Open(env.Ctx, from, c.logger(env.Stderr))
	if err != nil {
		return openError(from, err)
	}
	defer src.Close()
	dst, err := sqlstore.Open(env.Ctx, to, c.logger(env.Stderr))
	if err != nil {
		return openError(to, err)
	}
	defer dst.Close()
	start := time.Now()
	ctx, cancel := context.WithCancel(env.Ctx)
	defer cancel()
	pr, pw := io.Pipe()
	dumped := make(chan error, 1)
	var exported sqlstore.DumpSums
	go func() {
		var err error
		exported, err = src.Dump(ctx, pw, version, nil)
		pw.CloseWithError(err)
		dumped <- err
	}()
	_, loaded, err := dst.Load(ctx, pr, sqlstore.LoadOptions{Replace: c.Replace, Progress: progressLines(env.Stderr, "Copied")})
	// A load that stopped early leaves the export blocked on the pipe;
	// closing it ends the export, whose error then only echoes the load's.
	pr.CloseWithError(errors.New("the load stopped"))
	dumpErr := <-dumped
	if err != nil && (dumpErr == nil || !errors.Is(err, dumpErr)) {
		return storageCommandError("copy into", to, err)
	}
	if dumpErr != nil {
		// The export failed first; the pipe carried its error to the load.
		return storageCommandError("read", from, dumpErr)
	}
	if t := loaded.Diff(exported); t != "" {
		return fmt.Errorf("table %s differs between the source and the copy; the copy was committed, so check it before use", t)
	}
	fmt.Fprintf(env.Stdout, "Copied the %s database %s into the %s database %s in %s; every table has the same rows and checksums on both:\n",
		dbKind(from), redactDSN(from), dbKind(to), redactDSN(to), time.Since(start).Round(time.Millisecond))
	printSums(env.Stdout, loaded)
	fmt.Fprintln(env.Stdout, "Sessions are not copied: people sign in again. API tokens, integrations and their secrets work as before.")
	return nil
}

// progressLines reports a dump's or load's progress on w, a line per
// table and one per 10,000 rows of a large table.
func progressLines(w io.Writer, verb string) sqlstore.DumpProgress {
	return func(table string, rows int64, done bool) {
		if done {
			if rows > 0 {
				fmt.Fprintf(w, "%s %s: %d rows.\n", verb, table, rows)
			}
			return
		}
		fmt.Fprintf(w, "%s %s: %d rows so far…\n", verb, table, rows)
	}
}

func printSums(w io.Writer, sums sqlstore.DumpSums) {
	for _, t := range sqlstore.DumpTableNames() {
		s := sums[t]
		fmt.Fprintf(w, "  %-22s %8d rows  sha256 %s\n", t, s.Rows, s.SHA256)
	}
}

// sqliteExists refuses a source SQLite file that is not there: opening
// it would create an empty database and copy nothing, without a word.
func sqliteExists(dsn string) error {
	if sqlstore.EngineOf(dsn) != sqlstore.EngineSQLite {
		return nil
	}
	if _, err := os.Stat(dsn); err != nil {
		return fmt.Errorf("there is no SQLite database at %s to copy from", dsn)
	}
	return nil
}

func dbKindName(engine string) string {
	if engine == sqlstore.EnginePostgres {
		return "PostgreSQL"
	}
	return "SQLite"
}
