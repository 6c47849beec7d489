// Package scimserver is scimlab's SCIM 2.0 service provider (RFC 7643, RFC 7644) on
// net/http. It accepts what Okta and Microsoft Entra ID really send — tolerating their
// known departures from the RFC unless strict mode is on — stores resources through a
// small Store interface, records every exchange in the store's request log and publishes
// one Event per request so a console can show traffic live.
package scimserver

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/scim/schema"
)

// BasePath is where the SCIM API lives; IdPs are given http(s)://host + BasePath.
const BasePath = "/scim/v2"

// Defaults for the zero values of Config.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultLogBodyBytes = 64 << 10
	DefaultLogRetention = 50_000
	DefaultLogMaxBytes  = 256 << 20
	// DefaultCount is the page size when a list request names no count (RFC 7644 §3.4.2.4
	// leaves it to the server); it matches what Okta asks for.
	DefaultCount = 100
	// MaxCount is the largest page served, advertised as filter.maxResults.
	MaxCount = 1000
)

// Config tunes a Server. The zero value is usable except for Token.
type Config struct {
	// Token is the bearer token clients must send. An empty token refuses every
	// protected request rather than opening the server.
	Token string
	// Strict refuses IdP quirks the way a strict RFC server would (see package quirk).
	Strict bool
	// MaxBodyBytes limits request bodies; larger ones get 413. Default 1 MiB.
	MaxBodyBytes int64
	// LogBodyBytes is how much of each request and response body the log keeps.
	// Default 64 KiB.
	LogBodyBytes int
	// LogRetention is how many of the newest requests the log keeps. Default 50,000.
	LogRetention int
	// LogMaxBytes bounds the bytes of bodies the log keeps. Default 256 MiB.
	LogMaxBytes int64
	// CredentialHeaders names request headers, besides those scimlab knows
	// (credentialHeaders), whose values the request log must never keep: a custom
	// token header a profile configures.
	CredentialHeaders []string
	// Profile is the app the server plays (package profile); nil plays the generic
	// profile. SetProfile switches it while the server runs.
	Profile *profile.Profile
	// LogMaxAge drops requests older than this from the log; 0 keeps them until
	// LogRetention or LogMaxBytes pushes them out.
	LogMaxAge time.Duration
	// Annotate, when set, labels each exchange (which IdP, which provisioning step). It is
	// called from one goroutine in Seq order, after the record is numbered and before it
	// is stored and published, off the handlers' path, so it may keep state across
	// requests without locking and may take its time. It must not keep rec.
	Annotate func(rec *exchange.Record) exchange.Annotation
	// Faults are the fault rules applied to each request after authentication and
	// before any handler (fault.go); nil injects nothing.
	Faults *fault.Set
	// SenderIdP names the IdP that sent a request still being served, for fault rules
	// limited to one IdP and profile knobs that differ per IdP. It gets the record as
	// known before the handler runs (method, path, query, headers, the start of the
	// body), is asked at most once per request and only when needed, on the request's
	// path: it must be quick and safe for concurrent use. Nil names no IdP: such rules
	// match nothing and per-IdP knobs use their default.
	SenderIdP func(rec *exchange.Record) exchange.IdP
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.LogBodyBytes <= 0 {
		c.LogBodyBytes = DefaultLogBodyBytes
	}
	if c.LogRetention <= 0 {
		c.LogRetention = DefaultLogRetention
	}
	if c.LogMaxBytes <= 0 {
		c.LogMaxBytes = DefaultLogMaxBytes
	}
	return c
}

// Server is the SCIM API. Create it with New, serve Handler, and Close it to flush the
// request log.
type Server struct {
	cfg     Config
	st      Store
	logger  *slog.Logger
	tokens  atomic.Pointer[tokenState]
	strict  atomic.Bool
	mux     *http.ServeMux
	handler http.Handler
	broker  *broker
	rec     *recorder
	creds   credentials
	users   *schema.ResourceType
	groups  *schema.ResourceType
	// stopping is closed by Stopping, which ends the delays fault rules are holding.
	stopping chan struct{}
	stopOnce sync.Once
	view     atomic.Pointer[profileView]
}

// New returns a Server over st. It starts the goroutine that writes the request log;
// call Close to stop it.
func New(cfg Config, st Store, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:    cfg,
		st:     st,
		logger: logger,
		mux:    http.NewServeMux(),
		broker: newBroker(),
		creds:  newCredentials(cfg.CredentialHeaders),
		users:  schema.UserResourceType(),
		groups: schema.GroupResourceType(),

		stopping: make(chan struct{}),
	}
	s.st = &profiledStore{Store: st, s: s}
	s.SetProfile(cfg.Profile)
	s.SetToken(cfg.Token)
	s.strict.Store(cfg.Strict)
	s.routes()
	s.rec = newRecorder(s)
	s.handler = s.recoverPanics(s.record(s.authenticate(s.injectFaults(s.limitBody(s.profileLayer(http.HandlerFunc(s.dispatch)))))))
	return s
}

// Handler returns the HTTP handler serving the SCIM API and the request log.
func (s *Server) Handler() http.Handler { return s.handler }

// SetStrict switches between tolerant (false) and strict RFC (true) handling for the
// requests that start after it returns.
func (s *Server) SetStrict(strict bool) { s.strict.Store(strict) }

// Strict reports whether strict mode is on.
func (s *Server) Strict() bool { return s.strict.Load() }

// Subscribe returns a channel of Events, one per request in log order, and a function
// that ends the subscription. A subscriber that falls more than buffer events behind
// loses events instead of slowing the server; the next Event it receives counts them in
// Dropped, and Seq lets it re-read what it missed from the store.
func (s *Server) Subscribe(buffer int) (events <-chan exchange.Event, cancel func()) {
	return s.broker.subscribe(buffer)
}

// Flush returns once every exchange answered before it was called is numbered,
// annotated and in the store, or with ctx's error. The app resets a lab only after
// it, so no request of the rehearsal before lands in the log after.
func (s *Server) Flush(ctx context.Context) error { return s.rec.flush(ctx) }

// Close writes the requests still queued to the log, stops the recorder and ends every
// subscription. Requests served after Close are answered but not recorded.
func (s *Server) Close() error {
	s.Stopping()
	s.rec.close()
	s.broker.close()
	return nil
}

// routes maps the whole API (RFC 7644 §3.2). Wrong methods and unknown paths are answered
// by dispatch, which turns the mux's plain-text 404/405 into SCIM errors.
func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET "+BasePath, s.handle(s.serveBase))

	m.HandleFunc("GET "+BasePath+"/Users", s.handle(s.listUsers))
	m.HandleFunc("POST "+BasePath+"/Users", s.handle(s.createUser))
	m.HandleFunc("POST "+BasePath+"/Users/.search", s.handle(s.searchUsers))
	m.HandleFunc("GET "+BasePath+"/Users/{id}", s.handle(s.getUser))
	m.HandleFunc("PUT "+BasePath+"/Users/{id}", s.handle(s.replaceUser))
	m.HandleFunc("PATCH "+BasePath+"/Users/{id}", s.handle(s.patchUser))
	m.HandleFunc("DELETE "+BasePath+"/Users/{id}", s.handle(s.deleteUser))

	m.HandleFunc("GET "+BasePath+"/Groups", s.handle(s.listGroups))
	m.HandleFunc("POST "+BasePath+"/Groups", s.handle(s.createGroup))
	m.HandleFunc("POST "+BasePath+"/Groups/.search", s.handle(s.searchGroups))
	m.HandleFunc("GET "+BasePath+"/Groups/{id}", s.handle(s.getGroup))
	m.HandleFunc("PUT "+BasePath+"/Groups/{id}", s.handle(s.replaceGroup))
	m.HandleFunc("PATCH "+BasePath+"/Groups/{id}", s.handle(s.patchGroup))
	m.HandleFunc("DELETE "+BasePath+"/Groups/{id}", s.handle(s.deleteGroup))

	m.HandleFunc("POST "+BasePath+"/.search", s.handle(s.searchAll))

	m.HandleFunc("GET "+BasePath+"/ServiceProviderConfig", s.handle(s.serviceProviderConfig))
	m.HandleFunc("GET "+BasePath+"/ResourceTypes", s.handle(s.listResourceTypes))
	m.HandleFunc("GET "+BasePath+"/ResourceTypes/{id}", s.handle(s.getResourceType))
	m.HandleFunc("GET "+BasePath+"/Schemas", s.handle(s.listSchemas))
	m.HandleFunc("GET "+BasePath+"/Schemas/{id}", s.handle(s.getSchema))
}

// handle adapts a handler that returns an error to net/http, sending the error through
// writeError so every failure has the same SCIM shape.
func (s *Server) handle(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// dispatch routes a request after cleaning its path, so "/scim/v2/Users/" and
// "/scim/v2//Users" reach the same handler instead of a redirect that IdPs do not follow
// for PATCH or POST.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if clean := cleanPath(r.URL.Path); clean != r.URL.Path {
		r.URL.Path = clean
		r.URL.RawPath = ""
	}
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// The mux has no route: ask its own handler whether the path exists with other
	// methods (405 + Allow) or not at all (404), and answer in SCIM form.
	probe := &statusProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		allow := probe.header.Get("Allow")
		s.writeError(w, r, &Error{Status: http.StatusMethodNotAllowed, Allow: allow,
			Detail: r.Method + " is not allowed on " + r.URL.Path + "; this endpoint accepts " + allow + " (RFC 7644 §3.2)"})
		return
	}
	s.writeError(w, r, &Error{Status: http.StatusNotFound, Detail: notFoundHint(r.URL.Path)})
}

func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean(p)
	if c == "." {
		return "/"
	}
	return c
}

// statusProbe captures what the mux's fallback handler would answer.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
func (p *statusProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

// endpoints are the top-level SCIM endpoints, for 404 hints.
var endpoints = []string{"Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas", ".search"}

// notFoundHint explains a 404 in terms of the mistakes admins make when they type a base
// URL into Okta or Entra: the /scim/v2 prefix left out, given twice, or mis-cased.
func notFoundHint(p string) string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	// Find the first segment that names an endpoint, case-insensitively.
	for i, seg := range segs {
		for _, ep := range endpoints {
			if !strings.EqualFold(seg, ep) {
				continue
			}
			prefix := "/" + strings.Join(segs[:i], "/")
			if i == 0 {
				prefix = ""
			}
			right := BasePath + "/" + ep
			if rest := segs[i+1:]; len(rest) > 0 {
				right += "/" + strings.Join(rest, "/")
			}
			switch {
			case prefix == BasePath && seg != ep:
				return "no SCIM endpoint at " + p + ": endpoint names are case-sensitive; use " + right
			case prefix == BasePath:
				// The endpoint exists, so the rest of the path is what is wrong.
				return "no SCIM endpoint at " + p + "; see " + BasePath + "/ResourceTypes for what this server serves"
			case strings.Count(prefix, BasePath) > 1 || strings.HasSuffix(prefix, BasePath+BasePath):
				return "no SCIM endpoint at " + p + ": the path repeats " + BasePath + ". The base URL in the identity provider must end in a single " + BasePath + " (the IdP appends /" + ep + " itself); the right path is " + right
			default:
				return "no SCIM endpoint at " + p + ": scimlab serves SCIM under " + BasePath + ", so the right path is " + right +
					". In Okta set \"SCIM connector base URL\" (in Entra \"Tenant URL\") to this server's address followed by " + BasePath
			}
		}
	}
	if strings.HasPrefix(p, BasePath+"/") {
		return "no SCIM endpoint at " + p + "; this server serves " + BasePath + "/Users, /Groups, /.search, /ServiceProviderConfig, /ResourceTypes and /Schemas"
	}
	return "nothing is served at " + p + ": scimlab serves SCIM 2.0 under " + BasePath + " (for example " + BasePath + "/Users)"
}

// serveBase answers GET on the base URL itself, which admins open in a browser or curl
// to check that the server is reachable.
func (s *Server) serveBase(w http.ResponseWriter, r *http.Request) error {
	base := baseURL(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"service": "scimlab SCIM 2.0 service provider",
		"endpoints": []string{
			base + "/Users", base + "/Groups", base + "/.search",
			base + "/ServiceProviderConfig", base + "/ResourceTypes", base + "/Schemas",
		},
		"authentication": "Authorization: Bearer <token shown by scimlab>",
	})
	return nil
}

// writeJSON writes v as a SCIM response. HTML escaping is off so URLs and e-mail
// addresses read the same in the console as on the wire.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
