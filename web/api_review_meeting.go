package web

import (
	"net/http"

	"github.com/debriefhq/debrief/debrief"
)

// The review meeting held (facilitation), at
// /api/v1/postmortems/{id}/review/meeting: start it, take steps (stage,
// speaker, skip, points, order, notes, timer), add goals that become action
// items, end it (which saves the feedback into the postmortem). The page
// and the API go through the same Service methods.

type meetingStarted struct {
	Meeting *debrief.ReviewMeeting `json:"meeting"`
	// RoomURL is the read-only room link; its token is shown only now.
	RoomURL string `json:"room_url"`
}

func getReviewMeeting(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		if _, err := parseQuery(r); err != nil {
			return err
		}
		m, err := svc.ReviewMeeting(r.Context(), id)
		if err != nil {
			return err
		}
		if notModified(w, r, m.Version) {
			return nil
		}
		setETag(w, m.Version)
		writeJSON(w, http.StatusOK, m)
		return nil
	}
}

func startReviewMeeting(svc *debrief.Service, dec decoder, publicURL string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var in debrief.StartMeeting
		if _, err := dec.decodeOptional(r, &in); err != nil {
			return err
		}
		m, token, err := svc.StartReviewMeeting(r.Context(), id, in)
		if err != nil {
			return err
		}
		setETag(w, m.Version)
		writeJSON(w, http.StatusCreated, meetingStarted{Meeting: m, RoomURL: baseURL(publicURL, r) + "/room/" + token})
		return nil
	}
}

type meetingStep struct {
	debrief.MeetingChange
	Version *int `json:"version,omitempty"`
}

func stepReviewMeeting(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var in meetingStep
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		version, err := versionFrom(r, in.Version)
		if err != nil {
			return err
		}
		m, err := svc.ChangeReviewMeeting(r.Context(), id, in.MeetingChange, version)
		if err != nil {
			return err
		}
		setETag(w, m.Version)
		writeJSON(w, http.StatusOK, m)
		return nil
	}
}

type meetingGoalBody struct {
	Text    string `json:"text"`
	Owner   string `json:"owner"`
	Due     string `json:"due,omitempty"`
	Version *int   `json:"version,omitempty"`
}

func addReviewMeetingGoal(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var in meetingGoalBody
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		version, err := versionFrom(r, in.Version)
		if err != nil {
			return err
		}
		m, err := svc.AddMeetingGoal(r.Context(), id, debrief.MeetingGoal{Text: in.Text, Owner: in.Owner, Due: in.Due}, version)
		if err != nil {
			return err
		}
		setETag(w, m.Version)
		writeJSON(w, http.StatusCreated, m)
		return nil
	}
}

type meetingEnded struct {
	Meeting    *debrief.ReviewMeeting `json:"meeting"`
	Postmortem *debrief.Postmortem    `json:"postmortem"`
}

func endReviewMeeting(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var in struct {
			Version *int `json:"version,omitempty"`
		}
		if _, err := dec.decodeOptional(r, &in); err != nil {
			return err
		}
		version, err := versionFrom(r, in.Version)
		if err != nil {
			return err
		}
		m, pm, err := svc.EndReviewMeeting(r.Context(), id, version)
		if err != nil {
			return err
		}
		setETag(w, m.Version)
		writeJSON(w, http.StatusOK, meetingEnded{Meeting: m, Postmortem: pm})
		return nil
	}
}

func nudgeReviewParticipant(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var in struct {
			Email string `json:"email"`
		}
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		rv, err := svc.NudgeReviewParticipant(r.Context(), id, in.Email)
		if err != nil {
			return err
		}
		setETag(w, rv.Version)
		writeJSON(w, http.StatusOK, rv)
		return nil
	}
}
