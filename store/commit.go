package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Group commit. Every write method is one transaction of its own as far as its
// caller can tell: it applies completely or not at all, and returns only once it is
// committed. Underneath, the writes that arrive while a commit is under way wait for
// the next one and share it: one BEGIN and one COMMIT (the commit's WAL writes were
// half of a create's cost) serve as many writes as came in meanwhile. Inside the shared
// transaction each write runs under a savepoint, so one that fails is rolled back
// alone and the others commit; a failed COMMIT fails them all, and none of them is
// reported done before its commit is.

// maxBatch bounds the writes sharing one transaction, and so how long the last of
// them waits for the first.
const maxBatch = 128

// errClosed is returned by writes made after Close.
var errClosed = errors.New("store: database closed")

// writeOp is one caller's write waiting for a commit.
type writeOp struct {
	fn func(tx *sql.Tx) error
	// after, if set, runs once fn's changes are committed, before the caller
	// returns, in commit order: it keeps in-memory state in step with the file.
	after func()
	err   error
	done  chan struct{}
	// panicked holds what fn panicked with; the caller panics with it again, so a
	// bug in a callback surfaces where it would without batching.
	panicked any
}

// committer owns the writer connection: it runs the queued writes in batches.
type committer struct {
	w    *sql.DB
	ops  chan *writeOp
	mu   sync.RWMutex // write holds it to send; close takes it to stop sends
	shut bool
	done chan struct{}
	// after is called after every commit with how many writes it held.
	after func(n int)
	// gate is the file's integrity check: no write runs before it passed.
	gate *integrity
}

func newCommitter(w *sql.DB, after func(n int), gate *integrity) *committer {
	c := &committer{w: w, ops: make(chan *writeOp, maxBatch), done: make(chan struct{}), after: after, gate: gate}
	go c.run()
	return c
}

// write queues fn and waits until its transaction committed or failed; after, if
// not nil, runs on success, before write returns.
func (c *committer) write(fn func(tx *sql.Tx) error, after func()) error {
	op := &writeOp{fn: fn, after: after, done: make(chan struct{})}
	c.mu.RLock()
	if c.shut {
		c.mu.RUnlock()
		return errClosed
	}
	c.ops <- op
	c.mu.RUnlock()
	<-op.done
	if op.panicked != nil {
		panic(op.panicked)
	}
	return op.err
}

// close stops taking writes and returns once the queued ones are done.
func (c *committer) close() {
	c.mu.Lock()
	if !c.shut {
		c.shut = true
		close(c.ops)
	}
	c.mu.Unlock()
	<-c.done
}

func (c *committer) run() {
	defer close(c.done)
	if err := c.gate.wait(context.Background()); err != nil {
		// A damaged file takes no write: every one fails with the damage found.
		for op := range c.ops {
			op.err = err
			close(op.done)
		}
		return
	}
	batch := make([]*writeOp, 0, maxBatch)
	for op := range c.ops {
		batch = append(batch[:0], op)
	more:
		for len(batch) < maxBatch {
			select {
			case next, ok := <-c.ops:
				if !ok {
					break more
				}
				batch = append(batch, next)
			default:
				break more
			}
		}
		committed := c.commit(batch)
		for _, op := range batch {
			if committed > 0 && op.err == nil && op.after != nil {
				op.after()
			}
			close(op.done)
		}
		if committed > 0 && c.after != nil {
			c.after(committed)
		}
	}
}

// commit runs a batch in one transaction and reports how many writes it committed.
// Each op's err is set; a write alone in its batch needs no savepoint.
func (c *committer) commit(batch []*writeOp) int {
	// Not the callers' contexts: a caller that goes away must not roll back the
	// others' writes. Its own statements still see its context.
	ctx := context.Background()
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		failAll(batch, fmt.Errorf("store: begin: %w", err))
		return 0
	}
	ok := 0
	for _, op := range batch {
		if len(batch) == 1 {
			op.err = op.run(tx)
		} else if op.err = c.runSaved(ctx, tx, op); op.err == errBatchBroken {
			_ = tx.Rollback()
			failAll(batch, fmt.Errorf("store: write: the transaction failed"))
			return 0
		}
		if op.err == nil {
			ok++
		}
	}
	if ok == 0 {
		_ = tx.Rollback()
		return 0
	}
	if err := tx.Commit(); err != nil {
		err = fmt.Errorf("store: commit: %w", err)
		for _, op := range batch {
			if op.err == nil {
				op.err = err
			}
		}
		return 0
	}
	return ok
}

// errBatchBroken reports that a savepoint could not be rolled back or released:
// the shared transaction is gone.
var errBatchBroken = errors.New("store: batch transaction broken")

// runSaved runs op under a savepoint, rolling back to it when op fails.
func (c *committer) runSaved(ctx context.Context, tx *sql.Tx, op *writeOp) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT op"); err != nil {
		return errBatchBroken
	}
	err := op.run(tx)
	if err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO op"); rerr != nil {
			return errBatchBroken
		}
	}
	if _, rerr := tx.ExecContext(ctx, "RELEASE op"); rerr != nil {
		return errBatchBroken
	}
	return err
}

// run calls fn, turning a panic into an error here and a panic in the caller.
func (op *writeOp) run(tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			op.panicked = p
			err = fmt.Errorf("store: write panicked: %v", p)
		}
	}()
	return op.fn(tx)
}

func failAll(batch []*writeOp, err error) {
	for _, op := range batch {
		op.err = err
	}
}
