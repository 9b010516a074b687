package sqlstore

import (
	"context"

	"github.com/debriefhq/debrief/debrief"
)

// ListUsersAfter returns at most limit users whose email sorts after after,
// by email. Emails are unique, so the last email of a page is its cursor.
func (db *DB) ListUsersAfter(ctx context.Context, after string, limit int) ([]*debrief.User, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	users, err := queryList(ctx, db.r, `SELECT `+userColumns+` FROM users WHERE email > $1 ORDER BY email LIMIT $2`, []any{after, limit}, scanUser)
	if users == nil {
		users = []*debrief.User{}
	}
	return users, mapErr(err, "list users after %q", after)
}
