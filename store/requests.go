package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Request is one recorded HTTP exchange. Listing functions return it without
// ReqBody and RespBody; GetRequest returns everything.
type Request struct {
	Seq          int64
	Time         time.Time
	Method       string
	Path         string
	Query        string
	ReqHeaders   http.Header // Authorization already redacted by the recorder
	ReqBody      []byte
	Status       int
	RespHeaders  http.Header
	RespBody     []byte
	Duration     time.Duration
	RemoteAddr   string
	ViaTunnel    bool
	Auth         string // ok, missing, scheme, bad-token, public
	ResourceType string
	ResourceID   string
	Quirks       []string
	ErrorDetail  string
	UserAgent    string
	IdP          string
	Step         string
	Subject      string
	Summary      string
	Hints        []string
}

// requestMeta is every column but the bodies, in scan order.
const requestMeta = `seq, time, method, path, query, status, duration_ns, remote_addr, via_tunnel, auth,
	resource_type, resource_id, quirks, error_detail, user_agent, idp, step, subject, summary, hints,
	req_headers, resp_headers`

// AppendRequests records a batch in one transaction and sets each Seq. Seqs
// increase by one per request in slice order and are never reused, so a reader
// that sees a jump knows it missed rows. A zero Time is set to now.
func (db *DB) AppendRequests(ctx context.Context, rs []*Request) error {
	if len(rs) == 0 {
		return nil
	}
	rows := make([][]any, len(rs))
	now := db.now()
	for i, r := range rs {
		t := r.Time
		if t.IsZero() {
			t = now
		}
		reqH, err := encodeHeader(r.ReqHeaders)
		if err != nil {
			return err
		}
		respH, err := encodeHeader(r.RespHeaders)
		if err != nil {
			return err
		}
		quirks, err := encodeList(r.Quirks)
		if err != nil {
			return err
		}
		hints, err := encodeList(r.Hints)
		if err != nil {
			return err
		}
		rows[i] = []any{
			formatTime(t), r.Method, r.Path, r.Query, r.Status, int64(r.Duration), r.RemoteAddr, r.ViaTunnel, r.Auth,
			r.ResourceType, r.ResourceID, quirks, r.ErrorDetail, r.UserAgent, r.IdP, r.Step, r.Subject, r.Summary, hints,
			int64(len(r.ReqBody) + len(r.RespBody)), reqH, respH, nullBlob(r.ReqBody), nullBlob(r.RespBody),
		}
	}
	seqs := make([]int64, len(rs))
	err := db.write(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO requests (time, method, path, query, status, duration_ns,
			remote_addr, via_tunnel, auth, resource_type, resource_id, quirks, error_detail, user_agent, idp, step,
			subject, summary, hints, body_bytes, req_headers, resp_headers, req_body, resp_body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("store: append requests: %w", err)
		}
		defer stmt.Close()
		for i, args := range rows {
			res, err := stmt.ExecContext(ctx, args...)
			if err != nil {
				return fmt.Errorf("store: append requests: %w", err)
			}
			if seqs[i], err = res.LastInsertId(); err != nil {
				return fmt.Errorf("store: append requests: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, r := range rs {
		r.Seq = seqs[i]
		if r.Time.IsZero() {
			r.Time = now
		}
	}
	return nil
}

// GetRequest returns one request with its bodies, or ErrNotFound.
func (db *DB) GetRequest(ctx context.Context, seq int64) (*Request, error) {
	row := db.r.QueryRowContext(ctx, `SELECT `+requestMeta+`, req_body, resp_body FROM requests WHERE seq = ?`, seq)
	r, err := scanRequest(row, true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: request %d", ErrNotFound, seq)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get request: %w", err)
	}
	return r, nil
}

// ListRequests returns up to limit requests older than beforeSeq (0: from the
// newest), newest first, without bodies. limit <= 0 means no limit.
func (db *DB) ListRequests(ctx context.Context, beforeSeq int64, limit int) ([]*Request, error) {
	if beforeSeq <= 0 {
		beforeSeq = 1<<63 - 1
	}
	return db.listRequests(ctx, `WHERE seq < ? ORDER BY seq DESC LIMIT ?`, beforeSeq, sqlLimit(limit))
}

// RequestsSince returns up to limit requests newer than afterSeq, oldest
// first, without bodies: what a subscriber that missed events re-reads.
// limit <= 0 means no limit.
func (db *DB) RequestsSince(ctx context.Context, afterSeq int64, limit int) ([]*Request, error) {
	return db.listRequests(ctx, `WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, sqlLimit(limit))
}

// RequestsForResource returns the history of one resource (requests whose
// ResourceType is kind and ResourceID is id), newest first, without bodies.
// limit <= 0 means no limit.
func (db *DB) RequestsForResource(ctx context.Context, kind Kind, id string, limit int) ([]*Request, error) {
	return db.listRequests(ctx, `WHERE resource_type = ? AND resource_id = ? ORDER BY seq DESC LIMIT ?`,
		string(kind), id, sqlLimit(limit))
}

// PruneRequests deletes the oldest requests so that at most keepNewest remain
// and their bodies total at most maxBodyBytes, and reports how many it
// deleted. keepNewest <= 0 or maxBodyBytes <= 0 disables that limit.
func (db *DB) PruneRequests(ctx context.Context, keepNewest int, maxBodyBytes int64) (deleted int, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		if keepNewest > 0 {
			res, err := tx.ExecContext(ctx, `DELETE FROM requests WHERE seq <=
				(SELECT seq FROM requests ORDER BY seq DESC LIMIT 1 OFFSET ?)`, keepNewest)
			if err != nil {
				return fmt.Errorf("store: prune requests: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("store: prune requests: %w", err)
			}
			deleted += int(n)
		}
		if maxBodyBytes > 0 {
			// The newest request whose running total (newest first) passes
			// the budget goes, with everything older.
			res, err := tx.ExecContext(ctx, `DELETE FROM requests WHERE seq <=
				(SELECT seq FROM (SELECT seq, sum(body_bytes) OVER (ORDER BY seq DESC) AS total FROM requests)
				 WHERE total > ? ORDER BY seq DESC LIMIT 1)`, maxBodyBytes)
			if err != nil {
				return fmt.Errorf("store: prune requests: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("store: prune requests: %w", err)
			}
			deleted += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return deleted, nil
}

func (db *DB) listRequests(ctx context.Context, tail string, args ...any) ([]*Request, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+requestMeta+` FROM requests `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list requests: %w", err)
	}
	defer rows.Close()
	var out []*Request
	for rows.Next() {
		r, err := scanRequest(rows, false)
		if err != nil {
			return nil, fmt.Errorf("store: list requests: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list requests: %w", err)
	}
	return out, nil
}

func scanRequest(s rowScanner, bodies bool) (*Request, error) {
	var (
		r                 Request
		ts                string
		dur               int64
		quirks, hints     string
		reqH, respH       string
		reqBody, respBody []byte
		dest              []any
	)
	dest = append(dest, &r.Seq, &ts, &r.Method, &r.Path, &r.Query, &r.Status, &dur, &r.RemoteAddr, &r.ViaTunnel,
		&r.Auth, &r.ResourceType, &r.ResourceID, &quirks, &r.ErrorDetail, &r.UserAgent, &r.IdP, &r.Step,
		&r.Subject, &r.Summary, &hints, &reqH, &respH)
	if bodies {
		dest = append(dest, &reqBody, &respBody)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	var err error
	if r.Time, err = parseTime(ts); err != nil {
		return nil, err
	}
	r.Duration = time.Duration(dur)
	if r.Quirks, err = decodeList(quirks); err != nil {
		return nil, err
	}
	if r.Hints, err = decodeList(hints); err != nil {
		return nil, err
	}
	if r.ReqHeaders, err = decodeHeader(reqH); err != nil {
		return nil, err
	}
	if r.RespHeaders, err = decodeHeader(respH); err != nil {
		return nil, err
	}
	r.ReqBody, r.RespBody = reqBody, respBody
	return &r, nil
}

func sqlLimit(limit int) int64 {
	if limit <= 0 {
		return -1
	}
	return int64(limit)
}

func nullBlob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

func encodeHeader(h http.Header) (string, error) {
	if len(h) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("store: encode headers: %w", err)
	}
	return string(b), nil
}

func decodeHeader(s string) (http.Header, error) {
	var h http.Header
	if err := json.Unmarshal([]byte(s), &h); err != nil {
		return nil, fmt.Errorf("store: decode headers: %w", err)
	}
	if len(h) == 0 {
		return nil, nil
	}
	return h, nil
}

func encodeList(l []string) (string, error) {
	if len(l) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("store: encode list: %w", err)
	}
	return string(b), nil
}

func decodeList(s string) ([]string, error) {
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("store: decode list: %w", err)
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}
