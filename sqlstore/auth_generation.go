package sqlstore

import (
	"context"
)

// AuthGeneration returns the number that triggers move on every change a
// verified API token depends on (migration 00021), for the Service's
// token cache. It is one row read by key through a prepared statement.
func (db *DB) AuthGeneration(ctx context.Context) (int64, error) {
	if err := db.rg.enter(ctx); err != nil {
		return 0, err
	}
	defer db.rg.leave()
	var gen int64
	err := db.keyRow(ctx, `SELECT generation FROM auth_generation WHERE id = 1`).Scan(&gen)
	return gen, mapErr(err, "read the authentication generation")
}
