package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// Cond is a resolved filter: the server translates a SCIM filter AST into
// this tree, with attribute names already resolved to JSON paths and case
// rules. The store compiles it to SQL with bound parameters.
//
// Missing attributes follow RFC 7644 §3.4.2.2: every comparison on a missing
// attribute is false except ne, which is true; CondNot inverts after that
// rule, so not (x eq 1) is true when x is missing.
type Cond interface{ isCond() }

// CondAnd is true when both L and R are.
type CondAnd struct{ L, R Cond }

// CondOr is true when L or R is.
type CondOr struct{ L, R Cond }

// CondNot is true when X is not.
type CondNot struct{ X Cond }

// CondCmp compares Field with Value. Op is one of eq ne co sw ew gt ge lt le.
// Value is a string, float64, bool, time.Time or nil: booleans allow only eq
// and ne; co/sw/ew need a string; nil allows eq ("is absent") and ne. A string
// compared with a dateTime field (Field.Type "dateTime" or meta timestamps) is
// parsed as RFC 3339. A value of another JSON type than the stored one never
// matches (so ne is true).
//
// Strings compare case-insensitively (ASCII case folding, as SQLite's NOCASE
// and LIKE do) unless Field.CaseExact. Resource ids (id, members.value,
// groups.value) always compare exactly: RFC 7643 §3.1 makes id caseExact,
// and exact compares are what the primary key and membership indexes serve.
//
// members.value on a Group and groups.value on a User (also .display and
// .type) are read from the memberships table and are true when any
// membership matches; with no memberships only ne is true.
type CondCmp struct {
	Field Field
	Op    string
	Value any
}

// CondPresent is SCIM pr: the attribute exists and is not null, "", [] or {}.
type CondPresent struct{ Field Field }

// CondAny is true when at least one element of the multi-valued attribute at
// Array satisfies Where (a SCIM value path such as emails[type eq "work"]).
// Fields inside Where are relative to one element; an empty Path means the
// element itself (for arrays of strings). A single JSON object at Array counts
// as a one-element array. A nil Where matches any element.
type CondAny struct {
	Array []string
	Where Cond
}

// Field names an attribute by its JSON path in the stored document, e.g.
// {"userName"}, {"name", "familyName"},
// {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "department"},
// {"meta", "lastModified"}, {"members", "value"}. Type is the SCIM schema type
// ("string", "dateTime", ...), used to compare dateTime strings as times.
type Field struct {
	Path      []string
	CaseExact bool
	Type      string
}

// Query is a search over one resource kind. StartIndex is 1-based (values
// below 1 mean 1). Count 0 returns only the total; Count < 0 returns every
// match. Without SortBy, resources come in creation order. Sorting puts
// missing values last in both directions and breaks ties by id, so pages are
// stable.
type Query struct {
	Kind       Kind
	Where      Cond
	SortBy     *Field
	Descending bool
	StartIndex int
	Count      int
}

func (CondAnd) isCond()     {}
func (CondOr) isCond()      {}
func (CondNot) isCond()     {}
func (CondCmp) isCond()     {}
func (CondPresent) isCond() {}
func (CondAny) isCond()     {}

// Search returns the number of resources matching q.Where and the requested
// page of them; users come with their groups. Filtering, sorting, counting and
// paging run in SQL, in one read transaction, so the total and the page agree; an
// unfiltered query in creation order seeks to its page through the order kept in
// memory (order.go).
func (db *DB) Search(ctx context.Context, q Query) (total int, page []*Resource, err error) {
	sel, err := compileQuery(q)
	if err != nil {
		return 0, nil, err
	}
	start := max(q.StartIndex, 1)
	if q.Where == nil && q.SortBy == nil {
		return db.searchInOrder(ctx, q.Kind, start, q.Count)
	}
	err = db.read(ctx, func(tx *sql.Tx) error {
		if q.Count != 0 {
			limit := int64(q.Count)
			if q.Count < 0 {
				limit = -1
			}
			rows, err := tx.QueryContext(ctx, sel.pageSQL, append(sel.args, limit, int64(start-1))...)
			if err != nil {
				return fmt.Errorf("store: search: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				r, err := scanResource(q.Kind, rows)
				if err != nil {
					return fmt.Errorf("store: search: %w", err)
				}
				page = append(page, r)
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("store: search: %w", err)
			}
			if q.Kind == KindUser && len(page) > 0 {
				if err := pageGroups(ctx, tx, page); err != nil {
					return err
				}
			}
			// A page that is not full, and not empty because it starts past
			// the end, ends at the last match: it tells the total without a
			// COUNT. Lookups such as userName eq always end here.
			if (len(page) > 0 || start == 1) && (q.Count < 0 || len(page) < q.Count) {
				total = start - 1 + len(page)
				return nil
			}
		}
		if err := tx.QueryRowContext(ctx, sel.countSQL, sel.args[:sel.whereArgs]...).Scan(&total); err != nil {
			return fmt.Errorf("store: search: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return total, page, nil
}

// searchInOrder answers an unfiltered query in creation order: the page starts at
// the row the order names for start, and the total is the order's length, so
// neither steps over the rows before the page.
func (db *DB) searchInOrder(ctx context.Context, kind Kind, start, count int) (total int, page []*Resource, err error) {
	defer db.noteDamage(&err)
	o := db.order[kind]
	if err := o.ensure(ctx, db); err != nil {
		return 0, nil, err
	}
	total, first, ok := o.seek(start)
	if count == 0 || !ok {
		return total, nil, nil
	}
	limit := int64(count)
	if count < 0 {
		limit = -1
	}
	err = db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+columnsOf(kind)+" FROM "+tableOf(kind)+
			" WHERE rowid >= ? ORDER BY rowid LIMIT ?", first, limit)
		if err != nil {
			return fmt.Errorf("store: search: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanResource(kind, rows)
			if err != nil {
				return fmt.Errorf("store: search: %w", err)
			}
			page = append(page, r)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: search: %w", err)
		}
		if kind == KindUser && len(page) > 0 {
			return pageGroups(ctx, tx, page)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return total, page, nil
}

// compiled is a query ready to run: countSQL takes args[:whereArgs]; pageSQL
// takes args plus LIMIT and OFFSET.
type compiled struct {
	countSQL  string
	pageSQL   string
	args      []any
	whereArgs int
}

func compileQuery(q Query) (*compiled, error) {
	if q.Kind != KindUser && q.Kind != KindGroup {
		return nil, fmt.Errorf("%w: unknown resource kind %q", ErrInvalidFilter, q.Kind)
	}
	c := &compiler{kind: q.Kind, table: tableOf(q.Kind)}
	where := ""
	if q.Where != nil {
		w, err := c.cond(c.topScope(), q.Where)
		if err != nil {
			return nil, err
		}
		where = " WHERE " + w
	}
	whereArgs := len(c.args)
	order := c.table + ".rowid"
	if q.SortBy != nil {
		key, err := c.sortKey(*q.SortBy)
		if err != nil {
			return nil, err
		}
		dir := " ASC"
		if q.Descending {
			dir = " DESC"
		}
		order = key + dir + " NULLS LAST, " + c.table + ".id"
	}
	n := len(c.args)
	return &compiled{
		countSQL:  "SELECT count(*) FROM " + c.table + where,
		pageSQL:   "SELECT " + columnsOf(q.Kind) + " FROM " + c.table + where + " ORDER BY " + order + " LIMIT ?" + strconv.Itoa(n+1) + " OFFSET ?" + strconv.Itoa(n+2),
		args:      c.args,
		whereArgs: whereArgs,
	}, nil
}
