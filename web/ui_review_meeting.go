package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Facilitation mode: the facilitator's page drives the meeting; the room
// view shows the same meeting read-only, to signed-in viewers or to anyone
// holding the room link. Every page of the meeting follows it live: the
// Service publishes each change on the review's topic, the page's stream
// (ui_review_live.go) says so, and the page fetches its meeting part again
// as its viewer. The facilitator's page keeps what is being typed
// (static/review.js).
//
// roomTrigger is the htmx trigger of a meeting page's live part: an event
// of the review's topic, or a resync after events were missed.
const roomTrigger = "sse:review, sse:resync"

// meetingPage is the facilitator's page and the room view.
type meetingPage struct {
	layout
	PM       *debrief.Postmortem
	Incident *debrief.Incident
	Meeting  *debrief.ReviewMeeting
	// Facilitator pages show the controls; room views do not.
	Facilitator bool
	// Live is the page's own address, fetched again (its live part
	// selected) when Stream, its server-sent events, says the meeting
	// changed; Trigger is the htmx trigger that listens.
	Live, Stream, Trigger string
	// RoomURL is a room link just made, shown once.
	RoomURL string
	Notice  string
	Errors  formErrors
	// Agenda.
	Summary string
	Impact  string
	Starred []timelineRow
	// The go-around.
	Current *debrief.MeetingSpeaker
	Elapsed int
	// ElapsedText and LimitText show the timer as m:ss; TurnMinutes is the
	// timer's setting.
	ElapsedText, LimitText string
	TurnMinutes            int
	NotSpoken              []debrief.MeetingSpeaker
	// Analytics.
	Durations []durationRow
	Similar   []debrief.SimilarIncident
	OpenItems []actionRow
	Stages    []stageTab
	// Emails of the participants, for the goal's owner suggestions.
	Emails []string
}

type stageTab struct {
	Stage   debrief.MeetingStage
	Label   string
	Current bool
}

type durationRow struct {
	Name, This, Usual string
	Count             int
}

var stageLabels = map[debrief.MeetingStage]string{
	debrief.StageAgenda: "Agenda", debrief.StageRound: "Go around the room", debrief.StageAnalytics: "Analytics", debrief.StageGoals: "Goals",
}

// roomActor reads the postmortem for a room link: the token is the
// permission to follow the meeting, as a viewer would, and nothing more.
var roomActor = debrief.Actor{Name: "room link", Role: debrief.RoleViewer, Via: "room-link"}

func fmtSeconds(sec float64) string {
	d := time.Duration(sec) * time.Second
	return formatDuration(d)
}

// clockText shows seconds as m:ss.
func clockText(sec int) string {
	if sec < 0 {
		sec = 0
	}
	return fmt.Sprintf("%d:%02d", sec/60, sec%60)
}

// meetingPageFor fills the page of meeting m. full adds what only
// signed-in viewers see (similar incidents and their open items).
// ctx is whom the records are read as: the request's actor, or the room
// link's for a room view by link, whose page still shows nobody signed in.
// self is the page's address and stream its live updates'.
func (s *Server) meetingPageFor(r *http.Request, ctx context.Context, pm *debrief.Postmortem, m *debrief.ReviewMeeting, facilitator, full bool, self, stream string) *meetingPage {
	p := &meetingPage{layout: newLayout(r, "Review meeting: "+pm.Title, "postmortems"), PM: pm, Meeting: m, Facilitator: facilitator,
		Errors: formErrors{}, Live: self, Stream: stream, Trigger: roomTrigger}
	p.LiveAt = liveStamps{liveMeeting: versionStamp(m.Version)}.Encode()
	for _, st := range debrief.MeetingStages[:4] {
		p.Stages = append(p.Stages, stageTab{Stage: st, Label: stageLabels[st], Current: st == m.Stage})
	}
	p.Current, p.NotSpoken = m.Current(), m.NotSpoken()
	if p.Current != nil && p.Current.StartedAt != nil {
		p.Elapsed = int(s.svc.Now().Sub(*p.Current.StartedAt) / time.Second)
	}
	p.ElapsedText, p.LimitText, p.TurnMinutes = clockText(p.Elapsed), clockText(m.TurnSeconds), (m.TurnSeconds+59)/60
	for _, sp := range m.Speakers {
		p.Emails = append(p.Emails, sp.Email)
	}
	if sec := pm.Section("summary"); sec != nil {
		p.Summary = sec.Body
	}
	if pm.IncidentID == nil {
		return p
	}
	inc, err := s.svc.Incident(ctx, *pm.IncidentID)
	if err != nil {
		return p
	}
	p.Incident, p.Impact = inc, inc.Impact
	// Only the starred events, read as such: the turning points the
	// meeting goes through, all of them, however long the timeline.
	if events, err := s.svc.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{Starred: true}); err == nil {
		for _, e := range events {
			p.Starred = append(p.Starred, timelineRow{Ev: e})
		}
	}
	if rep, err := s.analytics.Report(ctx, debrief.AnalyticsFilter{}); err == nil {
		resp := rep.Response
		for _, d := range []struct {
			name string
			this *time.Duration
			med  *float64
			n    int
		}{{"Time to detect", inc.TimeToDetect(), resp.Detect.MedianSeconds, resp.Detect.Count},
			{"Time to acknowledge", inc.TimeToAcknowledge(), resp.Acknowledge.MedianSeconds, resp.Acknowledge.Count},
			{"Time to mitigate", inc.TimeToMitigate(), resp.Mitigate.MedianSeconds, resp.Mitigate.Count},
			{"Time to resolve", inc.TimeToResolve(), resp.Resolve.MedianSeconds, resp.Resolve.Count}} {
			row := durationRow{Name: d.name, This: "not recorded", Usual: "no figures yet", Count: d.n}
			if d.this != nil {
				row.This = formatDuration(*d.this)
			}
			if d.med != nil {
				row.Usual = fmtSeconds(*d.med)
			}
			p.Durations = append(p.Durations, row)
		}
	}
	if !full {
		return p
	}
	if sim, err := s.svc.SimilarIncidents(ctx, inc.ID); err == nil {
		if len(sim) > 5 {
			sim = sim[:5]
		}
		p.Similar = sim
		for _, si := range sim {
			id := si.Incident.ID
			items, err := s.svc.ListActionItems(ctx, debrief.ActionItemFilter{IncidentID: &id, Status: []debrief.ActionStatus{debrief.ActionOpen, debrief.ActionInProgress}, Limit: 20})
			if err == nil {
				p.OpenItems = append(p.OpenItems, actionRows(items.Items, s.svc.Now(), p.Loc)...)
			}
		}
	}
	return p
}

// facilitatorPage loads the meeting page of the postmortem in the path.
func (s *Server) facilitatorPage(r *http.Request) (*meetingPage, error) {
	ctx := r.Context()
	pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	m, err := s.svc.ReviewMeeting(ctx, pm.ID)
	if err != nil {
		return nil, err
	}
	a, _ := debrief.ActorFrom(ctx)
	return s.facilitation(r, pm, m, debrief.CanPlanReview(a, pm) && m.Stage != debrief.StageEnded), nil
}

// facilitation fills the facilitator's page of pm's meeting m.
func (s *Server) facilitation(r *http.Request, pm *debrief.Postmortem, m *debrief.ReviewMeeting, facilitator bool) *meetingPage {
	return s.meetingPageFor(r, r.Context(), pm, m, facilitator, true, "/postmortems/"+pm.Key+"/review/meeting", reviewStream(pm))
}

// reviewStream is the address of the live updates of pm's review pages.
func reviewStream(pm *debrief.Postmortem) string { return "/postmortems/" + pm.Key + "/review/live" }

func (s *Server) uiMeeting() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.facilitatorPage(r)
		if err != nil {
			if debrief.IsCode(err, debrief.ENotFound) {
				if pm, perr := s.svc.PostmortemByRef(r.Context(), r.PathValue("id")); perr == nil {
					return seeOther(w, r, "/postmortems/"+pm.Key+"/review")
				}
			}
			return err
		}
		return s.render(w, r, http.StatusOK, "review_meeting.html", "layout", p)
	}
}

// uiStartMeeting starts the meeting, in the order the form gives or at
// random; a meeting already started is joined.
func (s *Server) uiStartMeeting() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		in := debrief.StartMeeting{Shuffle: r.PostForm.Get("order") == "random"}
		if !in.Shuffle {
			for _, line := range strings.FieldsFunc(r.PostForm.Get("chosen"), func(c rune) bool { return c == '\n' || c == ',' }) {
				if line = strings.TrimSpace(line); line != "" {
					in.Order = append(in.Order, line)
				}
			}
		}
		m, token, err := s.svc.StartReviewMeeting(ctx, pm.ID, in)
		if debrief.IsCode(err, debrief.EConflict) {
			return seeOther(w, r, "/postmortems/"+pm.Key+"/review/meeting")
		}
		if err != nil {
			return s.renderReviewError(w, r, pm, err, nil)
		}
		p := s.facilitation(r, pm, m, true)
		p.RoomURL = baseURL(s.publicURL, r) + "/room/" + token
		p.Notice = "The meeting has started. Share the room link below so everyone can follow on their own screen (read-only)."
		return s.render(w, r, http.StatusCreated, "review_meeting.html", "layout", p)
	}
}

// uiMeetingAction applies one facilitator step and shows the meeting. A
// step from a page another device has moved past shows the meeting as it
// is, with what was typed kept in the notice, so nothing is lost.
func (s *Server) uiMeetingAction() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		version, err := s.parseVersionedForm(w, r)
		if err != nil {
			return err
		}
		f := r.PostForm
		back := "/postmortems/" + pm.Key + "/review/meeting"
		var m *debrief.ReviewMeeting
		var token string
		switch action := r.PathValue("action"); action {
		case "goal":
			m, err = s.svc.AddMeetingGoal(ctx, pm.ID, debrief.MeetingGoal{Text: f.Get("text"), Owner: f.Get("owner"), Due: f.Get("due")}, version)
		case "end":
			if notes := f.Get("notes"); notes != "" {
				m, err = s.svc.ChangeReviewMeeting(ctx, pm.ID, debrief.MeetingChange{Action: debrief.MeetingNotes, Text: notes}, version)
				if err == nil {
					version = m.Version
				}
			}
			if err == nil {
				_, _, err = s.svc.EndReviewMeeting(ctx, pm.ID, version)
				if err == nil {
					return seeOther(w, r, "/postmortems/"+pm.Key+"#section-"+debrief.FeedbackSectionKey)
				}
			}
		case "room-link":
			m, token, err = s.svc.NewReviewRoomLink(ctx, pm.ID, version)
		default:
			seconds, _ := strconv.Atoi(f.Get("seconds"))
			if action == debrief.MeetingTimer {
				seconds *= 60
			}
			m, err = s.svc.ChangeReviewMeeting(ctx, pm.ID, debrief.MeetingChange{Action: action, Stage: debrief.MeetingStage(f.Get("stage")),
				Email: f.Get("email"), Text: f.Get("text"), Seconds: seconds}, version)
		}
		if err != nil {
			return s.renderMeetingError(w, r, err, f.Get("text"))
		}
		if token != "" {
			p := s.facilitation(r, pm, m, true)
			p.RoomURL = baseURL(s.publicURL, r) + "/room/" + token
			p.Notice = "A new room link; the earlier one no longer works."
			return s.render(w, r, http.StatusOK, "review_meeting.html", "layout", p)
		}
		return seeOther(w, r, back)
	}
}

func (s *Server) renderMeetingError(w http.ResponseWriter, r *http.Request, err error, typed string) error {
	status, ok := shownOnPage(err)
	if !ok {
		return err
	}
	p, perr := s.facilitatorPage(r)
	if perr != nil {
		return perr
	}
	var de *debrief.Error
	if errors.As(err, &de) && de.Code == debrief.EConflict && typed != "" {
		p.Errors[""] = &fieldError{Message: de.Message + " What you typed was not saved; here it is to copy: " + typed}
	} else {
		// The meeting page has one place for errors, above everything.
		p.Errors[""] = &fieldError{Field: fieldOfErr(err), Message: debrief.ErrorMessage(err)}
	}
	return s.render(w, r, status, "review_meeting.html", "layout", p)
}

func fieldOfErr(err error) string {
	var de *debrief.Error
	if errors.As(err, &de) {
		return de.Field
	}
	return ""
}

// uiRoom is the room view for signed-in viewers.
func (s *Server) uiRoom() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		m, err := s.svc.ReviewMeeting(ctx, pm.ID)
		if err != nil {
			return err
		}
		p := s.meetingPageFor(r, r.Context(), pm, m, false, true, "/postmortems/"+pm.Key+"/review/room", reviewStream(pm))
		return s.render(w, r, http.StatusOK, "review_meeting.html", "layout", p)
	}
}

// uiRoomByLink is the room view for holders of the room link.
func (s *Server) uiRoomByLink() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		m, token, err := s.meetingByRoom(w, r)
		if err != nil {
			return err
		}
		ctx := debrief.WithActor(r.Context(), roomActor)
		pm, err := s.svc.Postmortem(ctx, m.PostmortemID)
		if err != nil {
			// A private incident's postmortem is not shown by link; the
			// go-around still is.
			pm = &debrief.Postmortem{ID: m.PostmortemID, Key: fmt.Sprintf("%s%d", debrief.PostmortemKeyPrefix, m.PostmortemID), Title: "review meeting"}
		}
		p := s.meetingPageFor(r, ctx, pm, m, false, false, "/room/"+token, "/room/"+token+"/live")
		return s.render(w, r, http.StatusOK, "review_meeting.html", "layout", p)
	}
}

// meetingByRoom returns the meeting of the room link in the path, and the
// link's token, counting the request against the address's limit.
func (s *Server) meetingByRoom(w http.ResponseWriter, r *http.Request) (*debrief.ReviewMeeting, string, error) {
	noStore(w)
	if err := s.roomLimiter.allow(clientIP(r)); err != nil {
		return nil, "", err
	}
	token := r.PathValue("token")
	m, err := s.svc.ReviewMeetingByRoom(r.Context(), token)
	return m, token, err
}
