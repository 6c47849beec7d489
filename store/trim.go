package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Retention bounds the request log. A zero field sets no bound of its kind.
type Retention struct {
	// Count is how many of the newest requests are kept at most.
	Count int
	// Bytes bounds the total size of the kept requests' bodies: the oldest go
	// until the rest fit.
	Bytes int64
	// MaxAge drops requests that arrived longer ago than this.
	MaxAge time.Duration
}

// trimChunk is the most requests one trimming transaction deletes, so that the
// log's writer, which the recorder appends through, is never held for long.
const trimChunk = 1000

// TrimRequests deletes the oldest requests beyond r and reports how many it
// deleted. It works in transactions of at most trimChunk deletions, and its work
// grows with what it deletes, not with the size of the log. Requests are numbered
// in the order they arrive, so "the oldest" are the lowest numbers; the count
// bound keeps the numbers above the newest one less Count, which is exactly Count
// requests unless the recorder lost some.
func (db *DB) TrimRequests(ctx context.Context, r Retention) (deleted int, err error) {
	lg := db.log
	lg.mu.Lock()
	defer lg.mu.Unlock()
	var last int64
	if err := lg.r.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM requests`).Scan(&last); err != nil {
		return 0, fmt.Errorf("store: trim requests: %w", err)
	}
	var upTo int64 // requests numbered up to upTo go
	if r.Count > 0 {
		upTo = max(upTo, last-int64(r.Count))
	}
	if r.MaxAge > 0 {
		var firstKept sql.NullInt64
		err := lg.r.QueryRowContext(ctx, `SELECT seq FROM requests INDEXED BY requests_trim
			WHERE time >= ? ORDER BY seq LIMIT 1`, formatTime(db.now().Add(-r.MaxAge))).Scan(&firstKept)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			upTo = last
		case err != nil:
			return 0, fmt.Errorf("store: trim requests: %w", err)
		default:
			upTo = max(upTo, firstKept.Int64-1)
		}
	}
	if upTo > 0 {
		n, err := db.deleteRequestsUpTo(ctx, upTo)
		deleted += n
		if err != nil {
			return deleted, err
		}
	}
	if r.Bytes > 0 {
		n, err := db.trimToBytes(ctx, r.Bytes)
		deleted += n
		if err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}

// trimToBytes deletes the oldest requests until the bodies of the rest total at
// most budget. The caller holds lg.mu.
func (db *DB) trimToBytes(ctx context.Context, budget int64) (int, error) {
	lg := db.log
	if !lg.bytesKnown {
		// Counted once per process, over the narrow index.
		if err := lg.r.QueryRowContext(ctx, `SELECT coalesce(sum(body_bytes), 0) FROM requests INDEXED BY requests_trim`).Scan(&lg.bytes); err != nil {
			return 0, fmt.Errorf("store: trim requests: %w", err)
		}
		lg.bytesKnown = true
	}
	deleted := 0
	for lg.bytes > budget {
		// Walk the oldest requests until enough bytes would go.
		rows, err := lg.r.QueryContext(ctx, `SELECT seq, body_bytes FROM requests INDEXED BY requests_trim
			ORDER BY seq LIMIT ?`, trimChunk)
		if err != nil {
			return deleted, fmt.Errorf("store: trim requests: %w", err)
		}
		var upTo, freed int64
		seen := 0
		for rows.Next() && lg.bytes-freed > budget {
			var seq, n int64
			if err := rows.Scan(&seq, &n); err != nil {
				rows.Close()
				return deleted, fmt.Errorf("store: trim requests: %w", err)
			}
			upTo, freed = seq, freed+n
			seen++
		}
		if err := rows.Close(); err != nil {
			return deleted, fmt.Errorf("store: trim requests: %w", err)
		}
		if seen == 0 {
			// The count was off (another process wrote the log): count again.
			lg.bytesKnown = false
			return deleted, nil
		}
		n, err := db.deleteRequestsUpTo(ctx, upTo)
		deleted += n
		if err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}

// deleteRequestsUpTo deletes the requests numbered up to upTo, trimChunk per
// transaction, keeping the bodies' total. The caller holds lg.mu.
func (db *DB) deleteRequestsUpTo(ctx context.Context, upTo int64) (int, error) {
	lg := db.log
	deleted := 0
	for {
		var n int
		var freed int64
		err := lg.write(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `DELETE FROM requests WHERE seq IN
				(SELECT seq FROM requests INDEXED BY requests_trim WHERE seq <= ? ORDER BY seq LIMIT ?)
				RETURNING body_bytes`, upTo, trimChunk)
			if err != nil {
				return fmt.Errorf("store: trim requests: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				var b int64
				if err := rows.Scan(&b); err != nil {
					return fmt.Errorf("store: trim requests: %w", err)
				}
				n, freed = n+1, freed+b
			}
			return rows.Err()
		})
		if err != nil {
			return deleted, err
		}
		deleted += n
		lg.bytes -= freed
		if n < trimChunk {
			return deleted, nil
		}
	}
}
