package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Setting returns the value stored under key and whether there is one.
func (db *DB) Setting(ctx context.Context, key string) (_ string, _ bool, err error) {
	defer db.noteDamage(&err)
	var v string
	err = db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: read setting %q: %w", key, err)
	}
	return v, true, nil
}

// SetSetting stores value under key, replacing any previous value.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		if err != nil {
			return fmt.Errorf("store: write setting %q: %w", key, err)
		}
		return nil
	})
}

// settingBearerToken keeps the SCIM bearer token, so the token an admin pasted into
// Okta or Entra survives restarts.
const settingBearerToken = "scim.token"

// BearerToken returns the stored SCIM bearer token, "" when none was stored yet.
func (db *DB) BearerToken(ctx context.Context) (string, error) {
	t, _, err := db.Setting(ctx, settingBearerToken)
	return t, err
}

// SetBearerToken stores the SCIM bearer token.
func (db *DB) SetBearerToken(ctx context.Context, token string) error {
	return db.SetSetting(ctx, settingBearerToken, token)
}
