package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// query reads list filters from a URL strictly: a parameter the list does
// not take is an error naming it, so a typo never silently widens a list.
type query struct {
	v url.Values
}

func parseQuery(r *http.Request, allowed ...string) (query, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return query{}, debrief.Errorf(debrief.EInvalid, "", "The query string is malformed.")
	}
	if len(v) > 0 {
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the same request always names the same parameter
		for _, k := range keys {
			if !contains(allowed, k) {
				return query{}, debrief.Errorf(debrief.EInvalid, k, "Unknown query parameter %q; this list takes %s.", truncate(k, 40), strings.Join(allowed, ", "))
			}
		}
	}
	return query{v: v}, nil
}

// list returns every value of a repeatable parameter, with comma-separated
// values split: status=open&status=done and status=open,done are the same.
func (q query) list(name string) []string {
	var out []string
	for _, raw := range q.v[name] {
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// one returns a parameter that may appear at most once.
func (q query) one(name string) (string, error) {
	vals := q.v[name]
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
		return strings.TrimSpace(vals[0]), nil
	}
	return "", debrief.Errorf(debrief.EInvalid, name, "Give %s at most once.", name)
}

func (q query) time(name string) (*time.Time, error) {
	s, err := q.one(name)
	if err != nil || s == "" {
		return nil, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, debrief.Errorf(debrief.EInvalid, name, "%s must be a time in RFC 3339 format, e.g. 2024-03-05T14:02:00Z; got %q.", name, truncate(s, 40))
	}
	t = t.UTC()
	return &t, nil
}

// timeRange reads from and to, which must be in order.
func (q query) timeRange() (from, to *time.Time, err error) {
	if from, err = q.time("from"); err != nil {
		return nil, nil, err
	}
	if to, err = q.time("to"); err != nil {
		return nil, nil, err
	}
	if from != nil && to != nil && !to.After(*from) {
		return nil, nil, debrief.Errorf(debrief.EInvalid, "to", "to must be later than from.")
	}
	return from, to, nil
}

func (q query) bool(name string) (bool, error) {
	s, err := q.one(name)
	if err != nil || s == "" {
		return false, err
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, debrief.Errorf(debrief.EInvalid, name, "%s must be true or false; got %q.", name, truncate(s, 40))
	}
	return b, nil
}

// page reads limit and after, which every list takes.
func (q query) page() (limit int, after string, err error) {
	return q.pageCursor(func(c string) error {
		_, err := debrief.DecodeCursor(c)
		return err
	})
}

// pageCursor is page for a list whose cursor check is its own (a list with
// several orders has cursors of several shapes).
func (q query) pageCursor(check func(cursor string) error) (limit int, after string, err error) {
	s, err := q.one("limit")
	if err != nil {
		return 0, "", err
	}
	if s != "" {
		limit, err = strconv.Atoi(s)
		if err != nil || limit < 1 || limit > debrief.MaxPageSize {
			return 0, "", debrief.Errorf(debrief.EInvalid, "limit", "limit must be a whole number from 1 to %d; got %q.", debrief.MaxPageSize, truncate(s, 40))
		}
	}
	if after, err = q.one("after"); err != nil {
		return 0, "", err
	}
	if err := check(after); err != nil {
		return 0, "", err
	}
	return limit, after, nil
}

// pageChecked reads limit and after of a list that takes nothing else and
// whose cursor the Service checks (an email, a template's key).
func pageChecked(r *http.Request) (limit int, after string, err error) {
	q, err := parseQuery(r, "limit", "after")
	if err != nil {
		return 0, "", err
	}
	return q.pageCursor(func(string) error { return nil })
}

// pageOnly reads limit and after of a list that takes nothing else and
// whose cursor is a number (an ID, a template's version).
func pageOnly(r *http.Request) (limit int, after string, err error) {
	q, err := parseQuery(r, "limit", "after")
	if err != nil {
		return 0, "", err
	}
	return q.page()
}

// ref reads an ID-or-key parameter such as incident_id=INC-42.
func (q query) ref(name, prefix string) (*int64, error) {
	s, err := q.one(name)
	if err != nil || s == "" {
		return nil, err
	}
	id, err := debrief.ParseRef(s, prefix)
	if err != nil {
		return nil, debrief.Errorf(debrief.EInvalid, name, "%s must be an ID or a key like %s42; got %q.", name, prefix, truncate(s, 40))
	}
	return &id, nil
}
