package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
)

// TestDemoAlertsHaveNames checks that the demo data names the alert of
// every alert event, as ingestion does, so similar incidents can compare
// the demo incidents by alert: before, the demo's alert events carried
// the name only in their text.
func TestDemoAlertsHaveNames(t *testing.T) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "demo.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := newService(db)
	if ok, err := loadDemo(ctx, svc); err != nil || !ok {
		t.Fatalf("loadDemo = %v, %v", ok, err)
	}
	sys := debrief.WithActor(ctx, debrief.SystemActor)
	incs, err := svc.ListIncidents(sys, debrief.IncidentFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	alerts := 0
	for _, inc := range incs.Items {
		events, err := svc.ListTimeline(sys, inc.ID, debrief.TimelineFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if e.Alert != "" {
				named[e.Alert] = true
			}
			if e.Kind != debrief.KindAlert {
				continue
			}
			alerts++
			if e.Alert == "" {
				t.Errorf("%s: alert event %q has no alert name", inc.Key, e.Text)
			}
		}
	}
	if alerts == 0 {
		t.Fatal("the demo data has no alert events")
	}
	for _, want := range []string{"CheckoutErrorRateHigh", "SearchIndexerLag", "ImageCDN5xxRatio"} {
		if !named[want] {
			t.Errorf("no demo event names the alert %s; named: %v", want, named)
		}
	}
}
