package store

import (
	"context"
	"database/sql"
	"fmt"
)

// EnterpriseUserURN is the schema of the enterprise User extension (RFC 7643 §4.3),
// the object in a stored User document that holds the manager.
const EnterpriseUserURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// managerOf is the manager reference of a stored User document. Migration 8 indexes
// users by exactly this expression (SQLite uses an index on an expression only for
// the same expression), so finding the users a manager manages reads the index, not
// every user's document.
const managerOf = `json_extract(doc, '$."` + EnterpriseUserURN + `".manager.value')`

// clearManagerOf removes the manager of every user whose manager is the user id, which
// is being deleted, and bumps their version and lastModified. RFC 7643 §4.3 makes the
// manager a reference to a User; once that User is gone the reference points at
// nothing, and Entra, which hard-deletes users, never sends the follow-up PATCH a
// reference to a deleted manager would need. An enterprise extension left empty goes
// too, so the user's schemas stop naming it.
func clearManagerOf(ctx context.Context, tx *sql.Tx, id, now string) error {
	const ext = `'$."` + EnterpriseUserURN + `"'`
	const manager = `'$."` + EnterpriseUserURN + `".manager'`
	_, err := tx.ExecContext(ctx, `UPDATE users SET
			doc = CASE WHEN json_extract(json_remove(doc, `+manager+`), `+ext+`) = '{}'
				THEN json_remove(doc, `+ext+`)
				ELSE json_remove(doc, `+manager+`) END,
			version = version + 1, last_modified = ?
		WHERE `+managerOf+` = ? AND id <> ?`, now, id, id)
	if err != nil {
		return fmt.Errorf("store: clear references to a deleted manager: %w", err)
	}
	return nil
}

// ManagedBy returns the ids of up to limit users whose enterprise manager is the user
// id (limit <= 0: all of them), ordered by id: the users a delete of id changes.
func (db *DB) ManagedBy(ctx context.Context, id string, limit int) (_ []string, err error) {
	defer db.noteDamage(&err)
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM users WHERE `+managerOf+` = ? AND id <> ? ORDER BY id LIMIT ?`,
		id, id, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: users managed by %q: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var uid string
		if err := rows.Scan(&uid); err != nil {
			return nil, fmt.Errorf("store: users managed by %q: %w", id, err)
		}
		out = append(out, uid)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: users managed by %q: %w", id, err)
	}
	return out, nil
}
