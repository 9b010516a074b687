package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// trackerSync reads exported action items' issues back on a schedule
// (Service.SyncTrackers), so an issue closed in GitHub or Jira marks its
// item done here. It is a field of serve, started and stopped with it.
type trackerSync struct {
	svc   *debrief.Service
	every time.Duration
	log   *slog.Logger

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

// startTrackerSync starts the loop, or returns nil when every is 0.
func startTrackerSync(svc *debrief.Service, every time.Duration, log *slog.Logger) *trackerSync {
	if every <= 0 {
		return nil
	}
	s := &trackerSync{svc: svc, every: every, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s
}

func (s *trackerSync) run() {
	defer close(s.done)
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(debrief.WithActor(context.Background(), debrief.SystemActor), s.every)
			n, err := s.svc.SyncTrackers(ctx)
			cancel()
			if err != nil {
				s.log.Warn("reading issue trackers back failed; it is tried again next time", "err", err)
			} else if n > 0 {
				s.log.Info("action items done in their issue trackers", "count", n)
			}
		}
	}
}

// Stop ends the loop after the sync in flight, if any.
func (s *trackerSync) Stop() {
	if s == nil {
		return
	}
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.done
}
