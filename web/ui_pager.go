package web

import (
	"net/url"
)

// pager links the pages of a list on a page: back to the first page and on
// to the next, as the incidents list and the audit log do. Label names the
// pages for assistive technology ("Pages of ideas").
type pager struct {
	Label             string
	NextURL, FirstURL string
	// WholeURL and WholeText link a list shown in part inside another page
	// (the editor's first page of files) to its own page: "All attachments".
	WholeURL, WholeText string
	// NextLabel and FirstLabel name the two links where "Next page" and
	// "First page" would not say enough ("Later events").
	NextLabel, FirstLabel string
}

// within ends both of p's addresses with fragment ("#timeline"), for a
// list that is one part of a longer page.
func (p pager) within(fragment string) pager {
	if p.NextURL != "" {
		p.NextURL += fragment
	}
	if p.FirstURL != "" {
		p.FirstURL += fragment
	}
	return p
}

// uiPageSize is how many records one page of a list on a page shows.
const uiPageSize = 50

// newPager links the pages of the list at path filtered by q: the next
// page starts after next (none when ""), and a page that started after a
// cursor links back to the first.
func newPager(label, path string, q url.Values, after, next string) pager {
	p := pager{Label: label}
	keep := url.Values{}
	for k, v := range q {
		if k != "after" {
			keep[k] = v
		}
	}
	if next != "" {
		n := url.Values{"after": {next}}
		for k, v := range keep {
			n[k] = v
		}
		p.NextURL = path + "?" + n.Encode()
	}
	if after != "" {
		p.FirstURL = path
		if len(keep) > 0 {
			p.FirstURL += "?" + keep.Encode()
		}
	}
	return p
}

// pageAt is the address of the page of the list at path that starts after
// the cursor after (the first page when ""): where a change made on a page
// of a list comes back to.
func pageAt(path, after string) string {
	if after == "" {
		return path
	}
	return path + "?" + url.Values{"after": {after}}.Encode()
}

// formOnPage returns the form among forms, a page of a list's row forms,
// that match picks. A record that is not on the page (the list moved since
// the page was loaded) gets its form from fetch (nil when the record is
// gone), shown first, so that what is said about it is seen.
func formOnPage[F any](forms *[]*F, match func(*F) bool, fetch func() (*F, error)) (*F, error) {
	for _, f := range *forms {
		if match(f) {
			return f, nil
		}
	}
	f, err := fetch()
	if f != nil {
		*forms = append([]*F{f}, *forms...)
	}
	return f, err
}

// addedNotice is the sentence over a record just added to a list paged by
// name: elsewhere says its place is on a later page, so it is shown first.
func addedNotice(what string, elsewhere bool) string {
	if elsewhere {
		return "Added. The " + what + "s are listed by name and this one's place is on a later page; it is shown here first until you leave."
	}
	return "Added."
}
