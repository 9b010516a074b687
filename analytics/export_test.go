package analytics

import "time"

// SetCacheClock lets tests move a cache's clock past its TTL.
func SetCacheClock(c *Cache, now func() time.Time) { c.now = now }
