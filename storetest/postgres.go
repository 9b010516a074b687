package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create test databases
)

// PostgresEnv names the environment variable holding the DSN of a
// PostgreSQL server tests may create databases on.
const PostgresEnv = "DEBRIEF_TEST_POSTGRES"

// PostgresDSN creates a fresh, empty database debrief_test_<random> on the
// server named by DEBRIEF_TEST_POSTGRES and returns its DSN; t.Cleanup drops
// it. A missing variable or an unreachable server fails the test: the
// PostgreSQL half of the suite must never be skipped silently.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return PostgresDSNWith(t, "")
}

// PostgresDSNWith is PostgresDSN with options for CREATE DATABASE, e.g.
// "TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'", for tests of what
// depends on the database's collation.
func PostgresDSNWith(t testing.TB, options string) string {
	t.Helper()
	admin := os.Getenv(PostgresEnv)
	if admin == "" {
		t.Fatalf("%s is not set: the store tests need a PostgreSQL server, e.g. %s=postgres://debrief:debrief@127.0.0.1:5432/postgres?sslmode=disable (make test sets it and starts the server with scripts/postgres.sh)", PostgresEnv, PostgresEnv)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s=%q is not a URL: %v", PostgresEnv, admin, err)
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open %s: %v", PostgresEnv, err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("PostgreSQL at %s (%s) is unreachable: %v; start it with `sudo bash scripts/postgres.sh` or point %s at a running server", u.Redacted(), PostgresEnv, err, PostgresEnv)
	}
	var b [8]byte
	rand.Read(b[:])
	name := "debrief_test_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name+" "+options); err != nil {
		t.Fatalf("create test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE ends connections a failed test may have left open. It
		// cannot end an autovacuum worker that happens to be in the
		// database (that needs a superuser), so wait for it and retry.
		for range 40 {
			if _, err = db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err == nil {
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		t.Errorf("drop test database %s: %v", name, err)
	})
	u.Path = "/" + name
	return u.String()
}
