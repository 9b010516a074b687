package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("PostmortemDocument", testPostmortemDocument) }

// testPostmortemDocument reads a postmortem's document through the
// Service: everything it shows, hidden whole from those who may not see
// its incident, and consistent while writes land, with more readers than
// the pool holds.
func testPostmortemDocument(t *testing.T, open Opener) {
	s := open(t)
	now := at(48 * time.Hour)
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return now }))
	ctx := ctxOf(t)
	member := debrief.WithActor(ctx, debrief.Actor{Email: "ana@example.com", Role: debrief.RoleResponder})
	outsider := debrief.WithActor(ctx, debrief.Actor{Email: "bob@example.com", Role: debrief.RoleResponder})
	admin := debrief.WithActor(ctx, debrief.Actor{Email: "root@example.com", Role: debrief.RoleAdmin})

	out, err := svc.ImportPostmortem(member, sampleImport())
	must(t, err, "ImportPostmortem(sample)")
	pmID, incID := out.Postmortem.ID, out.Incident.ID
	onIncident, err := svc.CreateActionItem(member, &debrief.ActionItem{Title: "Alert on pool exhaustion", IncidentID: &incID})
	must(t, err, "CreateActionItem(on the incident)")

	doc, err := svc.PostmortemDocument(member, pmID)
	must(t, err, "PostmortemDocument(member)")
	if doc.Postmortem.ID != pmID || doc.Incident == nil || doc.Incident.ID != incID || len(doc.Timeline) != 2 || len(doc.ActionItems) != 2 {
		t.Fatalf("PostmortemDocument = postmortem %d, incident %v, %d events, %d action items; want %d, %d, 2 and 2", doc.Postmortem.ID, doc.Incident, len(doc.Timeline), len(doc.ActionItems), pmID, incID)
	}
	if doc.ActionItems[0].ID > doc.ActionItems[1].ID || doc.ActionItems[1].ID != onIncident.ID {
		t.Errorf("PostmortemDocument action items = %d, %d; want oldest first, ending with the incident's %d", doc.ActionItems[0].ID, doc.ActionItems[1].ID, onIncident.ID)
	}
	if !doc.Timeline[0].At.Before(doc.Timeline[1].At) {
		t.Errorf("PostmortemDocument timeline is not oldest first")
	}
	_, err = svc.PostmortemDocument(member, 999999)
	wantCode(t, err, debrief.ENotFound, "PostmortemDocument(missing)")

	private := true
	inc, err := svc.Incident(member, incID)
	must(t, err, "Incident")
	_, err = svc.UpdateIncident(member, incID, debrief.IncidentPatch{Private: &private}, inc.Version)
	must(t, err, "UpdateIncident(private)")
	_, err = svc.PostmortemDocument(outsider, pmID)
	wantCode(t, err, debrief.ENotFound, "PostmortemDocument(outsider, private incident)")

	project, err := svc.CreatePostmortem(member, debrief.NewPostmortem{Template: "project", Title: "Checkout rewrite"})
	must(t, err, "CreatePostmortem(project)")
	doc, err = svc.PostmortemDocument(outsider, project.ID)
	must(t, err, "PostmortemDocument(project)")
	if doc.Incident != nil || len(doc.Timeline) != 0 {
		t.Errorf("PostmortemDocument(project) = incident %v, %d events; want neither", doc.Incident, len(doc.Timeline))
	}

	// Each write adds an acknowledgement and moves the incident's
	// acknowledged time to it in one transaction; a document read at one
	// moment shows both or neither.
	const writes, readers = 20, 24
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, readers)
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				d, err := svc.PostmortemDocument(admin, pmID)
				if err != nil {
					errs <- err
					return
				}
				var last *time.Time
				for _, ev := range d.Timeline {
					if ev.Lifecycle == debrief.LifecycleAcknowledged {
						last = &ev.At
					}
				}
				got := d.Incident.AcknowledgedAt
				if (last == nil) != (got == nil) || (last != nil && !last.Equal(*got)) {
					errs <- debrief.Errorf(debrief.EInternal, "", "document with incident acknowledged at %v and its newest acknowledgement at %v", got, last)
					return
				}
			}
		}()
	}
	for i := 0; i < writes; i++ {
		_, err := svc.AddTimelineEvents(admin, incID, []*debrief.TimelineEvent{{At: at(time.Duration(5+i) * time.Minute), Text: "Acknowledged again",
			Lifecycle: debrief.LifecycleAcknowledged, Source: debrief.SourceManual}}, debrief.AddEventsOptions{SetLifecycle: true})
		must(t, err, "AddTimelineEvents(acknowledged)")
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("PostmortemDocument during writes: %v", err)
	}
}
