package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// runAccounts runs one account command on db with stdin and returns stdout.
func runAccounts(t *testing.T, db, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append(args, "--db", db), func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return out.String(), err
}

func TestUserAndTokenCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "accounts.db")
	out, err := runAccounts(t, db, "a-long-password-1\n", "user", "add", "--admin", "ada@example.com")
	if err != nil || !strings.Contains(out, "Added ada@example.com (admin)") || strings.Contains(out, "One-time") {
		t.Fatalf("user add --admin with a password on stdin = %q, %v; want added as admin, no one-time password", out, err)
	}
	out, err = runAccounts(t, db, "", "user", "add", "--role", "viewer", "bob@example.com")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || !strings.Contains(out, "One-time password") || len(lines[len(lines)-1]) < 20 {
		t.Fatalf("user add with empty stdin = %q, %v; want a one-time password on the last line", out, err)
	}
	if _, err := runAccounts(t, db, "x\n", "user", "add", "carol@example.com"); err == nil || !strings.Contains(err.Error(), "at least") {
		t.Errorf("user add with a short password = %v; want a plain sentence about its length", err)
	}
	if _, err := runAccounts(t, db, "a-long-password-1\n", "user", "add", "ada@example.com"); debrief.ErrorCode(err) != debrief.EConflict {
		t.Errorf("user add of an existing email = %v; want a conflict", err)
	}
	out, err = runAccounts(t, db, "", "token", "create", "--user", "ada@example.com", "--scope", "write", "--name", "ci", "--expires", "30d")
	if err != nil {
		t.Fatalf("token create = %v", err)
	}
	lines = strings.Split(strings.TrimSpace(out), "\n")
	tok := lines[len(lines)-1]
	if _, err := debrief.ParseToken(tok); err != nil {
		t.Fatalf("token create's last line %q is not a token: %v", tok, err)
	}
	if _, err := runAccounts(t, db, "", "token", "create", "--user", "ada@example.com", "--scope", "write", "--name", "ci", "--expires", "soon"); err == nil {
		t.Errorf("token create --expires soon succeeded; want an error naming the flag")
	}
	if out, err = runAccounts(t, db, "", "user", "set-role", "bob@example.com", "responder"); err != nil || !strings.Contains(out, "responder") {
		t.Errorf("user set-role = %q, %v; want responder", out, err)
	}
	if out, err = runAccounts(t, db, "", "user", "disable", "bob@example.com"); err != nil || !strings.Contains(out, "disabled") {
		t.Errorf("user disable = %q, %v; want disabled", out, err)
	}
	if out, err = runAccounts(t, db, "", "user", "list"); err != nil || !strings.Contains(out, "bob@example.com  responder  disabled") {
		t.Errorf("user list = %q, %v; want bob as a disabled responder", out, err)
	}
	out, err = runAccounts(t, db, "", "audit", "--jsonl")
	if err != nil {
		t.Fatalf("audit --jsonl = %v", err)
	}
	var actions []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var e debrief.AuditEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("audit --jsonl line %q is not JSON: %v", l, err)
		}
		actions = append(actions, e.Action)
	}
	want := "user.update user.update token.create user.create user.create"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("audit --jsonl actions = %q; want %q", got, want)
	}
	if strings.Contains(out, tok) || strings.Contains(out, "a-long-password-1") {
		t.Errorf("the audit log holds a secret: %s", out)
	}
}
