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
	// 3: the other resources a request was about (exchange.Record.Related), looked up
	// by resource for a resource's history, and by request when a row is read.
	`
CREATE TABLE request_related (
	resource_type TEXT NOT NULL,
	resource_id   TEXT NOT NULL,
	seq           INTEGER NOT NULL REFERENCES requests(seq) ON DELETE CASCADE,
	PRIMARY KEY (resource_type, resource_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX request_related_seq ON request_related(seq);
`,
	// 4: the failure a fault rule injected (exchange.Record.Fault), as JSON; '' when
	// the answer was the server's own.
	`
ALTER TABLE requests ADD COLUMN fault TEXT NOT NULL DEFAULT '';
`,
	// 5: the app profile each request was answered under and what it did
	// (exchange.Record.Profile and .Effects).
	`
ALTER TABLE requests ADD COLUMN profile TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN effects TEXT NOT NULL DEFAULT '[]';
`,
	// 6: app-side state, what the app holds that the IdP did not send. Memberships
	// added by the app's own admin (app_side) survive the IdP's member rewrites where
	// a profile says so; deleted users and groups stay as tombstones until the lab is
	// reset, written by triggers so every delete leaves one in its own transaction;
	// the app admin's actions are an audit list of their own, apart from the IdP's
	// requests; independent accounts hold userNames outside the organisation.
	`
ALTER TABLE memberships ADD COLUMN app_side INTEGER NOT NULL DEFAULT 0;

CREATE TABLE tombstones (
	kind        TEXT NOT NULL,
	id          TEXT NOT NULL,
	name        TEXT NOT NULL,
	external_id TEXT NOT NULL,
	doc         TEXT NOT NULL,
	created     TEXT NOT NULL,
	deleted     TEXT NOT NULL,
	memberships INTEGER NOT NULL,
	PRIMARY KEY (kind, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX tombstones_deleted ON tombstones(kind, deleted);

-- BEFORE: the memberships the delete cascades away are still there to count.
-- The time has the store's fixed nine-digit layout.
CREATE TRIGGER users_tombstone BEFORE DELETE ON users BEGIN
	INSERT OR REPLACE INTO tombstones (kind, id, name, external_id, doc, created, deleted, memberships)
	VALUES ('User', old.id, old.user_name, coalesce(old.external_id, ''), old.doc, old.created,
		strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000000Z',
		(SELECT count(*) FROM memberships WHERE user_id = old.id));
END;
CREATE TRIGGER groups_tombstone BEFORE DELETE ON groups BEGIN
	INSERT OR REPLACE INTO tombstones (kind, id, name, external_id, doc, created, deleted, memberships)
	VALUES ('Group', old.id, coalesce(old.display_name, ''), coalesce(old.external_id, ''), old.doc, old.created,
		strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000000Z',
		(SELECT count(*) FROM memberships WHERE group_id = old.id));
END;

CREATE TABLE app_actions (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	time          TEXT NOT NULL,
	action        TEXT NOT NULL,
	resource_type TEXT NOT NULL,
	resource_id   TEXT NOT NULL,
	name          TEXT NOT NULL,
	detail        TEXT NOT NULL
) STRICT;
CREATE INDEX app_actions_resource ON app_actions(resource_type, resource_id, seq);

CREATE TABLE independent_accounts (
	user_name    TEXT PRIMARY KEY COLLATE NOCASE,
	display_name TEXT NOT NULL,
	doc          TEXT NOT NULL,
	created      TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`,
	// 7: the request log and its related-resources side table have moved to the log's
	// own file (LogPath): logCopy, run first, copied them there.
	`
DROP TABLE main.request_related;
DROP TABLE main.requests;
DELETE FROM main.sqlite_sequence WHERE name = 'requests';
`,
	// 8: users by their enterprise manager (managerOf, the same expression), for the
	// users a user's delete changes, without reading every user's document. Only users
	// with a manager are in it.
	`
CREATE INDEX users_manager ON users(json_extract(doc, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".manager.value'))
WHERE json_extract(doc, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".manager.value') IS NOT NULL;
`,
}

// logMoved is the schema version from which the request log lives in its own file.
const logMoved = 7

// logCopy copies the request log from the lab's file to the log's file, attached as
// "log", before migration logMoved drops it from the lab's. It commits on its own,
// first: SQLite commits the files of one transaction one after the other (in WAL
// mode a transaction is atomic in each file, not across them), so a crash between
// two commits of one transaction could have dropped the log before its copy was
// made. Apart, a crash leaves at worst the copy made and the lab's file at version
// logMoved-1, and the copy runs again, skipping the rows it already made. Rows
// keep their numbers and the sequence its high-water mark, so no number is ever
// given twice.
const logCopy = `
INSERT OR IGNORE INTO log.requests (seq, time, method, path, query, status, duration_ns,
	remote_addr, via_tunnel, auth, resource_type, resource_id, quirks, error_detail, user_agent,
	idp, step, subject, summary, hints, body_bytes, req_headers, resp_headers,
	flavour, failed, strict, refused_by, scim_type, fault, profile, effects, req_body, resp_body)
SELECT seq, time, method, path, query, status, duration_ns,
	remote_addr, via_tunnel, auth, resource_type, resource_id, quirks, error_detail, user_agent,
	idp, step, subject, summary, hints, body_bytes, req_headers, resp_headers,
	flavour, failed, strict, refused_by, scim_type, fault, profile, effects, req_body, resp_body
FROM main.requests;
INSERT OR IGNORE INTO log.request_related (resource_type, resource_id, seq)
SELECT resource_type, resource_id, seq FROM main.request_related;
UPDATE log.sqlite_sequence SET seq = (SELECT seq FROM main.sqlite_sequence WHERE name = 'requests')
WHERE name = 'requests' AND seq < (SELECT seq FROM main.sqlite_sequence WHERE name = 'requests');
INSERT INTO log.sqlite_sequence (name, seq)
SELECT 'requests', seq FROM main.sqlite_sequence
WHERE name = 'requests' AND NOT EXISTS (SELECT 1 FROM log.sqlite_sequence WHERE name = 'requests');
`

// SchemaVersion is the schema version of a lab's file that this build of scimlab
// writes and opens.
func SchemaVersion() int { return len(migrations) }

// migrate brings the lab's database to the user_version this build writes,
// len(migrations). The request log at logPath, already migrated, is attached as
// "log" meanwhile, for the copy that moves the log into it.
func migrate(ctx context.Context, w *sql.DB, logPath string) (err error) {
	if _, err := w.ExecContext(ctx, "ATTACH DATABASE ? AS log", logPath); err != nil {
		return fmt.Errorf("store: attach the request log: %w", err)
	}
	defer func() {
		if _, derr := w.ExecContext(ctx, "DETACH DATABASE log"); derr != nil && err == nil {
			err = fmt.Errorf("store: detach the request log: %w", derr)
		}
	}()
	if err := migrateSchema(ctx, w, migrations, logMoved-1, "database"); err != nil {
		return err
	}
	if err := copyLog(ctx, w); err != nil {
		return err
	}
	return migrateSchema(ctx, w, migrations, len(migrations), "database")
}

// copyLog runs logCopy in a transaction of its own while the lab's file is at the
// version just before logMoved.
func copyLog(ctx context.Context, w *sql.DB) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: move the request log: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA main.user_version").Scan(&v); err != nil {
		return fmt.Errorf("store: read database schema version: %w", err)
	}
	if v != logMoved-1 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, logCopy); err != nil {
		return fmt.Errorf("store: move the request log: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: move the request log: %w", err)
	}
	return nil
}

// migrateSchema brings the file w writes to version to (at most len(steps)), one
// transaction per migration, so an interrupted upgrade resumes where it stopped; a
// file already past to stays as it is. what names the file in errors.
func migrateSchema(ctx context.Context, w *sql.DB, steps []string, to int, what string) error {
	for {
		done, err := migrateStep(ctx, w, steps, to, what)
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
func migrateStep(ctx context.Context, w *sql.DB, steps []string, to int, what string) (done bool, err error) {
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
	case v > len(steps) || v < 0:
		return false, fmt.Errorf("store: %s schema version %d is newer than this scimlab (%d)", what, v, len(steps))
	case v >= to:
		return true, nil
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
