package debrief

import "context"

// Role is what a user may do. Each role includes the ones before it.
type Role string

const (
	RoleViewer    Role = "viewer"    // read
	RoleResponder Role = "responder" // create and edit incidents, postmortems, timelines, action items
	RoleAdmin     Role = "admin"     // users, settings, templates, integrations
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleViewer || r == RoleResponder || r == RoleAdmin }

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleResponder:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Includes reports whether r grants everything want grants.
func (r Role) Includes(want Role) bool { return r.rank() >= want.rank() && want.rank() > 0 }

// Actor is who is making a request. The web and CLI layers put one into the
// context; the Service records it in revisions and checks its permissions.
type Actor struct {
	UserID int64  `json:"user_id,omitempty"`
	Email  string `json:"email"`
	Name   string `json:"name,omitempty"`
	Role   Role   `json:"role"`
	// Via says how the actor authenticated: session, token, oidc, cli, webhook, system.
	Via string `json:"via,omitempty"`
	// Scope is the API token's scope when Via is "token". Role is already
	// cut down to it; the scope is kept because account routes open to
	// every role (password, tokens) must still refuse a read token.
	Scope TokenScope `json:"scope,omitempty"`
}

// ReadOnly reports whether the actor may only read: a read-scope API token
// changes nothing, not even its own account.
func (a Actor) ReadOnly() bool { return a.Via == "token" && a.Scope == ScopeRead }

// Label names the actor in revisions and audit entries.
func (a Actor) Label() string {
	if a.Email != "" {
		return a.Email
	}
	if a.Name != "" {
		return a.Name
	}
	return "system"
}

type actorKey struct{}

// WithActor returns a context carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx and whether there was one.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// SystemActor acts for Debrief itself (demo data, migrations, ingestion).
var SystemActor = Actor{Email: "", Name: "system", Role: RoleAdmin, Via: "system"}
