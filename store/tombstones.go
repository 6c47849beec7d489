package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Tombstone is what is left of a deleted user or group until the lab is reset: the
// console shows it, struck through, beside the live ones; the SCIM API never returns
// it. Triggers on the users and groups tables write it in the deleting transaction.
type Tombstone struct {
	Kind       Kind
	ID         string
	Name       string // userName or displayName
	ExternalID string
	// Doc is the document as it was stored when it was deleted.
	Doc     []byte
	Created time.Time
	Deleted time.Time
	// Memberships is how many groups the user was in, or members the group had.
	Memberships int
}

const tombstoneColumns = `kind, id, name, external_id, doc, created, deleted, memberships`

// Tombstones lists deleted users or groups, most recently deleted first, whose name or
// externalId contains search (all when empty), at most limit (<= 0: all).
func (db *DB) Tombstones(ctx context.Context, kind Kind, search string, limit int) ([]Tombstone, error) {
	q := `SELECT ` + tombstoneColumns + ` FROM tombstones WHERE kind = ?`
	args := []any{string(kind)}
	if search = strings.TrimSpace(search); search != "" {
		q += ` AND (instr(lower(name), lower(?)) > 0 OR instr(lower(external_id), lower(?)) > 0)`
		args = append(args, search, search)
	}
	q += ` ORDER BY deleted DESC, id LIMIT ?`
	args = append(args, sqlLimit(limit))
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: tombstones: %w", err)
	}
	defer rows.Close()
	var out []Tombstone
	for rows.Next() {
		t, err := scanTombstone(rows)
		if err != nil {
			return nil, fmt.Errorf("store: tombstones: %w", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// GetTombstone returns the tombstone of one deleted user or group, or ErrNotFound.
func (db *DB) GetTombstone(ctx context.Context, kind Kind, id string) (*Tombstone, error) {
	row := db.r.QueryRowContext(ctx, `SELECT `+tombstoneColumns+` FROM tombstones WHERE kind = ? AND id = ?`, string(kind), id)
	t, err := scanTombstone(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: deleted %s %q", ErrNotFound, kind, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: tombstone: %w", err)
	}
	return t, nil
}

func scanTombstone(s rowScanner) (*Tombstone, error) {
	var (
		t                Tombstone
		kind, doc        string
		created, deleted string
	)
	if err := s.Scan(&kind, &t.ID, &t.Name, &t.ExternalID, &doc, &created, &deleted, &t.Memberships); err != nil {
		return nil, err
	}
	var err error
	if t.Created, err = parseTime(created); err != nil {
		return nil, err
	}
	if t.Deleted, err = parseTime(deleted); err != nil {
		return nil, err
	}
	t.Kind, t.Doc = Kind(kind), []byte(doc)
	return &t, nil
}
