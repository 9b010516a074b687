package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

const teamColumns = `id, name, members, created_by, created_at, updated_at, version`

func scanTeam(s rowScanner) (*debrief.Team, error) {
	t := debrief.Team{Members: []string{}, Services: []string{}}
	if err := s.Scan(&t.ID, &t.Name, jsonCol{&t.Members}, &t.CreatedBy, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}, &t.Version); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateTeam implements debrief.TeamStore.
func (db *DB) CreateTeam(ctx context.Context, t *debrief.Team, rev *debrief.Revision) error {
	members, err := jsonArg(t.Members)
	if err != nil {
		return err
	}
	var id int64
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.teamTaken(ctx, tx, t, 0); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO teams (name, members, created_by, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, 1) RETURNING id`, t.Name, members, t.CreatedBy, db.d.t(t.CreatedAt), db.d.t(t.UpdatedAt)).Scan(&id); err != nil {
			return err
		}
		if err := db.writeTeamServices(ctx, tx, id, t.Services); err != nil {
			return err
		}
		return db.appendRevision(ctx, tx, rev, id)
	})
	if err != nil {
		return teamErr(err, "create team")
	}
	t.ID, t.Version = id, 1
	return nil
}

// teamTaken returns EConflict when another team (not id) has t's name or
// owns one of its services, naming which, for a sentence a person can act
// on; the unique keys still decide when two changes race (teamErr).
func (db *DB) teamTaken(ctx context.Context, tx *sql.Tx, t *debrief.Team, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM teams WHERE name = $1 AND id <> $2`, t.Name, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return debrief.Errorf(debrief.EConflict, "name", "A team named %q exists already; choose another name.", t.Name)
	}
	for _, s := range t.Services {
		var owner string
		err := tx.QueryRowContext(ctx, `SELECT t.name FROM team_services s JOIN teams t ON t.id = s.team_id WHERE s.service = $1 AND s.team_id <> $2`, s, id).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		return debrief.Errorf(debrief.EConflict, "services", "The service %q is owned by the team %s already; a service has one owning team, so remove it there first.", s, owner)
	}
	return nil
}

func (db *DB) writeTeamServices(ctx context.Context, tx *sql.Tx, id int64, services []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM team_services WHERE team_id = $1`, id); err != nil {
		return err
	}
	for _, s := range services {
		if _, err := tx.ExecContext(ctx, `INSERT INTO team_services (service, team_id) VALUES ($1, $2)`, s, id); err != nil {
			return err
		}
	}
	return nil
}

func teamErr(err error, what string) error {
	if classify(err) == dbErrUnique {
		return debrief.Errorf(debrief.EConflict, "services", "Another change to the teams took this name or one of these services just now; reload the teams and try again.")
	}
	return mapErr(err, "%s", what)
}

// Team implements debrief.TeamStore.
func (db *DB) Team(ctx context.Context, id int64) (*debrief.Team, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	tx, err := db.r.BeginTx(ctx, db.d.readTxOptions())
	if err != nil {
		return nil, mapErr(err, "get team %d", id)
	}
	defer tx.Rollback()
	t, err := db.team(ctx, tx, id)
	if err != nil {
		return nil, mapErr(err, "get team %d", id)
	}
	return t, nil
}

func (db *DB) team(ctx context.Context, q querier, id int64) (*debrief.Team, error) {
	t, err := scanTeam(q.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("team", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return nil, err
	}
	err = db.readTeamServices(ctx, q, `WHERE team_id = $1`, []any{id}, map[int64]*debrief.Team{id: t})
	return t, err
}

func (db *DB) readTeamServices(ctx context.Context, q querier, cond string, args []any, byID map[int64]*debrief.Team) error {
	rows, err := q.QueryContext(ctx, `SELECT team_id, service FROM team_services `+cond+` ORDER BY service`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return err
		}
		if t := byID[id]; t != nil {
			t.Services = append(t.Services, s)
		}
	}
	return rows.Err()
}

// ListTeams implements debrief.TeamStore: the teams and their services in
// one read transaction, so a team never shows a service it just gave away.
func (db *DB) ListTeams(ctx context.Context) ([]*debrief.Team, error) {
	return db.readTeams(ctx, ` ORDER BY name`, nil)
}

// readTeams returns the teams that tail (what follows FROM teams: a WHERE
// clause, the order and a LIMIT, with args) selects, with their services:
// both are read in one read transaction, the services of exactly the teams
// selected.
func (db *DB) readTeams(ctx context.Context, tail string, args []any) ([]*debrief.Team, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	tx, err := db.r.BeginTx(ctx, db.d.readTxOptions())
	if err != nil {
		return nil, mapErr(err, "list teams")
	}
	defer tx.Rollback()
	list, err := queryList(ctx, tx, `SELECT `+teamColumns+` FROM teams`+tail, args, scanTeam)
	if err != nil {
		return nil, mapErr(err, "list teams")
	}
	if len(list) == 0 {
		return []*debrief.Team{}, nil
	}
	byID := make(map[int64]*debrief.Team, len(list))
	for _, t := range list {
		byID[t.ID] = t
	}
	if err := db.readTeamServices(ctx, tx, `WHERE team_id IN (SELECT id FROM teams`+tail+`)`, args, byID); err != nil {
		return nil, mapErr(err, "list teams")
	}
	return list, nil
}

// UpdateTeam implements debrief.TeamStore.
func (db *DB) UpdateTeam(ctx context.Context, t *debrief.Team, ifVersion int, rev *debrief.Revision) error {
	members, err := jsonArg(t.Members)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE teams SET name = $1, members = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5`,
			t.Name, members, db.d.t(t.UpdatedAt), t.ID, ifVersion)
		if err != nil {
			return err
		}
		if err := db.staleTeam(ctx, tx, res, t.ID); err != nil {
			return err
		}
		if err := db.teamTaken(ctx, tx, t, t.ID); err != nil {
			return err
		}
		if err := db.writeTeamServices(ctx, tx, t.ID, t.Services); err != nil {
			return err
		}
		return db.appendRevision(ctx, tx, rev, t.ID)
	})
	if err != nil {
		return teamErr(err, "update team "+strconv.FormatInt(t.ID, 10))
	}
	t.Version = ifVersion + 1
	return nil
}

// staleTeam turns an update or delete that matched no row into EConflict
// with the stored team (or ENotFound when there is none).
func (db *DB) staleTeam(ctx context.Context, tx *sql.Tx, res sql.Result, id int64) error {
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	cur, err := db.team(ctx, tx, id)
	if err != nil {
		return err
	}
	return debrief.Conflict("team", cur, cur.Version)
}

// DeleteTeam implements debrief.TeamStore; its services go with it.
func (db *DB) DeleteTeam(ctx context.Context, id int64, ifVersion int, rev *debrief.Revision) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE id = $1 AND version = $2`, id, ifVersion)
		if err != nil {
			return err
		}
		if err := db.staleTeam(ctx, tx, res, id); err != nil {
			return err
		}
		return db.appendRevision(ctx, tx, rev, id)
	})
	return mapErr(err, "delete team %d", id)
}
