package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/web"
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
	if _, err = runAccounts(t, db, "", "user", "allow-sso", "ada@example.com"); debrief.ErrorCode(err) != debrief.EUnprocessable || !strings.Contains(err.Error(), "password") {
		t.Errorf("user allow-sso for an account with a password = %v; want refused, naming the password", err)
	}
	if out, err = runAccounts(t, db, "", "user", "add", "--sso", "pat@example.com"); err != nil || strings.Contains(out, "One-time") || !strings.Contains(out, "single sign-on") {
		t.Errorf("user add --sso = %q, %v; want an account without a password", out, err)
	}
	if out, err = runAccounts(t, db, "", "user", "allow-sso", "--no", "pat@example.com"); err != nil || !strings.Contains(out, "No new single sign-on identity may link") {
		t.Errorf("user allow-sso --no = %q, %v; want the permission withdrawn", out, err)
	}
	if out, err = runAccounts(t, db, "", "user", "allow-sso", "pat@example.com"); err != nil || !strings.Contains(out, "may link to that account, once") {
		t.Errorf("user allow-sso = %q, %v; want the permission given", out, err)
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
	want := "user.update user.update user.create user.update user.update token.create user.create user.create"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("audit --jsonl actions = %q; want %q", got, want)
	}
	if strings.Contains(out, tok) || strings.Contains(out, "a-long-password-1") {
		t.Errorf("the audit log holds a secret: %s", out)
	}
}

// TestClientWithToken runs a server that requires sign-in: client commands
// without a token are refused, with one made by `debrief token create` they
// work, and a read token cannot write.
func TestClientWithToken(t *testing.T) {
	db := filepath.Join(t.TempDir(), "auth.db")
	if _, err := runAccounts(t, db, "", "user", "add", "--admin", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	mk := func(scope string) string {
		out, err := runAccounts(t, db, "", "token", "create", "--user", "ada@example.com", "--scope", scope, "--name", scope)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return lines[len(lines)-1]
	}
	write, read := mk("write"), mk("read")
	url := serveAccounts(t, db)
	client := func(token string, args ...string) error {
		var out, errb bytes.Buffer
		return run(context.Background(), append(args, "--server", url, "--token", token), func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	}
	if err := client("", "incident", "list"); err == nil || !strings.Contains(err.Error(), "Sign in") {
		t.Errorf("incident list without a token = %v; want refused with a plain sentence", err)
	}
	if err := client(write, "incident", "new", "--title", "Checkout returned 500s"); err != nil {
		t.Errorf("incident declare with a write token = %v; want it to work", err)
	}
	if err := client(read, "incident", "new", "--title", "Not allowed"); err == nil || !strings.Contains(err.Error(), "viewer") {
		t.Errorf("incident declare with a read token = %v; want refused naming the viewer role", err)
	}
	if err := client(read, "incident", "list"); err != nil {
		t.Errorf("incident list with a read token = %v; want it to work", err)
	}
}

func TestServeAuthFlags(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"serve", "--addr", "0.0.0.0:0", "--db", filepath.Join(t.TempDir(), "o.db"), "--open", "--log-level", "error"},
		func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "--open") {
		t.Errorf("serve --open on 0.0.0.0 = %v; want it refused naming --open", err)
	}
	for _, tc := range []struct {
		addr, secure string
		insecure     bool
	}{{"127.0.0.1:8080", "auto", true}, {"[::1]:8080", "auto", true}, {"0.0.0.0:8080", "auto", false}, {"127.0.0.1:8080", "on", false}, {"10.0.0.1:80", "off", true}} {
		var cfg web.Config
		f := AuthFlags{CookieSecure: tc.secure}
		if err := f.webAuth(&cfg, tc.addr); err != nil || cfg.InsecureCookies != tc.insecure {
			t.Errorf("--cookie-secure %s on %s: insecure=%v, %v; want %v", tc.secure, tc.addr, cfg.InsecureCookies, err, tc.insecure)
		}
	}
	for _, tc := range []struct {
		allow []string
		want  string // the prefixes, or the error's flag
	}{{[]string{"10.0.0.0/8", "192.0.2.7", "::1"}, "[10.0.0.0/8 192.0.2.7/32 ::1/128]"}, {[]string{"everyone"}, "--metrics-allow"}, {[]string{}, "[]"}} {
		var cfg web.Config
		f := AuthFlags{MetricsAllow: tc.allow}
		err := f.webAuth(&cfg, "127.0.0.1:1")
		got := fmt.Sprint(cfg.MetricsAllow)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("--metrics-allow %v = %s; want %s", tc.allow, got, tc.want)
		}
	}
	f := AuthFlags{OIDCIssuer: "https://id.example.com", OIDCClientID: "d", OIDCRedirectURL: "https://d.example.com/auth/oidc/callback", OIDCRoleMap: []string{"sre=boss"}}
	if err := f.webAuth(&web.Config{}, "127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "--oidc-role-map") {
		t.Errorf("--oidc-role-map sre=boss = %v; want an error naming the flag", err)
	}
}
