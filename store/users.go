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
	var rowid int64
	err = db.writeThen(ctx, func(tx *sql.Tx) error {
		if err := checkIndependent(ctx, tx, ix.userName.String); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO users
			(id, user_name, external_id, display_name, active, doc, version, created, last_modified)
			VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			id, ix.userName, ix.externalID, ix.displayName, ix.active, string(doc), ts, ts)
		if err != nil {
			return userWriteErr(err, id, ix.userName.String)
		}
		rowid, err = res.LastInsertId()
		return err
	}, func() { db.order[KindUser].added(rowid) })
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

// GetUser returns the user with the given id and its groups, or ErrNotFound.
func (db *DB) GetUser(ctx context.Context, id string) (*Resource, error) {
	var r *Resource
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = getResource(ctx, tx, KindUser, id); err != nil {
			return err
		}
		r.Groups, err = groupsOf(ctx, tx, id)
		return err
	})
	return r, err
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
		if cur.Groups, err = groupsOf(ctx, tx, id); err != nil {
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
		out = &Resource{Kind: KindUser, ID: id, Doc: doc, Version: cur.Version + 1, Created: cur.Created, LastModified: now, Groups: cur.Groups}
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
	var rowid int64
	return db.writeThen(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET version = version + 1, last_modified = ?
			WHERE id IN (SELECT group_id FROM memberships WHERE user_id = ?)`,
			formatTime(db.now()), id); err != nil {
			return fmt.Errorf("store: delete user: %w", err)
		}
		if err := clearManagerOf(ctx, tx, id, formatTime(db.now())); err != nil {
			return err
		}
		// memberships go by ON DELETE CASCADE. A stale ifVersion returns an
		// error, which rolls the delete back.
		var err error
		rowid, err = deleteChecked(ctx, tx, KindUser, id, ifVersion)
		return err
	}, func() { db.order[KindUser].removed(rowid) })
}

// GroupsOfUser returns the groups the user is a direct member of, ordered by
// displayName. An unknown user gives ErrNotFound. One query answers both: the user
// joined to its memberships yields one row with no group when it has none.
func (db *DB) GroupsOfUser(ctx context.Context, id string) (_ []GroupRef, err error) {
	defer db.noteDamage(&err)
	rows, err := db.r.QueryContext(ctx, `SELECT g.id, coalesce(g.display_name, '') FROM users u
		LEFT JOIN memberships m ON m.user_id = u.id LEFT JOIN groups g ON g.id = m.group_id
		WHERE u.id = ? ORDER BY g.display_name COLLATE NOCASE, g.id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: groups of user: %w", err)
	}
	defer rows.Close()
	var out []GroupRef
	found := false
	for rows.Next() {
		found = true
		var gid sql.NullString
		var g GroupRef
		if err := rows.Scan(&gid, &g.DisplayName); err != nil {
			return nil, fmt.Errorf("store: groups of user: %w", err)
		}
		if gid.Valid {
			g.ID = gid.String
			out = append(out, g)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: groups of user: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("%w: %s %q", ErrNotFound, KindUser, id)
	}
	return out, nil
}

// groupsOf reads one user's groups; a user without any, or no user, has none.
func groupsOf(ctx context.Context, q queryer, id string) ([]GroupRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.id, coalesce(g.display_name, '') FROM memberships m
		JOIN groups g ON g.id = m.group_id WHERE m.user_id = ?
		ORDER BY g.display_name COLLATE NOCASE, g.id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: groups of user: %w", err)
	}
	defer rows.Close()
	var out []GroupRef
	for rows.Next() {
		var g GroupRef
		if err := rows.Scan(&g.ID, &g.DisplayName); err != nil {
			return nil, fmt.Errorf("store: groups of user: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GroupsOfUsers returns the groups of several users in one query (for list
// responses). Users without groups, and unknown ids, have no entry.
func (db *DB) GroupsOfUsers(ctx context.Context, ids []string) (_ map[string][]GroupRef, err error) {
	defer db.noteDamage(&err)
	return groupsOfMany(ctx, db.r, ids)
}

func groupsOfMany(ctx context.Context, q queryer, ids []string) (map[string][]GroupRef, error) {
	out := make(map[string][]GroupRef)
	if len(ids) == 0 {
		return out, nil
	}
	// The ids travel as one JSON array parameter, so no SQL is built from them.
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("store: groups of users: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT m.user_id, g.id, coalesce(g.display_name, '') FROM memberships m
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

// pageGroups fills the Groups of a page of users from inside the page's transaction.
func pageGroups(ctx context.Context, q queryer, page []*Resource) error {
	if len(page) == 1 {
		var err error
		page[0].Groups, err = groupsOf(ctx, q, page[0].ID)
		return err
	}
	ids := make([]string, len(page))
	for i, r := range page {
		ids[i] = r.ID
	}
	groups, err := groupsOfMany(ctx, q, ids)
	if err != nil {
		return err
	}
	for _, r := range page {
		r.Groups = groups[r.ID]
	}
	return nil
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

// deleteChecked deletes a resource inside tx and returns its rowid; the deleted
// row's version answers both whether it existed and whether ifVersion still holds,
// so no read comes first. An error must roll tx back.
func deleteChecked(ctx context.Context, q queryRower, kind Kind, id string, ifVersion int64) (rowid int64, err error) {
	var v int64
	err = q.QueryRowContext(ctx, "DELETE FROM "+tableOf(kind)+" WHERE id = ? RETURNING rowid, version", id).Scan(&rowid, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("%w: %s %q", ErrNotFound, kind, id)
	}
	if err != nil {
		return 0, fmt.Errorf("store: delete %s: %w", kind, err)
	}
	return rowid, checkVersion(kind, id, v, ifVersion)
}

func checkVersion(kind Kind, id string, stored, ifVersion int64) error {
	if ifVersion != 0 && stored != ifVersion {
		return fmt.Errorf("%w: %s %q is at version %d, not %d", ErrPreconditionFailed, kind, id, stored, ifVersion)
	}
	return nil
}
