package live

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// next waits for the subscription's next event, failing after a generous
// bound (a hang detector, not a timing assertion).
func next(t *testing.T, s *Subscription) Event {
	t.Helper()
	select {
	case ev := <-s.Events():
		return ev
	case <-time.After(20 * time.Second):
		t.Fatalf("no event on %s after 20 s", s.topic)
	}
	return Event{}
}

// nextKind skips events until one of kind arrives.
func nextKind(t *testing.T, s *Subscription, kind string) Event {
	t.Helper()
	for {
		if ev := next(t, s); ev.Kind == kind {
			return ev
		}
	}
}

func TestPublishReachesSubscribersOfItsTopicOnly(t *testing.T) {
	h := New(nil)
	defer h.Close()
	a1, a2 := h.Subscribe("incident:1"), h.Subscribe("incident:1")
	b := h.Subscribe("incident:2")
	ev := debrief.LiveEvent{Topic: "incident:1", Kind: debrief.LiveTimeline, ID: 7, Version: 2, By: "alice"}
	h.Publish(ev)
	for i, s := range []*Subscription{a1, a2} {
		if got := next(t, s); got != ev {
			t.Errorf("subscriber %d got %+v; want %+v", i+1, got, ev)
		}
	}
	select {
	case got := <-b.Events():
		t.Errorf("subscriber of incident:2 got %+v; want nothing", got)
	default:
	}
	a2.Close()
	h.Publish(ev)
	if got := next(t, a1); got != ev {
		t.Errorf("after another closed, got %+v; want %+v", got, ev)
	}
	select {
	case got := <-a2.Events():
		t.Errorf("closed subscription got %+v", got)
	case <-a2.Done():
	}
}

// A subscriber that does not read misses events but is told so, and the
// publisher never waits for it.
func TestSlowSubscriberMissesButIsTold(t *testing.T) {
	h := New(nil)
	defer h.Close()
	s := h.Subscribe("postmortem:1")
	for i := range subscriberQueue + 10 {
		h.Publish(debrief.LiveEvent{Topic: "postmortem:1", Kind: debrief.LiveSection, Version: i})
	}
	if !s.Missed() {
		t.Fatalf("Missed() = false after %d events into a queue of %d; want true", subscriberQueue+10, subscriberQueue)
	}
	if s.Missed() {
		t.Errorf("Missed() = true twice; want it forgotten once reported")
	}
	if n := len(s.Events()); n != subscriberQueue {
		t.Errorf("queued %d events; want the first %d", n, subscriberQueue)
	}
}

func TestCloseEndsSubscriptions(t *testing.T) {
	h := New(nil)
	s := h.Subscribe("incident:1")
	h.Close()
	select {
	case <-s.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("Done not closed after Hub.Close")
	}
	if late := h.Subscribe("incident:1"); late != nil {
		select {
		case <-late.Done():
		default:
			t.Error("a subscription made after Close is not done")
		}
	}
	h.Publish(debrief.LiveEvent{Topic: "incident:1"}) // must not panic
}

func TestPresence(t *testing.T) {
	h := New(nil)
	defer h.Close()
	var mu sync.Mutex
	now := time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC)
	h.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s := h.Subscribe("postmortem:1")

	h.Here("postmortem:1", "p1", "Alice")
	nextKind(t, s, KindPresence)
	h.Here("postmortem:1", "p2", "Bob")
	nextKind(t, s, KindPresence)
	h.Editing("postmortem:1", "p2", "Bob", "impact")
	nextKind(t, s, KindPresence)
	want := []Viewer{{Page: "p1", Who: "Alice"}, {Page: "p2", Who: "Bob", Section: "impact"}}
	if got := h.Viewers("postmortem:1"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Viewers = %v; want %v", got, want)
	}
	// A renewal that changes nothing shown tells no one.
	h.Here("postmortem:1", "p1", "Alice")
	select {
	case ev := <-s.Events():
		t.Errorf("a heartbeat sent %+v; want nothing", ev)
	default:
	}
	// Alice keeps renewing, Bob's section and page are not renewed.
	advance(PresenceTTL / 2)
	h.Here("postmortem:1", "p1", "Alice")
	advance(PresenceTTL/2 + time.Second)
	h.expire()
	nextKind(t, s, KindPresence)
	if got := h.Viewers("postmortem:1"); fmt.Sprint(got) != fmt.Sprint([]Viewer{{Page: "p1", Who: "Alice"}}) {
		t.Errorf("after Bob's presence ran out, Viewers = %v; want Alice only", got)
	}
	h.Gone("postmortem:1", "p1")
	nextKind(t, s, KindPresence)
	if got := h.Viewers("postmortem:1"); len(got) != 0 {
		t.Errorf("after Gone, Viewers = %v; want none", got)
	}
}

// Many publishers and subscribers at once (run with -race).
func TestConcurrentPublishAndSubscribe(t *testing.T) {
	h := New(nil)
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(2)
		topic := fmt.Sprintf("incident:%d", i%4)
		go func() {
			defer wg.Done()
			for range 200 {
				h.Publish(debrief.LiveEvent{Topic: topic, Kind: debrief.LiveTimeline})
			}
		}()
		go func() {
			defer wg.Done()
			for j := range 50 {
				s := h.Subscribe(topic)
				h.Here(topic, fmt.Sprint(i, j), "viewer")
				h.Viewers(topic)
				h.Gone(topic, fmt.Sprint(i, j))
				s.Close()
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("publishers and subscribers did not finish in 30 s")
	}
}
