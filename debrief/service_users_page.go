package debrief

import "context"

// UsersPage returns one page of accounts by email (admins only), starting
// after the cursor a previous page returned ("" for the first page), so the
// admin's list stays short however many people sign in.
func (s *Service) UsersPage(ctx context.Context, after string, limit int) (Page[*User], error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return Page[*User]{}, err
	}
	st, err := s.accountStore()
	if err != nil {
		return Page[*User]{}, err
	}
	if len(after) > 320 {
		return Page[*User]{}, badCursor(after)
	}
	limit = PageLimit(limit)
	// One more than the page tells whether another page follows.
	users, err := st.ListUsersAfter(ctx, after, limit+1)
	if err != nil {
		return Page[*User]{}, err
	}
	p := Page[*User]{Items: users}
	if len(users) > limit {
		p.Items = users[:limit]
		p.NextCursor = users[limit-1].Email
	}
	return p, nil
}
