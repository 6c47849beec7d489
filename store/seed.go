package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Seeding puts the users and groups an app already holds into the lab before the IdP
// provisions: accounts made by the app's own admin, groups that exist in the app, and
// independent accounts outside the organisation.

// SeedGroup is a group to seed with the userNames of its members. A group whose
// displayName exists already gets the members added to it.
type SeedGroup struct {
	Doc     []byte
	Members []string
}

// SeedResult counts what Seed stored.
type SeedResult struct {
	Users       int
	Independent int
	Groups      int // groups created
	Merged      int // existing groups members were added to
	Members     int // memberships added
	UserIDs     map[string]string
	GroupIDs    map[string]string
}

// SeedError says which item of a Seed call failed: Part is "users", "independent" or
// "groups" and Index its position in that list. It wraps the store error.
type SeedError struct {
	Part  string
	Index int
	Err   error
}

// Error implements error.
func (e *SeedError) Error() string { return fmt.Sprintf("%s[%d]: %v", e.Part, e.Index, e.Err) }

// Unwrap gives the store error (ErrConflict, ErrInvalidDocument, ErrNotFound).
func (e *SeedError) Unwrap() error { return e.Err }

// Seed stores users, independent accounts and groups in one transaction: all of them,
// or, on the first error, none. Memberships it adds are app-side: profiles that keep
// what the app's admin added leave them when the IdP rewrites a group's members.
func (db *DB) Seed(ctx context.Context, users, independent [][]byte, groups []SeedGroup) (SeedResult, error) {
	res := SeedResult{UserIDs: map[string]string{}, GroupIDs: map[string]string{}}
	now := formatTime(db.now())
	err := db.writeThen(ctx, func(tx *sql.Tx) error {
		for i, data := range users {
			doc, ix, err := normalize(KindUser, data)
			if err != nil {
				return &SeedError{Part: "users", Index: i, Err: err}
			}
			if taken, err := independentTaken(ctx, tx, ix.userName.String); err != nil {
				return err
			} else if taken {
				return &SeedError{Part: "users", Index: i, Err: fmt.Errorf("%w: userName %q belongs to an independent account", ErrConflict, ix.userName.String)}
			}
			id := uuid.NewString()
			_, err = tx.ExecContext(ctx, `INSERT INTO users
				(id, user_name, external_id, display_name, active, doc, version, created, last_modified)
				VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`,
				id, ix.userName, ix.externalID, ix.displayName, ix.active, string(doc), now, now)
			if err := userWriteErr(err, id, ix.userName.String); err != nil {
				return &SeedError{Part: "users", Index: i, Err: err}
			}
			res.UserIDs[ix.userName.String] = id
			res.Users++
		}
		for i, data := range independent {
			doc, ix, err := normalize(KindUser, data)
			if err != nil {
				return &SeedError{Part: "independent", Index: i, Err: err}
			}
			var one int
			err = tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE user_name = ? COLLATE NOCASE`, ix.userName.String).Scan(&one)
			if err == nil {
				return &SeedError{Part: "independent", Index: i, Err: fmt.Errorf("%w: userName %q is a user of the organisation already", ErrConflict, ix.userName.String)}
			} else if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: seed: %w", err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO independent_accounts (user_name, display_name, doc, created) VALUES (?, ?, ?, ?)`,
				ix.userName.String, ix.displayName.String, string(doc), now)
			if isUniqueViolation(err) {
				return &SeedError{Part: "independent", Index: i, Err: fmt.Errorf("%w: independent account %q is listed twice", ErrConflict, ix.userName.String)}
			} else if err != nil {
				return fmt.Errorf("store: seed: %w", err)
			}
			res.Independent++
		}
		for i, g := range groups {
			if err := seedGroup(ctx, tx, g, now, &res); err != nil {
				return &SeedError{Part: "groups", Index: i, Err: err}
			}
		}
		return nil
	}, db.forgetOrders)
	if err != nil {
		return SeedResult{}, err
	}
	return res, nil
}

func seedGroup(ctx context.Context, tx *sql.Tx, g SeedGroup, now string, res *SeedResult) error {
	doc, ix, err := normalize(KindGroup, g.Doc)
	if err != nil {
		return err
	}
	if !ix.displayName.Valid || ix.displayName.String == "" {
		return fmt.Errorf("%w: a group needs a displayName", ErrInvalidDocument)
	}
	var id string
	created := false
	err = tx.QueryRowContext(ctx, `SELECT id FROM groups WHERE display_name = ? COLLATE NOCASE`, ix.displayName.String).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id = uuid.NewString()
		if _, err := tx.ExecContext(ctx, `INSERT INTO groups (id, display_name, external_id, doc, version, created, last_modified)
			VALUES (?, ?, ?, ?, 1, ?, ?)`, id, ix.displayName, ix.externalID, string(doc), now, now); err != nil {
			return groupWriteErr(err, id, ix.displayName.String)
		}
		res.Groups++
		created = true
	case err != nil:
		return fmt.Errorf("store: seed group: %w", err)
	default:
		res.Merged++
	}
	res.GroupIDs[ix.displayName.String] = id
	added := 0
	for _, name := range g.Members {
		var uid, display string
		err := tx.QueryRowContext(ctx, `SELECT id, user_name FROM users WHERE user_name = ? COLLATE NOCASE`, name).Scan(&uid, &display)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: member %q is no user (seed the user, or name an existing userName)", ErrNotFound, name)
		} else if err != nil {
			return fmt.Errorf("store: seed group: %w", err)
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO memberships (group_id, user_id, display, type, app_side) VALUES (?, ?, ?, 'User', 1)
			ON CONFLICT (group_id, user_id) DO UPDATE SET app_side = 1 WHERE app_side = 0`, id, uid, display)
		if err != nil {
			return fmt.Errorf("store: seed group: %w", err)
		}
		if n, _ := r.RowsAffected(); n > 0 {
			added++
		}
	}
	res.Members += added
	if added > 0 && !created {
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET version = version + 1, last_modified = ? WHERE id = ?`, now, id); err != nil {
			return fmt.Errorf("store: seed group: %w", err)
		}
	}
	return nil
}

// ErrIndependentAccount reports a user whose userName an independent account holds:
// the account is outside the organisation, and creating the user does not move it in.
// It matches ErrConflict with errors.Is too.
var ErrIndependentAccount = fmt.Errorf("%w: the userName belongs to an independent account", ErrConflict)

// checkIndependent refuses, inside a write transaction, a userName an independent
// account holds.
func checkIndependent(ctx context.Context, tx *sql.Tx, userName string) error {
	taken, err := independentTaken(ctx, tx, userName)
	if err != nil {
		return err
	}
	if taken {
		return fmt.Errorf("%w: %q", ErrIndependentAccount, userName)
	}
	return nil
}

// independentTaken tells whether an independent account holds userName.
func independentTaken(ctx context.Context, q queryRower, userName string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM independent_accounts WHERE user_name = ?`, userName).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: independent accounts: %w", err)
	}
	return true, nil
}

// IsIndependentAccount tells whether userName belongs to an independent account, which
// the organisation's SCIM API does not see.
func (db *DB) IsIndependentAccount(ctx context.Context, userName string) (bool, error) {
	return independentTaken(ctx, db.r, userName)
}

// IndependentAccount is an account outside the organisation: it holds a userName that
// the organisation's users cannot take, and SCIM never sees it.
type IndependentAccount struct {
	UserName    string
	DisplayName string
	Doc         []byte
	Created     time.Time
}

// IndependentAccounts lists the independent accounts whose userName or display name
// contains search (all when empty), at most limit (<= 0: all).
func (db *DB) IndependentAccounts(ctx context.Context, search string, limit int) ([]IndependentAccount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT user_name, display_name, doc, created FROM independent_accounts
		WHERE ? = '' OR instr(lower(user_name), lower(?)) > 0 OR instr(lower(display_name), lower(?)) > 0
		ORDER BY user_name LIMIT ?`, search, search, search, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: independent accounts: %w", err)
	}
	defer rows.Close()
	var out []IndependentAccount
	for rows.Next() {
		var a IndependentAccount
		var doc, created string
		if err := rows.Scan(&a.UserName, &a.DisplayName, &doc, &created); err != nil {
			return nil, fmt.Errorf("store: independent accounts: %w", err)
		}
		a.Doc = []byte(doc)
		if a.Created, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
