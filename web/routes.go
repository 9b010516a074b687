package web

import (
	"context"
	"net/http"

	"github.com/debriefhq/debrief/debrief"
)

// HandlerFunc handles one request and returns an error instead of writing
// one; the server's adapter renders it (status from the error's code).
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// RouteKind says which door a route belongs to, which decides how errors
// are rendered and which tests walk it.
type RouteKind string

const (
	KindAPI     RouteKind = "api"     // JSON under /api/v1, described in openapi.yaml
	KindUI      RouteKind = "ui"      // HTML pages
	KindWebhook RouteKind = "webhook" // inbound deliveries from other systems
	KindOps     RouteKind = "ops"     // health, readiness, metrics, the API description
)

// Route is one entry of the route table.
type Route struct {
	// Pattern is an http.ServeMux pattern with its method, e.g.
	// "GET /api/v1/incidents/{id}".
	Pattern string
	Kind    RouteKind
	// Role is the least role that may call the route; "" means no
	// authentication at all (health checks, metrics).
	Role    debrief.Role
	Handler HandlerFunc
	// ReadAhead, when set, adds to the request's context what
	// authentication may read in the same statement as its own check, for
	// the handler (debrief.WithPostmortemStampAhead).
	ReadAhead func(ctx context.Context, r *http.Request) context.Context
}

// routeTable lists the server's routes area by area, all but the account
// routes, which authRoutes (auth.go) lists; New serves the two together.
func (s *Server) routeTable() []Route {
	svc, dec := s.svc, decoder{maxBody: s.maxBody}
	exportCfg := s.exportConfig()
	const (
		viewer    = debrief.RoleViewer
		responder = debrief.RoleResponder
		admin     = debrief.RoleAdmin
	)
	return []Route{
		// Operations.
		{Pattern: "GET /healthz", Kind: KindOps, Handler: healthz(s.version)},
		{Pattern: "GET /readyz", Kind: KindOps, Handler: readyz(s.store)},
		{Pattern: "GET /metrics", Kind: KindOps, Handler: s.metrics.handler(s.metricsToken, s.metricsAllow)},
		{Pattern: "GET /api/v1/openapi.json", Kind: KindOps, Handler: openAPIDocument(s.openAPI, s.openAPIErr)},

		// Incidents.
		{Pattern: "GET /api/v1/incidents", Kind: KindAPI, Role: viewer, Handler: listIncidents(svc)},
		{Pattern: "POST /api/v1/incidents", Kind: KindAPI, Role: responder, Handler: createIncident(svc, dec)},
		{Pattern: "GET /api/v1/incidents/{id}", Kind: KindAPI, Role: viewer, Handler: getIncident(svc)},
		{Pattern: "PATCH /api/v1/incidents/{id}", Kind: KindAPI, Role: responder, Handler: updateIncident(svc, dec)},
		{Pattern: "DELETE /api/v1/incidents/{id}", Kind: KindAPI, Role: admin, Handler: deleteIncident(svc, dec)},
		{Pattern: "GET /api/v1/incidents/{id}/revisions", Kind: KindAPI, Role: viewer, Handler: listRevisions(svc, debrief.EntityIncident, debrief.IncidentKeyPrefix)},

		// Timelines.
		{Pattern: "GET /api/v1/incidents/{id}/timeline", Kind: KindAPI, Role: viewer, Handler: listTimeline(svc)},
		{Pattern: "POST /api/v1/incidents/{id}/timeline", Kind: KindAPI, Role: responder, Handler: addTimeline(svc, dec)},
		{Pattern: "POST /api/v1/incidents/{id}/timeline/import", Kind: KindAPI, Role: responder, Handler: importTimeline(svc)},
		{Pattern: "PATCH /api/v1/incidents/{id}/timeline/{event}", Kind: KindAPI, Role: responder, Handler: updateTimelineEvent(svc, dec)},
		{Pattern: "DELETE /api/v1/incidents/{id}/timeline/{event}", Kind: KindAPI, Role: responder, Handler: deleteTimelineEvent(svc, dec)},

		// Postmortems.
		{Pattern: "GET /api/v1/postmortems", Kind: KindAPI, Role: viewer, Handler: listPostmortems(svc)},
		{Pattern: "POST /api/v1/postmortems", Kind: KindAPI, Role: responder, Handler: createPostmortem(svc, dec)},
		{Pattern: "GET /api/v1/postmortems/{id}", Kind: KindAPI, Role: viewer, Handler: getPostmortem(svc, &s.postmortemAnswers), ReadAhead: postmortemStampAhead},
		{Pattern: "PATCH /api/v1/postmortems/{id}", Kind: KindAPI, Role: responder, Handler: updatePostmortem(svc, dec)},
		{Pattern: "DELETE /api/v1/postmortems/{id}", Kind: KindAPI, Role: admin, Handler: deletePostmortem(svc, dec)},
		{Pattern: "GET /api/v1/postmortems/{id}/sections", Kind: KindAPI, Role: viewer, Handler: listSections(svc)},
		{Pattern: "PATCH /api/v1/postmortems/{id}/sections/{key}", Kind: KindAPI, Role: responder, Handler: updateSection(svc, dec)},
		// A project postmortem's parts, each saved with its own version.
		{Pattern: "PUT /api/v1/postmortems/{id}/project/dates", Kind: KindAPI, Role: responder, Handler: putProjectDates(svc, dec)},
		{Pattern: "PUT /api/v1/postmortems/{id}/project/metrics", Kind: KindAPI, Role: responder, Handler: putProjectMetrics(svc, dec)},
		{Pattern: "PUT /api/v1/postmortems/{id}/project/feedback", Kind: KindAPI, Role: responder, Handler: putProjectFeedback(svc, dec)},
		{Pattern: "GET /api/v1/postmortems/{id}/revisions", Kind: KindAPI, Role: viewer, Handler: listRevisions(svc, debrief.EntityPostmortem, debrief.PostmortemKeyPrefix)},

		// Attachments: uploaded to and listed by their incident or
		// postmortem, read and deleted by their own ID.
		{Pattern: "GET /api/v1/incidents/{id}/attachments", Kind: KindAPI, Role: viewer, Handler: listAttachments(svc, false)},
		{Pattern: "POST /api/v1/incidents/{id}/attachments", Kind: KindAPI, Role: responder, Handler: uploadAttachment(svc, false)},
		{Pattern: "GET /api/v1/postmortems/{id}/attachments", Kind: KindAPI, Role: viewer, Handler: listAttachments(svc, true)},
		{Pattern: "POST /api/v1/postmortems/{id}/attachments", Kind: KindAPI, Role: responder, Handler: uploadAttachment(svc, true)},
		{Pattern: "GET /api/v1/attachments/{id}", Kind: KindAPI, Role: viewer, Handler: getAttachment(svc)},
		{Pattern: "DELETE /api/v1/attachments/{id}", Kind: KindAPI, Role: responder, Handler: deleteAttachment(svc)},

		// Action items.
		{Pattern: "GET /api/v1/action-items", Kind: KindAPI, Role: viewer, Handler: listActionItems(svc)},
		{Pattern: "POST /api/v1/action-items", Kind: KindAPI, Role: responder, Handler: createActionItem(svc, dec)},
		{Pattern: "GET /api/v1/action-items/{id}", Kind: KindAPI, Role: viewer, Handler: getActionItem(svc)},
		{Pattern: "PATCH /api/v1/action-items/{id}", Kind: KindAPI, Role: responder, Handler: updateActionItem(svc, dec)},
		{Pattern: "DELETE /api/v1/action-items/{id}", Kind: KindAPI, Role: responder, Handler: deleteActionItem(svc, dec)},

		// Search, similar incidents and digests.
		{Pattern: "GET /api/v1/search", Kind: KindAPI, Role: viewer, Handler: searchHandler(svc)},
		{Pattern: "GET /api/v1/incidents/{id}/similar", Kind: KindAPI, Role: viewer, Handler: similarIncidents(svc)},
		{Pattern: "GET /api/v1/digest/on-this-day", Kind: KindAPI, Role: viewer, Handler: onThisDay(svc)},
		{Pattern: "GET /api/v1/digest/weekly", Kind: KindAPI, Role: viewer, Handler: weeklyDigest(svc)},
		{Pattern: "GET /feeds/weekly.atom", Kind: KindUI, Role: viewer, Handler: weeklyAtom(svc, s.publicURL)},
		{Pattern: "GET /feeds/weekly.rss", Kind: KindUI, Role: viewer, Handler: weeklyRSS(svc, s.publicURL)},

		// Analytics: figures, their tables as CSV and their charts as SVG.
		{Pattern: "GET /api/v1/analytics", Kind: KindAPI, Role: viewer, Handler: getAnalytics(s.analytics)},
		{Pattern: "GET /api/v1/analytics/tables/{file}", Kind: KindAPI, Role: viewer, Handler: getAnalyticsCSV(s.analytics)},
		{Pattern: "GET /api/v1/analytics/charts/{file}", Kind: KindAPI, Role: viewer, Handler: getAnalyticsChart(s.analytics)},

		// Notifications: the delivery log and the channels (admins).
		{Pattern: "GET /api/v1/notifications", Kind: KindAPI, Role: admin, Handler: listNotifications(svc)},
		{Pattern: "GET /api/v1/notification-channels", Kind: KindAPI, Role: admin, Handler: listNotificationChannels(svc)},
		{Pattern: "POST /api/v1/notification-channels", Kind: KindAPI, Role: admin, Handler: createNotificationChannel(svc, dec)},
		{Pattern: "DELETE /api/v1/notification-channels/{id}", Kind: KindAPI, Role: admin, Handler: deleteNotificationChannel(svc)},
		// … and what each person turns off for themselves.
		{Pattern: "GET /api/v1/notification-preferences", Kind: KindAPI, Role: viewer, Handler: getNotificationPreferences(svc)},
		{Pattern: "PUT /api/v1/notification-preferences", Kind: KindAPI, Role: viewer, Handler: putNotificationPreferences(svc, dec)},
		{Pattern: "PUT /api/v1/incidents/{id}/mute", Kind: KindAPI, Role: viewer, Handler: muteIncident(svc, true)},
		{Pattern: "DELETE /api/v1/incidents/{id}/mute", Kind: KindAPI, Role: viewer, Handler: muteIncident(svc, false)},

		// Reference data.
		{Pattern: "GET /api/v1/templates", Kind: KindAPI, Role: viewer, Handler: listTemplates(svc)},
		{Pattern: "GET /api/v1/templates/{key}", Kind: KindAPI, Role: viewer, Handler: getTemplate(svc)},
		{Pattern: "GET /api/v1/severities", Kind: KindAPI, Role: viewer, Handler: listSeverities(svc)},

		// Custom templates (admins manage them) and quality checks.
		{Pattern: "POST /api/v1/templates", Kind: KindAPI, Role: admin, Handler: createTemplate(svc, dec)},
		{Pattern: "PUT /api/v1/templates/{key}", Kind: KindAPI, Role: admin, Handler: putTemplate(svc, dec)},
		{Pattern: "DELETE /api/v1/templates/{key}", Kind: KindAPI, Role: admin, Handler: deleteTemplate(svc, dec)},
		{Pattern: "GET /api/v1/templates/{key}/versions", Kind: KindAPI, Role: viewer, Handler: listTemplateVersions(svc)},
		{Pattern: "GET /api/v1/templates/{key}/versions/{version}", Kind: KindAPI, Role: viewer, Handler: getTemplateVersion(svc)},
		{Pattern: "POST /api/v1/lint", Kind: KindAPI, Role: viewer, Handler: lintDocument(svc, dec)},
		{Pattern: "GET /api/v1/lint/rules", Kind: KindAPI, Role: viewer, Handler: listLintRules()},
		{Pattern: "GET /api/v1/postmortems/{id}/lint", Kind: KindAPI, Role: viewer, Handler: lintPostmortem(svc)},
		{Pattern: "GET /api/v1/postmortems/{id}/factor-suggestions", Kind: KindAPI, Role: viewer, Handler: suggestFactors(svc)},
		{Pattern: "GET /api/v1/incidents/{id}/postmortem-requirement", Kind: KindAPI, Role: viewer, Handler: postmortemRequirement(svc)},

		// Portable documents: export, import, the public version and its links.
		{Pattern: "GET /api/v1/postmortems/{id}/export", Kind: KindAPI, Role: viewer, Handler: exportPostmortem(svc, exportCfg)},
		{Pattern: "POST /api/v1/postmortems/import", Kind: KindAPI, Role: responder, Handler: importPostmortem(svc, exportCfg)},
		{Pattern: "GET /api/v1/postmortems/{id}/public", Kind: KindAPI, Role: viewer, Handler: previewPublic(svc, exportCfg)},
		{Pattern: "POST /api/v1/postmortems/{id}/public-link", Kind: KindAPI, Role: responder, Handler: createPublicLink(svc, s.publicURL)},
		{Pattern: "GET /api/v1/postmortems/{id}/public-links", Kind: KindAPI, Role: viewer, Handler: listPublicLinks(svc)},
		{Pattern: "DELETE /api/v1/postmortems/{id}/public-links/{link}", Kind: KindAPI, Role: responder, Handler: revokePublicLink(svc)},
		{Pattern: "GET /public/{token}", Kind: KindUI, Handler: publicPage(svc)},

		// The review meeting: the owner (or a responder) plans it, participants
		// mark their times signed in or through a personal link (the token is
		// the permission, so those routes need no account).
		{Pattern: "GET /api/v1/postmortems/{id}/review", Kind: KindAPI, Role: viewer, Handler: getReview(svc)},
		{Pattern: "POST /api/v1/postmortems/{id}/review", Kind: KindAPI, Role: viewer, Handler: openReview(svc, dec, s.publicURL)},
		{Pattern: "PATCH /api/v1/postmortems/{id}/review", Kind: KindAPI, Role: viewer, Handler: updateReview(svc, dec, s.publicURL)},
		{Pattern: "GET /api/v1/postmortems/{id}/review/proposals", Kind: KindAPI, Role: viewer, Handler: reviewProposals(svc)},
		{Pattern: "PUT /api/v1/postmortems/{id}/review/availability", Kind: KindAPI, Role: viewer, Handler: markAvailability(svc, dec)},
		{Pattern: "POST /api/v1/postmortems/{id}/review/busy", Kind: KindAPI, Role: viewer, Handler: importBusy(svc, dec, s.calendars)},
		{Pattern: "POST /api/v1/postmortems/{id}/review/links", Kind: KindAPI, Role: viewer, Handler: newReviewLink(svc, dec, s.publicURL)},
		{Pattern: "POST /api/v1/postmortems/{id}/review/choose", Kind: KindAPI, Role: viewer, Handler: chooseReviewSlot(svc, dec)},
		{Pattern: "POST /api/v1/postmortems/{id}/review/cancel", Kind: KindAPI, Role: viewer, Handler: cancelReview(svc, dec)},
		{Pattern: "GET /api/v1/postmortems/{id}/review/invitation.ics", Kind: KindAPI, Role: viewer, Handler: reviewInvitation(svc, s.publicURL)},
		{Pattern: "GET /api/v1/postmortems/{id}/review/answers", Kind: KindAPI, Role: viewer, Handler: getReviewAnswers(svc)},
		{Pattern: "PUT /api/v1/postmortems/{id}/review/answers", Kind: KindAPI, Role: viewer, Handler: answerReview(svc, dec)},
		{Pattern: "POST /api/v1/postmortems/{id}/review/nudge", Kind: KindAPI, Role: viewer, Handler: nudgeReviewParticipant(svc, dec)},
		{Pattern: "GET /api/v1/postmortems/{id}/review/meeting", Kind: KindAPI, Role: viewer, Handler: getReviewMeeting(svc)},
		{Pattern: "POST /api/v1/postmortems/{id}/review/meeting", Kind: KindAPI, Role: viewer, Handler: startReviewMeeting(svc, dec, s.publicURL)},
		{Pattern: "POST /api/v1/postmortems/{id}/review/meeting/steps", Kind: KindAPI, Role: viewer, Handler: stepReviewMeeting(svc, dec)},
		{Pattern: "POST /api/v1/postmortems/{id}/review/meeting/goals", Kind: KindAPI, Role: viewer, Handler: addReviewMeetingGoal(svc, dec)},
		{Pattern: "POST /api/v1/postmortems/{id}/review/meeting/end", Kind: KindAPI, Role: viewer, Handler: endReviewMeeting(svc, dec)},
		{Pattern: "GET /api/v1/review-invites/{token}", Kind: KindAPI, Handler: getReviewInvite(svc)},
		{Pattern: "PUT /api/v1/review-invites/{token}/availability", Kind: KindAPI, Handler: markAvailabilityByLink(svc, dec)},
		{Pattern: "POST /api/v1/review-invites/{token}/busy", Kind: KindAPI, Handler: importBusyByLink(svc, dec, s.calendars)},
		{Pattern: "PUT /api/v1/review-invites/{token}/answers", Kind: KindAPI, Handler: answerReviewByLink(svc, dec)},

		// Alert integrations and their webhooks (the webhooks authenticate
		// by the integration's own secret, not by a user session).
		{Pattern: "GET /api/v1/integrations", Kind: KindAPI, Role: admin, Handler: listIntegrations(svc)},
		{Pattern: "POST /api/v1/integrations", Kind: KindAPI, Role: admin, Handler: createIntegration(svc, dec)},
		{Pattern: "GET /api/v1/integrations/{id}", Kind: KindAPI, Role: admin, Handler: getIntegration(svc)},
		{Pattern: "PATCH /api/v1/integrations/{id}", Kind: KindAPI, Role: admin, Handler: updateIntegration(svc, dec)},
		{Pattern: "DELETE /api/v1/integrations/{id}", Kind: KindAPI, Role: admin, Handler: deleteIntegration(svc)},
		{Pattern: "GET /api/v1/integrations/{id}/deliveries", Kind: KindAPI, Role: admin, Handler: listDeliveries(svc)},
		{Pattern: "POST /hooks/{id}/{kind}", Kind: KindWebhook, Handler: receiveWebhook(svc)},

		// Improvement ideas: raised in postmortems, merged, ranked, promoted.
		{Pattern: "GET /api/v1/ideas", Kind: KindAPI, Role: viewer, Handler: listIdeas(svc)},
		{Pattern: "POST /api/v1/postmortems/{id}/ideas", Kind: KindAPI, Role: responder, Handler: raiseIdea(svc, dec)},
		{Pattern: "GET /api/v1/ideas/{id}", Kind: KindAPI, Role: viewer, Handler: getIdea(svc)},
		{Pattern: "PATCH /api/v1/ideas/{id}", Kind: KindAPI, Role: responder, Handler: updateIdea(svc, dec)},
		{Pattern: "POST /api/v1/ideas/{id}/mentions", Kind: KindAPI, Role: responder, Handler: addIdeaMention(svc, dec)},
		{Pattern: "POST /api/v1/ideas/{id}/merge", Kind: KindAPI, Role: responder, Handler: mergeIdea(svc, dec)},
		{Pattern: "GET /api/v1/ideas/{id}/similar", Kind: KindAPI, Role: viewer, Handler: similarIdeas(svc)},
		{Pattern: "POST /api/v1/ideas/{id}/promote", Kind: KindAPI, Role: responder, Handler: promoteIdea(svc, dec)},
		{Pattern: "GET /api/v1/ideas/{id}/revisions", Kind: KindAPI, Role: viewer, Handler: listRevisions(svc, debrief.EntityIdea, debrief.IdeaKeyPrefix)},

		// Issue trackers: action items exported as GitHub or Jira issues.
		{Pattern: "GET /api/v1/trackers", Kind: KindAPI, Role: viewer, Handler: listTrackers(svc)},
		{Pattern: "POST /api/v1/trackers", Kind: KindAPI, Role: admin, Handler: createTracker(svc, dec)},
		{Pattern: "PATCH /api/v1/trackers/{id}", Kind: KindAPI, Role: admin, Handler: updateTracker(svc, dec)},
		{Pattern: "DELETE /api/v1/trackers/{id}", Kind: KindAPI, Role: admin, Handler: deleteTracker(svc, dec)},
		{Pattern: "POST /api/v1/action-items/{id}/export", Kind: KindAPI, Role: responder, Handler: exportActionItem(svc, dec)},
		{Pattern: "GET /api/v1/action-items/{id}/links", Kind: KindAPI, Role: viewer, Handler: actionItemLinks(svc, false)},
		{Pattern: "POST /api/v1/action-items/{id}/sync", Kind: KindAPI, Role: responder, Handler: actionItemLinks(svc, true)},

		// Teams: who owns which services (admins manage them).
		{Pattern: "GET /api/v1/teams", Kind: KindAPI, Role: viewer, Handler: listTeams(svc)},
		{Pattern: "POST /api/v1/teams", Kind: KindAPI, Role: admin, Handler: createTeam(svc, dec)},
		{Pattern: "GET /api/v1/teams/{team}", Kind: KindAPI, Role: viewer, Handler: getTeam(svc)},
		{Pattern: "PATCH /api/v1/teams/{team}", Kind: KindAPI, Role: admin, Handler: updateTeam(svc, dec)},
		{Pattern: "DELETE /api/v1/teams/{team}", Kind: KindAPI, Role: admin, Handler: deleteTeam(svc, dec)},

		// Web UI pages (ui_*.go). {id} takes a key (INC-4, PM-2) or a bare
		// number, as the feeds link them.
		{Pattern: "GET /static/{path...}", Kind: KindUI, Handler: s.ui.serveAsset()},
		{Pattern: "GET /login", Kind: KindUI, Handler: s.uiLoginForm()},
		{Pattern: "POST /login", Kind: KindUI, Handler: s.uiLogin()},
		{Pattern: "POST /logout", Kind: KindUI, Role: viewer, Handler: s.uiLogout()},
		{Pattern: "GET /{$}", Kind: KindUI, Role: viewer, Handler: s.uiHome()},
		{Pattern: "GET /on-this-day", Kind: KindUI, Role: viewer, Handler: s.uiOnThisDay()},
		{Pattern: "GET /incidents", Kind: KindUI, Role: viewer, Handler: s.uiIncidents()},
		{Pattern: "GET /incidents/new", Kind: KindUI, Role: responder, Handler: s.uiNewIncident()},
		{Pattern: "POST /incidents/new", Kind: KindUI, Role: responder, Handler: s.uiCreateIncident()},
		{Pattern: "GET /incidents/new/title-check", Kind: KindUI, Role: responder, Handler: s.uiTitleCheck()},
		{Pattern: "GET /incidents/{id}", Kind: KindUI, Role: viewer, Handler: s.uiIncident()},
		{Pattern: "GET /incidents/{id}/edit", Kind: KindUI, Role: responder, Handler: s.uiEditIncidentForm()},
		{Pattern: "POST /incidents/{id}/edit", Kind: KindUI, Role: responder, Handler: s.uiEditIncident()},
		{Pattern: "POST /incidents/{id}/timeline", Kind: KindUI, Role: responder, Handler: s.uiAddEvent()},
		{Pattern: "POST /incidents/{id}/timeline/import", Kind: KindUI, Role: responder, Handler: s.uiImportTimeline()},
		{Pattern: "GET /incidents/{id}/timeline/{event}/edit", Kind: KindUI, Role: responder, Handler: s.uiEditEventForm()},
		{Pattern: "POST /incidents/{id}/timeline/{event}/edit", Kind: KindUI, Role: responder, Handler: s.uiEditEvent()},
		{Pattern: "POST /incidents/{id}/timeline/{event}/star", Kind: KindUI, Role: responder, Handler: s.uiStarEvent()},
		{Pattern: "POST /incidents/{id}/timeline/{event}/delete", Kind: KindUI, Role: responder, Handler: s.uiDeleteEvent()},
		{Pattern: "POST /incidents/{id}/postmortem", Kind: KindUI, Role: responder, Handler: s.uiStartPostmortem()},
		{Pattern: "GET /postmortems", Kind: KindUI, Role: viewer, Handler: s.uiPostmortems()},
		{Pattern: "GET /postmortems/{id}", Kind: KindUI, Role: viewer, Handler: s.uiPostmortem()},
		{Pattern: "GET /postmortems/{id}/edit", Kind: KindUI, Role: responder, Handler: s.uiEditor()},
		{Pattern: "GET /postmortems/{id}/quality", Kind: KindUI, Role: viewer, Handler: s.uiQualityPanel()},
		{Pattern: "POST /postmortems/{id}/preview", Kind: KindUI, Role: responder, Handler: s.uiPreview()},
		{Pattern: "POST /postmortems/{id}/sections/{key}", Kind: KindUI, Role: responder, Handler: s.uiSaveSection()},
		{Pattern: "POST /postmortems/{id}/fields", Kind: KindUI, Role: responder, Handler: s.uiSaveFields()},
		{Pattern: "POST /postmortems/{id}/status", Kind: KindUI, Role: responder, Handler: s.uiSetStatus()},
		// Live updates and presence of the incident page and the editor (ui_live.go).
		{Pattern: "GET /incidents/{id}/live", Kind: KindUI, Role: viewer, Handler: s.uiIncidentLive()},
		{Pattern: "GET /postmortems/{id}/live", Kind: KindUI, Role: viewer, Handler: s.uiPostmortemLive()},
		{Pattern: "POST /postmortems/{id}/presence", Kind: KindUI, Role: responder, Handler: s.uiPresence()},
		{Pattern: "GET /action-items/live", Kind: KindUI, Role: viewer, Handler: s.uiActionItemsLive()},
		// The review meeting's pages (ui_review*.go): the organiser's page,
		// availability signed in or by personal link, facilitation and the
		// read-only room view (signed in or by room link).
		{Pattern: "GET /postmortems/{id}/review", Kind: KindUI, Role: viewer, Handler: s.uiReview()},
		{Pattern: "POST /postmortems/{id}/review", Kind: KindUI, Role: viewer, Handler: s.uiOpenReview()},
		{Pattern: "POST /postmortems/{id}/review/choose", Kind: KindUI, Role: viewer, Handler: s.uiReviewAction("choose")},
		{Pattern: "POST /postmortems/{id}/review/cancel", Kind: KindUI, Role: viewer, Handler: s.uiReviewAction("cancel")},
		{Pattern: "POST /postmortems/{id}/review/link", Kind: KindUI, Role: viewer, Handler: s.uiReviewAction("link")},
		{Pattern: "POST /postmortems/{id}/review/nudge", Kind: KindUI, Role: viewer, Handler: s.uiReviewAction("nudge")},
		{Pattern: "GET /postmortems/{id}/review/invitation.ics", Kind: KindUI, Role: viewer, Handler: s.uiReviewInvitation()},
		{Pattern: "GET /postmortems/{id}/review/availability", Kind: KindUI, Role: viewer, Handler: s.uiAvailability(false)},
		{Pattern: "POST /postmortems/{id}/review/availability", Kind: KindUI, Role: viewer, Handler: s.uiMarkAvailability(false)},
		{Pattern: "POST /postmortems/{id}/review/availability/busy", Kind: KindUI, Role: viewer, Handler: s.uiImportBusy(false)},
		{Pattern: "POST /postmortems/{id}/review/availability/answers", Kind: KindUI, Role: viewer, Handler: s.uiAnswerReview(false)},
		{Pattern: "GET /review/{token}", Kind: KindUI, Handler: s.uiAvailability(true)},
		{Pattern: "POST /review/{token}", Kind: KindUI, Handler: s.uiMarkAvailability(true)},
		{Pattern: "POST /review/{token}/busy", Kind: KindUI, Handler: s.uiImportBusy(true)},
		{Pattern: "POST /review/{token}/answers", Kind: KindUI, Handler: s.uiAnswerReview(true)},
		{Pattern: "GET /postmortems/{id}/review/meeting", Kind: KindUI, Role: viewer, Handler: s.uiMeeting()},
		{Pattern: "POST /postmortems/{id}/review/meeting", Kind: KindUI, Role: viewer, Handler: s.uiStartMeeting()},
		{Pattern: "POST /postmortems/{id}/review/meeting/{action}", Kind: KindUI, Role: viewer, Handler: s.uiMeetingAction()},
		{Pattern: "GET /postmortems/{id}/review/room", Kind: KindUI, Role: viewer, Handler: s.uiRoom()},
		{Pattern: "GET /room/{token}", Kind: KindUI, Handler: s.uiRoomByLink()},
		// Live updates of the review's pages, signed in or by room link (ui_review_live.go).
		{Pattern: "GET /postmortems/{id}/review/live", Kind: KindUI, Role: viewer, Handler: s.uiReviewLive()},
		{Pattern: "GET /room/{token}/live", Kind: KindUI, Handler: s.uiRoomLive()},
		{Pattern: "GET /postmortems/import", Kind: KindUI, Role: responder, Handler: s.uiImportForm()},
		{Pattern: "POST /postmortems/import", Kind: KindUI, Role: responder, Handler: s.uiImport()},
		{Pattern: "GET /postmortems/new", Kind: KindUI, Role: responder, Handler: s.uiNewProject()},
		{Pattern: "POST /postmortems/new", Kind: KindUI, Role: responder, Handler: s.uiCreateProject()},
		{Pattern: "GET /postmortems/{id}/project", Kind: KindUI, Role: viewer, Handler: s.uiProject()},
		{Pattern: "POST /postmortems/{id}/project/dates", Kind: KindUI, Role: responder, Handler: s.uiSaveProjectDates()},
		{Pattern: "POST /postmortems/{id}/project/metrics", Kind: KindUI, Role: responder, Handler: s.uiSaveProjectMetrics()},
		{Pattern: "POST /postmortems/{id}/project/feedback", Kind: KindUI, Role: responder, Handler: s.uiSaveProjectFeedback()},
		{Pattern: "GET /postmortems/{id}/attachments", Kind: KindUI, Role: viewer, Handler: s.uiAttachments()},
		{Pattern: "POST /postmortems/{id}/attachments", Kind: KindUI, Role: responder, Handler: s.uiUploadAttachment()},
		{Pattern: "POST /attachments/{id}/delete", Kind: KindUI, Role: responder, Handler: s.uiDeleteAttachment()},
		{Pattern: "GET /incidents/{id}/history", Kind: KindUI, Role: viewer, Handler: s.uiIncidentHistory()},
		{Pattern: "GET /incidents/{id}/timeline/{event}/history", Kind: KindUI, Role: viewer, Handler: s.uiEventHistory()},
		{Pattern: "GET /postmortems/{id}/public", Kind: KindUI, Role: viewer, Handler: s.uiPublicCompare()},
		{Pattern: "GET /postmortems/{id}/history", Kind: KindUI, Role: viewer, Handler: s.uiPostmortemHistory()},
		{Pattern: "GET /action-items/{id}/history", Kind: KindUI, Role: viewer, Handler: s.uiActionItemHistory()},
		{Pattern: "GET /action-items", Kind: KindUI, Role: viewer, Handler: s.uiActionItems()},
		{Pattern: "POST /action-items/{id}", Kind: KindUI, Role: responder, Handler: s.uiUpdateActionItem()},
		{Pattern: "GET /action-items/new", Kind: KindUI, Role: responder, Handler: s.uiNewActionItem()},
		{Pattern: "POST /action-items", Kind: KindUI, Role: responder, Handler: s.uiCreateActionItem()},
		{Pattern: "POST /action-items/{id}/export", Kind: KindUI, Role: responder, Handler: s.uiExportActionItem()},
		{Pattern: "POST /action-items/{id}/sync", Kind: KindUI, Role: responder, Handler: s.uiSyncActionItem()},
		{Pattern: "GET /analytics", Kind: KindUI, Role: viewer, Handler: s.uiAnalytics()},
		{Pattern: "GET /ideas", Kind: KindUI, Role: viewer, Handler: s.uiIdeas()},
		{Pattern: "POST /ideas", Kind: KindUI, Role: responder, Handler: s.uiRaiseIdea()},
		{Pattern: "POST /postmortems/{id}/ideas", Kind: KindUI, Role: responder, Handler: s.uiRaisePostmortemIdea()},
		{Pattern: "POST /ideas/{id}/{action}", Kind: KindUI, Role: responder, Handler: s.uiIdeaAction()},
		{Pattern: "GET /search", Kind: KindUI, Role: viewer, Handler: s.uiSearch()},
		{Pattern: "GET /admin", Kind: KindUI, Role: admin, Handler: s.uiAdmin()},
		{Pattern: "GET /admin/users", Kind: KindUI, Role: admin, Handler: s.uiAdminUsers()},
		{Pattern: "POST /admin/users", Kind: KindUI, Role: admin, Handler: s.uiAdminInvite()},
		{Pattern: "POST /admin/users/{id}", Kind: KindUI, Role: admin, Handler: s.uiAdminUpdateUser()},
		{Pattern: "GET /admin/integrations", Kind: KindUI, Role: admin, Handler: s.uiAdminIntegrations()},
		{Pattern: "POST /admin/integrations", Kind: KindUI, Role: admin, Handler: s.uiAdminAddIntegration()},
		{Pattern: "GET /admin/integrations/{id}", Kind: KindUI, Role: admin, Handler: s.uiAdminIntegration()},
		{Pattern: "POST /admin/integrations/{id}/rotate", Kind: KindUI, Role: admin, Handler: s.uiAdminRotateIntegration()},
		{Pattern: "POST /admin/integrations/{id}/secrets", Kind: KindUI, Role: admin, Handler: s.uiAdminSigningSecret()},
		{Pattern: "POST /admin/integrations/{id}/enabled", Kind: KindUI, Role: admin, Handler: s.uiAdminToggleIntegration()},
		{Pattern: "GET /admin/templates", Kind: KindUI, Role: admin, Handler: s.uiAdminTemplates()},
		{Pattern: "POST /admin/templates", Kind: KindUI, Role: admin, Handler: s.uiAdminCreateTemplate()},
		{Pattern: "GET /admin/templates/{key}", Kind: KindUI, Role: admin, Handler: s.uiAdminTemplate()},
		{Pattern: "POST /admin/templates/{key}", Kind: KindUI, Role: admin, Handler: s.uiAdminSaveTemplate()},
		{Pattern: "GET /admin/teams", Kind: KindUI, Role: admin, Handler: s.uiAdminTeams()},
		{Pattern: "POST /admin/teams", Kind: KindUI, Role: admin, Handler: s.uiAdminCreateTeam()},
		{Pattern: "POST /admin/teams/{team}", Kind: KindUI, Role: admin, Handler: s.uiAdminSaveTeam()},
		{Pattern: "POST /admin/teams/{team}/delete", Kind: KindUI, Role: admin, Handler: s.uiAdminDeleteTeam()},
		{Pattern: "GET /admin/trackers", Kind: KindUI, Role: admin, Handler: s.uiAdminTrackers()},
		{Pattern: "POST /admin/trackers", Kind: KindUI, Role: admin, Handler: s.uiAdminCreateTracker()},
		{Pattern: "POST /admin/trackers/{id}", Kind: KindUI, Role: admin, Handler: s.uiAdminSaveTracker()},
		{Pattern: "POST /admin/trackers/{id}/delete", Kind: KindUI, Role: admin, Handler: s.uiAdminDeleteTracker()},
		{Pattern: "GET /admin/audit", Kind: KindUI, Role: admin, Handler: s.uiAdminAudit()},
		{Pattern: "GET /account", Kind: KindUI, Role: viewer, Handler: s.uiAccount()},
		{Pattern: "POST /account/password", Kind: KindUI, Role: viewer, Handler: s.uiChangePassword()},
		{Pattern: "POST /account/tokens", Kind: KindUI, Role: viewer, Handler: s.uiCreateToken()},
		{Pattern: "POST /account/tokens/{id}/revoke", Kind: KindUI, Role: viewer, Handler: s.uiRevokeToken()},
		// Any other path is the 404 page.
		{Pattern: "/", Kind: KindUI, Handler: uiNotFound},
	}
}
