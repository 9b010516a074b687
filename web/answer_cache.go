package web

import (
	"sync"

	"github.com/debriefhq/debrief/debrief"
)

// answerCache keeps the encoded JSON answers of records read by id, each
// with the stamp of the record it encodes. A request still asks the
// Service for the record's current stamp (its checks of role and
// visibility included) and sends the kept bytes only when the stamps are
// the same, so an answer is never older than the database, on this
// instance or any other; what it saves is reading the whole record,
// decoding its sections and encoding it again.
//
// Only answers that are the same for every caller allowed to read the
// record may be kept: the cache does not know who asks.
type answerCache struct {
	// mu guards m and size.
	mu   sync.Mutex
	m    map[int64]cachedAnswer
	size int
}

type cachedAnswer struct {
	stamp debrief.Stamp
	body  []byte
}

// Bounds of an answerCache: past maxAnswerCacheBytes it starts again, which
// costs one full read of each record in use; an answer over maxCachedAnswer
// is not kept, so one huge record cannot push out every other.
const (
	maxAnswerCacheBytes = 32 << 20
	maxCachedAnswer     = 256 << 10
)

// get returns the answer kept for the record stamp names, if it is of that
// state of the record.
func (c *answerCache) get(stamp debrief.Stamp) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.m[stamp.ID]
	if !ok || !a.stamp.Same(stamp) {
		return nil, false
	}
	return a.body, true
}

// put keeps body as the answer for the record state stamp names. body must
// not change afterwards: it is sent as it is to every later caller.
func (c *answerCache) put(stamp debrief.Stamp, body []byte) {
	if len(body) > maxCachedAnswer {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[stamp.ID]; ok {
		c.size -= len(old.body)
	}
	if c.m == nil || c.size+len(body) > maxAnswerCacheBytes {
		c.m, c.size = map[int64]cachedAnswer{}, 0
	}
	c.m[stamp.ID] = cachedAnswer{stamp: stamp, body: body}
	c.size += len(body)
}
