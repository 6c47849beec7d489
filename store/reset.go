package store

import (
	"context"
	"database/sql"
	"fmt"
)

// ResetLab empties the lab for the next class, in one transaction: users, groups,
// memberships, tombstones, independent accounts, the app actions and every setting
// whose key starts with one of settingPrefixes (the walkthroughs' progress). The bearer token,
// the profile and the other settings stay. The request log is emptied by ClearRequests.
func (db *DB) ResetLab(ctx context.Context, settingPrefixes ...string) error {
	return db.writeThen(ctx, func(tx *sql.Tx) error {
		// Deleting users and groups fires the tombstone triggers; the tombstones go
		// after them.
		for _, stmt := range []string{
			`DELETE FROM memberships`,
			`DELETE FROM users`,
			`DELETE FROM groups`,
			`DELETE FROM tombstones`,
			`DELETE FROM independent_accounts`,
			`DELETE FROM app_actions`,
		} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("store: reset: %w", err)
			}
		}
		for _, p := range settingPrefixes {
			if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE substr(key, 1, length(?)) = ?`, p, p); err != nil {
				return fmt.Errorf("store: reset: %w", err)
			}
		}
		return nil
	}, db.forgetOrders)
}

// ClearRequests empties the request log. Sequence numbers are not reused afterwards:
// a console still subscribed sees the next request numbered after the last one.
func (db *DB) ClearRequests(ctx context.Context) error {
	lg := db.log
	lg.mu.Lock()
	defer lg.mu.Unlock()
	err := lg.write(ctx, func(tx *sql.Tx) error {
		// request_related goes by ON DELETE CASCADE.
		if _, err := tx.ExecContext(ctx, `DELETE FROM requests`); err != nil {
			return fmt.Errorf("store: clear requests: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	lg.bytes, lg.bytesKnown = 0, true
	return nil
}
