package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
)

// The request log keeps exchange.Records. Its row is the columns below, in scan order;
// encodeRecord and scanRecord are the one conversion between the two. Listing
// functions return records without their bodies; GetRequest returns everything.
const requestMeta = `seq, time, method, path, query, status, duration_ns, remote_addr, via_tunnel, auth,
	resource_type, resource_id, quirks, error_detail, user_agent, idp, step, subject, summary, hints,
	req_headers, resp_headers, flavour, failed, strict, refused_by, scim_type, fault, profile, effects`

const insertRequest = `INSERT INTO requests (seq, time, method, path, query, status, duration_ns,
	remote_addr, via_tunnel, auth, resource_type, resource_id, quirks, error_detail, user_agent, idp, step,
	subject, summary, hints, req_headers, resp_headers, flavour, failed, strict, refused_by, scim_type, fault,
	profile, effects, body_bytes, req_body, resp_body)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// encodeRecord returns the insert arguments of r. A zero Seq lets SQLite number the row.
func encodeRecord(r *exchange.Record, t time.Time) ([]any, error) {
	reqH, err := encodeJSON(r.ReqHeaders, "{}")
	if err != nil {
		return nil, err
	}
	respH, err := encodeJSON(r.RespHeaders, "{}")
	if err != nil {
		return nil, err
	}
	quirks, err := encodeJSON(r.Quirks, "[]")
	if err != nil {
		return nil, err
	}
	hints, err := encodeJSON(r.Hints, "[]")
	if err != nil {
		return nil, err
	}
	fault, err := encodeJSON(r.Fault, "")
	if err != nil {
		return nil, err
	}
	effects, err := encodeJSON(r.Effects, "[]")
	if err != nil {
		return nil, err
	}
	var seq any
	if r.Seq > 0 {
		seq = r.Seq
	}
	return []any{
		seq, formatTime(t), r.Method, r.Path, r.Query, r.Status, int64(r.Duration), r.RemoteAddr, r.ViaTunnel, string(r.Auth),
		r.ResourceType, r.ResourceID, quirks, r.ErrorDetail, r.UserAgent, string(r.IdP), string(r.Step), r.Subject, r.Summary, hints,
		reqH, respH, string(r.Flavour), r.Failed, r.Strict, string(r.RefusedBy), r.ScimType, fault,
		r.Profile, effects, int64(len(r.ReqBody) + len(r.RespBody)), nullBlob(r.ReqBody), nullBlob(r.RespBody),
	}, nil
}

// NextRequestSeq returns the number the next request logged will get: one more than
// any number ever given, even to requests pruned since.
func (db *DB) NextRequestSeq(ctx context.Context) (_ int64, err error) {
	defer db.log.noteDamage(&err)
	var last int64
	err = db.log.r.QueryRowContext(ctx, `SELECT max(
		coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'requests'), 0),
		coalesce((SELECT max(seq) FROM requests), 0))`).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("store: next request number: %w", err)
	}
	return last + 1, nil
}

// AppendRequests records a batch in one transaction. Records numbered by the caller
// keep their Seq; a record with Seq 0 is numbered by the store, and its Seq is set.
// Numbers are never reused, so a reader that sees a jump knows it missed rows. A zero
// Time is set to now.
func (db *DB) AppendRequests(ctx context.Context, rs []*exchange.Record) error {
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
		args, err := encodeRecord(r, t)
		if err != nil {
			return err
		}
		rows[i] = args
	}
	seqs := make([]int64, len(rs))
	var added int64 // the batch's body bytes, as encodeRecord counts them
	for _, r := range rs {
		added += int64(len(r.ReqBody) + len(r.RespBody))
	}
	db.log.mu.Lock()
	defer db.log.mu.Unlock()
	err := db.log.write(ctx, func(tx *sql.Tx) error {
		for i, args := range rows {
			res, err := tx.ExecContext(ctx, insertRequest, args...)
			if err != nil {
				return fmt.Errorf("store: append requests: %w", err)
			}
			if seqs[i], err = res.LastInsertId(); err != nil {
				return fmt.Errorf("store: append requests: %w", err)
			}
		}
		return insertRelated(ctx, tx, rs, seqs)
	})
	if err != nil {
		return err
	}
	db.log.bytes += added
	for i, r := range rs {
		r.Seq = seqs[i]
		if r.Time.IsZero() {
			r.Time = now
		}
	}
	return nil
}

// GetRequest returns one request with its bodies, or ErrNotFound.
func (db *DB) GetRequest(ctx context.Context, seq int64) (_ *exchange.Record, err error) {
	defer db.log.noteDamage(&err)
	row := db.log.r.QueryRowContext(ctx, `SELECT `+requestMeta+`, req_body, resp_body FROM requests WHERE seq = ?`, seq)
	r, err := scanRequest(row, true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: request %d", ErrNotFound, seq)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get request: %w", err)
	}
	return r, attachRelated(ctx, db.log.r, []*exchange.Record{r})
}

// ListRequests returns up to limit requests older than beforeSeq (0: from the
// newest), newest first, without bodies. limit <= 0 means no limit.
func (db *DB) ListRequests(ctx context.Context, beforeSeq int64, limit int) ([]*exchange.Record, error) {
	if beforeSeq <= 0 {
		beforeSeq = 1<<63 - 1
	}
	return db.listRequests(ctx, `WHERE seq < ? ORDER BY seq DESC LIMIT ?`, beforeSeq, sqlLimit(limit))
}

// RequestsSince returns up to limit requests newer than afterSeq, oldest
// first, without bodies: what a subscriber that missed events re-reads.
// limit <= 0 means no limit.
func (db *DB) RequestsSince(ctx context.Context, afterSeq int64, limit int) ([]*exchange.Record, error) {
	return db.listRequests(ctx, `WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, sqlLimit(limit))
}

// RequestsForResource returns the history of one resource (requests whose
// ResourceType is kind and ResourceID is id, or that name it in Related), newest
// first, without bodies. limit <= 0 means no limit.
func (db *DB) RequestsForResource(ctx context.Context, kind Kind, id string, limit int) ([]*exchange.Record, error) {
	return db.listRequests(ctx, historyWhere+` ORDER BY seq DESC LIMIT ?`,
		string(kind), id, string(kind), id, sqlLimit(limit))
}

// PruneRequests deletes the oldest requests so that at most keepNewest remain
// and their bodies total at most maxBodyBytes, and reports how many it
// deleted. keepNewest <= 0 or maxBodyBytes <= 0 disables that limit.
func (db *DB) PruneRequests(ctx context.Context, keepNewest int, maxBodyBytes int64) (deleted int, err error) {
	return db.TrimRequests(ctx, Retention{Count: keepNewest, Bytes: maxBodyBytes})
}

func (db *DB) listRequests(ctx context.Context, tail string, args ...any) (_ []*exchange.Record, err error) {
	defer db.log.noteDamage(&err)
	rows, err := db.log.r.QueryContext(ctx, `SELECT `+requestMeta+` FROM requests `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list requests: %w", err)
	}
	defer rows.Close()
	var out []*exchange.Record
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
	return out, attachRelated(ctx, db.log.r, out)
}

func scanRequest(s rowScanner, bodies bool) (*exchange.Record, error) {
	var (
		r                             exchange.Record
		ts                            string
		dur                           int64
		auth, idp, step, flavour, ref string
		quirks, hints, fault, effects string
		reqH, respH                   string
		reqBody, respBody             []byte
		dest                          []any
	)
	dest = append(dest, &r.Seq, &ts, &r.Method, &r.Path, &r.Query, &r.Status, &dur, &r.RemoteAddr, &r.ViaTunnel,
		&auth, &r.ResourceType, &r.ResourceID, &quirks, &r.ErrorDetail, &r.UserAgent, &idp, &step,
		&r.Subject, &r.Summary, &hints, &reqH, &respH, &flavour, &r.Failed, &r.Strict, &ref, &r.ScimType, &fault,
		&r.Profile, &effects)
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
	r.Auth, r.IdP, r.Step, r.Flavour, r.RefusedBy = exchange.Auth(auth), exchange.IdP(idp), exchange.Step(step), exchange.Flavour(flavour), quirk.Quirk(ref)
	if err := decodeJSON(quirks, &r.Quirks); err != nil {
		return nil, err
	}
	if err := decodeJSON(hints, &r.Hints); err != nil {
		return nil, err
	}
	if err := decodeJSON(fault, &r.Fault); err != nil {
		return nil, err
	}
	if err := decodeJSON(effects, &r.Effects); err != nil {
		return nil, err
	}
	if err := decodeJSON(reqH, &r.ReqHeaders); err != nil {
		return nil, err
	}
	if err := decodeJSON(respH, &r.RespHeaders); err != nil {
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

// encodeJSON encodes a column holding a list or a header map; empty ones are stored as
// empty, the same whether they were nil or not.
func encodeJSON[T any](v T, empty string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("store: encode column: %w", err)
	}
	switch string(b) {
	case "null", "[]", "{}":
		return empty, nil
	}
	return string(b), nil
}

// decodeJSON decodes a column written by encodeJSON; empty values decode to nil.
func decodeJSON[T any](s string, into *T) error {
	switch s {
	case "", "[]", "{}", "null":
		return nil
	}
	if err := json.Unmarshal([]byte(s), into); err != nil {
		return fmt.Errorf("store: decode column: %w", err)
	}
	return nil
}
