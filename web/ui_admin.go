package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// The admin pages (admin role): accounts, alert integrations, custom
// templates and the audit log. Like every page, each form posts plainly and
// answers 303, or the page again with the admin's text and a sentence.
// Secrets (a one-time password, a webhook token) are shown in the answer to
// the post that made them and never again, so those posts answer with the
// page itself instead of a redirect.

// adminRoles are the roles an admin may give, least first.
var adminRoles = []debrief.Role{debrief.RoleViewer, debrief.RoleResponder, debrief.RoleAdmin}

// adminUsersPage lists accounts, invites one and changes them.
type adminUsersPage struct {
	layout
	Users  []*debrief.User
	Roles  []debrief.Role
	Errors formErrors
	Notice string
	// The invite form, kept as typed after an error.
	Email, Name, Role, SignIn string
	// Invited is the account just made; Password its one-time password,
	// shown on this answer only.
	Invited  *debrief.User
	Password string
	// RowError is a sentence about one account's change, by its ID.
	RowError map[int64]string
	// After is this page's cursor, kept by the row forms so a change
	// comes back to the same page; NextURL and FirstURL page the list.
	After             string
	NextURL, FirstURL string
}

// usersPageSize is how many accounts one page of the admin's list shows.
const usersPageSize = 50

func (s *Server) adminUsersData(r *http.Request) (adminUsersPage, error) {
	p := adminUsersPage{layout: newLayout(r, "Users · Admin", "admin"), Roles: adminRoles, Errors: formErrors{},
		Role: string(debrief.RoleViewer), SignIn: "password", RowError: map[int64]string{}}
	p.After = r.URL.Query().Get("after")
	page, err := s.svc.UsersPage(r.Context(), p.After, usersPageSize)
	if err != nil && debrief.ErrorCode(err) != debrief.EUnsupported {
		return p, err
	}
	p.Users = page.Items
	if page.NextCursor != "" {
		p.NextURL = "/admin/users?" + url.Values{"after": {page.NextCursor}}.Encode()
	}
	if p.After != "" {
		p.FirstURL = "/admin/users"
	}
	return p, nil
}

func (s *Server) uiAdminUsers() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.adminUsersData(r)
		if err != nil {
			return err
		}
		if id, err := strconv.ParseInt(r.URL.Query().Get("updated"), 10, 64); err == nil {
			for _, u := range p.Users {
				if u.ID == id {
					p.Notice = "The account " + u.Email + " was updated."
				}
			}
		}
		return s.render(w, r, http.StatusOK, "admin_users.html", "layout", p)
	}
}

// uiAdminInvite makes an account. With a password sign-in it gets a
// one-time password, shown once in the answer for the admin to pass on;
// with single sign-on it has none, and its first identity links to it.
func (s *Server) uiAdminInvite() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		p, err := s.adminUsersData(r)
		if err != nil {
			return err
		}
		f := r.PostForm
		p.Email, p.Name, p.Role, p.SignIn = strings.TrimSpace(f.Get("email")), strings.TrimSpace(f.Get("name")), f.Get("role"), f.Get("sign_in")
		in := debrief.NewUser{Email: p.Email, Name: p.Name, Role: debrief.Role(p.Role)}
		switch p.SignIn {
		case "password":
			in.Password = debrief.NewOneTimePassword()
		case "sso":
		default:
			p.Errors["sign_in"] = &fieldError{Field: "sign-in", Message: "Choose how the person signs in: with a password or through single sign-on."}
			return s.render(w, r, http.StatusUnprocessableEntity, "admin_users.html", "layout", p)
		}
		if p.Email == "" {
			p.Errors["email"] = &fieldError{Field: "email", Message: "Enter the person's email address, e.g. rita@example.com."}
			return s.render(w, r, http.StatusUnprocessableEntity, "admin_users.html", "layout", p)
		}
		u, err := s.svc.CreateUser(r.Context(), in)
		if debrief.ErrorCode(err) == debrief.EConflict {
			err = debrief.Errorf(debrief.EInvalid, "email", "There is already an account for %s.", p.Email)
		}
		if err != nil {
			if p.Errors.add(err) {
				return s.render(w, r, http.StatusUnprocessableEntity, "admin_users.html", "layout", p)
			}
			return err
		}
		if p, err = s.adminUsersData(r); err != nil {
			return err
		}
		p.Invited, p.Password = u, in.Password
		return s.render(w, r, http.StatusCreated, "admin_users.html", "layout", p)
	}
}

// uiAdminUpdateUser applies one change to an account: its role, disabling
// or enabling it, or allowing a single sign-on identity to link to it.
func (s *Server) uiAdminUpdateUser() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		var patch debrief.UserPatch
		yes, no := true, false
		switch r.PostForm.Get("action") {
		case "role":
			role := debrief.Role(r.PostForm.Get("role"))
			patch.Role = &role
		case "disable":
			patch.Disabled = &yes
		case "enable":
			patch.Disabled = &no
		case "allow_sso":
			patch.AllowSSOLink = &yes
		case "deny_sso":
			patch.AllowSSOLink = &no
		default:
			return debrief.Errorf(debrief.EInvalid, "action", "The form names no change to make; reload the page and try again.")
		}
		_, err = s.svc.UpdateUser(r.Context(), id, patch)
		if err != nil {
			switch debrief.ErrorCode(err) {
			case debrief.EInvalid, debrief.EUnprocessable:
				p, perr := s.adminUsersData(r)
				if perr != nil {
					return perr
				}
				p.RowError[id] = debrief.ErrorMessage(err)
				return s.render(w, r, http.StatusUnprocessableEntity, "admin_users.html", "layout", p)
			}
			return err
		}
		back := url.Values{"updated": {strconv.FormatInt(id, 10)}}
		if after := r.URL.Query().Get("after"); after != "" {
			back.Set("after", after) // the page the change was made on
		}
		return seeOther(w, r, "/admin/users?"+back.Encode())
	}
}

// --- Audit log ---

// auditPageSize is how many entries one page of the audit log shows.
const auditPageSize = 50

type adminAuditPage struct {
	layout
	Entries []auditRow
	// The filters as typed.
	Who, Action, TargetType, Since, Until string
	Errors                                formErrors
	NextURL, FirstURL                     string
}

// uiAdminAudit shows the audit log, newest first, filtered by who, what,
// the kind of record and a range of days in the viewer's zone.
func (s *Server) uiAdminAudit() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		p := adminAuditPage{layout: newLayout(r, "Audit log · Admin", "admin"), Errors: formErrors{},
			Who: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")), TargetType: strings.TrimSpace(q.Get("target_type")),
			Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until"))}
		f := debrief.AuditFilter{Actor: p.Who, Action: p.Action, TargetType: p.TargetType, Limit: auditPageSize, After: q.Get("after")}
		day := func(field, v string) *time.Time {
			if v == "" {
				return nil
			}
			t, err := time.ParseInLocation("2006-01-02", v, p.Loc)
			if err != nil {
				p.Errors[field] = &fieldError{Field: fieldID(field), Message: "Enter a date like 2026-03-05."}
				return nil
			}
			return &t
		}
		f.Since = day("since", p.Since)
		if u := day("until", p.Until); u != nil {
			// Until names a day and includes it.
			end := u.AddDate(0, 0, 1)
			f.Until = &end
		}
		status := http.StatusOK
		if len(p.Errors) == 0 {
			page, err := s.svc.AuditLog(r.Context(), f)
			if err != nil {
				if !p.Errors.add(err) && debrief.ErrorCode(err) != debrief.EUnsupported {
					return err
				}
				if fe := p.Errors["after"]; fe != nil {
					p.Errors[""] = fe // the cursor is in the URL, not a field
				}
			}
			for _, e := range page.Items {
				row := auditRow{Entry: e, Link: auditLink(e)}
				for _, c := range e.Changes {
					if emptyJSON(c.Old) && emptyJSON(c.New) {
						continue // a new record's unset fields say nothing
					}
					row.Changes = append(row.Changes, changeText(c))
				}
				p.Entries = append(p.Entries, row)
			}
			keep := url.Values{}
			for k, v := range map[string]string{"actor": p.Who, "action": p.Action, "target_type": p.TargetType, "since": p.Since, "until": p.Until} {
				if v != "" {
					keep.Set(k, v)
				}
			}
			if page.NextCursor != "" {
				next := url.Values{}
				for k, v := range keep {
					next[k] = v
				}
				next.Set("after", page.NextCursor)
				p.NextURL = "/admin/audit?" + next.Encode()
			}
			if f.After != "" {
				p.FirstURL = "/admin/audit?" + keep.Encode()
			}
		}
		if len(p.Errors) > 0 {
			status = http.StatusBadRequest
		}
		return s.render(w, r, status, "admin_audit.html", "layout", p)
	}
}

// auditRow is an audit entry with its changes in words.
type auditRow struct {
	Entry   *debrief.AuditEntry
	Changes []string
	// Link is the page of the entry's record, when it has one.
	Link string
}

// auditLink returns the page that shows an audited record, or "".
func auditLink(e *debrief.AuditEntry) string {
	if e.TargetID == "" {
		return ""
	}
	switch e.TargetType {
	case debrief.TargetIntegration:
		return "/admin/integrations/" + url.PathEscape(e.TargetID)
	case debrief.TargetTemplate:
		return "/admin/templates/" + url.PathEscape(e.TargetID)
	case string(debrief.EntityIncident):
		return "/incidents/" + url.PathEscape(e.TargetID)
	case string(debrief.EntityPostmortem):
		return "/postmortems/" + url.PathEscape(e.TargetID)
	}
	return ""
}

// changeText shows one audited change as "field: old → new".
func changeText(c debrief.Change) string {
	var b strings.Builder
	b.WriteString(c.Field)
	b.WriteString(": ")
	if len(c.Old) > 0 && string(c.Old) != "null" {
		b.WriteString(jsonText(c.Old))
		b.WriteString(" → ")
	}
	if len(c.New) > 0 {
		b.WriteString(jsonText(c.New))
	}
	return b.String()
}

// emptyJSON reports whether raw is absent or an empty value.
func emptyJSON(raw json.RawMessage) bool {
	switch string(raw) {
	case "", "null", `""`, "[]", "{}", "false", "0":
		return true
	}
	return false
}

// jsonText shows a JSON value for people: a string without its quotes,
// anything else as written, cut to a readable length.
func jsonText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return truncate(s, 120)
	}
	return truncate(string(raw), 120)
}
