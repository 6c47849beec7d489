package store

import (
	"context"
	"database/sql/driver"
	"errors"
)

// The store's SQL is a fixed set of statements run again and again, yet a query
// through database/sql is parsed and compiled by SQLite on every call: under load that
// was a tenth of the server's time. Every connection therefore keeps the statements it
// has run, prepared, keyed by their text, and runs a cached statement again with new
// arguments. This sits under database/sql, so every query in the package, and every
// query added later, is reused without being written differently.
//
// Only statements with arguments are kept: those are the per-request ones. Scripts,
// pragmas and BEGIN/COMMIT carry none and go straight to the driver.

// maxCachedStatements bounds each connection's cache. Search builds its SQL from the
// filter's shape (values are always parameters), so a client can produce many texts;
// beyond the bound, the statement evicted is one not in use.
const maxCachedStatements = 256

// preparingConnector hands out connections that keep their prepared statements.
// uninterrupted ones run every statement to its end, whatever its context says.
type preparingConnector struct {
	inner         driver.Connector
	uninterrupted bool
}

func (c preparingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newPreparingConn(conn, c.uninterrupted)
}

func (c preparingConnector) Driver() driver.Driver { return c.inner.Driver() }

// driverConn is what database/sql uses of the SQLite driver's connection.
type driverConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// preparingConn is one connection and its statement cache. database/sql uses a
// connection from one goroutine at a time, so the cache needs no lock.
type preparingConn struct {
	driverConn
	stmts         map[string]*cachedStmt
	uninterrupted bool
}

type cachedStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	// busy is set while rows read from the statement are open: the same text run
	// meanwhile gets a statement of its own.
	busy bool
}

func newPreparingConn(c driver.Conn, uninterrupted bool) (driver.Conn, error) {
	dc, ok := c.(driverConn)
	if !ok {
		_ = c.Close()
		return nil, errors.New("store: the SQLite driver's connection lacks a method the store uses")
	}
	return &preparingConn{driverConn: dc, stmts: make(map[string]*cachedStmt), uninterrupted: uninterrupted}, nil
}

// driverCtx is the context handed to the driver: without its cancellation on an
// uninterrupted connection. database/sql still checks the context before each call.
func (c *preparingConn) driverCtx(ctx context.Context) context.Context {
	if c.uninterrupted {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (c *preparingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.driverConn.BeginTx(c.driverCtx(ctx), opts)
}

// statement returns the cached statement for query, preparing it on first use, and
// whether it is cached (an uncached one must be closed after use).
func (c *preparingConn) statement(ctx context.Context, query string) (*cachedStmt, bool, error) {
	if cs := c.stmts[query]; cs != nil && !cs.busy {
		return cs, true, nil
	}
	ds, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, false, err
	}
	st, ok := ds.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		_ = ds.Close()
		return nil, false, errors.New("store: the SQLite driver's statement lacks a method the store uses")
	}
	cs := &cachedStmt{stmt: st}
	if _, taken := c.stmts[query]; taken {
		return cs, false, nil
	}
	if len(c.stmts) >= maxCachedStatements && !c.evictOne() {
		return cs, false, nil
	}
	c.stmts[query] = cs
	return cs, true, nil
}

// evictOne closes one cached statement not in use, reporting whether it found one.
func (c *preparingConn) evictOne() bool {
	for q, cs := range c.stmts {
		if !cs.busy {
			_ = cs.stmt.Close()
			delete(c.stmts, q)
			return true
		}
	}
	return false
}

func (c *preparingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ctx = c.driverCtx(ctx)
	if len(args) == 0 {
		return c.driverConn.ExecContext(ctx, query, args)
	}
	cs, cached, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := cs.stmt.ExecContext(ctx, args)
	if !cached {
		err = errors.Join(err, cs.stmt.Close())
	}
	return res, err
}

func (c *preparingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	ctx = c.driverCtx(ctx)
	if len(args) == 0 {
		return c.driverConn.QueryContext(ctx, query, args)
	}
	cs, cached, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		if !cached {
			err = errors.Join(err, cs.stmt.Close())
		}
		return nil, err
	}
	cs.busy = true
	return &stmtRows{Rows: rows, cs: cs, owned: !cached}, nil
}

// Close closes the cached statements, then the connection.
func (c *preparingConn) Close() error {
	var errs []error
	for q, cs := range c.stmts {
		errs = append(errs, cs.stmt.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.driverConn.Close())...)
}

// stmtRows frees its statement for the next query when closed; a statement that is
// not cached is closed with it.
type stmtRows struct {
	driver.Rows
	cs    *cachedStmt
	owned bool
}

func (r *stmtRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	if r.owned {
		err = errors.Join(err, r.cs.stmt.Close())
	}
	return err
}
