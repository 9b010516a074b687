package live

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// openPair opens two hubs on one fresh database, as two instances would.
func openPair(t testing.TB) (dsn string, a, b *Hub) {
	t.Helper()
	dsn = storetest.PostgresDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, h := range []**Hub{&a, &b} {
		hub, err := OpenPostgres(ctx, dsn, nil)
		if err != nil {
			t.Fatalf("OpenPostgres = %v", err)
		}
		t.Cleanup(hub.Close)
		if err := hub.Ready(ctx); err != nil {
			t.Fatalf("Ready = %v", err)
		}
		*h = hub
	}
	return dsn, a, b
}

func TestEventsCrossInstances(t *testing.T) {
	_, a, b := openPair(t)
	onA, onB := a.Subscribe("incident:1"), b.Subscribe("incident:1")
	ev := debrief.LiveEvent{Topic: "incident:1", Kind: debrief.LiveTimeline, ID: 3, Version: 2, By: "Zoë Ångström"}
	a.Publish(ev)
	if got := next(t, onB); got != ev {
		t.Errorf("B got %+v; want %+v", got, ev)
	}
	if got := next(t, onA); got != ev {
		t.Errorf("A got %+v; want %+v", got, ev)
	}
	// A hears its own event once: locally, not again from PostgreSQL.
	b.Publish(debrief.LiveEvent{Topic: "incident:1", Kind: debrief.LiveIncident})
	if got := next(t, onA); got.Kind != debrief.LiveIncident {
		t.Errorf("A's next event = %+v; want B's incident event (its own timeline event twice?)", got)
	}

	// Presence set on A shows on B, and leaves with it.
	a.Editing("postmortem:9", "page-a", "Alice", "impact")
	deadline := time.Now().Add(20 * time.Second)
	for len(b.Viewers("postmortem:9")) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := b.Viewers("postmortem:9"); len(got) != 1 || got[0].Who != "Alice" || got[0].Section != "impact" {
		t.Fatalf("B's viewers = %+v; want Alice editing impact", got)
	}
	a.Gone("postmortem:9", "page-a")
	for len(b.Viewers("postmortem:9")) != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := b.Viewers("postmortem:9"); len(got) != 0 {
		t.Errorf("B's viewers after A's page closed = %+v; want none", got)
	}
}

// When the listening connection is cut (as a PostgreSQL restart does), the
// hub reconnects by itself, tells its subscribers to resync, and hears
// the other instances again.
func TestListenerReconnects(t *testing.T) {
	dsn, a, b := openPair(t)
	onB := b.Subscribe("incident:1")
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// End every session listening on the channel but this one's own.
	if _, err := db.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'`); err != nil {
		t.Fatalf("terminate listeners: %v", err)
	}
	if ev := nextKind(t, onB, KindResync); ev.Topic != "incident:1" {
		t.Errorf("resync event = %+v; want it on incident:1", ev)
	}
	if n := b.Connects(); n < 2 {
		t.Errorf("B connected %d times; want a reconnection", n)
	}
	if err := a.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	want := debrief.LiveEvent{Topic: "incident:1", Kind: debrief.LiveSection, Section: "impact", Version: 4}
	a.Publish(want)
	if got := nextKind(t, onB, debrief.LiveSection); got != want {
		t.Errorf("after reconnecting, B got %+v; want %+v", got, want)
	}
}
