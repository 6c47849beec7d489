package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/scimlab/scimlab/exchange"
)

// The request log's side table request_related, in the log's file, holds exchange.Record.Related: the
// resources a request was about besides the one it addressed. It is keyed by resource,
// so a resource's history is an index lookup however long the log grows, and cleared
// with its request when the log is pruned.

// insertRelated records the related resources of rs, whose numbers are seqs, inside
// AppendRequests' transaction. A reference to the request's own resource, and repeats,
// are left out.
func insertRelated(ctx context.Context, tx *sql.Tx, rs []*exchange.Record, seqs []int64) error {
	for i, r := range rs {
		seen := map[exchange.ResourceRef]bool{{Type: r.ResourceType, ID: r.ResourceID}: true}
		for _, ref := range r.Related {
			if ref.Type == "" || ref.ID == "" || seen[ref] {
				continue
			}
			seen[ref] = true
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO request_related (resource_type, resource_id, seq) VALUES (?, ?, ?)`,
				ref.Type, ref.ID, seqs[i]); err != nil {
				return fmt.Errorf("store: append related resources: %w", err)
			}
		}
	}
	return nil
}

// attachRelated fills Related of records read from the log, with one indexed query per
// relatedChunk records.
func attachRelated(ctx context.Context, q queryer, records []*exchange.Record) error {
	bySeq := make(map[int64]*exchange.Record, len(records))
	for _, r := range records {
		bySeq[r.Seq] = r
	}
	for start := 0; start < len(records); start += relatedChunk {
		chunk := records[start:min(start+relatedChunk, len(records))]
		args := make([]any, len(chunk))
		for i, r := range chunk {
			args[i] = r.Seq
		}
		rows, err := q.QueryContext(ctx, `SELECT seq, resource_type, resource_id FROM request_related
			WHERE seq IN (?`+strings.Repeat(", ?", len(chunk)-1)+`) ORDER BY seq, resource_type, resource_id`, args...)
		if err != nil {
			return fmt.Errorf("store: read related resources: %w", err)
		}
		err = scanRelated(rows, bySeq)
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// relatedChunk keeps attachRelated's queries well under SQLite's limit on parameters.
const relatedChunk = 500

func scanRelated(rows *sql.Rows, bySeq map[int64]*exchange.Record) error {
	for rows.Next() {
		var (
			seq int64
			ref exchange.ResourceRef
		)
		if err := rows.Scan(&seq, &ref.Type, &ref.ID); err != nil {
			return fmt.Errorf("store: read related resources: %w", err)
		}
		if r := bySeq[seq]; r != nil {
			r.Related = append(r.Related, ref)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read related resources: %w", err)
	}
	return nil
}

// historyWhere selects the requests about one resource: those that addressed it and
// those that named it as related. Both halves are index lookups (requests_resource
// and request_related's primary key).
var historyWhere = strings.Join([]string{
	`WHERE seq IN (SELECT seq FROM requests WHERE resource_type = ? AND resource_id = ?`,
	`UNION SELECT seq FROM request_related WHERE resource_type = ? AND resource_id = ?)`,
}, " ")
