package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
)

// --- Postmortems list ---

type postmortemsPage struct {
	layout
	Status, Kind, Owner string
	Statuses            []debrief.PostmortemStatus
	Items               []*debrief.Postmortem
	Errors              formErrors
	NextURL, FirstURL   string
}

var postmortemStatuses = []debrief.PostmortemStatus{debrief.PostmortemDraft, debrief.PostmortemInReview, debrief.PostmortemPublished}

func (s *Server) uiPostmortems() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		p := postmortemsPage{layout: newLayout(r, "Postmortems", "postmortems"), Status: q.Get("status"), Kind: q.Get("kind"),
			Owner: strings.TrimSpace(q.Get("owner")), Statuses: postmortemStatuses, Errors: formErrors{}}
		f := debrief.PostmortemFilter{Owner: p.Owner, Kind: debrief.PostmortemKind(p.Kind), After: q.Get("after"), Limit: debrief.DefaultPageSize}
		if p.Status != "" {
			f.Status = []debrief.PostmortemStatus{debrief.PostmortemStatus(p.Status)}
		}
		page, err := s.svc.ListPostmortems(r.Context(), f)
		if err != nil {
			if p.Errors.add(err) {
				return s.render(w, r, http.StatusBadRequest, "postmortems.html", "layout", p)
			}
			return err
		}
		p.Items = page.Items
		v := url.Values{}
		for k, val := range map[string]string{"status": p.Status, "kind": p.Kind, "owner": p.Owner} {
			if val != "" {
				v.Set(k, val)
			}
		}
		if page.NextCursor != "" {
			next := url.Values{"after": {page.NextCursor}}
			for k := range v {
				next.Set(k, v.Get(k))
			}
			p.NextURL = "/postmortems?" + next.Encode()
		}
		if f.After != "" {
			p.FirstURL = "/postmortems?" + v.Encode()
		}
		return s.render(w, r, http.StatusOK, "postmortems.html", "layout", p)
	}
}

// --- Action items board ---

// actionGroup is one group of the board (an owner, a status or an incident).
type actionGroup struct {
	Name  string
	Items []actionRow
}

type actionItemsPage struct {
	layout
	Status, Owner, Group string
	Statuses             []debrief.ActionStatus
	Groups               []actionGroup
	Overdue              int
	Notice               string
	NextURL, FirstURL    string
	// LiveFilter is the board's filter as its stream's query, so the
	// stream compares the items this board shows.
	LiveFilter string
	// Trackers and Links are the export choices and each item's issues
	// (ui_action_trackers.go).
	Trackers []*debrief.Tracker
	Links    map[int64][]trackerLinkView
}

var actionStatuses = []debrief.ActionStatus{debrief.ActionOpen, debrief.ActionInProgress, debrief.ActionDone, debrief.ActionWontDo}

// boardPageSize is how many action items one page of the board groups.
const boardPageSize = 200

// boardFilter returns the board's filter from its query (status, owner,
// after) and the status shown ("open" when none is given).
func boardFilter(q url.Values) (debrief.ActionItemFilter, string) {
	status := q.Get("status")
	f := debrief.ActionItemFilter{Owner: strings.TrimSpace(q.Get("owner")), After: q.Get("after"), Limit: boardPageSize}
	switch status {
	case "", "open":
		status = "open"
		f.Status = []debrief.ActionStatus{debrief.ActionOpen, debrief.ActionInProgress}
	case "all":
	default:
		f.Status = []debrief.ActionStatus{debrief.ActionStatus(status)}
	}
	return f, status
}

func (s *Server) actionItemsData(r *http.Request) (actionItemsPage, error) {
	q := r.URL.Query()
	p := actionItemsPage{layout: newLayout(r, "Action items", "action-items"), Status: q.Get("status"), Owner: strings.TrimSpace(q.Get("owner")),
		Group: q.Get("group"), Statuses: actionStatuses}
	if p.Group != "status" && p.Group != "incident" && p.Group != "service" {
		p.Group = "owner"
	}
	var f debrief.ActionItemFilter
	f, p.Status = boardFilter(q)
	page, err := s.svc.ListActionItems(r.Context(), f)
	if err != nil {
		return p, err
	}
	p.LiveAt = liveStamps{debrief.LiveActionItems: itemsStamp(page.Items)}.Encode()
	live := url.Values{"status": {p.Status}}
	for _, k := range []string{"owner", "after"} {
		if v := q.Get(k); v != "" {
			live.Set(k, v)
		}
	}
	p.LiveFilter = live.Encode()
	rows := actionRows(page.Items, s.svc.Now(), p.Loc)
	if err := s.boardTrackers(r, &p, page.Items); err != nil {
		return p, err
	}
	services := itemServices(r, s.svc)
	byName := map[string]*actionGroup{}
	var order []string
	for _, row := range rows {
		if row.Overdue {
			p.Overdue++
		}
		var name string
		switch p.Group {
		case "status":
			name = humanize(string(row.Item.Status))
		case "incident":
			name = row.IncidentKey
			if name == "" {
				name = "No incident"
			}
		case "service":
			if name, err = services(row.Item); err != nil {
				return p, err
			}
		default:
			name = row.Item.Owner
			if name == "" {
				name = "Nobody yet"
			}
		}
		g, ok := byName[name]
		if !ok {
			g = &actionGroup{Name: name}
			byName[name] = g
			order = append(order, name)
		}
		g.Items = append(g.Items, row)
	}
	sort.Strings(order)
	for _, name := range order {
		g := byName[name]
		// Overdue first, then by due date, then newest.
		sort.SliceStable(g.Items, func(i, j int) bool {
			a, b := g.Items[i], g.Items[j]
			if a.Overdue != b.Overdue {
				return a.Overdue
			}
			if (a.Item.DueDate == nil) != (b.Item.DueDate == nil) {
				return a.Item.DueDate != nil
			}
			return a.Item.DueDate != nil && a.Item.DueDate.Before(*b.Item.DueDate)
		})
		p.Groups = append(p.Groups, *g)
	}
	v := url.Values{"status": {p.Status}, "group": {p.Group}}
	if p.Owner != "" {
		v.Set("owner", p.Owner)
	}
	if page.NextCursor != "" {
		next := url.Values{"after": {page.NextCursor}}
		for k := range v {
			next.Set(k, v.Get(k))
		}
		p.NextURL = "/action-items?" + next.Encode()
	}
	if f.After != "" {
		p.FirstURL = "/action-items?" + v.Encode()
	}
	return p, nil
}

func (s *Server) uiActionItems() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.actionItemsData(r)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "action_items.html", "layout", p)
	}
}

// uiUpdateActionItem answers the board's inline form: status and owner of
// one item, at the version the board showed.
func (s *Server) uiUpdateActionItem() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		item, err := s.svc.ActionItemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		version, err := s.parseVersionedForm(w, r)
		if err != nil {
			return err
		}
		back := safeNext(r.PostForm.Get("back"))
		if !strings.HasPrefix(back, "/action-items") {
			back = "/action-items"
		}
		status := debrief.ActionStatus(r.PostForm.Get("status"))
		owner := strings.TrimSpace(r.PostForm.Get("owner"))
		patch := debrief.ActionItemPatch{Status: &status, Owner: &owner}
		if _, ok := r.PostForm["verification"]; ok {
			v := r.PostForm.Get("verification")
			patch.Verification = &v
		}
		_, err = s.svc.UpdateActionItem(r.Context(), item.ID, patch, version)
		if err == nil {
			return seeOther(w, r, back)
		}
		code := debrief.ErrorCode(err)
		if code != debrief.EConflict && code != debrief.EInvalid && code != debrief.EUnprocessable {
			return err
		}
		// Show the board as it is now, with what went wrong in a sentence.
		u, _ := url.Parse(back)
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = u.RawQuery
		p, perr := s.actionItemsData(r2)
		if perr != nil {
			return perr
		}
		p.Notice = item.Key + ": " + debrief.ErrorMessage(err)
		status2 := http.StatusUnprocessableEntity
		if code == debrief.EConflict {
			status2 = http.StatusConflict
			p.Notice = "Someone else changed " + item.Key + " after you loaded the board, so your change (status " + humanize(string(status)) +
				", owner " + strconv.Quote(owner) + ") was not applied. The board below shows it as it is now; make the change again if it still applies."
		}
		return s.render(w, r, status2, "action_items.html", "layout", p)
	}
}

// --- Search ---

type searchPage struct {
	layout
	Q            string
	Error        string
	Searched     bool
	Results      *debrief.SearchResults
	UnderstoodAs string
	// Facets are the filters a click adds to the query.
	Facets            []facetGroup
	NextURL, FirstURL string
	Offset            int
}

type facetGroup struct {
	Name  string
	Items []facetLink
}

type facetLink struct {
	Label string
	Count int
	URL   string
}

func (s *Server) uiSearch() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		p := searchPage{layout: newLayout(r, "Search", "search"), Q: q.Get("q")}
		if strings.TrimSpace(p.Q) == "" {
			return s.render(w, r, http.StatusOK, "search.html", "layout", p)
		}
		p.Title = "Search: " + p.Q
		query, err := search.Parse(p.Q, s.svc.Severities())
		if err != nil {
			p.Error = debrief.ErrorMessage(err)
			return s.render(w, r, http.StatusBadRequest, "search.html", "layout", p)
		}
		p.Offset, _ = strconv.Atoi(q.Get("offset"))
		if p.Offset < 0 || p.Offset > debrief.MaxSearchOffset {
			p.Offset = 0
		}
		query.Limit, query.Offset = searchPageSize, p.Offset
		res, err := s.svc.Search(r.Context(), query)
		if err != nil {
			if debrief.ErrorCode(err) == debrief.EInvalid {
				p.Error = debrief.ErrorMessage(err)
				return s.render(w, r, http.StatusBadRequest, "search.html", "layout", p)
			}
			return err
		}
		p.Searched, p.Results, p.UnderstoodAs = true, res, search.Format(query)
		add := func(filter string) string {
			return "/search?" + url.Values{"q": {strings.TrimSpace(p.Q) + " " + filter}}.Encode()
		}
		group := func(name, prefix string, counts []debrief.FacetCount) {
			g := facetGroup{Name: name}
			for _, c := range counts {
				v := c.Value
				if strings.ContainsAny(v, " ,\"") {
					v = `"` + strings.ReplaceAll(v, `"`, "") + `"`
				}
				link := add(prefix + v)
				if prefix == "year:" {
					link = add("after:" + c.Value + "-01-01 before:" + c.Value + "-12-31")
				}
				g.Items = append(g.Items, facetLink{Label: c.Value, Count: c.Count, URL: link})
			}
			if len(g.Items) > 0 {
				p.Facets = append(p.Facets, g)
			}
		}
		group("Severity", "severity:", res.Facets.Severity)
		group("Service", "service:", res.Facets.Service)
		group("Year", "year:", res.Facets.Year)
		group("Contributing factor", "factor:", res.Facets.Factor)
		if p.Offset+len(res.Hits) < res.Total && p.Offset+searchPageSize <= debrief.MaxSearchOffset {
			p.NextURL = "/search?" + url.Values{"q": {p.Q}, "offset": {strconv.Itoa(p.Offset + searchPageSize)}}.Encode()
		}
		if p.Offset > 0 {
			p.FirstURL = "/search?" + url.Values{"q": {p.Q}}.Encode()
		}
		return s.render(w, r, http.StatusOK, "search.html", "layout", p)
	}
}

// --- Admin ---

type adminPage struct {
	layout
	Users []*debrief.User
	// MoreUsers says the overview shows only the first accounts.
	MoreUsers bool
	Audit     []*debrief.AuditEntry
}

// adminOverviewUsers is how many accounts the admin overview shows; the
// users page pages through all of them.
const adminOverviewUsers = 20

// uiAdmin is the admin overview: the accounts and the latest audit entries.
func (s *Server) uiAdmin() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := adminPage{layout: newLayout(r, "Admin", "admin")}
		users, err := s.svc.UsersPage(r.Context(), "", adminOverviewUsers)
		if err != nil && debrief.ErrorCode(err) != debrief.EUnsupported {
			return err
		}
		p.Users, p.MoreUsers = users.Items, users.NextCursor != ""
		audit, err := s.svc.AuditLog(r.Context(), debrief.AuditFilter{Limit: 50})
		if err != nil && debrief.ErrorCode(err) != debrief.EUnsupported {
			return err
		}
		p.Audit = audit.Items
		return s.render(w, r, http.StatusOK, "admin.html", "layout", p)
	}
}
