package sqlstore

import (
	"context"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

// Pages of the lists that were once read whole: tokens, integrations,
// ideas, custom templates, teams, trackers and notification channels. Each is a keyset page (the last row's key is
// the next page's start) with the limit in the query, so a page costs the
// same however long the list grows.

// ListTokensAfter returns at most limit tokens of userID (every user's
// when 0) with an ID below after (0 for the first page), newest first.
func (db *DB) ListTokensAfter(ctx context.Context, userID, after int64, limit int) ([]*debrief.APIToken, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	var w where
	if userID != 0 {
		w.add(`t.user_id = ?`, userID)
	}
	if after > 0 {
		w.add(`t.id < ?`, after)
	}
	list, err := queryList(ctx, db.r, `SELECT `+tokenColumns+tokenFrom+w.sql()+` ORDER BY t.id DESC LIMIT `+strconv.Itoa(limit), w.args, scanToken)
	if list == nil {
		list = []*debrief.APIToken{}
	}
	return list, mapErr(err, "list tokens after %d", after)
}

// ListIntegrationsAfter returns at most limit integrations with an ID above
// after (0 for the first page), oldest first as ListIntegrations.
func (db *DB) ListIntegrationsAfter(ctx context.Context, after int64, limit int) ([]*debrief.Integration, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	list, err := queryList(ctx, db.r, `SELECT `+integrationColumns+` FROM integrations WHERE id > $1 ORDER BY id LIMIT $2`, []any{after, limit}, scanIntegration)
	if list == nil {
		list = []*debrief.Integration{}
	}
	return list, mapErr(err, "list integrations after %d", after)
}

// ListCustomTemplatesAfter returns at most limit custom templates whose key
// sorts after after ("" for the first page), by key.
func (db *DB) ListCustomTemplatesAfter(ctx context.Context, after string, limit int) ([]*debrief.CustomTemplate, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	list, err := queryList(ctx, db.r, `SELECT `+templateColumns+`
FROM templates t JOIN template_versions v ON v.key = t.key AND v.version = t.latest_version
WHERE NOT t.deleted AND t.key > $1 ORDER BY t.key LIMIT $2`, []any{after, limit}, scanTemplate)
	if list == nil {
		list = []*debrief.CustomTemplate{}
	}
	return list, mapErr(err, "list templates after %q", after)
}

// ListTeamsAfter returns at most limit teams whose name sorts after after
// ("" for the first page), by name as ListTeams, with their services.
// Names are unique, so the last name of a page is its cursor.
func (db *DB) ListTeamsAfter(ctx context.Context, after string, limit int) ([]*debrief.Team, error) {
	return db.readTeams(ctx, ` WHERE name > $1 ORDER BY name LIMIT $2`, []any{after, limit})
}

// ListTrackersAfter returns at most limit trackers (with their tokens)
// whose name sorts after after ("" for the first page), by name as
// ListTrackers.
func (db *DB) ListTrackersAfter(ctx context.Context, after string, limit int) ([]*debrief.Tracker, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	list, err := queryList(ctx, db.r, `SELECT `+trackerColumns+` FROM trackers WHERE name > $1 ORDER BY name LIMIT $2`, []any{after, limit}, scanTracker)
	if list == nil {
		list = []*debrief.Tracker{}
	}
	return list, mapErr(err, "list trackers after %q", after)
}

// ListNotificationChannelsAfter returns at most limit channels (with their
// secrets) with an ID above after (0 for the first page), oldest first as
// ListNotificationChannels.
func (db *DB) ListNotificationChannelsAfter(ctx context.Context, after int64, limit int) ([]*debrief.NotificationChannel, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	list, err := queryList(ctx, db.r, `SELECT `+channelColumns+` FROM notification_channels WHERE id > $1 ORDER BY id LIMIT $2`, []any{after, limit}, scanChannel)
	if list == nil {
		list = []*debrief.NotificationChannel{}
	}
	return list, mapErr(err, "list notification channels after %d", after)
}

// ListIdeasAfter returns at most limit ideas matching f with their
// mentions, heaviest first (most mentions), then newest: those after the
// idea of weight afterWeight and ID afterID (afterID 0 for the first page).
// The weight is counted in the query, so the page is cut by the database.
func (db *DB) ListIdeasAfter(ctx context.Context, f debrief.IdeaFilter, afterWeight int, afterID int64, limit int) ([]*debrief.Idea, error) {
	w := ideaWhere(f)
	const weight = `(SELECT COUNT(*) FROM idea_mentions m WHERE m.idea_id = ideas.id)`
	if afterID > 0 {
		w.add(`(`+weight+` < ? OR (`+weight+` = ? AND id < ?))`, afterWeight, afterWeight, afterID)
	}
	return db.readIdeas(ctx, w, ` ORDER BY `+weight+` DESC, id DESC LIMIT `+strconv.Itoa(limit))
}

// readIdeas returns the ideas w selects, in the order (and to the limit)
// tail says, with their mentions. Both queries run in one read
// transaction, so an idea and its mentions come from one snapshot.
func (db *DB) readIdeas(ctx context.Context, w where, tail string) ([]*debrief.Idea, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	tx, err := db.r.BeginTx(ctx, db.d.readTxOptions())
	if err != nil {
		return nil, mapErr(err, "list ideas")
	}
	defer tx.Rollback()
	list, err := queryList(ctx, tx, `SELECT `+ideaColumns+` FROM ideas`+w.sql()+tail, w.args, scanIdea)
	if err != nil {
		return nil, mapErr(err, "list ideas")
	}
	if len(list) == 0 {
		return []*debrief.Idea{}, nil
	}
	byID := make(map[int64]*debrief.Idea, len(list))
	for _, idea := range list {
		byID[idea.ID] = idea
	}
	if err := db.readMentions(ctx, tx, whereIDs(list), nil, byID); err != nil {
		return nil, mapErr(err, "list ideas")
	}
	return list, nil
}

// ideaWhere selects the ideas f matches.
func ideaWhere(f debrief.IdeaFilter) where {
	var w where
	whereIn(&w, "status", f.Status)
	if f.PostmortemID != nil {
		w.add(`EXISTS (SELECT 1 FROM idea_mentions m WHERE m.idea_id = ideas.id AND m.postmortem_id = ?)`, *f.PostmortemID)
	}
	return w
}

// whereIDs is "WHERE idea_id IN (1, 2, …)" for ideas whose IDs the
// database gave: integers, so they are written into the query as such.
func whereIDs(list []*debrief.Idea) string {
	b := []byte("WHERE idea_id IN (")
	for i, idea := range list {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, idea.ID, 10)
	}
	return string(append(b, ')'))
}
