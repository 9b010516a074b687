package web

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/review"
)

// The review meeting of a postmortem lives at /api/v1/postmortems/{id}/review
// (one per postmortem); participants without an account reach their part
// through /api/v1/review-invites/{token}, the token being their personal link.

// reviewBody answers a change that may have made personal links.
type reviewBody struct {
	Review  *debrief.Review `json:"review"`
	Invites []inviteBody    `json:"invites"`
}

type inviteBody struct {
	debrief.ReviewInvite
	// Path is the participant's API address; the token in it is the
	// permission, so it is shown only now.
	Path string `json:"path"`
	URL  string `json:"url"`
	// PageURL is the page the participant opens in a browser: the link
	// to send them.
	PageURL string `json:"page_url"`
}

func invitesBody(publicURL string, r *http.Request, in []debrief.ReviewInvite) []inviteBody {
	out := make([]inviteBody, 0, len(in))
	for _, i := range in {
		p := "/api/v1/review-invites/" + i.Token
		out = append(out, inviteBody{ReviewInvite: i, Path: p, URL: baseURL(publicURL, r) + p, PageURL: baseURL(publicURL, r) + "/review/" + i.Token})
	}
	return out
}

func getReview(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		if _, err := parseQuery(r); err != nil {
			return err
		}
		rv, err := svc.Review(r.Context(), id)
		if err != nil {
			return err
		}
		if notModified(w, r, rv.Version) {
			return nil
		}
		setETag(w, rv.Version)
		writeJSON(w, http.StatusOK, rv)
		return nil
	}
}

func openReview(svc *debrief.Service, dec decoder, publicURL string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var in debrief.NewReview
		if _, err := dec.decodeOptional(r, &in); err != nil {
			return err
		}
		rv, invites, err := svc.OpenReview(r.Context(), id, in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/postmortems/"+strconv.FormatInt(id, 10)+"/review")
		setETag(w, rv.Version)
		writeJSON(w, http.StatusCreated, reviewBody{Review: rv, Invites: invitesBody(publicURL, r, invites)})
		return nil
	}
}

type reviewPatch struct {
	debrief.ReviewPatch
	Version *int `json:"version,omitempty"`
}

func updateReview(svc *debrief.Service, dec decoder, publicURL string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var p reviewPatch
		if err := dec.decode(r, &p); err != nil {
			return err
		}
		version, err := versionFrom(r, p.Version)
		if err != nil {
			return err
		}
		rv, invites, err := svc.UpdateReview(r.Context(), id, p.ReviewPatch, version)
		if err != nil {
			return err
		}
		setETag(w, rv.Version)
		writeJSON(w, http.StatusOK, reviewBody{Review: rv, Invites: invitesBody(publicURL, r, invites)})
		return nil
	}
}

// proposalsBody is the slot search's answer with the window it searched.
type proposalsBody struct {
	review.Result
	Zone    string    `json:"zone"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Version int       `json:"version"`
}

func reviewProposals(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		q, err := parseQuery(r, "limit")
		if err != nil {
			return err
		}
		limit := 5
		if s, err := q.one("limit"); err != nil {
			return err
		} else if s != "" {
			if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 50 {
				return debrief.Errorf(debrief.EInvalid, "limit", "limit must be a number from 1 to 50.")
			}
		}
		rv, err := svc.Review(r.Context(), id)
		if err != nil {
			return err
		}
		res, err := review.Propose(rv, limit)
		if err != nil {
			return err
		}
		from, to, _ := rv.Window()
		writeJSON(w, http.StatusOK, proposalsBody{Result: res, Zone: rv.Zone, From: from.UTC(), To: to.UTC(), Version: rv.Version})
		return nil
	}
}

type availabilityBody struct {
	// Participant is whose times these are; empty means the caller's own.
	Participant string `json:"participant,omitempty"`
	debrief.AvailabilityChange
	// Version is the participant's version (participants[].version).
	Version *int `json:"version,omitempty"`
}

func markAvailability(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var in availabilityBody
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		version, err := participantVersion(in.Version)
		if err != nil {
			return err
		}
		rv, err := svc.MarkAvailability(r.Context(), id, in.Participant, in.AvailabilityChange, version)
		if err != nil {
			return err
		}
		setETag(w, rv.Version)
		writeJSON(w, http.StatusOK, rv)
		return nil
	}
}

// participantVersion is the version of one participant's times
// (participants[].version) or answer, which their changes name instead of
// the review's ETag: participants never conflict with each other.
func participantVersion(v *int) (int, error) {
	if v == nil {
		return 0, debrief.Errorf(debrief.EInvalid, "version", "Say which version you are changing in \"version\": participants[].version for times, the answer's version for answers (0 for a first answer).")
	}
	return *v, nil
}

// busyRequest is a calendar to import: an uploaded .ics body (Content-Type
// text/calendar, with participant and version in the query) or a JSON
// object naming the calendar's secret URL, which the server fetches once
// and does not keep.
type busyRequest struct {
	Participant string `json:"participant,omitempty"`
	URL         string `json:"url"`
	Version     *int   `json:"version,omitempty"`
}

// readBusyRequest reads either form; ics is nil for the URL form.
func readBusyRequest(r *http.Request, dec decoder) (in busyRequest, ics []byte, err error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		if err := dec.decode(r, &in); err != nil {
			return in, nil, err
		}
		if in.URL == "" {
			return in, nil, debrief.Errorf(debrief.EInvalid, "url", "Give the calendar's secret address in \"url\", or upload the .ics file with Content-Type: text/calendar.")
		}
		return in, nil, nil
	}
	q, err := parseQuery(r, "participant", "version")
	if err != nil {
		return in, nil, err
	}
	if in.Participant, err = q.one("participant"); err != nil {
		return in, nil, err
	}
	if v, err := q.one("version"); err != nil {
		return in, nil, err
	} else if v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return in, nil, debrief.Errorf(debrief.EInvalid, "version", "version must be a whole number (your participants[].version).")
		}
		in.Version = &n
	}
	if mt != "text/calendar" && mt != "application/octet-stream" {
		return in, nil, debrief.Errorf(debrief.EUnsupported, "", "Upload the calendar with Content-Type: text/calendar, or send {\"url\": …} as application/json.")
	}
	ics, err = readBody(r, MaxCalendarBytes)
	if err != nil {
		return in, nil, err
	}
	if len(bytes.TrimSpace(ics)) == 0 {
		return in, nil, debrief.Errorf(debrief.EInvalid, "calendar", "The request has no calendar; send the .ics file as the body.")
	}
	return in, ics, nil
}

// MaxCalendarBytes bounds an uploaded or fetched calendar.
const MaxCalendarBytes = 2 << 20

// calendarBytes returns the uploaded calendar, or fetches the URL. It is
// called only after the caller's right to change the participant's times
// was checked, so nobody else can make the server fetch.
func calendarBytes(ctx context.Context, fetcher *review.Fetcher, in busyRequest, ics []byte) ([]byte, string, error) {
	if ics != nil {
		return ics, "ics", nil
	}
	u, err := url.Parse(in.URL)
	if err != nil || u.Host == "" {
		return nil, "", debrief.Errorf(debrief.EInvalid, "url", "The calendar address is not a URL such as https://calendar.example.com/…/basic.ics.")
	}
	body, err := fetcher.Fetch(ctx, in.URL)
	if err != nil {
		return nil, "", debrief.Errorf(debrief.EUnprocessable, "url", "The calendar could not be imported: %s.", err)
	}
	return body, "url", nil
}

func importBusy(svc *debrief.Service, dec decoder, fetcher *review.Fetcher) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		in, ics, err := readBusyRequest(r, dec)
		if err != nil {
			return err
		}
		version, err := participantVersion(in.Version)
		if err != nil {
			return err
		}
		rv, err := svc.ReviewParticipantFor(r.Context(), id, in.Participant)
		if err != nil {
			return err
		}
		email := in.Participant
		if email == "" {
			a, _ := debrief.ActorFrom(r.Context())
			email = a.Email
		}
		data, source, err := calendarBytes(r.Context(), fetcher, in, ics)
		if err != nil {
			return err
		}
		busy, err := review.BusyFromICS(rv, email, data)
		if err != nil {
			return err
		}
		next, err := svc.MarkAvailability(r.Context(), id, in.Participant, debrief.AvailabilityChange{Busy: &busy, BusySource: source}, version)
		if err != nil {
			return err
		}
		setETag(w, next.Version)
		writeJSON(w, http.StatusOK, next)
		return nil
	}
}

func newReviewLink(svc *debrief.Service, dec decoder, publicURL string) HandlerFunc {
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
		inv, err := svc.NewReviewLink(r.Context(), id, in.Email)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, invitesBody(publicURL, r, []debrief.ReviewInvite{*inv})[0])
		return nil
	}
}

func chooseReviewSlot(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var in struct {
			Start   time.Time `json:"start"`
			Version *int      `json:"version,omitempty"`
		}
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		version, err := versionFrom(r, in.Version)
		if err != nil {
			return err
		}
		rv, err := svc.ChooseReviewSlot(r.Context(), id, in.Start, version)
		if err != nil {
			return err
		}
		setETag(w, rv.Version)
		writeJSON(w, http.StatusOK, rv)
		return nil
	}
}

func cancelReview(svc *debrief.Service, dec decoder) HandlerFunc {
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
		rv, err := svc.CancelReview(r.Context(), id, version)
		if err != nil {
			return err
		}
		setETag(w, rv.Version)
		writeJSON(w, http.StatusOK, rv)
		return nil
	}
}

// reviewInvitation answers the invitation as text/calendar: METHOD:REQUEST
// while scheduled, METHOD:CANCEL once cancelled.
func reviewInvitation(svc *debrief.Service, publicURL string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		if _, err := parseQuery(r); err != nil {
			return err
		}
		rv, err := svc.Review(r.Context(), id)
		if err != nil {
			return err
		}
		return writeInvitation(w, r, svc, rv, publicURL)
	}
}

func writeInvitation(w http.ResponseWriter, r *http.Request, svc *debrief.Service, rv *debrief.Review, publicURL string) error {
	// The postmortem's page, as the digests link it; the meeting is planned there.
	link := baseURL(publicURL, r) + "/postmortems/" + strconv.FormatInt(rv.PostmortemID, 10)
	inv, err := review.InvitationFor(rv, link, rv.UpdatedAt)
	if err != nil {
		return err
	}
	b, err := inv.Bytes()
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8; method="+inv.Method)
	h.Set("Content-Disposition", `attachment; filename="review-`+debrief.PostmortemKeyPrefix+strconv.FormatInt(rv.PostmortemID, 10)+`.ics"`)
	setETag(w, rv.Version)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return nil
}

// inviteView is what a personal link shows: the meeting and the holder's
// own entry, not the other participants' times.
type inviteView struct {
	Email         string                    `json:"email"`
	Title         string                    `json:"title"`
	PostmortemID  int64                     `json:"postmortem_id"`
	Zone          string                    `json:"zone"`
	WindowStart   string                    `json:"window_start"`
	WindowEnd     string                    `json:"window_end"`
	LengthMinutes int                       `json:"length_minutes"`
	Status        debrief.ReviewStatus      `json:"status"`
	Chosen        *debrief.TimeRange        `json:"chosen,omitempty"`
	Participant   debrief.ReviewParticipant `json:"participant"`
	// Answer is the holder's own questionnaire, once answered.
	Answer    *debrief.ReviewAnswer    `json:"answer,omitempty"`
	Questions []debrief.ReviewQuestion `json:"questions"`
}

func viewInvite(rv *debrief.Review, email string) inviteView {
	return inviteView{Email: email, Title: rv.Title, PostmortemID: rv.PostmortemID, Zone: rv.Zone, WindowStart: rv.WindowStart, WindowEnd: rv.WindowEnd,
		LengthMinutes: rv.LengthMinutes, Status: rv.Status, Chosen: rv.Chosen, Participant: *rv.Participant(email),
		Answer: rv.Answer(email), Questions: debrief.ReviewQuestions}
}

// noStore keeps personal-link answers out of caches and referrers.
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

func getReviewInvite(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		noStore(w)
		if _, err := parseQuery(r); err != nil {
			return err
		}
		rv, email, err := svc.ReviewByLink(r.Context(), r.PathValue("token"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, viewInvite(rv, email))
		return nil
	}
}

func markAvailabilityByLink(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		noStore(w)
		var in struct {
			debrief.AvailabilityChange
			Version *int `json:"version,omitempty"`
		}
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		version, err := participantVersion(in.Version)
		if err != nil {
			return err
		}
		rv, email, err := svc.MarkAvailabilityByLink(r.Context(), r.PathValue("token"), in.AvailabilityChange, version)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, viewInvite(rv, email))
		return nil
	}
}

func importBusyByLink(svc *debrief.Service, dec decoder, fetcher *review.Fetcher) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		noStore(w)
		in, ics, err := readBusyRequest(r, dec)
		if err != nil {
			return err
		}
		if in.Participant != "" {
			return debrief.Errorf(debrief.EInvalid, "participant", "A personal link changes only its holder's times; leave participant out.")
		}
		version, err := participantVersion(in.Version)
		if err != nil {
			return err
		}
		token := r.PathValue("token")
		rv, email, err := svc.ReviewByLink(r.Context(), token)
		if err != nil {
			return err
		}
		data, source, err := calendarBytes(r.Context(), fetcher, in, ics)
		if err != nil {
			return err
		}
		busy, err := review.BusyFromICS(rv, email, data)
		if err != nil {
			return err
		}
		next, email, err := svc.MarkAvailabilityByLink(r.Context(), token, debrief.AvailabilityChange{Busy: &busy, BusySource: source}, version)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, viewInvite(next, email))
		return nil
	}
}

func getReviewAnswers(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		if _, err := parseQuery(r); err != nil {
			return err
		}
		a, err := svc.ReviewAnswers(r.Context(), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a)
		return nil
	}
}

type answerBody struct {
	debrief.AnswerInput
	// Version is the caller's answer's version; 0 for a first answer.
	Version *int `json:"version,omitempty"`
}

func answerReview(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var in answerBody
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		version, err := participantVersion(in.Version)
		if err != nil {
			return err
		}
		ans, err := svc.AnswerReview(r.Context(), id, in.AnswerInput, version)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ans)
		return nil
	}
}

func answerReviewByLink(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		noStore(w)
		var in answerBody
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		version, err := participantVersion(in.Version)
		if err != nil {
			return err
		}
		ans, err := svc.AnswerReviewByLink(r.Context(), r.PathValue("token"), in.AnswerInput, version)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ans)
		return nil
	}
}
