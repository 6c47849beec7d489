package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Snapshot is a lab's SCIM state and settings as an export carries them.
type Snapshot struct {
	Users, Groups []*Resource
	// Memberships are the members of each group, by group id.
	Memberships map[string][]Member
	Settings    map[string]string
}

// Restore writes s into the database in one transaction, keeping every id, document,
// version and timestamp as they are, so an imported lab answers exactly as the
// exported one did. It is meant for a new, empty database: a resource, userName or
// group name already present gives ErrConflict and nothing is written. Indexed copies
// are derived from each document, as on any write.
func (db *DB) Restore(ctx context.Context, s Snapshot) error {
	return db.write(ctx, func(tx *sql.Tx) error {
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
		for groupID, ms := range s.Memberships {
			if err := exists(ctx, tx, KindGroup, groupID); err != nil {
				return fmt.Errorf("store: restore memberships: %w", err)
			}
			if _, err := addMembers(ctx, tx, groupID, ms); err != nil {
				return err
			}
		}
		for k, v := range s.Settings {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return fmt.Errorf("store: write setting %q: %w", k, err)
			}
		}
		return nil
	})
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

// Reset empties the lab for a new rehearsal in one transaction: users, groups,
// memberships and the request log go, and so do the settings whose key starts with
// one of dropSettings; the other settings (the bearer token among them) stay. Request
// numbers continue from where they were, so a number is never given twice.
func (db *DB) Reset(ctx context.Context, dropSettings ...string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		// Memberships and related rows go with their users, groups and requests.
		for _, table := range []string{"groups", "users", "requests"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				return fmt.Errorf("store: reset %s: %w", table, err)
			}
		}
		for _, prefix := range dropSettings {
			if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE substr(key, 1, ?) = ?`, utf8.RuneCountInString(prefix), prefix); err != nil {
				return fmt.Errorf("store: reset settings %s*: %w", strings.TrimSpace(prefix), err)
			}
		}
		return nil
	})
}
