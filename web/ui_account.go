package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// accountPage shows who is signed in, changes the password and manages the
// user's own API tokens.
type accountPage struct {
	layout
	Tokens []*debrief.APIToken
	Pager  pager
	Scopes []debrief.TokenScope
	// Secret is a token just made: shown on this page only, never again.
	Secret     string
	SecretName string
	Errors     formErrors
	Notice     string
	TokenName  string
	TokenScope string
	TokenDays  string
}

var tokenScopes = []debrief.TokenScope{debrief.ScopeRead, debrief.ScopeWrite, debrief.ScopeAdmin}

func (s *Server) accountData(r *http.Request) (accountPage, error) {
	p := accountPage{layout: newLayout(r, "Your account", "account"), Scopes: tokenScopes, Errors: formErrors{}, TokenScope: string(debrief.ScopeRead), TokenDays: "90"}
	if p.Actor.UserID == 0 {
		return p, nil // --open: no account, no tokens
	}
	after := r.URL.Query().Get("after")
	page, err := s.svc.TokensPage(r.Context(), false, after, uiPageSize)
	if err != nil {
		return p, err
	}
	for _, t := range page.Items {
		if t.UserID == p.Actor.UserID {
			p.Tokens = append(p.Tokens, t)
		}
	}
	p.Pager = newPager("Pages of your tokens", "/account", nil, after, page.NextCursor)
	return p, nil
}

func (s *Server) uiAccount() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.accountData(r)
		if err != nil {
			return err
		}
		if r.URL.Query().Get("revoked") != "" {
			p.Notice = "The token was revoked; programs using it can no longer sign in with it."
		}
		return s.render(w, r, http.StatusOK, "account.html", "layout", p)
	}
}

// uiChangePassword changes the caller's password. Every session ends, this
// one too, so the browser goes to sign in with the new password.
func (s *Server) uiChangePassword() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		current, next, again := r.PostForm.Get("current_password"), r.PostForm.Get("new_password"), r.PostForm.Get("repeat_password")
		p, err := s.accountData(r)
		if err != nil {
			return err
		}
		if next != again {
			p.Errors["repeat_password"] = &fieldError{Field: "repeat-password", Message: "The two new passwords are not the same."}
			return s.render(w, r, http.StatusUnprocessableEntity, "account.html", "layout", p)
		}
		err = s.svc.ChangePassword(r.Context(), current, next, r.PostForm.Get("revoke_tokens") == "on")
		if err != nil {
			if debrief.ErrorField(err) == "password" {
				err = debrief.Errorf(debrief.EInvalid, "new_password", "%s", debrief.ErrorMessage(err))
			}
			if p.Errors.add(err) {
				return s.render(w, r, http.StatusUnprocessableEntity, "account.html", "layout", p)
			}
			return err
		}
		s.clearSessionCookie(w)
		return seeOther(w, r, "/login?next=%2Faccount")
	}
}

// uiCreateToken makes an API token for the caller and shows its secret once.
func (s *Server) uiCreateToken() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		p, err := s.accountData(r)
		if err != nil {
			return err
		}
		p.TokenName, p.TokenScope, p.TokenDays = strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("scope"), r.PostForm.Get("days")
		in := debrief.NewAPIToken{Name: p.TokenName, Scope: debrief.TokenScope(p.TokenScope)}
		switch p.TokenDays {
		case "never":
		case "30", "90", "365":
			days := map[string]int{"30": 30, "90": 90, "365": 365}[p.TokenDays]
			t := s.svc.Now().Add(time.Duration(days) * 24 * time.Hour)
			in.ExpiresAt = &t
		default:
			p.Errors["days"] = &fieldError{Field: "days", Message: "Choose when the token expires."}
			return s.render(w, r, http.StatusUnprocessableEntity, "account.html", "layout", p)
		}
		t, secret, err := s.svc.CreateToken(r.Context(), in)
		if err != nil {
			if p.Errors.add(err) {
				return s.render(w, r, http.StatusUnprocessableEntity, "account.html", "layout", p)
			}
			return err
		}
		p, err = s.accountData(r)
		if err != nil {
			return err
		}
		p.Secret, p.SecretName = secret, t.Name
		// The secret is in this page only: keep it out of every cache.
		return s.render(w, r, http.StatusCreated, "account.html", "layout", p)
	}
}

func (s *Server) uiRevokeToken() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		a, _ := debrief.ActorFrom(r.Context())
		ts, err := s.svc.Tokens(r.Context(), false)
		if err != nil {
			return err
		}
		own := false
		for _, t := range ts {
			own = own || (t.ID == id && t.UserID == a.UserID)
		}
		if !own {
			// Admins revoke other people's tokens through the API; this page
			// only ever shows and revokes the viewer's own.
			return debrief.Errorf(debrief.ENotFound, "", "You have no token %d.", id)
		}
		if _, err := s.svc.RevokeToken(r.Context(), id); err != nil {
			return err
		}
		return seeOther(w, r, "/account?revoked=1")
	}
}
