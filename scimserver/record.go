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

	"github.com/scimlab/scimlab/scimserver/quirk"
	"github.com/scimlab/scimlab/store"
)

// Exchange is one request and its response as the annotator sees it. Authorization is
// already redacted and bodies are capped at Config.LogBodyBytes.
type Exchange struct {
	Time         time.Time
	Method       string
	Path         string
	Query        string
	ReqHeaders   http.Header
	ReqBody      []byte
	Status       int
	RespHeaders  http.Header
	RespBody     []byte
	Duration     time.Duration
	RemoteAddr   string
	ViaTunnel    bool
	Auth         string
	UserAgent    string
	ResourceType string
	ResourceID   string
	Quirks       []string
	ErrorDetail  string
}

// Annotation is what Config.Annotate says about an exchange; it is stored with the
// request and copied into its Event.
type Annotation struct {
	IdP     string // "Okta", "Entra" or empty
	Step    string // e.g. "test connection", "create user"
	Subject string // e.g. the userName or group name concerned
	Summary string // one line for a list row
	Hints   []string
	// Recorded, when set, is called once the request is in the log, with its sequence
	// number (0 if the log write failed), in request order and before the request's
	// event is published. Whatever must point back at the logged request (a walkthrough
	// step's "seen in #12") waits for it, since the number exists only after the write.
	Recorded func(seq int64)
}

// exchange is what handlers learn about a request that the log needs: which resource it
// touched, which quirks it relied on, why it failed. One goroutine serves a request, so
// it needs no lock.
type exchange struct {
	auth         string
	resourceType string
	resourceID   string
	quirks       quirk.Set
	errDetail    string
}

type exchangeKey struct{}

func exchangeFrom(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

// seenQuirks returns the request's quirk set for the filter and PATCH parsers; nil (which
// they accept) outside a recorded request.
func seenQuirks(r *http.Request) *quirk.Set {
	if ex := exchangeFrom(r.Context()); ex != nil {
		return &ex.quirks
	}
	return nil
}

func noteResource(r *http.Request, typ, id string) {
	if ex := exchangeFrom(r.Context()); ex != nil {
		ex.resourceType = typ
		if id != "" {
			ex.resourceID = id
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
		ex := &exchange{}
		r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex))
		method, urlPath, query := r.Method, r.URL.Path, r.URL.RawQuery
		reqHeaders := r.Header.Clone()
		if vs := reqHeaders.Values("Authorization"); len(vs) > 0 {
			red := make([]string, len(vs))
			for i, v := range vs {
				red[i] = redactAuthorization(v)
			}
			reqHeaders["Authorization"] = red
		}
		if r.Header.Get("User-Agent") == "" {
			ex.quirks.Add(quirk.MissingUserAgent)
		}
		var reqBody []byte
		if r.Body != nil && r.Body != http.NoBody {
			var err error
			reqBody, err = io.ReadAll(io.LimitReader(r.Body, int64(s.cfg.LogBodyBytes)))
			r.Body = &prefixedBody{prefix: bytes.NewReader(reqBody), err: err, rest: r.Body}
		}
		cw := &captureWriter{ResponseWriter: w, limit: s.cfg.LogBodyBytes}

		defer func() {
			p := recover()
			if p == http.ErrAbortHandler {
				panic(p)
			}
			if p != nil {
				s.logger.Error("panic in SCIM handler", "panic", fmt.Sprint(p), "method", method, "path", urlPath, "stack", string(debug.Stack()))
				if !cw.wroteHeader {
					s.writeError(cw, r, errors.New("panic"))
				}
			}
			status := cw.status
			if status == 0 {
				status = http.StatusOK
			}
			var quirks []string
			for _, q := range ex.quirks.List() {
				quirks = append(quirks, string(q))
			}
			ci := connInfoFrom(r.Context())
			s.rec.enqueue(&store.Request{
				Time:         start,
				Method:       method,
				Path:         urlPath,
				Query:        query,
				ReqHeaders:   reqHeaders,
				ReqBody:      reqBody,
				Status:       status,
				RespHeaders:  cw.Header().Clone(),
				RespBody:     cw.body.Bytes(),
				Duration:     time.Since(start),
				RemoteAddr:   remoteAddr(r),
				ViaTunnel:    ci.viaTunnel,
				Auth:         ex.auth,
				ResourceType: ex.resourceType,
				ResourceID:   ex.resourceID,
				Quirks:       quirks,
				ErrorDetail:  ex.errDetail,
				UserAgent:    r.Header.Get("User-Agent"),
			})
		}()
		next.ServeHTTP(cw, r)
	})
}

// limitBody enforces Config.MaxBodyBytes. A declared Content-Length over the limit is
// refused before reading; a chunked body is cut off by http.MaxBytesReader and the
// handler's read error becomes the same 413.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.MaxBodyBytes {
			s.writeError(w, r, &http.MaxBytesError{Limit: s.cfg.MaxBodyBytes})
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
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

// Recorder tuning. Batching amortises the store's single writer over many requests;
// pruning is periodic because counting rows on every write would cost more than it saves.
const (
	recordBatch    = 256
	recordMaxQueue = 100_000
	pruneEvery     = time.Minute
	pruneAfterRows = 2_000
)

// recorder writes queued exchanges to the store in batches, annotates them, and then
// publishes their Events in log order. enqueue never blocks a handler.
type recorder struct {
	s       *Server
	mu      sync.Mutex
	queue   []*store.Request
	stopped bool
	dropped int
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once

	sincePrune int
}

func newRecorder(s *Server) *recorder {
	r := &recorder{
		s:    s,
		wake: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go r.run()
	return r
}

func (r *recorder) enqueue(req *store.Request) {
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
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *recorder) take() []*store.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := min(len(r.queue), recordBatch)
	if n == 0 {
		return nil
	}
	batch := make([]*store.Request, n)
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
			r.drain()
			if r.sincePrune >= pruneAfterRows {
				r.prune()
			}
		case <-ticker.C:
			if r.sincePrune > 0 {
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

func (r *recorder) write(batch []*store.Request) {
	s := r.s
	recorded := make([]func(int64), len(batch))
	for i, req := range batch {
		req.ReqBody = redactPasswords(req.ReqBody)
		if s.cfg.Annotate != nil {
			a := r.annotate(req)
			req.IdP, req.Step, req.Subject, req.Summary, req.Hints = a.IdP, a.Step, a.Subject, a.Summary, a.Hints
			recorded[i] = a.Recorded
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.st.AppendRequests(ctx, batch); err != nil {
		s.logger.Error("writing the request log failed", "err", err, "requests", len(batch))
	}
	for i, req := range batch {
		if recorded[i] != nil {
			r.callRecorded(recorded[i], req.Seq)
		}
	}
	r.sincePrune += len(batch)
	evs := make([]Event, len(batch))
	for i, req := range batch {
		evs[i] = Event{
			Seq: req.Seq, Time: req.Time, Method: req.Method, Path: req.Path, Query: req.Query,
			Status: req.Status, Duration: req.Duration, RemoteAddr: req.RemoteAddr, ViaTunnel: req.ViaTunnel,
			Auth: req.Auth, UserAgent: req.UserAgent, ResourceType: req.ResourceType, ResourceID: req.ResourceID,
			Quirks: req.Quirks, ErrorDetail: req.ErrorDetail, IdP: req.IdP, Step: req.Step,
			Subject: req.Subject, Summary: req.Summary, Hints: req.Hints,
		}
	}
	s.broker.publish(evs)
}

// annotate calls Config.Annotate, containing its panics: a labelling bug must not stop
// the request log.
func (r *recorder) annotate(req *store.Request) (a Annotation) {
	defer func() {
		if p := recover(); p != nil {
			r.s.logger.Error("request annotator panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			a = Annotation{}
		}
	}()
	return r.s.cfg.Annotate(Exchange{
		Time: req.Time, Method: req.Method, Path: req.Path, Query: req.Query,
		ReqHeaders: req.ReqHeaders, ReqBody: req.ReqBody, Status: req.Status,
		RespHeaders: req.RespHeaders, RespBody: req.RespBody, Duration: req.Duration,
		RemoteAddr: req.RemoteAddr, ViaTunnel: req.ViaTunnel, Auth: req.Auth, UserAgent: req.UserAgent,
		ResourceType: req.ResourceType, ResourceID: req.ResourceID, Quirks: req.Quirks, ErrorDetail: req.ErrorDetail,
	})
}

// callRecorded contains a panic in an Annotation.Recorded hook, as annotate does.
func (r *recorder) callRecorded(hook func(int64), seq int64) {
	defer func() {
		if p := recover(); p != nil {
			r.s.logger.Error("request log hook panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	hook(seq)
}

func (r *recorder) prune() {
	s := r.s
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := s.st.PruneRequests(ctx, s.cfg.LogRetention, s.cfg.LogMaxBytes); err != nil {
		s.logger.Error("pruning the request log failed", "err", err)
		return
	}
	r.sincePrune = 0
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
