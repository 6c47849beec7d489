package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AppAction is something the app's own admin did in the console — deactivating a user,
// deleting a group, seeding, resetting the lab. It is not an IdP request, so it is kept
// apart from the request log, numbered in a sequence of its own.
type AppAction struct {
	Seq  int64
	Time time.Time
	// Action is a stable identifier such as "deactivate-user" (see package app).
	Action string
	// ResourceType ("User", "Group") and ResourceID name what it acted on, if anything.
	ResourceType string
	ResourceID   string
	// Name is the userName or displayName it acted on, kept because the resource may
	// be gone.
	Name   string
	Detail string
}

// AppendAppAction records an action; its Seq and (when zero) Time are set.
func (db *DB) AppendAppAction(ctx context.Context, a *AppAction) error {
	if a.Time.IsZero() {
		a.Time = db.now()
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO app_actions (time, action, resource_type, resource_id, name, detail)
			VALUES (?, ?, ?, ?, ?, ?)`, formatTime(a.Time), a.Action, a.ResourceType, a.ResourceID, a.Name, a.Detail)
		if err != nil {
			return fmt.Errorf("store: record app action: %w", err)
		}
		a.Seq, err = res.LastInsertId()
		return err
	})
}

// AppActions lists the actions on one resource (kind and id), or every action when id
// is empty, newest first, at most limit (<= 0: all).
func (db *DB) AppActions(ctx context.Context, kind Kind, id string, limit int) ([]AppAction, error) {
	q := `SELECT seq, time, action, resource_type, resource_id, name, detail FROM app_actions`
	var args []any
	if id != "" {
		q += ` WHERE resource_type = ? AND resource_id = ?`
		args = append(args, string(kind), id)
	}
	q += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, sqlLimit(limit))
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: app actions: %w", err)
	}
	defer rows.Close()
	var out []AppAction
	for rows.Next() {
		var (
			a  AppAction
			ts string
		)
		if err := rows.Scan(&a.Seq, &ts, &a.Action, &a.ResourceType, &a.ResourceID, &a.Name, &a.Detail); err != nil {
			return nil, fmt.Errorf("store: app actions: %w", err)
		}
		if a.Time, err = parseTime(ts); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
