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
