package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/debriefhq/debrief/debrief"
)

// Error codes that exist only at the HTTP door.
const (
	// codeMethodNotAllowed answers a method a path does not take.
	codeMethodNotAllowed = "method_not_allowed"
)

// statusClientClosedRequest is recorded (in logs and metrics; nobody reads
// the answer) for a request whose client went away before it was answered:
// the request's context was canceled and the store stopped its work. It is
// the status nginx uses for the same thing; it is not a server error.
const statusClientClosedRequest = 499

// statusByCode is the one table that maps error codes to HTTP statuses.
// A code missing here is internal: 500, logged in full, shown without detail.
var statusByCode = map[string]int{
	debrief.EInvalid:         http.StatusBadRequest,
	debrief.EUnauthorized:    http.StatusUnauthorized,
	debrief.EForbidden:       http.StatusForbidden,
	debrief.ENotFound:        http.StatusNotFound,
	codeMethodNotAllowed:     http.StatusMethodNotAllowed,
	debrief.EConflict:        http.StatusConflict,
	debrief.ETooLarge:        http.StatusRequestEntityTooLarge,
	debrief.EUnsupported:     http.StatusUnsupportedMediaType,
	debrief.EUnprocessable:   http.StatusUnprocessableEntity,
	debrief.ETooManyRequests: http.StatusTooManyRequests,
	debrief.EUnavailable:     http.StatusServiceUnavailable,
}

// StatusOf returns the HTTP status for err's code.
func StatusOf(err error) int {
	if st, ok := statusByCode[debrief.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error errorDetail `json:"error"`
	// Current is the record as it is now, sent with 409 so the client can
	// merge its change instead of losing either side's work.
	Current any `json:"current,omitempty"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// renderError writes err as the API's JSON error. Errors without a known code
// are logged in full and shown only as "internal error" with the request id,
// so no detail of a bug or a database leaks to users.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	ri := requestInfoOf(w, r)
	if ri == nil {
		ri = infoFrom(r.Context())
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "client went away",
			slog.String("request_id", ri.id), slog.String("route", ri.route), slog.String("error", err.Error()))
		w.WriteHeader(statusClientClosedRequest)
		return
	}
	status := StatusOf(err)
	body := errorBody{Error: errorDetail{
		Code:    debrief.ErrorCode(err),
		Message: debrief.ErrorMessage(err),
		Field:   debrief.ErrorField(err),
	}}
	switch {
	case status == http.StatusInternalServerError:
		body.Error = errorDetail{Code: debrief.EInternal, Message: "internal error (request id " + ri.id + ")"}
		s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", ri.id), slog.String("method", r.Method),
			slog.String("route", ri.route), slog.String("error", err.Error()))
	case status == http.StatusServiceUnavailable:
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "unavailable",
			slog.String("request_id", ri.id), slog.String("route", ri.route), slog.String("error", err.Error()))
	case status == http.StatusConflict:
		var de *debrief.Error
		if errors.As(err, &de) && de.Current != nil {
			body.Current = present(de.Current)
			if v, ok := versionOf(de.Current); ok {
				setETag(w, v)
			}
		}
	case status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="debrief"`)
	}
	if (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	if ri.kind == KindUI {
		s.renderUIError(w, r, status, body.Error.Message)
		return
	}
	writeJSON(w, status, body)
}

// present turns a domain record into its API shape (incidents gain their
// derived durations); other values are sent as they are.
func present(v any) any {
	switch v := v.(type) {
	case *debrief.Incident:
		return incidentView(v)
	}
	return v
}

// versionOf returns the version of a versioned record.
func versionOf(v any) (int, bool) {
	switch v := v.(type) {
	case *debrief.Incident:
		return v.Version, true
	case *debrief.Postmortem:
		return v.Version, true
	case *debrief.ActionItem:
		return v.Version, true
	case *debrief.SectionConflict:
		return v.Postmortem.Version, true
	case *debrief.TimelineEvent:
		return v.Version, true
	}
	return 0, false
}
