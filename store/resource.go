package store

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Kind names a SCIM resource type.
type Kind string

// The resource kinds the store holds.
const (
	KindUser  Kind = "User"
	KindGroup Kind = "Group"
)

// Resource is a stored User or Group. Doc is the JSON object as the client
// sent it, without id, meta, members and groups, which the store owns. The
// indexed copies (UserName, ExternalID, DisplayName, Active) are derived from
// Doc on every write; values set by the caller are ignored.
type Resource struct {
	Kind         Kind
	ID           string
	Doc          []byte
	Version      int64
	Created      time.Time
	LastModified time.Time
	UserName     string
	ExternalID   string
	DisplayName  string
	Active       bool
	// Groups holds, for a User, the groups it is a direct member of, ordered by
	// displayName, read in the same transaction as the user itself. A new user has
	// none; a Group's Groups is always nil.
	Groups []GroupRef
}

// Member is one group membership as a group sees it.
type Member struct {
	UserID  string
	Display string
	Type    string
}

// GroupRef is one group a user belongs to.
type GroupRef struct {
	ID          string
	DisplayName string
}

// timeLayout is RFC 3339 in UTC with a fixed nine-digit fraction. Fixed width
// makes lexicographic order equal time order, which lets meta.created and
// meta.lastModified filters and sorts run on the indexed text columns.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: bad timestamp %q: %w", s, err)
	}
	return t.UTC(), nil
}

// reservedKeys are attributes the store derives itself; a document never
// carries them, whatever the client sent (RFC 7643 §3.1: id and meta are
// assigned by the service provider; members and groups live in memberships).
var reservedKeys = []string{"id", "meta", "members", "groups"}

// indexed holds the column copies derived from a document.
type indexed struct {
	userName    sql.NullString
	externalID  sql.NullString
	displayName sql.NullString
	active      sql.NullInt64
}

// normalize validates doc as one JSON object, strips the reserved keys and
// returns the canonical encoding plus the indexed column values. Numbers keep
// their exact text.
func normalize(kind Kind, doc []byte) ([]byte, indexed, error) {
	var ix indexed
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, ix, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	if m == nil {
		return nil, ix, fmt.Errorf("%w: not a JSON object", ErrInvalidDocument)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, ix, fmt.Errorf("%w: trailing data after the JSON object", ErrInvalidDocument)
	}
	// SCIM attribute names are case-insensitive (RFC 7643 §2.1), so "ID" or
	// "Meta" are the same attributes.
	for k := range m {
		for _, r := range reservedKeys {
			if strings.EqualFold(k, r) {
				delete(m, k)
			}
		}
	}
	ix.externalID = stringAttr(m, "externalId")
	ix.displayName = stringAttr(m, "displayName")
	if kind == KindUser {
		ix.userName = stringAttr(m, "userName")
		if !ix.userName.Valid || ix.userName.String == "" {
			return nil, ix, fmt.Errorf("%w: userName is required", ErrInvalidDocument)
		}
		if v, ok := attr(m, "active").(bool); ok {
			ix.active = sql.NullInt64{Int64: boolInt(v), Valid: true}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, ix, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), ix, nil
}

// attr looks a top-level attribute up by its exact name first, then
// case-insensitively.
func attr(m map[string]any, name string) any {
	if v, ok := m[name]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

func stringAttr(m map[string]any, name string) sql.NullString {
	s, ok := attr(m, name).(string)
	return sql.NullString{String: s, Valid: ok}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// rowScanner is satisfied by *sql.Row and *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// userColumns and groupColumns select the same shape, so one scanner reads
// both kinds.
const (
	userColumns  = "users.id, users.doc, users.version, users.created, users.last_modified, users.user_name, users.external_id, users.display_name, users.active"
	groupColumns = "groups.id, groups.doc, groups.version, groups.created, groups.last_modified, NULL, groups.external_id, groups.display_name, NULL"
)

func scanResource(kind Kind, s rowScanner) (*Resource, error) {
	var (
		r                        = &Resource{Kind: kind}
		doc                      string
		created, modified        string
		userName, extID, display sql.NullString
		active                   sql.NullInt64
	)
	if err := s.Scan(&r.ID, &doc, &r.Version, &created, &modified, &userName, &extID, &display, &active); err != nil {
		return nil, err
	}
	var err error
	if r.Created, err = parseTime(created); err != nil {
		return nil, err
	}
	if r.LastModified, err = parseTime(modified); err != nil {
		return nil, err
	}
	r.Doc = []byte(doc)
	r.UserName = userName.String
	r.ExternalID = extID.String
	r.DisplayName = display.String
	r.Active = active.Valid && active.Int64 == 1
	return r, nil
}

// apply copies the derived column values onto r.
func (ix indexed) apply(r *Resource) {
	r.UserName = ix.userName.String
	r.ExternalID = ix.externalID.String
	r.DisplayName = ix.displayName.String
	r.Active = ix.active.Valid && ix.active.Int64 == 1
}

// clone returns a deep copy, so callbacks cannot alias the store's values.
func (r *Resource) clone() *Resource {
	c := *r
	c.Doc = bytes.Clone(r.Doc)
	c.Groups = slices.Clone(r.Groups)
	return &c
}
