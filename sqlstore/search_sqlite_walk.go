package sqlstore

import (
	"database/sql/driver"
	"fmt"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
)

// walkFunc is the SQL function through which a statement hands rows to a
// Go function as SQLite finds them: walkFunc(handle, rowid) is true when
// the function registered under handle (walkMatches) keeps the row. A
// search counts and filters its full-text matches so, in the walk FTS5
// makes anyway, instead of carrying every rowid out as text first.
const walkFunc = "debrief_walk"

var (
	walkers sync.Map // handle (int64) → func(int64) bool
	walkSeq atomic.Int64
)

func init() {
	// Registered for every connection the driver opens from now on; not
	// deterministic, so SQLite calls it once per row and never caches.
	sqlite.MustRegisterScalarFunction(walkFunc, 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		h, ok1 := args[0].(int64)
		id, ok2 := args[1].(int64)
		f, ok3 := walkers.Load(h)
		if !ok1 || !ok2 || !ok3 {
			// A statement outside walkMatches, or after it returned.
			return nil, fmt.Errorf("%s: no walk %v", walkFunc, args[0])
		}
		return f.(func(int64) bool)(id), nil
	})
}

// walkMatches runs run with a handle under which visit is called for each
// row of the statement run makes (through walkFunc), and forgets visit
// when run returns. visit runs on the goroutine that steps the
// statement (modernc's SQLite is Go, called in place), so it needs no
// lock for what only that goroutine touches.
func walkMatches(visit func(int64) bool, run func(handle int64) error) error {
	h := walkSeq.Add(1)
	walkers.Store(h, visit)
	defer walkers.Delete(h)
	return run(h)
}
