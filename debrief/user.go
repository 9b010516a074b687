package debrief

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"
)

// User is a local or single-sign-on account.
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  Role   `json:"role"`
	// Disabled users cannot sign in and their sessions and tokens stop working.
	Disabled bool `json:"disabled"`
	// PasswordHash is opaque to this package (the PasswordHasher's format);
	// empty means the user signs in only through single sign-on.
	PasswordHash string     `json:"-"`
	CreatedAt    time.Time  `json:"created_at"`
	LastLoginAt  *time.Time `json:"last_login_at,omitempty"`
	// AllowSSOLink lets the next new single sign-on identity with this
	// account's e-mail bind to it, once; an admin sets it (or creates the
	// account without a password). Without it a new identity never takes
	// over an existing account by e-mail alone.
	AllowSSOLink bool `json:"allow_sso_link"`
}

// SSOIdentity binds a single sign-on identity to an account: once linked,
// the provider's issuer and subject name the account, whatever e-mail the
// provider sends later.
type SSOIdentity struct {
	ID      int64  `json:"id"`
	UserID  int64  `json:"user_id"`
	Issuer  string `json:"issuer"`
	Subject string `json:"subject"`
	// Email is the address the provider sent when the identity was linked.
	Email    string    `json:"email"`
	LinkedAt time.Time `json:"linked_at"`
}

// Actor returns the actor u acts as, signed in via how.
func (u *User) Actor(via string) Actor {
	return Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Via: via}
}

// Session is a signed-in browser. Only the hash of its cookie value is stored.
type Session struct {
	ID         int64     `json:"id"`
	Hash       string    `json:"-"`
	UserID     int64     `json:"user_id"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	IP         string    `json:"ip,omitempty"`
	UserAgent  string    `json:"user_agent,omitempty"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// TokenScope bounds what an API token may do, whatever its user's role.
type TokenScope string

const (
	ScopeRead  TokenScope = "read"  // viewer operations
	ScopeWrite TokenScope = "write" // responder operations
	ScopeAdmin TokenScope = "admin" // everything the user may do
)

// Role returns the role the scope allows at most.
func (s TokenScope) Role() Role {
	switch s {
	case ScopeRead:
		return RoleViewer
	case ScopeWrite:
		return RoleResponder
	case ScopeAdmin:
		return RoleAdmin
	}
	return ""
}

// Valid reports whether s is a known scope.
func (s TokenScope) Valid() bool { return s.Role() != "" }

// APIToken is a bearer credential for scripts and the CLI. Only the hash of
// its secret is stored; the secret is shown once, when it is created.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	UserEmail  string     `json:"user_email,omitempty"`
	Name       string     `json:"name"`
	Scope      TokenScope `json:"scope"`
	Hash       string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// MinRole returns the lesser of two roles: a token never grants more than
// its scope, nor more than its user's role.
func MinRole(a, b Role) Role {
	if a.rank() <= b.rank() {
		return a
	}
	return b
}

// Token and session secrets: a fixed prefix (so a leaked token is
// recognisable by secret scanners) and 32 random bytes in unpadded base64url.
const (
	TokenPrefix   = "dbt_"
	secretBytes   = 32
	secretB64Len  = 43 // base64.RawURLEncoding.EncodedLen(32)
	sessionPrefix = "dbs_"
)

// NewTokenSecret returns a new API token secret.
func NewTokenSecret() string { return TokenPrefix + randomSecret() }

// NewSessionSecret returns a new session cookie value.
func NewSessionSecret() string { return sessionPrefix + randomSecret() }

func randomSecret() string {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseToken checks that s has the shape of an API token and returns the
// hash it is stored under. Anything else is EUnauthorized, so a malformed
// token costs no database lookup.
func ParseToken(s string) (string, error) { return parseSecret(s, TokenPrefix, "API token") }

// ParseSessionCookie checks a session cookie value and returns its hash.
func ParseSessionCookie(s string) (string, error) {
	return parseSecret(s, sessionPrefix, "session")
}

func parseSecret(s, prefix, what string) (string, error) {
	if len(s) != len(prefix)+secretB64Len || !strings.HasPrefix(s, prefix) {
		return "", Errorf(EUnauthorized, "", "The %s is not valid; sign in again or create a new token.", what)
	}
	// The length was checked above, so the secret decodes into exactly
	// secretBytes bytes.
	var b [secretBytes]byte
	n, err := base64.RawURLEncoding.Strict().Decode(b[:], []byte(s[len(prefix):]))
	if err != nil || n != secretBytes {
		return "", Errorf(EUnauthorized, "", "The %s is not valid; sign in again or create a new token.", what)
	}
	return HashSecret(s), nil
}

// HashSecret returns the hex SHA-256 of a token or session secret. The
// secrets carry 256 random bits, so a fast hash is enough: nothing to
// brute-force, unlike passwords.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// SameHash compares two hashes in constant time.
func SameHash(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// NormalizeEmail lowercases and trims an address and checks its shape.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	if e == "" {
		return "", Errorf(EInvalid, "email", "Give an email address.")
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" || len(e) > 254 {
		return "", Errorf(EInvalid, "email", "%q is not an email address such as ada@example.com.", truncate(s, 60))
	}
	return e, nil
}

// PasswordHasher hashes and checks passwords. It lives outside this package
// (package password, argon2id) so the domain stays on the standard library.
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Verify reports whether password matches hash; an error means the hash
	// itself is unreadable.
	Verify(hash, password string) (bool, error)
}

// Password length bounds: long enough to resist guessing, short enough that
// hashing cannot be used to burn CPU.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// CheckPassword says why a new password is not acceptable.
func CheckPassword(pw string) error {
	switch {
	case len(pw) < MinPasswordLen:
		return Errorf(EInvalid, "password", "The password must be at least %d characters long.", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return Errorf(EInvalid, "password", "The password must be at most %d characters long.", MaxPasswordLen)
	}
	return nil
}

// NewOneTimePassword returns a random password for a new user who gave none.
func NewOneTimePassword() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
