package web

import (
	"net/http"

	"github.com/debriefhq/debrief/debrief"
)

// The review's live updates. Every page of a review (the organiser's page,
// the facilitator's, the room views) listens on the review's topic, where
// the Service publishes each change of the review and of its meeting. A
// signed-in viewer's stream is the postmortem's permission, checked again
// every heartbeat like the incident's and the editor's streams. The room
// link's stream is the room token's: it is checked again every heartbeat,
// so a link replaced by a new one, or expired a day after the meeting
// ended, ends the stream, and the browser's reconnection is refused.

// uiReviewLive streams the live updates of a postmortem's review pages.
func (s *Server) uiReviewLive() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := s.svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		still := func(r *http.Request) error { _, err := s.svc.Postmortem(r.Context(), pm.ID); return err }
		return s.stream(w, r, debrief.ReviewTopic(pm.ID), s.reviewChecks(pm.ID), still)
	}
}

// uiRoomLive streams the live updates of the room view reached by a room
// link. Its holder is among those present, as "room link", but is not
// told who else is: the link shows the meeting, not who is looking at it.
func (s *Server) uiRoomLive() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		m, token, err := s.meetingByRoom(w, r)
		if err != nil {
			return err
		}
		still := func(r *http.Request) error { _, err := s.svc.ReviewMeetingByRoom(r.Context(), token); return err }
		checks := map[string]liveCheck{liveMeeting: func(r *http.Request) (string, error) {
			m, err := s.svc.ReviewMeetingByRoom(r.Context(), token)
			if err != nil {
				return "", err
			}
			return versionStamp(m.Version), nil
		}}
		return s.streamLive(w, r, liveStream{topic: debrief.ReviewTopic(m.PostmortemID), name: roomActor.Name, still: still, hidePresence: true, checks: checks})
	}
}
