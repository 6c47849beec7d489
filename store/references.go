package store

import (
	"context"
	"database/sql"
	"fmt"
)

// EnterpriseUserURN is the schema of the enterprise User extension (RFC 7643 §4.3),
// the object in a stored User document that holds the manager.
const EnterpriseUserURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

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
		WHERE json_extract(doc, `+manager+` || '.value') = ? AND id <> ?`, now, id, id)
	if err != nil {
		return fmt.Errorf("store: clear references to a deleted manager: %w", err)
	}
	return nil
}
