package web

import (
	"net/http"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// loginPage is the sign-in form.
type loginPage struct {
	layout
	Next  string
	Email string
	// Error is the sentence shown next to the form when sign-in failed.
	Error string
	// SSOError says why single sign-on refused the person (oidcMessages).
	SSOError string
	OIDC     bool
}

// uiLoginForm answers GET /login. Someone already signed in goes on to next.
func (s *Server) uiLoginForm() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		next := safeNext(r.URL.Query().Get("next"))
		if a, err := s.authenticate(r); err == nil && a.Role != "" {
			return seeOther(w, r, next)
		}
		p := loginPage{layout: newLayout(r, "Sign in", ""), Next: next, OIDC: s.oidc != nil}
		return s.render(w, r, http.StatusOK, "login.html", "layout", p)
	}
}

// uiLogin answers POST /login with the same checks and rate limits as the
// API's sign-in; on success it sets the session cookie and goes to next.
func (s *Server) uiLogin() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		email, password := r.PostForm.Get("email"), r.PostForm.Get("password")
		next := safeNext(r.PostForm.Get("next"))
		again := func(status int, msg string) error {
			p := loginPage{layout: newLayout(r, "Sign in", ""), Next: next, Email: email, Error: msg, OIDC: s.oidc != nil}
			return s.render(w, r, status, "login.html", "layout", p)
		}
		_, secret, err := s.passwordSignIn(w, r, email, "POST /login", func() (*debrief.User, string, error) {
			if strings.TrimSpace(email) == "" || password == "" {
				return nil, "", debrief.Errorf(debrief.EInvalid, "", "Enter your email address and your password.")
			}
			return s.svc.Login(r.Context(), email, password)
		})
		switch debrief.ErrorCode(err) {
		case "":
		case debrief.ETooManyRequests:
			// The API's answer, shown on the page instead of as JSON.
			return again(http.StatusTooManyRequests, debrief.ErrorMessage(err))
		case debrief.EInvalid:
			return again(http.StatusBadRequest, debrief.ErrorMessage(err))
		case debrief.EUnauthorized:
			return again(http.StatusUnauthorized, debrief.ErrorMessage(err))
		default:
			return err
		}
		s.setSessionCookie(w, secret, s.sessionTTL)
		return seeOther(w, r, next)
	}
}

// uiLogout answers POST /logout: the session ends and the browser goes to
// the sign-in page.
func (s *Server) uiLogout() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			if err := s.svc.Logout(r.Context(), c.Value); err != nil {
				return err
			}
		}
		s.clearSessionCookie(w)
		return seeOther(w, r, "/login")
	}
}

// parseForm reads an application/x-www-form-urlencoded body, bounded by
// maxBody. A body of another type leaves the form empty, which each page's
// validation then reports as missing fields.
func parseForm(w http.ResponseWriter, r *http.Request, maxBody int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return debrief.Errorf(debrief.ETooLarge, "", "The form is larger than this server accepts.")
		}
		return debrief.Errorf(debrief.EInvalid, "", "The form could not be read; reload the page and try again.")
	}
	return nil
}
