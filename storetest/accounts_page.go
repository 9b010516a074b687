package storetest

import (
	"fmt"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("AccountsUsersPaged", testAccountsUsersPaged) }

// testAccountsUsersPaged: ListUsersAfter walks every account once, by
// email, a page at a time.
func testAccountsUsersPaged(t *testing.T, open Opener) {
	s := open(t)
	as := accounts(t, s)
	ctx := ctxOf(t)
	var want []string
	for i := 6; i >= 0; i-- { // made out of order: the list sorts
		email := fmt.Sprintf("user%02d@example.com", i)
		must(t, as.CreateUser(ctx, &debrief.User{Email: email, Role: debrief.RoleViewer, CreatedAt: base}, nil), "CreateUser("+email+")")
	}
	for i := 0; i <= 6; i++ {
		want = append(want, fmt.Sprintf("user%02d@example.com", i))
	}
	var got []string
	after := ""
	for pages := 0; pages < 10; pages++ {
		list, err := as.ListUsersAfter(ctx, after, 3)
		must(t, err, "ListUsersAfter("+after+")")
		if len(list) > 3 {
			t.Fatalf("ListUsersAfter(%q, 3) = %d users, want at most 3", after, len(list))
		}
		if len(list) == 0 {
			break
		}
		for _, u := range list {
			got = append(got, u.Email)
		}
		after = list[len(list)-1].Email
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ListUsersAfter pages of 3 = %v, want %v", got, want)
	}
}
