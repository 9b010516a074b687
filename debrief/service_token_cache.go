package debrief

import (
	"context"
	"sync"
	"time"
)

// AuthGenerationStore is a store that keeps a number which moves whenever
// anything a verified API token depends on changes: the token revoked,
// expired, rescoped or deleted; its account disabled, renamed, given
// another role or deleted. The store moves it itself (in the same
// transaction as the change, whoever makes it), so a cache keyed by it is
// right across instances and across commands run on the database directly.
type AuthGenerationStore interface {
	AuthGeneration(ctx context.Context) (int64, error)
}

// maxCachedTokens bounds the token cache; past it the cache starts again,
// which costs one read of each token in use.
const maxCachedTokens = 10000

// tokenCache holds API tokens verified at a generation of the store's
// AuthGeneration: a request whose token is cached at the current
// generation reads one number instead of the token and its account. Only
// tokens that were valid are kept; expiry is checked on every use.
type tokenCache struct {
	// mu guards m. An entry does not change once in m (touched replaces
	// it), so get hands out pointers into it without copying.
	mu sync.Mutex
	m  map[string]*cachedToken
}

type cachedToken struct {
	gen   int64
	token APIToken
	user  User
}

// get returns the token and account cached for hash at generation gen.
// They are shared with every other caller: read them, never change them.
func (c *tokenCache) get(hash string, gen int64) (*APIToken, *User, bool) {
	c.mu.Lock()
	e, ok := c.m[hash]
	c.mu.Unlock()
	if !ok || e.gen != gen {
		return nil, nil, false
	}
	return &e.token, &e.user, true
}

func (c *tokenCache) put(hash string, gen int64, t *APIToken, u *User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = map[string]*cachedToken{}
	}
	c.m[hash] = &cachedToken{gen: gen, token: *t, user: *u}
}

// touched records a token's last use, so the cached copy does not ask for
// another touch within the audit interval.
func (c *tokenCache) touched(hash string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[hash]; ok {
		touched := *e
		touched.token.LastUsedAt = &at
		c.m[hash] = &touched
	}
}

// authGeneration reads the store's generation; ok is false when the store
// keeps none, and the Service then reads every token afresh.
func (s *Service) authGeneration(ctx context.Context, st AccountStore) (gen int64, ok bool, err error) {
	if gen, ok, err := readGenerationAhead(ctx, st); ok || err != nil {
		return gen, ok, err
	}
	g, ok := st.(AuthGenerationStore)
	if !ok {
		return 0, false, nil
	}
	gen, err = g.AuthGeneration(ctx)
	return gen, err == nil, err
}
