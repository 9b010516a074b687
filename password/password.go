// Package password hashes passwords with argon2id, in the PHC string
// format ($argon2id$v=19$m=…,t=…,p=…$salt$hash), so parameters can be raised
// later without invalidating stored hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// Default follows the OWASP recommendation for argon2id (19 MiB, 2 passes,
// 1 lane): tens of milliseconds per hash (docs/PERFORMANCE.md).
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// Hasher implements debrief.PasswordHasher.
type Hasher struct{ P Params }

// New returns a Hasher with the default parameters.
func New() Hasher { return Hasher{P: Default} }

const (
	saltLen = 16
	keyLen  = 32
)

// Hash returns the PHC string of password with a fresh random salt.
func (h Hasher) Hash(password string) (string, error) {
	p := h.P
	if p.Memory == 0 {
		p = Default
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// ErrFormat means a stored hash is not an argon2id PHC string this package reads.
var ErrFormat = errors.New("password: unreadable hash")

// Verify reports whether password matches hash, comparing in constant time.
func (h Hasher) Verify(hash, password string) (bool, error) {
	p, salt, key, err := Parse(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// Limits on parameters read from a stored hash, so a tampered row cannot
// make one login allocate gigabytes.
const (
	maxMemory = 1 << 20 // 1 GiB in KiB
	maxTime   = 16
)

// Parse reads a PHC argon2id string.
func Parse(hash string) (Params, []byte, []byte, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, ErrFormat
	}
	var p Params
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Params{}, nil, nil, ErrFormat
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Params{}, nil, nil, ErrFormat
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return Params{}, nil, nil, ErrFormat
			}
			p.Threads = uint8(n)
		default:
			return Params{}, nil, nil, ErrFormat
		}
	}
	if p.Memory < 8 || p.Memory > maxMemory || p.Time < 1 || p.Time > maxTime || p.Threads < 1 || p.Memory < 8*uint32(p.Threads) {
		return Params{}, nil, nil, ErrFormat
	}
	salt, err := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return Params{}, nil, nil, ErrFormat
	}
	key, err := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return Params{}, nil, nil, ErrFormat
	}
	return p, salt, key, nil
}
