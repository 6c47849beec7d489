package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// App-side state is what the app holds that the IdP did not send: memberships its own
// admin added, and the changes that admin makes. Profiles that keep app-side members
// (thinglink) read them here.

// SetUserActive sets a user's active attribute, as the app's own admin does when they
// deactivate or reactivate an account. It returns the user; a user already in that
// state is returned unchanged, with its version.
func (db *DB) SetUserActive(ctx context.Context, id string, active bool) (*Resource, error) {
	var out *Resource
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = setActive(ctx, tx, id, active, formatTime(db.now()))
		return err
	})
	return out, err
}

// setActive rewrites one user's document with active set, inside tx.
func setActive(ctx context.Context, tx *sql.Tx, id string, active bool, now string) (*Resource, error) {
	cur, err := getResource(ctx, tx, KindUser, id)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(cur.Doc))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	for k := range m {
		if k != "active" && strings.EqualFold(k, "active") {
			delete(m, k)
		}
	}
	if v, ok := m["active"].(bool); ok && v == active {
		return cur, nil
	}
	m["active"] = active
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("store: set active: %w", err)
	}
	doc, ix, err := normalize(KindUser, data)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET doc = ?, active = ?, version = version + 1, last_modified = ? WHERE id = ?`,
		string(doc), ix.active, now, id); err != nil {
		return nil, fmt.Errorf("store: set active: %w", err)
	}
	return getResource(ctx, tx, KindUser, id)
}

// AppSideMembers returns the members of a group that the app's own admin added (by
// seeding or in the console), ordered by user id. An unknown group gives ErrNotFound.
func (db *DB) AppSideMembers(ctx context.Context, groupID string) ([]Member, error) {
	var out []Member
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := exists(ctx, tx, KindGroup, groupID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT user_id, display, type FROM memberships
			WHERE group_id = ? AND app_side = 1 ORDER BY user_id`, groupID)
		if err != nil {
			return fmt.Errorf("store: app-side members: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m Member
			if err := rows.Scan(&m.UserID, &m.Display, &m.Type); err != nil {
				return fmt.Errorf("store: app-side members: %w", err)
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// ExistingUsers reports which of ids are users, in one query.
func (db *DB) ExistingUsers(ctx context.Context, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("store: existing users: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM users WHERE id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, fmt.Errorf("store: existing users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: existing users: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// DeleteGroupDeactivating deletes a group and, in the same transaction, deactivates the
// members the IdP provisioned into it (not those added on the app side) that are in no
// other group afterwards. It returns the ids of the users it deactivated (those already
// inactive are not counted).
func (db *DB) DeleteGroupDeactivating(ctx context.Context, id string, ifVersion int64) ([]string, error) {
	var (
		deactivated []string
		rowid       int64
	)
	err := db.writeThen(ctx, func(tx *sql.Tx) error {
		// The members who leave with the group are read before the delete, whose
		// cascade takes the memberships; a missing group or a stale ifVersion makes
		// the delete fail and rolls everything back.
		rows, err := tx.QueryContext(ctx, `SELECT m.user_id FROM memberships m
			WHERE m.group_id = ? AND m.app_side = 0
			AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.user_id = m.user_id AND o.group_id <> m.group_id)
			ORDER BY m.user_id`, id)
		if err != nil {
			return fmt.Errorf("store: delete group: %w", err)
		}
		var only []string
		for rows.Next() {
			var uid string
			if err := rows.Scan(&uid); err != nil {
				rows.Close()
				return fmt.Errorf("store: delete group: %w", err)
			}
			only = append(only, uid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: delete group: %w", err)
		}
		if rowid, err = deleteChecked(ctx, tx, KindGroup, id, ifVersion); err != nil {
			return err
		}
		now := formatTime(db.now())
		for _, uid := range only {
			before, err := getResource(ctx, tx, KindUser, uid)
			if err != nil {
				return err
			}
			after, err := setActive(ctx, tx, uid, false, now)
			if err != nil {
				return err
			}
			if after.Version != before.Version {
				deactivated = append(deactivated, uid)
			}
		}
		return nil
	}, func() { db.order[KindGroup].removed(rowid) })
	if err != nil {
		return nil, err
	}
	return deactivated, nil
}
