package web

import (
	"net/http"
	"strconv"
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
	m    map[int64]*cachedAnswer
	size int
}

// cachedAnswer is one kept answer with the values of its ETag and
// Content-Length headers, made when it is kept rather than on every
// request. It does not change once kept.
type cachedAnswer struct {
	stamp        debrief.Stamp
	body         []byte
	etag, length []string
}

// write sends the kept answer with status 200, its ETag and its length.
// The header values are shared by every response, as headerValues
// describes.
func (a *cachedAnswer) write(w http.ResponseWriter) {
	h := w.Header()
	h["Etag"] = a.etag
	h["Content-Type"] = jsonTypeValue
	h["Content-Length"] = a.length
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.body)
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
func (c *answerCache) get(stamp debrief.Stamp) (*cachedAnswer, bool) {
	c.mu.Lock()
	a, ok := c.m[stamp.ID]
	c.mu.Unlock()
	if !ok || !a.stamp.Same(stamp) {
		return nil, false
	}
	return a, true
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
		c.m, c.size = map[int64]*cachedAnswer{}, 0
	}
	c.m[stamp.ID] = &cachedAnswer{stamp: stamp, body: body,
		etag: []string{etagOf(stamp.Version)}, length: []string{strconv.Itoa(len(body))}}
	c.size += len(body)
}
