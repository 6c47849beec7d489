package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/scimserver/quirk"
	"github.com/scimlab/scimlab/store"
)

// logPollInterval is how often --follow looks for new requests. The writer is another
// process, so there is nothing to subscribe to; a quarter second feels live to a reader
// and costs one indexed query.
const logPollInterval = 250 * time.Millisecond

// logPage is how many rows one store read returns while scanning the log.
const logPage = 500

// logDefaultLimit is how many of the newest requests a bare "scimlab log" prints: a
// screenful or two, enough to see the last provisioning run.
const logDefaultLimit = 50

// logOptions is the parsed "scimlab log" command line.
type logOptions struct {
	db     string
	json   bool
	follow bool
	bodies bool
	failed bool
	limit  int
	since  time.Time // zero: no lower bound
	idp    string    // "okta", "entra", "unknown" or "" for all
}

// match applies the filters that do not depend on position in the log.
func (o logOptions) match(r *store.Request) bool {
	if o.failed && r.Status < 400 {
		return false
	}
	if !o.since.IsZero() && r.Time.Before(o.since) {
		return false
	}
	switch o.idp {
	case "":
	case "unknown":
		if r.IdP != "" {
			return false
		}
	default:
		if !strings.EqualFold(r.IdP, o.idp) {
			return false
		}
	}
	return true
}

func (o logOptions) filtered() bool { return o.failed || o.idp != "" || !o.since.IsZero() }

func parseLogFlags(args []string, stderr io.Writer, now time.Time) (logOptions, error) {
	var (
		o     logOptions
		since string
	)
	fs := flag.NewFlagSet("scimlab log", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.db, "db", store.DefaultPath(), "SQLite database `FILE` written by scimlab or scimlab serve")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per line instead of text")
	fs.BoolVar(&o.follow, "follow", false, "keep printing requests as they are recorded, until Ctrl+C")
	fs.BoolVar(&o.follow, "f", false, "short for --follow")
	fs.BoolVar(&o.bodies, "bodies", false, "include request and response headers and bodies (Authorization and passwords stay redacted)")
	fs.BoolVar(&o.failed, "failed", false, "only requests answered with status 400 or above")
	fs.IntVar(&o.limit, "limit", logDefaultLimit, "print the newest `N` requests, 0 for all; with --since the default is all")
	fs.StringVar(&since, "since", "", "only requests from the last `DURATION` (90s, 15m, 2h, 3d) or since a time (RFC 3339, or local 2006-01-02[T15:04:05])")
	fs.StringVar(&o.idp, "idp", "", "only requests from `IDP`: okta, entra or unknown")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: scimlab log [flags]\n\nPrints the requests scimlab recorded, oldest first, with the IdP, provisioning step,\nstatus and quirks of each; failures are followed by the error and what to change.\nWorks while scimlab is running.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseCommandFlags(fs, args, stderr); err != nil {
		return o, err
	}
	if o.limit < 0 {
		return o, fmt.Errorf("--limit must be 0 (all) or a positive number of requests, not %d", o.limit)
	}
	if since != "" {
		t, err := parseLogSince(since, now)
		if err != nil {
			return o, err
		}
		o.since = t
		limitSet := false
		fs.Visit(func(f *flag.Flag) { limitSet = limitSet || f.Name == "limit" })
		// "The last hour" means all of it; a silent cap of 50 would hide the rest.
		if !limitSet {
			o.limit = 0
		}
	}
	o.idp = strings.ToLower(strings.TrimSpace(o.idp))
	switch o.idp {
	case "", "okta", "entra", "unknown":
	default:
		return o, fmt.Errorf("--idp accepts okta, entra or unknown, not %q", o.idp)
	}
	return o, nil
}

// parseLogSince reads --since: a duration back from now (Go syntax, plus whole days as
// "3d"), an RFC 3339 time, or a local date or date and time.
func parseLogSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("--since %q: give how long ago as a positive duration, e.g. 15m", s)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration such as 15m, 2h or 3d, or a time such as 2024-05-01T14:00:00Z or 2024-05-01", s)
}

func runLog(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseLogFlags(args, stderr, time.Now())
	if err != nil {
		return err
	}
	// store.Open creates a missing file; a log command that did so would leave an empty
	// database behind and print nothing, hiding a wrong --db.
	switch info, err := os.Stat(o.db); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no database at %s; start scimlab (or scimlab serve) first, or pass --db", o.db)
	case err != nil:
		return fmt.Errorf("reading the database %s: %w", o.db, err)
	case info.IsDir():
		return fmt.Errorf("%s is a directory; pass the database file with --db", o.db)
	}
	db, err := store.Open(ctx, o.db)
	if err != nil {
		return fmt.Errorf("opening the database %s: %w", o.db, err)
	}
	defer db.Close()

	p := &logPrinter{
		w:      bufio.NewWriter(stdout),
		opts:   o,
		color:  isTerminal(stdout) && getenv("NO_COLOR") == "",
		scrub:  logSecretScrubber(ctx, db, getenv),
		today:  time.Now(),
		widths: logWidths{path: logMinPathWidth, seq: 1},
	}

	rows, top, err := recentRequests(ctx, db, o)
	if err != nil {
		if o.follow && ctx.Err() != nil {
			return nil
		}
		return err
	}
	p.layout(rows)
	for _, r := range rows {
		if err := p.print(ctx, db, r); err != nil {
			return err
		}
	}
	if err := p.w.Flush(); err != nil {
		return err
	}
	if len(rows) == 0 && !o.json {
		fmt.Fprintln(stderr, logEmptyNote(o, db.Path()))
	}
	if !o.follow {
		return nil
	}
	return followLog(ctx, db, p, top)
}

// logEmptyNote says why nothing was printed, on stderr so a script's output stays empty.
func logEmptyNote(o logOptions, path string) string {
	what := "no requests recorded in " + path
	if o.filtered() {
		what = "no recorded requests match"
	}
	if o.follow {
		return what + " yet; waiting for new ones (Ctrl+C to stop)"
	}
	return what
}

// recentRequests returns the newest requests that pass the filters, at most o.limit,
// oldest first, and the newest sequence number in the log, where --follow continues.
func recentRequests(ctx context.Context, db *store.DB, o logOptions) ([]*store.Request, int64, error) {
	head, err := db.ListRequests(ctx, 0, 1)
	if err != nil || len(head) == 0 {
		return nil, 0, err
	}
	top := head[0].Seq
	page := logPage
	if o.limit > 0 && !o.filtered() {
		page = min(page, o.limit)
	}
	var out []*store.Request
	before := top + 1
scan:
	for {
		batch, err := db.ListRequests(ctx, before, page)
		if err != nil {
			return nil, 0, err
		}
		for _, r := range batch {
			// Rows are in the order requests finished, and Time is when each started:
			// every older row finished before this one did, so once this one finished
			// before --since (with a second for the recorder's queue), none older can
			// have started after it.
			if !o.since.IsZero() && r.Time.Add(r.Duration).Before(o.since.Add(-time.Second)) {
				break scan
			}
			if !o.match(r) {
				continue
			}
			out = append(out, r)
			if o.limit > 0 && len(out) == o.limit {
				break scan
			}
		}
		if len(batch) < page {
			break
		}
		before = batch[len(batch)-1].Seq
	}
	slices.Reverse(out)
	return out, top, nil
}

// followLog prints requests recorded after seq until ctx is cancelled, which is how
// Ctrl+C ends it; that is a normal end, not an error.
func followLog(ctx context.Context, db *store.DB, p *logPrinter, seq int64) error {
	tick := time.NewTicker(logPollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		for {
			batch, err := db.RequestsSince(ctx, seq, logPage)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			for _, r := range batch {
				seq = r.Seq
				if !p.opts.match(r) {
					continue
				}
				if err := p.print(ctx, db, r); err != nil {
					return err
				}
			}
			if err := p.w.Flush(); err != nil {
				return err
			}
			if len(batch) < logPage {
				break
			}
		}
	}
}

// logSecretScrubber removes the bearer tokens this machine knows from every printed
// line. The server already redacts Authorization headers; this also covers a token an
// IdP was misconfigured to send somewhere else, such as the query string or a body.
func logSecretScrubber(ctx context.Context, db *store.DB, getenv func(string) string) *strings.Replacer {
	var pairs []string
	add := func(secret string) {
		// A very short token would blank out ordinary words; scimlab's own are 43
		// characters and the IdPs refuse short ones.
		if secret = strings.TrimSpace(secret); len(secret) >= 8 {
			pairs = append(pairs, secret, "[redacted]")
		}
	}
	if stored, ok, err := db.Setting(ctx, settingToken); err == nil && ok {
		add(stored)
	}
	add(getenv("SCIMLAB_TOKEN"))
	return strings.NewReplacer(pairs...)
}

// logMinPathWidth and logMaxPathWidth bound the path column: wide enough that short
// paths line up, narrow enough that one long filter does not push every row right.
const (
	logMinPathWidth = 24
	logMaxPathWidth = 56
)

// logStepWidth fits the longest step name ("reactivate-user").
const logStepWidth = 15

type logWidths struct {
	seq, method, path int
}

// logPrinter writes requests as aligned text or JSON lines.
type logPrinter struct {
	w      *bufio.Writer
	opts   logOptions
	color  bool
	scrub  *strings.Replacer
	today  time.Time
	dated  bool // print the date too: some rows are not from today
	widths logWidths
}

// layout sizes the columns for the first rows; rows --follow prints later keep these
// widths so earlier lines stay aligned with them.
func (p *logPrinter) layout(rows []*store.Request) {
	p.widths.method = len(http.MethodDelete)
	for _, r := range rows {
		r = p.scrubRequest(r)
		p.widths.seq = max(p.widths.seq, len(strconv.FormatInt(r.Seq, 10)))
		p.widths.path = max(p.widths.path, min(logMaxPathWidth, len([]rune(logTarget(r)))))
		if !logSameDay(r.Time, p.today) {
			p.dated = true
		}
	}
	// Leave room for the log to grow while following.
	p.widths.seq = max(p.widths.seq, 3)
}

func (p *logPrinter) print(ctx context.Context, db *store.DB, r *store.Request) error {
	if p.opts.bodies {
		// Listings leave the bodies out; a row pruned since it was listed keeps none.
		full, err := db.GetRequest(ctx, r.Seq)
		switch {
		case err == nil:
			r = full
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	r = p.scrubRequest(r)
	var text string
	if p.opts.json {
		b, err := logJSON(r, p.opts.bodies)
		if err != nil {
			return err
		}
		text = string(b)
	} else {
		text = p.text(r)
	}
	_, err := p.w.WriteString(p.scrub.Replace(text))
	return err
}

// scrubRequest returns a copy of r with known secrets removed from every text field.
// It runs before formatting, not only on the finished line, so that columns are sized
// by what is printed.
func (p *logPrinter) scrubRequest(r *store.Request) *store.Request {
	c := *r
	for _, f := range []*string{&c.Path, &c.Query, &c.ErrorDetail, &c.UserAgent, &c.Subject, &c.Summary} {
		*f = p.scrub.Replace(*f)
	}
	c.Hints = slices.Clone(c.Hints)
	for i := range c.Hints {
		c.Hints[i] = p.scrub.Replace(c.Hints[i])
	}
	c.ReqHeaders = p.scrubHeader(c.ReqHeaders)
	c.RespHeaders = p.scrubHeader(c.RespHeaders)
	if c.ReqBody != nil {
		c.ReqBody = []byte(p.scrub.Replace(string(c.ReqBody)))
	}
	if c.RespBody != nil {
		c.RespBody = []byte(p.scrub.Replace(string(c.RespBody)))
	}
	return &c
}

func (p *logPrinter) scrubHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		out[k] = make([]string, len(vs))
		for i, v := range vs {
			out[k][i] = p.scrub.Replace(v)
		}
	}
	return out
}

// SGR colours, used only on a terminal without NO_COLOR.
const (
	sgrDim     = "2"
	sgrBold    = "1"
	sgrRed     = "31"
	sgrGreen   = "32"
	sgrYellow  = "33"
	sgrCyan    = "36"
	sgrMagenta = "35"
)

func (p *logPrinter) paint(sgr, s string) string {
	if !p.color || s == "" {
		return s
	}
	return "\x1b[" + sgr + "m" + s + "\x1b[0m"
}

// text renders one request: a row of aligned columns, then for failures the SCIM error
// detail and the hints (stored as "severity: text") indented below, then with --bodies the exchange in curl's > and < notation.
func (p *logPrinter) text(r *store.Request) string {
	var b strings.Builder
	if !p.dated && !logSameDay(r.Time, p.today) {
		// Following past midnight: from here on the date matters.
		p.dated = true
	}
	layout := "15:04:05.000"
	if p.dated {
		layout = "2006-01-02 15:04:05.000"
	}
	idpName := logIdPLabel(r.IdP)
	step := r.Step
	if step == "" {
		step = "-"
	}
	cols := []string{
		p.paint(sgrDim, fmt.Sprintf("#%-*d", p.widths.seq, r.Seq)),
		p.paint(sgrDim, r.Time.Local().Format(layout)),
		p.paint(sgrBold, fmt.Sprintf("%-5s", idpName)),
		fmt.Sprintf("%-*s", p.widths.method, r.Method),
		logPad(logTarget(r), p.widths.path),
		p.paint(logStatusColor(r.Status), strconv.Itoa(r.Status)),
		p.paint(sgrDim, fmt.Sprintf("%7s", logDuration(r.Duration))),
		fmt.Sprintf("%-*s", logStepWidth, step),
	}
	b.WriteString(strings.Join(cols, "  "))
	if s := logSummary(r); s != "" {
		b.WriteString("  ")
		b.WriteString(s)
	}
	for _, q := range r.Quirks {
		b.WriteString("  ")
		b.WriteString(p.paint(sgrMagenta, "["+quirk.Describe(quirk.Quirk(q)).Badge+"]"))
	}
	b.WriteString("\n")

	const indent = "    "
	failed := r.Status >= 400
	if failed && r.ErrorDetail != "" {
		b.WriteString(indent + p.paint(sgrRed, "detail: "+r.ErrorDetail) + "\n")
	}
	for _, h := range r.Hints {
		// Informational hints ("recognised the Okta app flavour") would drown a
		// healthy run; they are shown where they help explain a failure.
		if !failed && strings.HasPrefix(h, "info: ") {
			continue
		}
		b.WriteString(indent + p.paint(sgrYellow, h) + "\n")
	}
	if p.opts.bodies {
		logWriteMessage(&b, indent+"> ", logSafeHeaders(r.ReqHeaders), r.ReqBody)
		logWriteMessage(&b, indent+"< ", r.RespHeaders, r.RespBody)
	}
	return b.String()
}

func logWriteMessage(b *strings.Builder, prefix string, h http.Header, body []byte) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			b.WriteString(prefix + k + ": " + v + "\n")
		}
	}
	if len(body) == 0 {
		return
	}
	b.WriteString(strings.TrimRight(prefix, " ") + "\n")
	for line := range strings.SplitSeq(strings.TrimRight(string(body), "\r\n"), "\n") {
		b.WriteString(prefix + strings.TrimRight(line, "\r") + "\n")
	}
}

// logSafeHeaders returns h with every credential header redacted. The recorder
// redacts Authorization before storing; checking again costs nothing and keeps a
// database written by an older version from leaking a token into a support ticket.
func logSafeHeaders(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := h.Clone()
	for _, name := range []string{"Authorization", "Proxy-Authorization"} {
		vs := out.Values(name)
		if len(vs) == 0 {
			continue
		}
		red := make([]string, len(vs))
		for i, v := range vs {
			red[i] = logRedactCredential(v)
		}
		out[http.CanonicalHeaderKey(name)] = red
	}
	return out
}

// logRedactCredential keeps the scheme ("Bearer", "Basic"), which tells an admin what the
// IdP sent, and hides the rest.
func logRedactCredential(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || logRedactedShape(v) {
		return v
	}
	scheme, _, ok := strings.Cut(v, " ")
	if !ok {
		return "[redacted]"
	}
	return scheme + " [redacted]"
}

// logRedactedShape tells a value the recorder already redacted ("[redacted]" or
// "Scheme [redacted]") from one that merely ends with that text.
func logRedactedShape(v string) bool {
	if v == "[redacted]" {
		return true
	}
	scheme, rest, ok := strings.Cut(v, " ")
	return ok && rest == "[redacted]" && !strings.ContainsAny(scheme, " \t")
}

func logStatusColor(status int) string {
	switch {
	case status >= 500:
		return sgrRed
	case status >= 400:
		return sgrYellow
	case status >= 300:
		return sgrCyan
	}
	return sgrGreen
}

// logIdPLabel is the short IdP name for the text column.
func logIdPLabel(name string) string {
	switch strings.ToLower(name) {
	case "okta":
		return "Okta"
	case "entra":
		return "Entra"
	case "":
		return "-"
	}
	return name
}

// logTarget is the path with its query decoded, which is how an admin reads a filter.
func logTarget(r *store.Request) string {
	if r.Query == "" {
		return r.Path
	}
	q := r.Query
	if u, err := url.QueryUnescape(q); err == nil {
		q = u
	}
	return r.Path + "?" + q
}

func logPad(s string, width int) string {
	if n := len([]rune(s)); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// logSummary is the row's description. The classifier's summary already says why a
// request was refused; without one (a database from before it ran), the recorded
// authentication result does.
func logSummary(r *store.Request) string {
	if r.Summary != "" {
		return r.Summary
	}
	if r.Status == http.StatusUnauthorized {
		switch r.Auth {
		case scimserver.AuthMissing:
			return "unauthenticated: no token sent"
		case scimserver.AuthScheme:
			return "unauthenticated: not a Bearer token"
		case scimserver.AuthBadToken:
			return "unauthenticated: wrong token"
		}
	}
	return r.Subject
}

func logSameDay(a, b time.Time) bool {
	ay, am, ad := a.Local().Date()
	by, bm, bd := b.Local().Date()
	return ay == by && am == bm && ad == bd
}

// logDuration formats a duration in at most seven cells: 850µs, 3.2ms, 412ms, 1.25s.
func logDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0ms"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 100*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	}
	return d.Round(time.Second).String()
}

// logRecord is the --json form of a request. Field names are part of scimlab's
// interface for scripts: add fields, never rename them. Every field is always present
// so a script can read a missing value as empty rather than as an old version.
type logRecord struct {
	Seq          int64       `json:"seq"`
	Time         string      `json:"time"`
	Method       string      `json:"method"`
	Path         string      `json:"path"`
	Query        string      `json:"query"`
	Status       int         `json:"status"`
	DurationMs   float64     `json:"durationMs"`
	IdP          string      `json:"idp"`
	Step         string      `json:"step"`
	Subject      string      `json:"subject"`
	Summary      string      `json:"summary"`
	Auth         string      `json:"auth"`
	Quirks       []logQuirk  `json:"quirks"`
	Error        string      `json:"error"`
	Hints        []string    `json:"hints"`
	ViaTunnel    bool        `json:"viaTunnel"`
	RemoteAddr   string      `json:"remoteAddr"`
	UserAgent    string      `json:"userAgent"`
	ResourceType string      `json:"resourceType"`
	ResourceID   string      `json:"resourceId"`
	Request      *logMessage `json:"request,omitempty"`
	Response     *logMessage `json:"response,omitempty"`
}

type logQuirk struct {
	ID    string `json:"id"`
	Badge string `json:"badge"`
	What  string `json:"what"`
}

// logMessage is one side of the exchange, with --bodies. Bodies are text as recorded,
// not parsed JSON: the log caps their size, so a long one may be cut off mid-document.
type logMessage struct {
	Headers http.Header `json:"headers"`
	Body    string      `json:"body"`
}

// logJSON encodes r as one line, newline included.
func logJSON(r *store.Request, bodies bool) ([]byte, error) {
	rec := logRecord{
		Seq:          r.Seq,
		Time:         r.Time.UTC().Format(time.RFC3339Nano),
		Method:       r.Method,
		Path:         r.Path,
		Query:        r.Query,
		Status:       r.Status,
		DurationMs:   math.Round(float64(r.Duration)/float64(time.Microsecond)) / 1000,
		IdP:          r.IdP,
		Step:         r.Step,
		Subject:      r.Subject,
		Summary:      r.Summary,
		Auth:         r.Auth,
		Quirks:       []logQuirk{},
		Error:        r.ErrorDetail,
		Hints:        []string{},
		ViaTunnel:    r.ViaTunnel,
		RemoteAddr:   r.RemoteAddr,
		UserAgent:    r.UserAgent,
		ResourceType: r.ResourceType,
		ResourceID:   r.ResourceID,
	}
	for _, q := range r.Quirks {
		info := quirk.Describe(quirk.Quirk(q))
		rec.Quirks = append(rec.Quirks, logQuirk{ID: q, Badge: info.Badge, What: info.What})
	}
	rec.Hints = append(rec.Hints, r.Hints...)
	if bodies {
		rec.Request = &logMessage{Headers: logSafeHeaders(r.ReqHeaders), Body: string(r.ReqBody)}
		rec.Response = &logMessage{Headers: r.RespHeaders, Body: string(r.RespBody)}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Bodies and filters are full of < > &; escaping them would make the log unreadable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		return nil, fmt.Errorf("encoding request %d: %w", r.Seq, err)
	}
	return buf.Bytes(), nil
}
