package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/debriefhq/debrief/debrief"
)

// Error kinds a driver error can be, whichever engine raised it.
const (
	dbErrOther = iota
	dbErrUnique
	dbErrForeignKey
	dbErrCheck
	dbErrBusy // retry later: SQLITE_BUSY, serialization failure, deadlock
	// dbErrGone: the database server cannot be reached (down, restarting,
	// the connection cut); retry once it is back.
	dbErrGone
)

// classify tells what kind of driver error err is.
func classify(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return dbErrUnique
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return dbErrForeignKey
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return dbErrCheck
		}
		switch se.Code() & 0xff { // primary code, ignoring the extended part
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return dbErrBusy
		}
		return dbErrOther
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return dbErrUnique
		case "23503": // foreign_key_violation
			return dbErrForeignKey
		case "23514", "23502": // check_violation, not_null_violation
			return dbErrCheck
		case "40001", "40P01", "55P03": // serialization_failure, deadlock_detected, lock_not_available
			return dbErrBusy
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return dbErrGone
		}
		if strings.HasPrefix(pe.Code, "08") { // connection_exception and its kinds
			return dbErrGone
		}
		return dbErrOther
	}
	if gone(err) {
		return dbErrGone
	}
	return dbErrOther
}

// gone reports whether err says the PostgreSQL server could not be reached
// or the connection broke: refused or reset connections, a server that
// closed the connection, a pool that could not connect.
func gone(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || pgconn.SafeToRetry(err)
}

// mapErr turns driver errors into debrief errors and wraps anything else
// with what was being done: mapErr(err, "update incident %d", id).
// Errors that already carry a debrief code pass through unchanged.
func mapErr(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var de *debrief.Error
	if errors.As(err, &de) {
		return err
	}
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	switch classify(err) {
	case dbErrUnique:
		return &debrief.Error{Code: debrief.EConflict, Message: "A record with the same identity already exists.", Err: fmt.Errorf("%s: %w", what, err)}
	case dbErrForeignKey:
		return &debrief.Error{Code: debrief.EInvalid, Message: "The change refers to a record that does not exist.", Err: fmt.Errorf("%s: %w", what, err)}
	case dbErrCheck:
		return &debrief.Error{Code: debrief.EInvalid, Message: "The change breaks a rule of the database.", Err: fmt.Errorf("%s: %w", what, err)}
	case dbErrBusy:
		return &debrief.Error{Code: debrief.EUnavailable, Message: "The database is busy; try again in a moment.", Err: fmt.Errorf("%s: %w", what, err)}
	case dbErrGone:
		return &debrief.Error{Code: debrief.EUnavailable, Message: "The database cannot be reached; try again in a moment.", Err: fmt.Errorf("%s: %w", what, err)}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &debrief.Error{Code: debrief.ENotFound, Message: "Not found.", Err: fmt.Errorf("%s: %w", what, err)}
	}
	return fmt.Errorf("sqlstore: %s: %w", what, err)
}

// notFound is the ENotFound error for a record that does not exist.
func notFound(what string, key string) error {
	return debrief.Errorf(debrief.ENotFound, "", "There is no %s %s.", what, key)
}
