package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// MemberTx edits one group's memberships inside UpdateGroup's transaction.
// Its methods touch only the memberships they name, so a PATCH on a group with
// tens of thousands of members never loads them; only List reads them all.
// A MemberTx is valid only until the UpdateGroup callback returns.
type MemberTx interface {
	// AddMembers adds users to the group. Pairs already present are left as
	// they are. An id that is not an existing user fails the call with a
	// *MemberError (errors.Is(err, ErrInvalidMember)).
	AddMembers(ms []Member) error
	// RemoveMembers removes the given user ids and reports how many were
	// members; absent ids are ignored.
	RemoveMembers(userIDs []string) (removed int, err error)
	// HasMember reports whether the user is a member.
	HasMember(userID string) (bool, error)
	// RemoveAll removes every member.
	RemoveAll() error
	// List returns all members ordered by user id.
	List() ([]Member, error)
}

// CreateGroup stores a new group with its initial members, in one
// transaction. It fills r like CreateUser does. A displayName already used by
// another group (compared case-insensitively) gives ErrConflict; a member that
// is not an existing user gives a *MemberError and nothing is stored.
func (db *DB) CreateGroup(ctx context.Context, r *Resource, members []Member) error {
	doc, ix, err := normalize(KindGroup, r.Doc)
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
		res, err := tx.ExecContext(ctx, `INSERT INTO groups
			(id, display_name, external_id, doc, version, created, last_modified)
			VALUES (?, ?, ?, ?, 1, ?, ?)`,
			id, ix.displayName, ix.externalID, string(doc), ts, ts)
		if err != nil {
			return groupWriteErr(err, id, ix.displayName.String)
		}
		if rowid, err = res.LastInsertId(); err != nil {
			return err
		}
		_, err = addMembers(ctx, tx, id, members)
		return err
	}, func() { db.order[KindGroup].added(rowid) })
	if err != nil {
		return err
	}
	r.Kind, r.ID, r.Doc, r.Version, r.Created, r.LastModified = KindGroup, id, doc, 1, now, now
	ix.apply(r)
	return nil
}

func groupWriteErr(err error, id, displayName string) error {
	if isPrimaryKeyViolation(err) {
		return fmt.Errorf("%w: a resource with id %q already exists", ErrConflict, id)
	}
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: a group named %q already exists", ErrConflict, displayName)
	}
	return fmt.Errorf("store: write group: %w", err)
}

// GetGroup returns the group with the given id (without members), or
// ErrNotFound.
func (db *DB) GetGroup(ctx context.Context, id string) (*Resource, error) {
	return getResource(ctx, db.r, KindGroup, id)
}

// Members returns up to limit members of the group ordered by user id;
// limit <= 0 returns all of them. An unknown group gives ErrNotFound. One query
// answers both: the group joined to its memberships yields one row with no member
// when it has none.
func (db *DB) Members(ctx context.Context, groupID string, limit int) (_ []Member, err error) {
	defer db.noteDamage(&err)
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := db.r.QueryContext(ctx, `SELECT m.user_id, m.display, m.type FROM groups g
		LEFT JOIN memberships m ON m.group_id = g.id WHERE g.id = ? ORDER BY m.user_id LIMIT ?`, groupID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list members: %w", err)
	}
	defer rows.Close()
	var out []Member
	found := false
	for rows.Next() {
		found = true
		var uid, display, typ sql.NullString
		if err := rows.Scan(&uid, &display, &typ); err != nil {
			return nil, fmt.Errorf("store: list members: %w", err)
		}
		if uid.Valid {
			out = append(out, Member{UserID: uid.String, Display: display.String, Type: typ.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list members: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("%w: %s %q", ErrNotFound, KindGroup, groupID)
	}
	return out, nil
}

// MemberCount returns the number of members of the group. An unknown group
// gives ErrNotFound (no row, where a group without members counts 0).
func (db *DB) MemberCount(ctx context.Context, groupID string) (_ int, err error) {
	defer db.noteDamage(&err)
	var n int
	err = db.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM memberships WHERE group_id = g.id)
		FROM groups g WHERE g.id = ?`, groupID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("%w: %s %q", ErrNotFound, KindGroup, groupID)
	}
	if err != nil {
		return 0, fmt.Errorf("store: count members: %w", err)
	}
	return n, nil
}

// UpdateGroup changes a group and its members inside one write transaction.
// fn receives a copy of the current group and a MemberTx; it returns the new
// group, of which only Doc is used, or nil to keep the document. The version
// goes up by exactly one when the document or the memberships changed, and
// not at all otherwise. fn returning an error rolls everything back.
// ifVersion != 0 must equal the stored version, else ErrPreconditionFailed.
func (db *DB) UpdateGroup(ctx context.Context, id string, ifVersion int64, fn func(cur *Resource, m MemberTx) (*Resource, error)) (*Resource, error) {
	var out *Resource
	err := db.write(ctx, func(tx *sql.Tx) error {
		cur, err := getResource(ctx, tx, KindGroup, id)
		if err != nil {
			return err
		}
		if err := checkVersion(KindGroup, id, cur.Version, ifVersion); err != nil {
			return err
		}
		mt := &memberTx{ctx: ctx, tx: tx, groupID: id}
		next, err := fn(cur.clone(), mt)
		mt.closed = true
		if err != nil {
			return err
		}
		doc, ix := cur.Doc, indexed{
			displayName: sql.NullString{String: cur.DisplayName, Valid: cur.DisplayName != ""},
			externalID:  sql.NullString{String: cur.ExternalID, Valid: cur.ExternalID != ""},
		}
		docChanged := false
		if next != nil {
			if doc, ix, err = normalize(KindGroup, next.Doc); err != nil {
				return err
			}
			docChanged = !bytes.Equal(doc, cur.Doc)
		}
		out = cur
		if !docChanged && mt.changes == 0 {
			return nil
		}
		now := db.now().UTC()
		if docChanged {
			_, err = tx.ExecContext(ctx, `UPDATE groups SET display_name = ?, external_id = ?, doc = ?,
				version = version + 1, last_modified = ? WHERE id = ?`,
				ix.displayName, ix.externalID, string(doc), formatTime(now), id)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE groups SET version = version + 1, last_modified = ? WHERE id = ?`,
				formatTime(now), id)
		}
		if err != nil {
			return groupWriteErr(err, id, ix.displayName.String)
		}
		out = &Resource{Kind: KindGroup, ID: id, Doc: doc, Version: cur.Version + 1, Created: cur.Created, LastModified: now}
		ix.apply(out)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteGroup deletes a group and its memberships.
func (db *DB) DeleteGroup(ctx context.Context, id string, ifVersion int64) error {
	var rowid int64
	return db.writeThen(ctx, func(tx *sql.Tx) error {
		var err error
		rowid, err = deleteChecked(ctx, tx, KindGroup, id, ifVersion)
		return err
	}, func() { db.order[KindGroup].removed(rowid) })
}

// errMemberTxClosed reports use of a MemberTx after its callback returned.
var errMemberTxClosed = errors.New("store: MemberTx used after UpdateGroup's callback returned")

// memberTx implements MemberTx over the write transaction.
type memberTx struct {
	ctx     context.Context
	tx      *sql.Tx
	groupID string
	changes int64 // rows inserted or deleted; decides the version bump
	closed  bool
}

func (m *memberTx) AddMembers(ms []Member) error {
	if m.closed {
		return errMemberTxClosed
	}
	n, err := addMembers(m.ctx, m.tx, m.groupID, ms)
	m.changes += n
	return err
}

func (m *memberTx) RemoveMembers(userIDs []string) (int, error) {
	if m.closed {
		return 0, errMemberTxClosed
	}
	if len(userIDs) == 0 {
		return 0, nil
	}
	var removed int64
	for _, uid := range userIDs {
		res, err := m.tx.ExecContext(m.ctx, `DELETE FROM memberships WHERE group_id = ? AND user_id = ?`, m.groupID, uid)
		if err != nil {
			return int(removed), fmt.Errorf("store: remove members: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return int(removed), fmt.Errorf("store: remove members: %w", err)
		}
		removed += n
	}
	m.changes += removed
	return int(removed), nil
}

func (m *memberTx) HasMember(userID string) (bool, error) {
	if m.closed {
		return false, errMemberTxClosed
	}
	var ok bool
	err := m.tx.QueryRowContext(m.ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE group_id = ? AND user_id = ?)`,
		m.groupID, userID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: has member: %w", err)
	}
	return ok, nil
}

func (m *memberTx) RemoveAll() error {
	if m.closed {
		return errMemberTxClosed
	}
	res, err := m.tx.ExecContext(m.ctx, `DELETE FROM memberships WHERE group_id = ?`, m.groupID)
	if err != nil {
		return fmt.Errorf("store: remove all members: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: remove all members: %w", err)
	}
	m.changes += n
	return nil
}

func (m *memberTx) List() ([]Member, error) {
	if m.closed {
		return nil, errMemberTxClosed
	}
	return listMembers(m.ctx, m.tx, m.groupID, -1)
}

// addMembers inserts memberships, skipping pairs that exist, and returns how
// many rows it added. The insert selects from users, so a missing user adds
// nothing instead of tripping the foreign key without saying which id.
func addMembers(ctx context.Context, tx *sql.Tx, groupID string, ms []Member) (int64, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	var added int64
	for _, mb := range ms {
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO memberships (group_id, user_id, display, type)
			SELECT ?, users.id, ?, ? FROM users WHERE users.id = ?`, groupID, mb.Display, mb.Type, mb.UserID)
		if err != nil {
			if isForeignKeyViolation(err) {
				return added, &MemberError{UserID: mb.UserID}
			}
			return added, fmt.Errorf("store: add members: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return added, fmt.Errorf("store: add members: %w", err)
		}
		if n == 0 {
			// Either already a member, or no such user.
			if err := exists(ctx, tx, KindUser, mb.UserID); errors.Is(err, ErrNotFound) {
				return added, &MemberError{UserID: mb.UserID}
			} else if err != nil {
				return added, err
			}
		}
		added += n
	}
	return added, nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func listMembers(ctx context.Context, q queryer, groupID string, limit int) ([]Member, error) {
	rows, err := q.QueryContext(ctx, `SELECT user_id, display, type FROM memberships
		WHERE group_id = ? ORDER BY user_id LIMIT ?`, groupID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list members: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Display, &m.Type); err != nil {
			return nil, fmt.Errorf("store: list members: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
