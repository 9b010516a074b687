package sqlstore

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/debriefhq/debrief/debrief"
)

// Decoding the JSON columns of a postmortem (its sections above all) is
// most of the cost of reading one, and of listing fifty. The same bytes are
// decoded again and again, so decoded values are cached by their content:
// the key is the JSON text itself (hashed, then compared in full), which
// makes the cache correct whatever wrote the row and needs no invalidation.
// Callers get a deep copy, because they may change what they are given.

// maxJSONCacheBytes bounds the JSON text a cache holds (the decoded values
// take about as much again); when it is full, random entries make room, so a
// working set larger than the cache still hits in proportion.
const maxJSONCacheBytes = 32 << 20

type jsonCache[T any] struct {
	clone func(T) T
	seed  maphash.Seed
	mu    sync.Mutex
	m     map[uint64]jsonCacheEntry[T]
	bytes int
}

type jsonCacheEntry[T any] struct {
	raw string
	v   T
}

func newJSONCache[T any](clone func(T) T) *jsonCache[T] {
	return &jsonCache[T]{clone: clone, seed: maphash.MakeSeed(), m: map[uint64]jsonCacheEntry[T]{}}
}

// decode sets *dst to the value of the JSON text raw (a string or a
// []byte, as the driver gave it; neither is kept).
func decodeCached[T any, R string | []byte](c *jsonCache[T], raw R, dst *T) error {
	var h uint64
	switch r := any(raw).(type) {
	case string:
		h = maphash.String(c.seed, r)
	case []byte:
		h = maphash.Bytes(c.seed, r)
	}
	c.mu.Lock()
	e, ok := c.m[h]
	c.mu.Unlock()
	if ok && e.raw == string(raw) {
		*dst = c.clone(e.v)
		return nil
	}
	var v T
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return fmt.Errorf("sqlstore: decode JSON column: %w", err)
	}
	*dst = c.clone(v)
	if len(raw) > maxJSONCacheBytes/64 {
		return nil // one huge document would push out everything else
	}
	c.mu.Lock()
	if old, ok := c.m[h]; ok {
		c.bytes -= len(old.raw)
		delete(c.m, h)
	}
	for k, e := range c.m { // map order is random: random eviction
		if c.bytes+len(raw) <= maxJSONCacheBytes {
			break
		}
		c.bytes -= len(e.raw)
		delete(c.m, k)
	}
	c.m[h] = jsonCacheEntry[T]{raw: string(raw), v: v}
	c.bytes += len(raw)
	c.mu.Unlock()
	return nil
}

// cachedJSONCol scans a JSON column through a jsonCache; NULL leaves dst
// as it is.
type cachedJSONCol[T any] struct {
	c   *jsonCache[T]
	dst *T
}

func (s cachedJSONCol[T]) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		return nil
	case []byte:
		return decodeCached(s.c, v, s.dst)
	case string:
		return decodeCached(s.c, v, s.dst)
	}
	return fmt.Errorf("sqlstore: cannot scan %T as JSON", src)
}

// The caches of the postmortem columns. Strings are immutable, so copying
// slices of structs made of strings and bools is a deep copy.
var (
	sectionsCache = newJSONCache(func(v []debrief.Section) []debrief.Section { return slices.Clone(v) })
	stringsCache  = newJSONCache(func(v []string) []string { return slices.Clone(v) })
	lessonsCache  = newJSONCache(func(v debrief.Lessons) debrief.Lessons {
		return debrief.Lessons{WentWell: slices.Clone(v.WentWell), WentWrong: slices.Clone(v.WentWrong), GotLucky: slices.Clone(v.GotLucky)}
	})
	// Project.Clone copies every field, so a field added later is not lost
	// on a cache hit.
	projectCache = newJSONCache((*debrief.Project).Clone)
)
