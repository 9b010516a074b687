// Package live fans out live updates to the pages open on a record: the
// changes the Service publishes after they commit (debrief.LiveEvent), and
// presence (who else is viewing a page, which section someone is editing).
//
// A Hub delivers to its subscribers in this process. Built with
// OpenPostgres, it also sends every event to the other instances on the same
// database through PostgreSQL's LISTEN/NOTIFY, and delivers theirs; on
// SQLite there is only one instance, and New is enough.
//
// Events carry no content: a topic, a kind, an ID and a version. A page that
// hears one reads what changed through the Service as its viewer, so the hub
// never decides who may see what.
package live

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Kinds the hub adds to the Service's (debrief.LiveTimeline, …).
const (
	// KindPresence: who is on the topic changed; read Hub.Viewers.
	KindPresence = "presence"
	// KindResync: events may have been missed (a full subscriber queue, or
	// the connection to PostgreSQL was lost and is back): read everything
	// again.
	KindResync = "resync"
)

// Presence timing. A page is present while its stream is open and the
// stream's instance renews it every Heartbeat; other instances forget it
// PresenceTTL after the last renewal, so an instance that dies takes its
// viewers with it within that time. A section being edited is renewed by the
// browser as long as the text box has focus.
const (
	Heartbeat   = 15 * time.Second
	PresenceTTL = 40 * time.Second
)

// Event is what a subscriber receives.
type Event = debrief.LiveEvent

// A Hub is what the Service publishes to (debrief.WithPublisher).
var _ debrief.Publisher = (*Hub)(nil)

// Viewer is one page open on a topic.
type Viewer struct {
	// Page identifies the open page (random, made by the server when it
	// rendered the page).
	Page string
	// Who is the viewer's name as pages show it.
	Who string
	// Section is the key of the section the viewer is editing, or "".
	Section string
}

// subscriberQueue is how many events a slow subscriber may have pending;
// past it, events are dropped and the subscriber is told to resync.
const subscriberQueue = 64

// Hub fans out events. It is safe for concurrent use; Close ends every
// subscription.
type Hub struct {
	id  string
	log *slog.Logger
	now func() time.Time

	mu       sync.Mutex
	subs     map[string]map[*Subscription]struct{}
	presence map[string]map[string]*presence // topic → page
	closed   bool
	// sweeping is set once the first presence starts the sweeper, so a
	// hub nobody uses runs no goroutine.
	sweeping bool

	// bus carries events to and from other instances; nil in one process.
	bus  *pgBus
	done chan struct{}
	wg   sync.WaitGroup
}

type presence struct {
	who          string
	section      string
	until        time.Time
	sectionUntil time.Time
}

// New returns a hub for one process (SQLite, or tests).
func New(log *slog.Logger) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Hub{id: hex.EncodeToString(b[:]), log: log, now: time.Now,
		subs: map[string]map[*Subscription]struct{}{}, presence: map[string]map[string]*presence{}, done: make(chan struct{})}
}

// Close ends every subscription and stops the hub's background work.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	for _, set := range h.subs {
		for s := range set {
			close(s.done)
		}
	}
	h.subs = map[string]map[*Subscription]struct{}{}
	h.mu.Unlock()
	close(h.done)
	if h.bus != nil {
		h.bus.cancel()
	}
	h.wg.Wait()
	if h.bus != nil {
		h.bus.pool.Close()
	}
}

// Subscription receives the events of one topic until it is closed or the
// hub closes (Done).
type Subscription struct {
	hub    *Hub
	topic  string
	c      chan Event
	done   chan struct{}
	missed atomic.Bool
}

// Events delivers the subscription's events.
func (s *Subscription) Events() <-chan Event { return s.c }

// Done is closed when the hub closes.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Close stops the subscription.
func (s *Subscription) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if set := h.subs[s.topic]; set != nil {
		if _, ok := set[s]; ok {
			delete(set, s)
			close(s.done)
			if len(set) == 0 {
				delete(h.subs, s.topic)
			}
		}
	}
}

// Subscribe returns a subscription to topic (debrief.IncidentTopic, …).
func (h *Hub) Subscribe(topic string) *Subscription {
	s := &Subscription{hub: h, topic: topic, c: make(chan Event, subscriberQueue), done: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(s.done)
		return s
	}
	set := h.subs[topic]
	if set == nil {
		set = map[*Subscription]struct{}{}
		h.subs[topic] = set
	}
	set[s] = struct{}{}
	return s
}

// Publish delivers ev to this instance's subscribers of its topic at once
// and sends it to the other instances. It never blocks: a subscriber whose
// queue is full misses the event and is told to resync, and an event the
// other instances cannot be sent (PostgreSQL down) is dropped, because
// every page reads the record itself when it resyncs.
func (h *Hub) Publish(ev debrief.LiveEvent) {
	h.deliver(ev)
	if h.bus != nil {
		h.bus.send(message{From: h.id, Topic: ev.Topic, Kind: ev.Kind, ID: ev.ID, Version: ev.Version, Section: ev.Section, By: ev.By})
	}
}

// deliver hands ev to the local subscribers of its topic.
func (h *Hub) deliver(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[ev.Topic] {
		offer(s, ev)
	}
}

// offer queues ev for s, or marks s as having missed events.
func offer(s *Subscription, ev Event) {
	select {
	case s.c <- ev:
	default:
		s.missed.Store(true)
	}
}

// Missed reports (and forgets) whether events were dropped because the
// subscriber's queue was full; the subscriber must then read everything
// again.
func (s *Subscription) Missed() bool { return s.missed.Swap(false) }

// resyncAll tells every local subscriber to read everything again.
func (h *Hub) resyncAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for topic, set := range h.subs {
		for s := range set {
			offer(s, Event{Topic: topic, Kind: KindResync})
		}
	}
}

// Here records that page (of who) is open on topic, for PresenceTTL; the
// stream serving the page calls it when it opens and every Heartbeat.
func (h *Hub) Here(topic, page, who string) {
	h.presenceMessage(message{From: h.id, Topic: topic, Kind: KindPresence, Page: page, By: who, TTL: int(PresenceTTL / time.Second)})
}

// Editing records that page (of who) is editing section of topic ("" for
// none), for PresenceTTL unless renewed.
func (h *Hub) Editing(topic, page, who, section string) {
	h.presenceMessage(message{From: h.id, Topic: topic, Kind: KindPresence, Page: page, By: who, Section: section, Editing: true,
		TTL: int(PresenceTTL / time.Second)})
}

// Gone records that page closed.
func (h *Hub) Gone(topic, page string) {
	h.presenceMessage(message{From: h.id, Topic: topic, Kind: KindPresence, Page: page})
}

func (h *Hub) presenceMessage(m message) {
	h.applyPresence(m)
	if h.bus != nil {
		h.bus.send(m)
	}
}

// applyPresence updates the presence of m's page and tells the topic's
// subscribers when what they show changed.
func (h *Hub) applyPresence(m message) {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	pages := h.presence[m.Topic]
	p := pages[m.Page]
	before := viewOf(p)
	switch {
	case m.TTL <= 0:
		if p == nil {
			return
		}
		delete(pages, m.Page)
		if len(pages) == 0 {
			delete(h.presence, m.Topic)
		}
		p = nil
	default:
		if !h.sweeping && !h.closed {
			h.sweeping = true
			h.wg.Add(1)
			go h.sweep()
		}
		if pages == nil {
			pages = map[string]*presence{}
			h.presence[m.Topic] = pages
		}
		if p == nil {
			p = &presence{}
			pages[m.Page] = p
		}
		until := now.Add(time.Duration(m.TTL) * time.Second)
		p.who = m.By
		if until.After(p.until) {
			p.until = until
		}
		if m.Editing {
			p.section, p.sectionUntil = m.Section, until
		}
	}
	if viewOf(p) != before {
		h.presenceChanged(m.Topic)
	}
}

// viewOf is what pages show of p.
func viewOf(p *presence) [2]string {
	if p == nil {
		return [2]string{}
	}
	return [2]string{p.who, p.section}
}

// presenceChanged tells topic's subscribers; h.mu is held.
func (h *Hub) presenceChanged(topic string) {
	for s := range h.subs[topic] {
		offer(s, Event{Topic: topic, Kind: KindPresence})
	}
}

// Viewers lists the pages open on topic, by name.
func (h *Hub) Viewers(topic string) []Viewer {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Viewer
	for page, p := range h.presence[topic] {
		if now.After(p.until) {
			continue
		}
		v := Viewer{Page: page, Who: p.who}
		if now.Before(p.sectionUntil) {
			v.Section = p.section
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Who != out[j].Who {
			return out[i].Who < out[j].Who
		}
		return out[i].Page < out[j].Page
	})
	return out
}

// sweep forgets pages whose presence ran out (their stream's instance
// stopped renewing it) and sections no longer renewed.
func (h *Hub) sweep() {
	defer h.wg.Done()
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-t.C:
			h.expire()
		}
	}
}

func (h *Hub) expire() {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	for topic, pages := range h.presence {
		changed := false
		for page, p := range pages {
			switch {
			case now.After(p.until):
				delete(pages, page)
				changed = true
			case p.section != "" && now.After(p.sectionUntil):
				p.section = ""
				changed = true
			}
		}
		if len(pages) == 0 {
			delete(h.presence, topic)
		}
		if changed {
			h.presenceChanged(topic)
		}
	}
}

// receive handles a message from another instance.
func (h *Hub) receive(m message) {
	if m.From == h.id {
		return // delivered locally when it was published
	}
	if m.Kind == KindPresence {
		h.applyPresence(m)
		return
	}
	h.deliver(Event{Topic: m.Topic, Kind: m.Kind, ID: m.ID, Version: m.Version, Section: m.Section, By: m.By})
}

// message is an event or a presence change as it travels between
// instances: small, because a NOTIFY payload must stay under 8000 bytes and
// every instance decodes every message.
type message struct {
	From    string `json:"f"`
	Topic   string `json:"t"`
	Kind    string `json:"k"`
	ID      int64  `json:"i,omitempty"`
	Version int    `json:"v,omitempty"`
	Section string `json:"s,omitempty"`
	By      string `json:"b,omitempty"`
	// Page, TTL (seconds; 0 means the page closed) and Editing (Section is
	// what the page edits now) are presence's.
	Page    string `json:"p,omitempty"`
	TTL     int    `json:"ttl,omitempty"`
	Editing bool   `json:"e,omitempty"`
}
