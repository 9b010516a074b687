package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// trackerLinkView is an action item's issue as the board shows it.
type trackerLinkView struct {
	Link    *debrief.TrackerLink
	Tracker string // the tracker's name
	// State says where the issue stands, in words.
	State string
}

// boardTrackers adds to the board the trackers items can be exported to
// and the issues of the items shown, read in one go.
func (s *Server) boardTrackers(r *http.Request, p *actionItemsPage, items []*debrief.ActionItem) error {
	trackers, err := s.svc.ListTrackers(r.Context())
	if err != nil {
		return err
	}
	p.Trackers, p.Links = trackers, map[int64][]trackerLinkView{}
	if len(trackers) == 0 {
		return nil
	}
	names := map[int64]string{}
	for _, t := range trackers {
		names[t.ID] = t.Name
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	links, err := s.svc.TrackerLinksOf(r.Context(), ids)
	if err != nil {
		return err
	}
	for id, ls := range links {
		for _, l := range ls {
			state := map[debrief.TrackerLinkState]string{debrief.LinkOpen: "open", debrief.LinkClosed: "closed, so done here",
				debrief.LinkPending: "being created"}[l.State]
			p.Links[id] = append(p.Links[id], trackerLinkView{Link: l, Tracker: names[l.TrackerID], State: state})
		}
	}
	return nil
}

// boardBack is where a board form returns: the board as it was filtered.
func boardBack(r *http.Request) string {
	back := safeNext(r.PostForm.Get("back"))
	if !strings.HasPrefix(back, "/action-items") {
		back = "/action-items"
	}
	return back
}

// boardRefused shows the board again (as back filtered it) with what went
// wrong as a sentence, for errors a person can act on: the tracker's own
// refusal, one that cannot be reached, an export under way.
func (s *Server) boardRefused(w http.ResponseWriter, r *http.Request, back, key string, err error) error {
	status := http.StatusUnprocessableEntity
	switch debrief.ErrorCode(err) {
	case debrief.EInvalid, debrief.EUnprocessable:
	case debrief.EConflict:
		status = http.StatusConflict
	case debrief.EUnavailable:
		status = http.StatusServiceUnavailable
	default:
		return err
	}
	u, _ := url.Parse(back)
	r2 := r.Clone(r.Context())
	// The board as back shows it, so its forms return there too.
	r2.URL.Path, r2.URL.RawQuery = u.Path, u.RawQuery
	p, perr := s.actionItemsData(r2)
	if perr != nil {
		return perr
	}
	p.Notice = key + ": " + debrief.ErrorMessage(err)
	return s.render(w, r, status, "action_items.html", "layout", p)
}

// uiExportActionItem answers the board's "Export to …" buttons.
func (s *Server) uiExportActionItem() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		item, err := s.svc.ActionItemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		back := boardBack(r)
		if _, _, err := s.svc.ExportActionItem(r.Context(), item.ID, r.PostForm.Get("tracker")); err != nil {
			return s.boardRefused(w, r, back, item.Key, err)
		}
		return seeOther(w, r, back+"#item-"+strconv.FormatInt(item.ID, 10))
	}
}

// uiSyncActionItem answers the board's "Read state back" button: a
// tracker that cannot be reached leaves its sentence on the link.
func (s *Server) uiSyncActionItem() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		item, err := s.svc.ActionItemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		back := boardBack(r)
		if _, err := s.svc.SyncActionItem(r.Context(), item.ID); err != nil {
			return s.boardRefused(w, r, back, item.Key, err)
		}
		return seeOther(w, r, back+"#item-"+strconv.FormatInt(item.ID, 10))
	}
}

// itemTrackersView is what the board shows of one item's trackers: its
// issues, the trackers it can still be exported to, and whether any issue
// is open (so reading the state back has a purpose).
type itemTrackersView struct {
	Item       *debrief.ActionItem
	Links      []trackerLinkView
	Exportable []*debrief.Tracker
	Open       bool
	CanEdit    bool
	Back       string
	Loc        *time.Location
}

// ItemTrackers is the trackers part of one item's row.
func (p actionItemsPage) ItemTrackers(it *debrief.ActionItem) itemTrackersView {
	v := itemTrackersView{Item: it, Links: p.Links[it.ID], CanEdit: p.CanEdit(), Back: p.Path, Loc: p.Loc}
	linked := map[int64]bool{}
	for _, l := range v.Links {
		linked[l.Link.TrackerID] = true
		v.Open = v.Open || l.Link.State == debrief.LinkOpen
	}
	if !it.Status.Closed() {
		for _, t := range p.Trackers {
			if !linked[t.ID] {
				v.Exportable = append(v.Exportable, t)
			}
		}
	}
	return v
}
