package sqlstore

// SearchWarm reports whether the search is ready to answer many-hit
// searches at full speed, and on SQLite starts loading its per-process
// fact cache if no search has yet (a running server loads it on its first
// many-hit search; at 1,000,000 documents that takes tens of seconds, and
// until then such searches count in SQL). PostgreSQL keeps no such cache.
func (db *DB) SearchWarm() bool {
	return db.facts == nil || db.facts.warm()
}

// TypicalSearches are the searches the benchmarks measure (the store's
// own and `debrief bench-growth`): a rare identifier, one common word, two
// words, a phrase, words with filters, filters alone, a prefix, OR and an
// exclusion, with from 5 to about 280,000 matches on the generated corpus
// of 1,000,000 postmortems.
var TypicalSearches = []string{
	"payments-042",
	"database",
	`checkout "timed out"`,
	`"connection pool"`,
	"severity:1 certificate",
	"service:payments after:2024-01-01",
	"kube*",
	"redis OR memcached",
	"replica -postgres",
	"kafka consumer group has:action-items-open",
	"HighLatencyP99 service:search",
	"rollback status:published before:2022",
}
