package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// CreateUser stores a new user. It fills r.ID with a random UUID when empty,
// sets Version to 1, Created and LastModified to now, replaces r.Doc with the
// stored form and fills the indexed copies. A userName already taken
// (compared case-insensitively) or an id in use gives ErrConflict; one an
// independent account holds gives ErrIndependentAccount.
func (db *DB) CreateUser(ctx context.Context, r *Resource) error {
	doc, ix, err := normalize(KindUser, r.Doc)
	if err != nil {
		return err
	}
	id := r.ID
	if id == "" {
		id = uuid.NewString()
	}
	now := db.now().UTC()
	ts := formatTime(now)
	err = db.write(ctx, func(tx *sql.Tx) error {
		if err := checkIndependent(ctx, tx, ix.userName.String); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO users
			(id, user_name, external_id, display_name, active, doc, version, created, last_modified)
			VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			id, ix.userName, ix.externalID, ix.displayName, ix.active, string(doc), ts, ts)
		return userWriteErr(err, id, ix.userName.String)
	})
	if err != nil {
		return err
	}
	r.Kind, r.ID, r.Doc, r.Version, r.Created, r.LastModified = KindUser, id, doc, 1, now, now
	ix.apply(r)
	return nil
}

// userWriteErr turns constraint violations of a users insert or update into
// ErrConflict with the offending value.
func userWriteErr(err error, id, userName string) error {
	if err == nil {
		return nil
	}
	if isUniqueViolation(err) {
		if isPrimaryKeyViolation(err) {
			return fmt.Errorf("%w: a resource with id %q already exists", ErrConflict, id)
		}
		return fmt.Errorf("%w: userName %q is already taken", ErrConflict, userName)
	}
	return fmt.Errorf("store: write user: %w", err)
}

// GetUser returns the user with the given id, or ErrNotFound.
func (db *DB) GetUser(ctx context.Context, id string) (*Resource, error) {
	return getResource(ctx, db.r, KindUser, id)
}

// ReplaceUser changes a user inside one write transaction. fn receives a copy
// of the current user and returns the new one; only its Doc is used (ID,
// Version and timestamps are the store's). fn returning an error aborts with
// that error; returning nil, or a Doc equal to the stored one, changes
// nothing, and the current user is returned with its version unchanged.
// ifVersion != 0 must equal the stored version, else ErrPreconditionFailed.
func (db *DB) ReplaceUser(ctx context.Context, id string, ifVersion int64, fn func(cur *Resource) (*Resource, error)) (*Resource, error) {
	var out *Resource
	err := db.write(ctx, func(tx *sql.Tx) error {
		cur, err := getResource(ctx, tx, KindUser, id)
		if err != nil {
			return err
		}
		if err := checkVersion(KindUser, id, cur.Version, ifVersion); err != nil {
			return err
		}
		next, err := fn(cur.clone())
		if err != nil {
			return err
		}
		out = cur
		if next == nil {
			return nil
		}
		doc, ix, err := normalize(KindUser, next.Doc)
		if err != nil {
			return err
		}
		if bytes.Equal(doc, cur.Doc) {
			return nil
		}
		now := db.now().UTC()
		_, err = tx.ExecContext(ctx, `UPDATE users SET user_name = ?, external_id = ?, display_name = ?,
			active = ?, doc = ?, version = version + 1, last_modified = ? WHERE id = ?`,
			ix.userName, ix.externalID, ix.displayName, ix.active, string(doc), formatTime(now), id)
		if err != nil {
			return userWriteErr(err, id, ix.userName.String)
		}
		out = &Resource{Kind: KindUser, ID: id, Doc: doc, Version: cur.Version + 1, Created: cur.Created, LastModified: now}
		ix.apply(out)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteUser deletes a user and its memberships. Every group that loses the
// user gets a new version and lastModified, because its members changed, and so
// does every user whose enterprise manager it was, whose manager is cleared.
func (db *DB) DeleteUser(ctx context.Context, id string, ifVersion int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := versionCheck(ctx, tx, KindUser, id, ifVersion); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET version = version + 1, last_modified = ?
			WHERE id IN (SELECT group_id FROM memberships WHERE user_id = ?)`,
			formatTime(db.now()), id); err != nil {
			return fmt.Errorf("store: delete user: %w", err)
		}
		if err := clearManagerOf(ctx, tx, id, formatTime(db.now())); err != nil {
			return err
		}
		// memberships go by ON DELETE CASCADE.
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: delete user: %w", err)
		}
		return nil
	})
}

// GroupsOfUser returns the groups the user is a direct member of, ordered by
// displayName. An unknown user gives ErrNotFound.
func (db *DB) GroupsOfUser(ctx context.Context, id string) ([]GroupRef, error) {
	var out []GroupRef
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := exists(ctx, tx, KindUser, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT g.id, coalesce(g.display_name, '') FROM memberships m
			JOIN groups g ON g.id = m.group_id WHERE m.user_id = ?
			ORDER BY g.display_name COLLATE NOCASE, g.id`, id)
		if err != nil {
			return fmt.Errorf("store: groups of user: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var g GroupRef
			if err := rows.Scan(&g.ID, &g.DisplayName); err != nil {
				return fmt.Errorf("store: groups of user: %w", err)
			}
			out = append(out, g)
		}
		return rows.Err()
	})
	return out, err
}

// GroupsOfUsers returns the groups of several users in one query (for list
// responses). Users without groups, and unknown ids, have no entry.
func (db *DB) GroupsOfUsers(ctx context.Context, ids []string) (_ map[string][]GroupRef, err error) {
	defer db.noteDamage(&err)
	out := make(map[string][]GroupRef)
	if len(ids) == 0 {
		return out, nil
	}
	// The ids travel as one JSON array parameter, so no SQL is built from them.
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("store: groups of users: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT m.user_id, g.id, coalesce(g.display_name, '') FROM memberships m
		JOIN groups g ON g.id = m.group_id
		WHERE m.user_id IN (SELECT value FROM json_each(?))
		ORDER BY m.user_id, g.display_name COLLATE NOCASE, g.id`, string(list))
	if err != nil {
		return nil, fmt.Errorf("store: groups of users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uid string
		var g GroupRef
		if err := rows.Scan(&uid, &g.ID, &g.DisplayName); err != nil {
			return nil, fmt.Errorf("store: groups of users: %w", err)
		}
		out[uid] = append(out[uid], g)
	}
	return out, rows.Err()
}

// queryRower is satisfied by *sql.DB and *sql.Tx.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func tableOf(kind Kind) string {
	if kind == KindGroup {
		return "groups"
	}
	return "users"
}

func columnsOf(kind Kind) string {
	if kind == KindGroup {
		return groupColumns
	}
	return userColumns
}

func getResource(ctx context.Context, q queryRower, kind Kind, id string) (*Resource, error) {
	row := q.QueryRowContext(ctx, "SELECT "+columnsOf(kind)+" FROM "+tableOf(kind)+" WHERE id = ?", id)
	r, err := scanResource(kind, row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s %q", ErrNotFound, kind, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get %s: %w", kind, err)
	}
	return r, nil
}

// exists returns ErrNotFound unless the resource exists.
func exists(ctx context.Context, q queryRower, kind Kind, id string) error {
	var one int
	err := q.QueryRowContext(ctx, "SELECT 1 FROM "+tableOf(kind)+" WHERE id = ?", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s %q", ErrNotFound, kind, id)
	}
	if err != nil {
		return fmt.Errorf("store: get %s: %w", kind, err)
	}
	return nil
}

// versionCheck reads the stored version inside tx and applies checkVersion.
func versionCheck(ctx context.Context, q queryRower, kind Kind, id string, ifVersion int64) error {
	var v int64
	err := q.QueryRowContext(ctx, "SELECT version FROM "+tableOf(kind)+" WHERE id = ?", id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s %q", ErrNotFound, kind, id)
	}
	if err != nil {
		return fmt.Errorf("store: get %s: %w", kind, err)
	}
	return checkVersion(kind, id, v, ifVersion)
}

func checkVersion(kind Kind, id string, stored, ifVersion int64) error {
	if ifVersion != 0 && stored != ifVersion {
		return fmt.Errorf("%w: %s %q is at version %d, not %d", ErrPreconditionFailed, kind, id, stored, ifVersion)
	}
	return nil
}
