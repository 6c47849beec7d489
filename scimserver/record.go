package scimserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/store"
)

// inflight is the record of the request being served, which handlers complete as they
// learn which resource it touched, which quirks it relied on and why it failed. One
// goroutine serves a request, so it needs no lock.
type inflight struct {
	rec     *exchange.Record
	quirks  quirk.Set
	related map[exchange.ResourceRef]bool
	// view is the profile the request is answered under: the one when it arrived.
	view *profileView
	// sender is Config.SenderIdP's answer, asked at most once (senderOf).
	sender      exchange.IdP
	senderKnown bool
}

type inflightKey struct{}

func inflightOf(ctx context.Context) *inflight {
	in, _ := ctx.Value(inflightKey{}).(*inflight)
	return in
}

// seenQuirks returns the request's quirk set for the filter and PATCH parsers; nil (which
// they accept) outside a recorded request.
func seenQuirks(r *http.Request) *quirk.Set {
	if in := inflightOf(r.Context()); in != nil {
		return &in.quirks
	}
	return nil
}

// strictFor is the mode the request is answered in: the mode when it arrived, so a
// switch in the console never splits one request between two modes.
func (s *Server) strictFor(r *http.Request) bool {
	if in := inflightOf(r.Context()); in != nil {
		return in.rec.Strict
	}
	return s.Strict()
}

func noteResource(r *http.Request, typ, id string) {
	if in := inflightOf(r.Context()); in != nil {
		in.rec.ResourceType = typ
		if id != "" {
			in.rec.ResourceID = id
		}
	}
}

// recoverPanics is the outermost safety net: record turns handler panics into a recorded
// 500 itself, so this only catches a failure in the recording layer.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.logger.Error("panic outside the SCIM handlers", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// record captures the exchange and queues it for the recorder goroutine; the handler
// never waits for the log. The first LogBodyBytes of the request body are read before the
// handler runs, so even a request refused before its body is read (401, 415) is logged
// with its body.
func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &exchange.Record{
			Time:       start,
			Method:     r.Method,
			Path:       r.URL.Path,
			Query:      s.creds.redactQuery(r.URL.RawQuery),
			ReqHeaders: r.Header.Clone(),
			UserAgent:  r.Header.Get("User-Agent"),
			RemoteAddr: remoteAddr(r),
			ViaTunnel:  connInfoFrom(r.Context()).viaTunnel,
			Strict:     s.Strict(),
		}
		in := &inflight{rec: rec, view: s.view.Load()}
		rec.Profile = in.view.p.Name
		r = r.WithContext(context.WithValue(r.Context(), inflightKey{}, in))
		s.creds.with(in.view.p.TokenHeader()).redactHeaders(rec.ReqHeaders)
		if rec.UserAgent == "" {
			in.quirks.Add(quirk.MissingUserAgent)
		}
		if r.Body != nil && r.Body != http.NoBody {
			var err error
			rec.ReqBody, err = io.ReadAll(io.LimitReader(r.Body, int64(s.cfg.LogBodyBytes)))
			r.Body = &prefixedBody{prefix: bytes.NewReader(rec.ReqBody), err: err, rest: r.Body}
		}
		cw := &captureWriter{ResponseWriter: w, limit: s.cfg.LogBodyBytes}

		defer func() {
			p := recover()
			if p != nil && p != http.ErrAbortHandler {
				s.logger.Error("panic in SCIM handler", "panic", fmt.Sprint(p), "method", rec.Method, "path", rec.Path, "stack", string(debug.Stack()))
				if !cw.wroteHeader {
					s.writeError(cw, r, errors.New("panic"))
				}
			}
			rec.Status = cw.status
			if rec.Status == 0 {
				rec.Status = http.StatusOK
			}
			rec.RespHeaders = cw.Header().Clone()
			rec.RespBody = cw.body.Bytes()
			rec.Duration = time.Since(start)
			rec.Quirks = in.quirks.List()
			s.rec.enqueue(rec)
			if p == http.ErrAbortHandler {
				// An abort on purpose (a dropped connection) is logged like any exchange;
				// net/http then closes the connection.
				panic(p)
			}
		}()
		next.ServeHTTP(cw, r)
	})
}

// prefixedBody replays the bytes record read ahead, then the rest of the body.
type prefixedBody struct {
	prefix *bytes.Reader
	err    error
	rest   io.ReadCloser
}

func (b *prefixedBody) Read(p []byte) (int, error) {
	if b.prefix.Len() > 0 {
		return b.prefix.Read(p)
	}
	if b.err != nil {
		return 0, b.err
	}
	return b.rest.Read(p)
}

func (b *prefixedBody) Close() error { return b.rest.Close() }

// captureWriter keeps the status and the first limit bytes of the response for the log.
type captureWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	limit       int
	body        bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	if !c.wroteHeader {
		c.status = code
		c.wroteHeader = true
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	if room := c.limit - c.body.Len(); room > 0 {
		c.body.Write(p[:min(room, len(p))])
	}
	return c.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Recorder tuning. Batching amortises the log's single writer over many requests.
// Trimming runs after every pruneAfterRows recorded, and every pruneEvery for the age
// limit; the store's trim works in small transactions whose cost grows with what they
// delete, so it holds up the recorder briefly and handlers, which never wait for the
// recorder, not at all.
//
// recordLinger is how long the recorder lets requests gather after the first one
// wakes it. Without it, under load, the log committed once per five requests or so
// (6,033 commits for 30,000 requests at 16 clients), and each commit writes its pages
// to the WAL whatever the rows in them; with it, one commit per recordLinger.
// Subscribers see an exchange that much later at most; handlers never wait for it.
const (
	recordBatch    = 256
	recordLinger   = 10 * time.Millisecond
	recordMaxQueue = 100_000
	pruneEvery     = time.Minute
	pruneAfterRows = 2_000
)

// recorder numbers queued exchanges, annotates them, writes them to the store in
// batches, and then publishes their Events in log order. enqueue never blocks a handler.
type recorder struct {
	s       *Server
	mu      sync.Mutex
	queue   []*exchange.Record
	stopped bool
	dropped int
	wake    chan struct{}
	full    chan struct{} // a batch is queued: stop lingering
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	// flushes asks the writer to write out what is queued; it closes the channel it is
	// sent once that is in the store.
	flushes chan chan struct{}

	// nextSeq is the number the next recorded request gets. The recorder is the log's
	// only writer, so numbering here, before annotation, lets whatever points back at a
	// request (a walkthrough's "seen in #12") know its number at once.
	nextSeq    int64
	sincePrune int
}

func newRecorder(s *Server) *recorder {
	r := &recorder{
		s:       s,
		wake:    make(chan struct{}, 1),
		full:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		flushes: make(chan chan struct{}),
		nextSeq: 1,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if next, err := s.st.NextRequestSeq(ctx); err != nil {
		s.logger.Error("reading the request log's next number failed; numbering from 1", "err", err)
	} else {
		r.nextSeq = next
	}
	go r.run()
	return r
}

func (r *recorder) enqueue(req *exchange.Record) {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return
	}
	if len(r.queue) >= recordMaxQueue {
		// The store has stalled far behind the traffic; losing log rows beats
		// growing without bound.
		r.dropped++
		r.mu.Unlock()
		return
	}
	r.queue = append(r.queue, req)
	full := len(r.queue) == recordBatch
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
	if full {
		select {
		case r.full <- struct{}{}:
		default:
		}
	}
}

// linger waits up to recordLinger for a batch to gather, less when one is queued
// or the recorder stops.
func (r *recorder) linger() {
	r.mu.Lock()
	n := len(r.queue)
	r.mu.Unlock()
	if n >= recordBatch {
		return
	}
	t := time.NewTimer(recordLinger)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.full:
	case <-r.stop:
	}
}

func (r *recorder) take() []*exchange.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := min(len(r.queue), recordBatch)
	if n == 0 {
		return nil
	}
	batch := make([]*exchange.Record, n)
	copy(batch, r.queue)
	rest := copy(r.queue, r.queue[n:])
	clear(r.queue[rest:])
	r.queue = r.queue[:rest]
	if r.dropped > 0 {
		r.s.logger.Warn("request log fell behind; requests were not recorded", "dropped", r.dropped)
		r.dropped = 0
	}
	return batch
}

func (r *recorder) run() {
	defer close(r.done)
	ticker := time.NewTicker(pruneEvery)
	defer ticker.Stop()
	r.prune()
	for {
		select {
		case <-r.wake:
			r.linger()
			r.drain()
			if r.sincePrune >= pruneAfterRows {
				r.prune()
			}
		case written := <-r.flushes:
			r.drain()
			close(written)
		case <-ticker.C:
			if r.sincePrune > 0 || r.s.cfg.LogMaxAge > 0 {
				r.prune()
			}
		case <-r.stop:
			r.drain()
			if r.sincePrune > 0 {
				r.prune()
			}
			return
		}
	}
}

func (r *recorder) drain() {
	for {
		batch := r.take()
		if len(batch) == 0 {
			return
		}
		r.write(batch)
	}
}

func (r *recorder) write(batch []*exchange.Record) {
	s := r.s
	for _, rec := range batch {
		rec.ReqBody = redactPasswords(rec.ReqBody)
		rec.Seq = r.nextSeq
		r.nextSeq++
		if s.cfg.Annotate != nil {
			rec.Annotation = r.annotate(rec)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.st.AppendRequests(ctx, batch); err != nil {
		s.logger.Error("writing the request log failed", "err", err, "requests", len(batch))
	}
	r.sincePrune += len(batch)
	evs := make([]exchange.Event, len(batch))
	for i, rec := range batch {
		evs[i] = exchange.Event{Record: rec.Stripped()}
	}
	s.broker.publish(evs)
}

// annotate calls Config.Annotate, containing its panics: a labelling bug must not stop
// the request log.
func (r *recorder) annotate(rec *exchange.Record) (a exchange.Annotation) {
	defer func() {
		if p := recover(); p != nil {
			r.s.logger.Error("request annotator panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			a = exchange.Annotation{}
		}
	}()
	return r.s.cfg.Annotate(rec)
}

func (r *recorder) prune() {
	s := r.s
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	keep := store.Retention{Count: s.cfg.LogRetention, Bytes: s.cfg.LogMaxBytes, MaxAge: s.cfg.LogMaxAge}
	if _, err := s.st.TrimRequests(ctx, keep); err != nil {
		s.logger.Error("pruning the request log failed", "err", err)
		return
	}
	r.sincePrune = 0
}

// flush returns once every exchange queued before it was called is in the store, or
// when ctx ends or the recorder stops first (having then written them out itself).
func (r *recorder) flush(ctx context.Context) error {
	written := make(chan struct{})
	select {
	case r.flushes <- written:
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-written:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops accepting exchanges, writes what is queued and waits for the recorder.
func (r *recorder) close() {
	r.once.Do(func() {
		r.mu.Lock()
		r.stopped = true
		r.mu.Unlock()
		close(r.stop)
		<-r.done
	})
}
