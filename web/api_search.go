package web

import (
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
)

// searchResponse is the API shape of a search: the results, the query as
// Debrief understood it (in canonical syntax, for showing back to the
// user), and the page.
type searchResponse struct {
	Q            string `json:"q"`
	UnderstoodAs string `json:"understood_as"`
	Total        int    `json:"total"`
	// TotalEstimated says the total and the facets' counts were estimated
	// from a sample (debrief.SearchResults.TotalEstimated).
	TotalEstimated bool                 `json:"total_estimated"`
	Limit          int                  `json:"limit"`
	Offset         int                  `json:"offset"`
	Hits           []debrief.SearchHit  `json:"hits"`
	Facets         debrief.SearchFacets `json:"facets"`
}

// searchHandler answers GET /api/v1/search?q=…&limit=&offset=. A query the
// parser rejects is a 400 naming field "q", with the column of the problem.
func searchHandler(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		qs, err := parseQuery(r, "q", "limit", "offset")
		if err != nil {
			return err
		}
		text, err := qs.one("q")
		if err != nil {
			return err
		}
		limit, err := intParam(qs, "limit", 1, debrief.MaxPageSize)
		if err != nil {
			return err
		}
		offset, err := intParam(qs, "offset", 0, debrief.MaxSearchOffset)
		if err != nil {
			return err
		}
		q, err := search.Parse(text, svc.Severities())
		if err != nil {
			return err
		}
		q.Limit, q.Offset = limit, offset
		res, err := svc.Search(r.Context(), q)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, searchResponse{
			Q: q.Raw, UnderstoodAs: search.Format(q), Total: res.Total, TotalEstimated: res.TotalEstimated, Limit: debrief.PageLimit(limit), Offset: offset,
			Hits: res.Hits, Facets: res.Facets,
		})
		return nil
	}
}

// intParam reads an optional whole-number parameter within [lo, hi].
func intParam(q query, name string, lo, hi int) (int, error) {
	s, err := q.one(name)
	if err != nil || s == "" {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, debrief.Errorf(debrief.EInvalid, name, "%s must be a whole number from %d to %d; got %q.", name, lo, hi, truncate(s, 40))
	}
	return n, nil
}

// similarIncidents answers GET /api/v1/incidents/{id}/similar.
func similarIncidents(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := parseQuery(r); err != nil {
			return err
		}
		id, err := pathRef(r, "id", debrief.IncidentKeyPrefix)
		if err != nil {
			return err
		}
		items, err := svc.SimilarIncidents(r.Context(), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, struct {
			Items []debrief.SimilarIncident `json:"items"`
		}{items})
		return nil
	}
}

// dateParam reads an optional YYYY-MM-DD date.
func dateParam(q query, name string) (time.Time, error) {
	s, err := q.one(name)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, debrief.Errorf(debrief.EInvalid, name, "%s must be a date like 2024-03-05; got %q.", name, truncate(s, 40))
	}
	return t, nil
}

// onThisDay answers GET /api/v1/digest/on-this-day?date=YYYY-MM-DD (today
// by default): incidents from this date in past years.
func onThisDay(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		qs, err := parseQuery(r, "date")
		if err != nil {
			return err
		}
		day, err := dateParam(qs, "date")
		if err != nil {
			return err
		}
		if day.IsZero() {
			day = svc.Now()
		}
		items, err := svc.OnThisDay(r.Context(), day, 0)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, struct {
			Date  string                `json:"date"`
			Items []debrief.DigestEntry `json:"items"`
		}{day.UTC().Format("2006-01-02"), items})
		return nil
	}
}

// weeklyDigest answers GET /api/v1/digest/weekly?week=YYYY-MM-DD&weeks=N:
// postmortems published in the week holding the date (this week by
// default) and the N-1 weeks before it, newest first.
func weeklyDigest(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		qs, err := parseQuery(r, "week", "weeks")
		if err != nil {
			return err
		}
		week, err := dateParam(qs, "week")
		if err != nil {
			return err
		}
		n, err := intParam(qs, "weeks", 1, debrief.MaxDigestWeeks)
		if err != nil {
			return err
		}
		if n == 0 {
			n = 1
		}
		weeks, err := svc.WeeklyDigests(r.Context(), week, n)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, struct {
			Weeks []debrief.WeeklyDigest `json:"weeks"`
		}{weeks})
		return nil
	}
}

// feedWeeks is how many weeks the feeds carry: enough for a reader that
// polls monthly to miss nothing.
const feedWeeks = 8

// baseURL is the configured public address for absolute links. Without
// one (tests, embedders) it is the scheme and Host the request came to;
// X-Forwarded-* headers are never trusted, since any client can send them.
func baseURL(publicURL string, r *http.Request) string {
	if publicURL != "" {
		return publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func entryURL(base string, e debrief.DigestEntry) string {
	if e.Kind == debrief.KindIncident && e.IncidentID != nil {
		return base + "/incidents/" + strconv.FormatInt(*e.IncidentID, 10)
	}
	if e.PostmortemID != nil {
		return base + "/postmortems/" + strconv.FormatInt(*e.PostmortemID, 10)
	}
	return base + "/"
}

// weekHTML renders one week as the HTML content of a feed item.
func weekHTML(base string, wk debrief.WeeklyDigest) string {
	var b strings.Builder
	b.WriteString("<ul>")
	for _, e := range wk.Postmortems {
		fmt.Fprintf(&b, `<li><a href="%s">%s</a> (%s)`, html.EscapeString(entryURL(base, e)), html.EscapeString(e.Key+" "+e.Title), html.EscapeString(e.Date.Format("2 Jan 2006")))
		if e.Severity != "" {
			fmt.Fprintf(&b, " %s", html.EscapeString(e.Severity))
		}
		if e.Summary != "" {
			fmt.Fprintf(&b, "<br>%s", html.EscapeString(e.Summary))
		}
		b.WriteString("</li>")
	}
	b.WriteString("</ul>")
	return b.String()
}

func weekTitle(wk debrief.WeeklyDigest) string {
	n := len(wk.Postmortems)
	noun := "postmortems"
	if n == 1 {
		noun = "postmortem"
	}
	return fmt.Sprintf("%d %s published in the week of %s", n, noun, wk.From.Format("2 January 2006"))
}

// weekUpdated is the newest publication in the week, so a reader sees a
// week again only when it changed.
func weekUpdated(wk debrief.WeeklyDigest) time.Time {
	var t time.Time
	for _, e := range wk.Postmortems {
		if e.PublishedAt != nil && e.PublishedAt.After(t) {
			t = *e.PublishedAt
		}
	}
	return t
}

// feedDigests returns the weeks that have postmortems, newest first.
func feedDigests(svc *debrief.Service, r *http.Request) ([]debrief.WeeklyDigest, error) {
	if _, err := parseQuery(r); err != nil {
		return nil, err
	}
	weeks, err := svc.WeeklyDigests(r.Context(), time.Time{}, feedWeeks)
	if err != nil {
		return nil, err
	}
	out := weeks[:0]
	for _, wk := range weeks {
		if len(wk.Postmortems) > 0 {
			out = append(out, wk)
		}
	}
	return out, nil
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Link    atomLink    `xml:"link"`
	Content atomContent `xml:"content"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// weeklyAtom answers GET /feeds/weekly.atom: one entry per week with
// newly published postmortems, for the last feedWeeks weeks.
func weeklyAtom(svc *debrief.Service, publicURL string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		weeks, err := feedDigests(svc, r)
		if err != nil {
			return err
		}
		base := baseURL(publicURL, r)
		feed := atomFeed{
			Title: "Debrief: postmortems published each week", ID: base + "/feeds/weekly.atom",
			Links:  []atomLink{{Href: base + "/feeds/weekly.atom", Rel: "self", Type: "application/atom+xml"}, {Href: base + "/"}},
			Author: atomAuthor{Name: "Debrief"}, Updated: svc.Now().Format(time.RFC3339),
		}
		if len(weeks) > 0 {
			feed.Updated = weekUpdated(weeks[0]).Format(time.RFC3339)
		}
		for _, wk := range weeks {
			feed.Entries = append(feed.Entries, atomEntry{
				Title: weekTitle(wk), ID: base + "/feeds/weekly/" + wk.From.Format("2006-01-02"),
				Updated: weekUpdated(wk).Format(time.RFC3339),
				Link:    atomLink{Href: base + "/api/v1/digest/weekly?week=" + wk.From.Format("2006-01-02"), Rel: "alternate"},
				Content: atomContent{Type: "html", Body: weekHTML(base, wk)},
			})
		}
		return writeXML(w, "application/atom+xml; charset=utf-8", feed)
	}
}

type rssFeed struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       string    `xml:"title"`
	Link        string    `xml:"link"`
	Description string    `xml:"description"`
	LastBuild   string    `xml:"lastBuildDate,omitempty"`
	Items       []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
	Description string  `xml:"description"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

// weeklyRSS answers GET /feeds/weekly.rss: the same weeks as the Atom feed,
// in RSS 2.0 for readers that only take RSS.
func weeklyRSS(svc *debrief.Service, publicURL string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		weeks, err := feedDigests(svc, r)
		if err != nil {
			return err
		}
		base := baseURL(publicURL, r)
		feed := rssFeed{Version: "2.0", Channel: rssChannel{
			Title: "Debrief: postmortems published each week", Link: base + "/",
			Description: "Postmortems newly published in Debrief, one item per week.",
		}}
		if len(weeks) > 0 {
			feed.Channel.LastBuild = weekUpdated(weeks[0]).Format(time.RFC1123Z)
		}
		for _, wk := range weeks {
			id := base + "/feeds/weekly/" + wk.From.Format("2006-01-02")
			feed.Channel.Items = append(feed.Channel.Items, rssItem{
				Title: weekTitle(wk), Link: base + "/api/v1/digest/weekly?week=" + wk.From.Format("2006-01-02"),
				GUID: rssGUID{IsPermaLink: "false", Value: id}, PubDate: weekUpdated(wk).Format(time.RFC1123Z),
				Description: weekHTML(base, wk),
			})
		}
		return writeXML(w, "application/rss+xml; charset=utf-8", feed)
	}
}

func writeXML(w http.ResponseWriter, contentType string, v any) error {
	b, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("web: encode feed: %w", err)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
	return nil
}
