package web

import (
	"net/http"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

// listNotifications answers GET /api/v1/notifications: the delivery log,
// newest first (admins).
func listNotifications(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseQuery(r, "status", "event", "limit", "after")
		if err != nil {
			return err
		}
		f := debrief.NotificationFilter{Status: q.list("status")}
		if f.Event, err = q.one("event"); err != nil {
			return err
		}
		if f.Limit, f.After, err = q.page(); err != nil {
			return err
		}
		page, err := svc.ListNotifications(r.Context(), f)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, page)
		return nil
	}
}

// channelCreate is the body of POST /api/v1/notification-channels.
type channelCreate struct {
	Kind   string   `json:"kind"`
	Name   string   `json:"name"`
	Target string   `json:"target"`
	Events []string `json:"events"`
}

// createNotificationChannel answers POST /api/v1/notification-channels;
// a webhook channel's signing secret is in this answer only.
func createNotificationChannel(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in channelCreate
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		c := &debrief.NotificationChannel{Kind: in.Kind, Name: in.Name, Target: in.Target, Events: in.Events}
		if err := svc.CreateNotificationChannel(r.Context(), c); err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/notification-channels/"+strconv.FormatInt(c.ID, 10))
		writeJSON(w, http.StatusCreated, c)
		return nil
	}
}

// listNotificationChannels answers GET /api/v1/notification-channels: a
// page of the channels by ID, without the secrets.
func listNotificationChannels(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseQuery(r, "limit", "after")
		if err != nil {
			return err
		}
		limit, after, err := q.page()
		if err != nil {
			return err
		}
		page, err := svc.NotificationChannelsPage(r.Context(), after, limit)
		if err != nil {
			return err
		}
		for _, c := range page.Items {
			c.Secret = ""
		}
		writeJSON(w, http.StatusOK, listBody[*debrief.NotificationChannel]{Items: page.Items, NextCursor: page.NextCursor})
		return nil
	}
}

func deleteNotificationChannel(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := svc.DeleteNotificationChannel(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// muteIncident answers PUT (mute) and DELETE (unmute)
// /api/v1/incidents/{id}/mute for the signed-in person.
func muteIncident(svc *debrief.Service, muted bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.IncidentKeyPrefix)
		if err != nil {
			return err
		}
		if err := svc.MuteIncident(r.Context(), id, muted); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// getNotificationPreferences answers GET /api/v1/notification-preferences.
func getNotificationPreferences(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := svc.MyNotificationPreferences(r.Context())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

// putNotificationPreferences answers PUT /api/v1/notification-preferences:
// the events the signed-in person receives no messages about.
func putNotificationPreferences(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			OptedOutEvents []string `json:"opted_out_events"`
		}
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		p, err := svc.SetOptedOutEvents(r.Context(), in.OptedOutEvents)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}
