package main

import (
	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/ingest"
	"github.com/debriefhq/debrief/quality"
	"github.com/debriefhq/debrief/templates"
)

// newService is the one place the CLI and the server make a Service, so
// every command applies the same checks: those of the generic mapping
// (package ingest) and of template variables (package templates); and
// every save of a postmortem stores its quality score (package quality).
func newService(st debrief.Store, opts ...debrief.Option) *debrief.Service {
	checks := debrief.WithChecks(debrief.Checks{IntegrationConfig: ingest.CheckIntegrationConfig, Template: templates.Check})
	scorer := debrief.WithPostmortemScorer(quality.Score)
	return debrief.NewService(st, append([]debrief.Option{checks, scorer}, opts...)...)
}
