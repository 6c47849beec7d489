package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// The methods below read a whole lab for an export, each in one read transaction of
// the file it reads (the lab's, or the request log's), so a server writing the lab
// meanwhile is never blocked and every list is one snapshot.
// A walk stopped by its context returns the context's error, not what the closed
// transaction made of it.

// walkErr is the error a walk ends with: the context's when it ended the walk.
func walkErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Settings returns every stored setting by key.
func (db *DB) Settings(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT key, value FROM settings ORDER BY key`)
		if err != nil {
			return fmt.Errorf("store: read settings: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				return fmt.Errorf("store: read settings: %w", err)
			}
			out[k] = v
		}
		return rows.Err()
	})
	return out, err
}

// Counts are the sizes of a lab's tables.
type Counts struct {
	Users, Groups, Memberships, Requests int64
}

// Count returns how many users, groups, memberships and logged requests the lab holds.
func (db *DB) Count(ctx context.Context) (Counts, error) {
	var c Counts
	err := db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM groups),
			(SELECT count(*) FROM memberships)`).
			Scan(&c.Users, &c.Groups, &c.Memberships)
	})
	if err != nil {
		return Counts{}, fmt.Errorf("store: count: %w", err)
	}
	// The requests are in the log's own file.
	err = db.log.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM requests`).Scan(&c.Requests)
	})
	if err != nil {
		return Counts{}, fmt.Errorf("store: count requests: %w", err)
	}
	return c, nil
}

// EachResource calls fn with every user (kind KindUser) or group, ordered by id. An
// error from fn stops the walk and is returned.
func (db *DB) EachResource(ctx context.Context, kind Kind, fn func(*Resource) error) error {
	return walkErr(ctx, db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+columnsOf(kind)+" FROM "+tableOf(kind)+" ORDER BY id")
		if err != nil {
			return fmt.Errorf("store: read %ss: %w", strings.ToLower(string(kind)), err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanResource(kind, rows)
			if err != nil {
				return fmt.Errorf("store: read %ss: %w", strings.ToLower(string(kind)), err)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return rows.Err()
	}))
}

// Membership is one user in one group, as a whole-lab read or a restore sees it.
type Membership struct {
	GroupID string
	Member
	// AppSide tells that the app's own admin added it (it survives the IdP's member
	// rewrites where the profile says so).
	AppSide bool
}

// EachMembership calls fn with every group membership, ordered by group and user id.
func (db *DB) EachMembership(ctx context.Context, fn func(Membership) error) error {
	return walkErr(ctx, db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT group_id, user_id, display, type, app_side FROM memberships ORDER BY group_id, user_id`)
		if err != nil {
			return fmt.Errorf("store: read memberships: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m Membership
			if err := rows.Scan(&m.GroupID, &m.UserID, &m.Display, &m.Type, &m.AppSide); err != nil {
				return fmt.Errorf("store: read memberships: %w", err)
			}
			if err := fn(m); err != nil {
				return err
			}
		}
		return rows.Err()
	}))
}

// RequestFilter selects part of the request log. The zero value selects all of it.
type RequestFilter struct {
	// UpToSeq, when positive, leaves out requests numbered after it, so several reads
	// of a log that keeps growing agree on where it ends.
	UpToSeq int64
	// Since, when set, leaves out requests that arrived before it.
	Since time.Time
	// IdP, when OnlyIdP is set, keeps the requests of one identity provider
	// (exchange.Unknown: those of neither).
	IdP     exchange.IdP
	OnlyIdP bool
	// Failed keeps only the requests answered with status 400 or above.
	Failed bool
}

func (f RequestFilter) where() (string, []any) {
	conds, args := []string{"1"}, []any{}
	if f.UpToSeq > 0 {
		conds, args = append(conds, "seq <= ?"), append(args, f.UpToSeq)
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, "time >= ?"), append(args, formatTime(f.Since))
	}
	if f.OnlyIdP {
		conds, args = append(conds, "idp = ?"), append(args, string(f.IdP))
	}
	if f.Failed {
		conds = append(conds, "status >= 400")
	}
	return "WHERE " + strings.Join(conds, " AND "), args
}

// CountRequests returns how many requests f selects and the number of the newest
// request in the log (0 when it is empty), which a following EachRequest can pass as
// UpToSeq to see exactly those.
func (db *DB) CountRequests(ctx context.Context, f RequestFilter) (n, newest int64, err error) {
	where, args := f.where()
	err = db.log.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM requests `+where+`),
			coalesce((SELECT max(seq) FROM requests), 0)`, args...).Scan(&n, &newest)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: count requests: %w", err)
	}
	return n, newest, nil
}

// eachRequestBatch is how many requests EachRequest reads before it looks up their
// related resources in one query and hands them over.
const eachRequestBatch = 256

// EachRequest calls fn with every request f selects, oldest first, with headers, bodies
// and related resources. An error from fn stops the walk and is returned.
func (db *DB) EachRequest(ctx context.Context, f RequestFilter, fn func(*exchange.Record) error) error {
	where, args := f.where()
	return walkErr(ctx, db.log.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+requestMeta+`, req_body, resp_body FROM requests `+where+` ORDER BY seq`, args...)
		if err != nil {
			return fmt.Errorf("store: read requests: %w", err)
		}
		defer rows.Close()
		batch := make([]*exchange.Record, 0, eachRequestBatch)
		flush := func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := attachRelated(ctx, tx, batch); err != nil {
				return err
			}
			for _, r := range batch {
				if err := fn(r); err != nil {
					return err
				}
			}
			batch = batch[:0]
			return nil
		}
		for rows.Next() {
			r, err := scanRequest(rows, true)
			if err != nil {
				return fmt.Errorf("store: read requests: %w", err)
			}
			if batch = append(batch, r); len(batch) == eachRequestBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: read requests: %w", err)
		}
		return flush()
	}))
}
