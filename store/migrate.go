package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; migration i brings the schema to
// PRAGMA user_version i+1. Never edit a released migration: append one.
var migrations = []string{
	// 1: resources, memberships, request log, settings.
	`
CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	user_name     TEXT NOT NULL,
	external_id   TEXT,
	display_name  TEXT,
	active        INTEGER,
	doc           TEXT NOT NULL,
	version       INTEGER NOT NULL,
	created       TEXT NOT NULL,
	last_modified TEXT NOT NULL
) STRICT;
-- SCIM userName is caseExact=false with uniqueness=server (RFC 7643 §4.1.1).
CREATE UNIQUE INDEX users_user_name ON users(user_name COLLATE NOCASE);
CREATE INDEX users_external_id ON users(external_id);
CREATE INDEX users_display_name ON users(display_name COLLATE NOCASE);
CREATE INDEX users_last_modified ON users(last_modified);

CREATE TABLE groups (
	id            TEXT PRIMARY KEY,
	display_name  TEXT,
	external_id   TEXT,
	doc           TEXT NOT NULL,
	version       INTEGER NOT NULL,
	created       TEXT NOT NULL,
	last_modified TEXT NOT NULL
) STRICT;
-- Entra ID matches groups by displayName and expects it to be unique.
CREATE UNIQUE INDEX groups_display_name ON groups(display_name COLLATE NOCASE);
CREATE INDEX groups_external_id ON groups(external_id);
CREATE INDEX groups_last_modified ON groups(last_modified);

CREATE TABLE memberships (
	group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
	user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	display  TEXT NOT NULL DEFAULT '',
	type     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (group_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX memberships_user ON memberships(user_id, group_id);

-- AUTOINCREMENT: sequence numbers are never reused, even after pruning
-- removed every row, because subscribers use them to detect missed events.
-- Bodies come last so listing rows never touches their overflow pages.
CREATE TABLE requests (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	time          TEXT NOT NULL,
	method        TEXT NOT NULL,
	path          TEXT NOT NULL,
	query         TEXT NOT NULL,
	status        INTEGER NOT NULL,
	duration_ns   INTEGER NOT NULL,
	remote_addr   TEXT NOT NULL,
	via_tunnel    INTEGER NOT NULL,
	auth          TEXT NOT NULL,
	resource_type TEXT NOT NULL,
	resource_id   TEXT NOT NULL,
	quirks        TEXT NOT NULL,
	error_detail  TEXT NOT NULL,
	user_agent    TEXT NOT NULL,
	idp           TEXT NOT NULL,
	step          TEXT NOT NULL,
	subject       TEXT NOT NULL,
	summary       TEXT NOT NULL,
	hints         TEXT NOT NULL,
	body_bytes    INTEGER NOT NULL,
	req_headers   TEXT NOT NULL,
	resp_headers  TEXT NOT NULL,
	req_body      BLOB,
	resp_body     BLOB
) STRICT;
CREATE INDEX requests_resource ON requests(resource_type, resource_id, seq);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`,
	// 2: the typed exchange record: Okta flavour, failure as the IdP sees it, strict
	// mode and the quirk it refused, the SCIM error type. Hints become objects with a
	// severity, a text and a cause; older rows stored "severity: text" strings, whose
	// cause is unknown.
	`
ALTER TABLE requests ADD COLUMN flavour TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN strict INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN refused_by TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN scim_type TEXT NOT NULL DEFAULT '';
UPDATE requests SET failed = (status >= 400);
UPDATE requests SET hints = (
	SELECT json_group_array(json_object(
		'severity', CASE
			WHEN h.value LIKE 'error: %' THEN 'error'
			WHEN h.value LIKE 'info: %' THEN 'info'
			ELSE 'warn' END,
		'text', CASE
			WHEN h.value LIKE 'error: %' THEN substr(h.value, 8)
			WHEN h.value LIKE 'warn: %' THEN substr(h.value, 7)
			WHEN h.value LIKE 'info: %' THEN substr(h.value, 7)
			ELSE h.value END,
		'cause', ''))
	FROM json_each(requests.hints) AS h)
WHERE hints <> '[]' AND json_type(hints, '$[0]') = 'text';
`,
	// 3: the request log moves to its own file (LogPath), attached as "log" while
	// migrations run. Rows keep their numbers and the sequence keeps its high-water
	// mark, so no number is ever given twice. Re-run after a crash between the two
	// files' commits, the copy skips the rows it already made.
	`
INSERT OR IGNORE INTO log.requests (seq, time, method, path, query, status, duration_ns,
	remote_addr, via_tunnel, auth, resource_type, resource_id, quirks, error_detail, user_agent,
	idp, step, subject, summary, hints, body_bytes, req_headers, resp_headers, req_body, resp_body,
	flavour, failed, strict, refused_by, scim_type)
SELECT seq, time, method, path, query, status, duration_ns,
	remote_addr, via_tunnel, auth, resource_type, resource_id, quirks, error_detail, user_agent,
	idp, step, subject, summary, hints, body_bytes, req_headers, resp_headers, req_body, resp_body,
	flavour, failed, strict, refused_by, scim_type
FROM main.requests;
UPDATE log.sqlite_sequence SET seq = (SELECT seq FROM main.sqlite_sequence WHERE name = 'requests')
WHERE name = 'requests' AND seq < (SELECT seq FROM main.sqlite_sequence WHERE name = 'requests');
INSERT INTO log.sqlite_sequence (name, seq)
SELECT 'requests', seq FROM main.sqlite_sequence
WHERE name = 'requests' AND NOT EXISTS (SELECT 1 FROM log.sqlite_sequence WHERE name = 'requests');
DROP TABLE main.requests;
DELETE FROM main.sqlite_sequence WHERE name = 'requests';
`,
}

// migrate brings the lab's database to the user_version this build writes,
// len(migrations). The request log at logPath,
// already migrated, is attached as "log" meanwhile, for the migration that moves
// the log into it.
func migrate(ctx context.Context, w *sql.DB, logPath string) (err error) {
	if _, err := w.ExecContext(ctx, "ATTACH DATABASE ? AS log", logPath); err != nil {
		return fmt.Errorf("store: attach the request log: %w", err)
	}
	defer func() {
		if _, derr := w.ExecContext(ctx, "DETACH DATABASE log"); derr != nil && err == nil {
			err = fmt.Errorf("store: detach the request log: %w", derr)
		}
	}()
	return migrateSchema(ctx, w, migrations, "database")
}

// migrateSchema brings the file w writes to len(steps), one transaction per
// migration, so an interrupted upgrade resumes where it stopped. what names the
// file in errors.
func migrateSchema(ctx context.Context, w *sql.DB, steps []string, what string) error {
	for {
		done, err := migrateStep(ctx, w, steps, what)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// migrateStep applies the next pending migration, reporting done when there
// is none. The version is read inside the write transaction, so two processes
// opening the same file cannot both apply a migration.
func migrateStep(ctx context.Context, w *sql.DB, steps []string, what string) (done bool, err error) {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: migrate %s: %w", what, err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA main.user_version").Scan(&v); err != nil {
		return false, fmt.Errorf("store: read %s schema version: %w", what, err)
	}
	switch {
	case v == len(steps):
		return true, nil
	case v > len(steps) || v < 0:
		return false, fmt.Errorf("store: %s schema version %d is newer than this scimlab (%d)", what, v, len(steps))
	}
	if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
		return false, fmt.Errorf("store: %s migration %d: %w", what, v+1, err)
	}
	// PRAGMA takes no bound parameters; v+1 is an integer we computed.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA main.user_version = %d", v+1)); err != nil {
		return false, fmt.Errorf("store: %s migration %d: %w", what, v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: %s migration %d: %w", what, v+1, err)
	}
	return false, nil
}
