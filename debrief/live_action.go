package debrief

// Live updates of action items: the board of all open items listens on
// ActionItemsTopic, and an item's incident page and postmortem reading view
// on their own topics.

// LiveActionItems: an action item was added, changed or removed.
const LiveActionItems = "action_items"

// ActionItemsTopic is the topic of the action items board, which lists the
// items of every incident.
const ActionItemsTopic = "action-items"

// publishActionItem tells the pages that show item that it changed; err is
// the store's answer, and only a committed change is told.
func (s *Service) publishActionItem(err error, a Actor, item *ActionItem) {
	// The board's viewers may not all see the item's incident: its event
	// names neither the item nor who changed it, and each board reads
	// itself again as its viewer.
	s.publish(err, LiveEvent{Topic: ActionItemsTopic, Kind: LiveActionItems})
	ev := LiveEvent{Kind: LiveActionItems, ID: item.ID, Version: item.Version, By: a.Label()}
	if item.IncidentID != nil {
		ev.Topic = IncidentTopic(*item.IncidentID)
		s.publish(err, ev)
	}
	if item.PostmortemID != nil {
		ev.Topic = PostmortemTopic(*item.PostmortemID)
		s.publish(err, ev)
	}
}
