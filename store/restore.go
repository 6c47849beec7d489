package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Snapshot is a lab's SCIM state, app-side state and settings as an export carries
// them.
type Snapshot struct {
	Users, Groups []*Resource
	Memberships   []Membership
	// Tombstones are the deleted users and groups; AppActions the app's own admin's
	// actions, with their numbers and times; Independent the independent accounts.
	Tombstones  []Tombstone
	AppActions  []AppAction
	Independent []IndependentAccount
	Settings    map[string]string
}

// Restore writes s into the database in one transaction, keeping every id, document,
// version and timestamp as they are, so an imported lab answers exactly as the
// exported one did. It is meant for a new, empty database: a resource, userName or
// group name already present gives ErrConflict and nothing is written. Indexed copies
// are derived from each document, as on any write. The creation orders are read again
// after the commit, as after any write in bulk. The request log is restored through
// AppendRequests, in its own file.
func (db *DB) Restore(ctx context.Context, s Snapshot) error {
	return db.writeThen(ctx, func(tx *sql.Tx) error {
		for _, r := range s.Users {
			if err := restoreResource(ctx, tx, KindUser, r); err != nil {
				return err
			}
		}
		for _, r := range s.Groups {
			if err := restoreResource(ctx, tx, KindGroup, r); err != nil {
				return err
			}
		}
		for _, m := range s.Memberships {
			if err := exists(ctx, tx, KindGroup, m.GroupID); err != nil {
				return fmt.Errorf("store: restore memberships: %w", err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO memberships (group_id, user_id, display, type, app_side) VALUES (?, ?, ?, ?, ?)`,
				m.GroupID, m.UserID, m.Display, m.Type, m.AppSide)
			switch {
			case isForeignKeyViolation(err):
				return &MemberError{UserID: m.UserID}
			case isUniqueViolation(err):
				return fmt.Errorf("%w: user %q is in group %q twice", ErrConflict, m.UserID, m.GroupID)
			case err != nil:
				return fmt.Errorf("store: restore memberships: %w", err)
			}
		}
		for _, t := range s.Tombstones {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tombstones (`+tombstoneColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				string(t.Kind), t.ID, t.Name, t.ExternalID, string(t.Doc), formatTime(t.Created), formatTime(t.Deleted), t.Memberships); err != nil {
				return fmt.Errorf("store: restore tombstones: %w", err)
			}
		}
		for _, a := range s.AppActions {
			if _, err := tx.ExecContext(ctx, `INSERT INTO app_actions (seq, time, action, resource_type, resource_id, name, detail)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, a.Seq, formatTime(a.Time), a.Action, a.ResourceType, a.ResourceID, a.Name, a.Detail); err != nil {
				return fmt.Errorf("store: restore app actions: %w", err)
			}
		}
		for _, ia := range s.Independent {
			if _, err := tx.ExecContext(ctx, `INSERT INTO independent_accounts (user_name, display_name, doc, created) VALUES (?, ?, ?, ?)`,
				ia.UserName, ia.DisplayName, string(ia.Doc), formatTime(ia.Created)); err != nil {
				return fmt.Errorf("store: restore independent accounts: %w", err)
			}
		}
		for k, v := range s.Settings {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return fmt.Errorf("store: write setting %q: %w", k, err)
			}
		}
		return nil
	}, db.forgetOrders)
}

func restoreResource(ctx context.Context, tx *sql.Tx, kind Kind, r *Resource) error {
	if r.ID == "" {
		return fmt.Errorf("%w: a %s without an id", ErrInvalidDocument, kind)
	}
	if r.Version < 1 {
		return fmt.Errorf("%w: %s %q has version %d", ErrInvalidDocument, kind, r.ID, r.Version)
	}
	doc, ix, err := normalize(kind, r.Doc)
	if err != nil {
		return fmt.Errorf("%s %q: %w", kind, r.ID, err)
	}
	created, modified := formatTime(r.Created), formatTime(r.LastModified)
	if kind == KindUser {
		_, err = tx.ExecContext(ctx, `INSERT INTO users
			(id, user_name, external_id, display_name, active, doc, version, created, last_modified)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, ix.userName, ix.externalID, ix.displayName, ix.active, string(doc), r.Version, created, modified)
		return userWriteErr(err, r.ID, ix.userName.String)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO groups (id, display_name, external_id, doc, version, created, last_modified)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.ID, ix.displayName, ix.externalID, string(doc), r.Version, created, modified)
	if err != nil {
		return groupWriteErr(err, r.ID, ix.displayName.String)
	}
	return nil
}
