package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/notify"
	"github.com/debriefhq/debrief/sqlstore"
)

// noLateEnqueue is the store of a server whose separate writes to the
// outbox fail (a full disk, a lost connection just after the change
// committed): only what a change stores in its own transaction reaches the
// outbox.
type noLateEnqueue struct{ debrief.Store }

func (noLateEnqueue) EnqueueNotifications(context.Context, []*debrief.Notification) (int, error) {
	return 0, errors.New("the outbox cannot be written")
}

// TestReviewInvitationsSurviveRestart opens a review and chooses its slot
// on a server that can write the outbox only within a change, then stops
// that server before anything was sent. A new server on the same database
// sends every participant their personal link and their invitation, once:
// running its worker again, or a second instance's worker, sends nothing
// more.
func TestReviewInvitationsSurviveRestart(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			ms := startMailServer(t)
			dsn := dsnFor(t, engine)
			clk := newClock(start)

			// The first server: the change, and no sending before it stops.
			first, err := sqlstore.Open(context.Background(), dsn, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			svc := debrief.NewService(noLateEnqueue{first}, debrief.WithClock(clk.now), debrief.WithReviewNotifier(testMailer()))
			ria := debrief.WithActor(t.Context(), debrief.Actor{Email: "ria@example.com", Role: debrief.RoleResponder})
			pm, r := openMailedReview(t, svc, ria)
			if _, err := svc.ChooseReviewSlot(ria, pm.ID, time.Date(2026, 4, 8, 8, 0, 0, 0, time.UTC), r.Version); err != nil {
				t.Fatalf("ChooseReviewSlot = %v; want the change to commit with its invitations", err)
			}
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}

			// The next server, and another instance beside it.
			next := debrief.NewService(openDB(t, dsn), debrief.WithClock(clk.now))
			sender := ms.sender()
			workers := []*notify.Worker{
				notify.NewWorker(next, map[string]notify.Sender{debrief.ChannelEmail: sender}, notify.WorkerConfig{}, nil),
				notify.NewWorker(debrief.NewService(openDB(t, dsn), debrief.WithClock(clk.now)), map[string]notify.Sender{debrief.ChannelEmail: sender}, notify.WorkerConfig{}, nil),
			}
			for i, w := range append(workers, workers...) {
				if _, err := w.RunOnce(); err != nil {
					t.Fatalf("worker run %d: %v", i, err)
				}
			}
			ms.mu.Lock()
			defer ms.mu.Unlock()
			invited, linked := map[string]int{}, map[string]int{}
			for _, m := range ms.messages {
				got := readInvitationMail(t, m.data)
				switch {
				case got.cal == nil && strings.Contains(got.text, "/review/"):
					linked[got.to]++
				case got.method == "REQUEST":
					invited[got.to]++
				default:
					t.Errorf("mail to %s: %q, calendar method %q; want a personal link or a REQUEST", got.to, got.subject, got.method)
				}
			}
			for what, to := range map[string]map[string]int{"personal links": linked, "invitations": invited} {
				if len(to) != 3 || to["<ria@example.com>"] != 1 || to["<sam@example.com>"] != 1 || to["<pat@example.com>"] != 1 {
					t.Errorf("%s received after the restart = %v; want each of ria, sam and pat once", what, to)
				}
			}
		})
	}
}
