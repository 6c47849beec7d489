// Package logview prints the request log as `scimlab log` shows it: one aligned line per
// request with the IdP, step, status and quirks, the error and hints under a failure,
// optionally the headers and bodies, or one JSON object per line for scripts. It reads
// a database another scimlab process may be writing, so --follow polls.
package logview

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/store"
)

// pollInterval is how often --follow looks for new requests. The writer is another
// process, so there is nothing to subscribe to; a quarter second feels live to a reader
// and costs one indexed query.
const pollInterval = 250 * time.Millisecond

// pageSize is how many rows one store read returns while scanning the log.
const pageSize = 500

// DefaultLimit is how many of the newest requests a bare "scimlab log" prints: a
// screenful or two, enough to see the last provisioning run.
const DefaultLimit = 50

// Options say what to print. The zero value prints the whole log as text.
type Options struct {
	// DB is the database file to read. It must exist: opening would create it.
	DB     string
	JSON   bool
	Follow bool
	// Bodies adds the headers and bodies of each request and response.
	Bodies bool
	// Failed keeps only requests answered with status 400 or above.
	Failed bool
	// Limit is how many of the newest matching requests to print; 0 prints all.
	Limit int
	// Since keeps only requests from this time on; zero means no lower bound.
	Since time.Time
	// IdP keeps only requests from one identity provider (exchange.Unknown: from an
	// unrecognised client) when AllIdPs is false.
	IdP     exchange.IdP
	AllIdPs bool
	// Color paints text output with ANSI colours.
	Color bool
	// Secrets are removed from every line printed, besides the token stored in DB.
	Secrets []string
	// AppActions prints what the app's own admin did in the console instead of the
	// requests (Limit and Since apply; the other filters are about requests).
	AppActions bool
}

// match applies the filters that do not depend on position in the log.
func (o Options) match(r *exchange.Record) bool {
	if o.Failed && !r.HTTPFailed() {
		return false
	}
	if !o.Since.IsZero() && r.Time.Before(o.Since) {
		return false
	}
	return o.AllIdPs || r.IdP == o.IdP
}

func (o Options) filtered() bool { return o.Failed || !o.AllIdPs || !o.Since.IsZero() }

// ParseSince reads --since: a duration back from now (Go syntax, plus whole days as
// "3d"), an RFC 3339 time, or a local date or date and time.
func ParseSince(s string, now time.Time) (time.Time, error) {
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

// Run prints the log as o says, to stdout; notes for a person (why nothing was printed)
// go to stderr so a script's output stays clean. With Follow it returns when ctx ends.
func Run(ctx context.Context, o Options, stdout, stderr io.Writer) error {
	// store.Open creates a missing file; a log command that did so would leave an empty
	// database behind and print nothing, hiding a wrong --db.
	switch info, err := os.Stat(o.DB); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no database at %s; start scimlab (or scimlab serve) first, or pass --db", o.DB)
	case err != nil:
		return fmt.Errorf("reading the database %s: %w", o.DB, err)
	case info.IsDir():
		return fmt.Errorf("%s is a directory; pass the database file with --db", o.DB)
	}
	db, err := store.Open(ctx, o.DB)
	if err != nil {
		return fmt.Errorf("opening the database %s: %w", o.DB, err)
	}
	defer db.Close()
	if o.AppActions {
		return printAppActions(ctx, db, o, stdout, stderr)
	}

	p := &printer{
		w:      bufio.NewWriter(stdout),
		opts:   o,
		color:  o.Color,
		scrub:  secretScrubber(ctx, db, o.Secrets),
		today:  time.Now(),
		widths: widths{path: minPathWidth, seq: 1},
	}

	rows, top, err := recentRequests(ctx, db, o)
	if err != nil {
		if o.Follow && ctx.Err() != nil {
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
	if len(rows) == 0 && !o.JSON {
		fmt.Fprintln(stderr, emptyNote(o, db.Path()))
	}
	if !o.Follow {
		return nil
	}
	return followLog(ctx, db, p, top)
}

// emptyNote says why nothing was printed, on stderr so a script's output stays empty.
func emptyNote(o Options, path string) string {
	what := "no requests recorded in " + path
	if o.filtered() {
		what = "no recorded requests match"
	}
	if o.Follow {
		return what + " yet; waiting for new ones (Ctrl+C to stop)"
	}
	return what
}

// recentRequests returns the newest requests that pass the filters, at most o.Limit,
// oldest first, and the newest sequence number in the log, where --follow continues.
func recentRequests(ctx context.Context, db *store.DB, o Options) ([]*exchange.Record, int64, error) {
	head, err := db.ListRequests(ctx, 0, 1)
	if err != nil || len(head) == 0 {
		return nil, 0, err
	}
	top := head[0].Seq
	page := pageSize
	if o.Limit > 0 && !o.filtered() {
		page = min(page, o.Limit)
	}
	var out []*exchange.Record
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
			if !o.Since.IsZero() && r.Time.Add(r.Duration).Before(o.Since.Add(-time.Second)) {
				break scan
			}
			if !o.match(r) {
				continue
			}
			out = append(out, r)
			if o.Limit > 0 && len(out) == o.Limit {
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
func followLog(ctx context.Context, db *store.DB, p *printer, seq int64) error {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		for {
			batch, err := db.RequestsSince(ctx, seq, pageSize)
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
			if len(batch) < pageSize {
				break
			}
		}
	}
}

// secretScrubber removes the bearer tokens this machine knows from every printed
// line. The server already redacts Authorization headers; this also covers a token an
// IdP was misconfigured to send somewhere else, such as the query string or a body.
func secretScrubber(ctx context.Context, db *store.DB, secrets []string) *strings.Replacer {
	var pairs []string
	add := func(secret string) {
		// A very short token would blank out ordinary words; scimlab's own are 43
		// characters and the IdPs refuse short ones.
		if secret = strings.TrimSpace(secret); len(secret) >= 8 {
			pairs = append(pairs, secret, "[redacted]")
		}
	}
	if stored, err := db.BearerToken(ctx); err == nil {
		add(stored)
	}
	for _, secret := range secrets {
		add(secret)
	}
	return strings.NewReplacer(pairs...)
}

// minPathWidth and maxPathWidth bound the path column: wide enough that short
// paths line up, narrow enough that one long filter does not push every row right.
const (
	minPathWidth = 24
	maxPathWidth = 56
)

// stepWidth fits the longest step name ("reactivate-user").
const stepWidth = 15

type widths struct {
	seq, method, path int
}

// printer writes requests as aligned text or JSON lines.
type printer struct {
	w      *bufio.Writer
	opts   Options
	color  bool
	scrub  *strings.Replacer
	today  time.Time
	dated  bool // print the date too: some rows are not from today
	widths widths
}

// layout sizes the columns for the first rows; rows --follow prints later keep these
// widths so earlier lines stay aligned with them.
func (p *printer) layout(rows []*exchange.Record) {
	p.widths.method = len(http.MethodDelete)
	for _, r := range rows {
		r = p.scrubRequest(r)
		p.widths.seq = max(p.widths.seq, len(strconv.FormatInt(r.Seq, 10)))
		p.widths.path = max(p.widths.path, min(maxPathWidth, len([]rune(target(r)))))
		if !sameDay(r.Time, p.today) {
			p.dated = true
		}
	}
	// Leave room for the log to grow while following.
	p.widths.seq = max(p.widths.seq, 3)
}

func (p *printer) print(ctx context.Context, db *store.DB, r *exchange.Record) error {
	if p.opts.Bodies {
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
	if p.opts.JSON {
		b, err := jsonLine(r, p.opts.Bodies)
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
func (p *printer) scrubRequest(r *exchange.Record) *exchange.Record {
	c := *r
	for _, f := range []*string{&c.Path, &c.Query, &c.ErrorDetail, &c.UserAgent, &c.Subject, &c.Summary} {
		*f = p.scrub.Replace(*f)
	}
	c.Hints = slices.Clone(c.Hints)
	for i := range c.Hints {
		c.Hints[i].Text = p.scrub.Replace(c.Hints[i].Text)
	}
	c.Effects = slices.Clone(c.Effects)
	for i := range c.Effects {
		c.Effects[i].Detail = p.scrub.Replace(c.Effects[i].Detail)
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

func (p *printer) scrubHeader(h http.Header) http.Header {
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

func (p *printer) paint(sgr, s string) string {
	if !p.color || s == "" {
		return s
	}
	return "\x1b[" + sgr + "m" + s + "\x1b[0m"
}

// text renders one request: a row of aligned columns, then for failures the SCIM error
// detail and the hints indented below, then with --bodies the exchange in curl's > and <
// notation.
func (p *printer) text(r *exchange.Record) string {
	var b strings.Builder
	if !p.dated && !sameDay(r.Time, p.today) {
		// Following past midnight: from here on the date matters.
		p.dated = true
	}
	layout := "15:04:05.000"
	if p.dated {
		layout = "2006-01-02 15:04:05.000"
	}
	idpName := idpLabel(r.IdP)
	step := string(r.Step)
	if step == "" {
		step = "-"
	}
	cols := []string{
		p.paint(sgrDim, fmt.Sprintf("#%-*d", p.widths.seq, r.Seq)),
		p.paint(sgrDim, r.Time.Local().Format(layout)),
		p.paint(sgrBold, fmt.Sprintf("%-5s", idpName)),
		fmt.Sprintf("%-*s", p.widths.method, r.Method),
		pad(target(r), p.widths.path),
		p.paint(statusColor(r.Status), strconv.Itoa(r.Status)),
		p.paint(sgrDim, fmt.Sprintf("%7s", duration(r.Duration))),
		fmt.Sprintf("%-*s", stepWidth, step),
	}
	b.WriteString(strings.Join(cols, "  "))
	if s := summary(r); s != "" {
		b.WriteString("  ")
		b.WriteString(s)
	}
	for _, e := range r.Effects {
		b.WriteString("  ")
		b.WriteString(p.paint(sgrCyan, "["+e.Badge()+"]"))
	}
	for _, q := range r.Quirks {
		b.WriteString("  ")
		b.WriteString(p.paint(sgrMagenta, "["+quirk.Describe(q).Badge+"]"))
	}
	if r.Fault != nil {
		b.WriteString("  " + p.paint(sgrMagenta, faultBadge))
	}
	b.WriteString("\n")

	const indent = "    "
	if r.Fault != nil {
		b.WriteString(indent + p.paint(sgrMagenta, faultLine(r.Fault)) + "\n")
	}
	failed := r.HTTPFailed()
	if failed && r.ErrorDetail != "" {
		b.WriteString(indent + p.paint(sgrRed, "detail: "+r.ErrorDetail) + "\n")
	}
	// What the app profile did is part of what happened, failure or not.
	for _, e := range r.Effects {
		b.WriteString(indent + p.paint(sgrCyan, r.Profile+": "+e.Sentence()) + "\n")
	}
	for _, h := range r.Hints {
		// Informational hints ("recognised the Okta app flavour") would drown a
		// healthy run; they are shown where they help explain a failure.
		if !failed && h.Severity == exchange.SeverityInfo {
			continue
		}
		b.WriteString(indent + p.paint(sgrYellow, string(h.Severity)+": "+h.Text) + "\n")
	}
	if p.opts.Bodies {
		writeMessage(&b, indent+"> ", safeHeaders(r.ReqHeaders), r.ReqBody)
		writeMessage(&b, indent+"< ", r.RespHeaders, r.RespBody)
	}
	return b.String()
}

func writeMessage(b *strings.Builder, prefix string, h http.Header, body []byte) {
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

// safeHeaders returns h with every credential header redacted. The recorder
// redacts Authorization before storing; checking again costs nothing and keeps a
// database written by an older version from leaking a token into a support ticket.
func safeHeaders(h http.Header) http.Header {
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
			red[i] = redactCredential(v)
		}
		out[http.CanonicalHeaderKey(name)] = red
	}
	return out
}

// redactCredential keeps the scheme ("Bearer", "Basic"), which tells an admin what the
// IdP sent, and hides the rest.
func redactCredential(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || redactedShape(v) {
		return v
	}
	scheme, _, ok := strings.Cut(v, " ")
	if !ok {
		return "[redacted]"
	}
	return scheme + " [redacted]"
}

// redactedShape tells a value the recorder already redacted ("[redacted]" or
// "Scheme [redacted]") from one that merely ends with that text.
func redactedShape(v string) bool {
	if v == "[redacted]" {
		return true
	}
	scheme, rest, ok := strings.Cut(v, " ")
	return ok && rest == "[redacted]" && !strings.ContainsAny(scheme, " \t")
}

func statusColor(status int) string {
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

// idpLabel is the short IdP name for the text column.
func idpLabel(p exchange.IdP) string {
	if p == exchange.Unknown {
		return "-"
	}
	return p.Short()
}

// target is the path with its query decoded, which is how an admin reads a filter.
func target(r *exchange.Record) string {
	if r.Query == "" {
		return r.Path
	}
	q := r.Query
	if u, err := url.QueryUnescape(q); err == nil {
		q = u
	}
	return r.Path + "?" + q
}

func pad(s string, width int) string {
	if n := len([]rune(s)); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// summary is the row's description. The classifier's summary already says why a
// request was refused; without one (a database from before it ran), the recorded
// authentication result does.
func summary(r *exchange.Record) string {
	if r.Summary != "" {
		return r.Summary
	}
	if w := r.Auth.Short(); w != "" && r.Status == http.StatusUnauthorized {
		return w
	}
	return r.Subject
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Local().Date()
	by, bm, bd := b.Local().Date()
	return ay == by && am == bm && ad == bd
}

// duration formats a duration in at most seven cells: 850µs, 3.2ms, 412ms, 1.25s.
func duration(d time.Duration) string {
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

// jsonLine encodes r as one line of the scripting form (exchange.Record's JSON),
// newline included, with the time in UTC.
func jsonLine(r *exchange.Record, bodies bool) ([]byte, error) {
	c := *r
	c.Time = c.Time.UTC()
	if bodies {
		c.ReqHeaders = safeHeaders(c.ReqHeaders)
	} else {
		c.ReqHeaders, c.ReqBody, c.RespHeaders, c.RespBody = nil, nil, nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Bodies and filters are full of < > &; escaping them would make the log unreadable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("encoding request %d: %w", r.Seq, err)
	}
	return buf.Bytes(), nil
}
