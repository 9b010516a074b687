package debrief

import "strings"

// Visibility is the private-incident rule for one actor, in a form a store
// can turn into a query filter: Actor.CanSee applies it in Go, and the
// search index applies the same value in SQL (sqlstore), so the rule is
// written once and both places read it from here.
type Visibility struct {
	// All is set for actors who see every private incident (admins).
	All bool
	// Member is the key (MemberKey) under which the actor may appear among
	// a private incident's members; "" when the actor has no email and so
	// can be no member.
	Member string
}

// Visibility returns a's rule: admins see every incident, others the
// incidents that are not private or that list them as members. A token's
// scope has already cut Role down, so a read token of an admin is a
// viewer here.
func (a Actor) Visibility() Visibility {
	if a.Role == RoleAdmin {
		return Visibility{All: true}
	}
	return Visibility{Member: MemberKey(a.Email)}
}

// Allows reports whether an incident that is private or not, and whose
// members are found by isMember (given a MemberKey), may be seen.
func (v Visibility) Allows(private bool, isMember func(key string) bool) bool {
	if !private || v.All {
		return true
	}
	return v.Member != "" && isMember(v.Member)
}

// MemberKey is how a member's email is compared: without case and
// surrounding space, as people type addresses.
func MemberKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
