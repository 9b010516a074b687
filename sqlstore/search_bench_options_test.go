package sqlstore

import (
	"path/filepath"
	"testing"
)

// TestNoSearchMemosOption checks that Options.NoSearchMemos reaches the
// store's search (bench-growth relies on it to measure first searches),
// and that a store opened without it keeps its memos.
func TestNoSearchMemosOption(t *testing.T) {
	for _, off := range []bool{false, true} {
		db, err := OpenWith(t.Context(), filepath.Join(t.TempDir(), "memos.db"), nil, Options{NoSearchMemos: off})
		if err != nil {
			t.Fatal(err)
		}
		if db.tune.countMemos == off {
			t.Errorf("OpenWith(NoSearchMemos: %v): countMemos = %v, want %v", off, db.tune.countMemos, !off)
		}
		db.Close()
	}
}
