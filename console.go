package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/adrg/xdg"
	"github.com/charmbracelet/x/term"

	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tui"
	"github.com/scimlab/scimlab/tunnel"
)

// runConsole is what a bare "scimlab" does: the same server as "scimlab serve", with
// the full-screen console in front of it.
func runConsole(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	var o appOptions
	fs := flag.NewFlagSet("scimlab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addAppFlags(fs, &o)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage+"\nConsole flags (the same as serve's):\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "scimlab: unknown command %q\n\n%s", fs.Arg(0), usage)
		return errUsage
	}
	if err := o.validate(); err != nil {
		return err
	}
	if !isTerminal(stdin) || !isTerminal(stdout) {
		return errNoTerminal
	}

	// The console owns the terminal, so diagnostics go to a file.
	logPath := consoleLogPath()
	logFile, err := openLogFile(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	logger := slog.New(slog.NewTextHandler(logFile, nil))

	a, err := startApp(ctx, o, getenv, logger)
	if err != nil {
		return err
	}
	defer a.close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// The server stopping under the console (it should not) ends the console
		// rather than leaving a screen that no longer reflects anything.
		if err := <-a.serveErr; err != nil {
			logger.Error("the HTTP server stopped", "err", err)
		}
		cancel()
	}()

	err = tui.Run(ctx, consoleDeps(ctx, a, logger))
	fmt.Fprintf(stdout, "scimlab stopped. The log of this session is in %s\n", logPath)
	return err
}

// errNoTerminal is checked before anything starts, so a bare "scimlab" in a pipe or a
// script says what to do instead of failing half-way through opening the screen.
var errNoTerminal = errors.New(`the console needs a terminal; run "scimlab serve" for the headless server (same flags)`)

func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// consoleDeps adapts the running app to what the console needs.
func consoleDeps(ctx context.Context, a *app, logger *slog.Logger) tui.Deps {
	return tui.Deps{
		Subscribe: a.srv.Subscribe,
		Reader:    &consoleReader{db: a.db, srv: a.srv, localURL: a.localURL},
		Tunnel:    fanOutTunnel(ctx, a),
		TunnelNow: a.tunnel.Status,
		LocalURL:  a.localURL,
		PublicURL: a.PublicBaseURL,
		Token:     a.Token,
		RotateToken: func() (string, error) {
			return a.RotateToken(ctx)
		},
		Strict:           a.srv.Strict,
		SetStrict:        a.srv.SetStrict,
		SaveNgrokToken:   a.SaveNgrokToken,
		Walkthrough:      a.annotator.Walkthrough,
		URLWarning:       a.URLWarning,
		RetryTunnel:      a.RetryTunnel,
		Pending:          a.annotator.Pending,
		ResetWalkthrough: a.annotator.ResetWalkthrough,
		Logger:           logger,
	}
}

// fanOutTunnel passes tunnel states to the console after the app has noted them (the
// public URL is remembered, and a changed URL raises a warning). Only the latest state
// matters, so a slow console sees the newest one, never a backlog.
func fanOutTunnel(ctx context.Context, a *app) <-chan tunnel.Status {
	out := make(chan tunnel.Status, 1)
	a.noteTunnelStatus(a.tunnel.Status())
	go func() {
		defer close(out)
		for st := range a.tunnel.Updates() {
			a.noteTunnelStatus(st)
			select {
			case <-out:
			default:
			}
			select {
			case out <- st:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func consoleLogPath() string {
	return filepath.Join(xdg.StateHome, "scimlab", "console.log")
}

func openLogFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the log directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the console log: %w", err)
	}
	return f, nil
}

// consoleReader gives the console read access to the store and renders resources the
// way the server does. It only reads: the console never writes SCIM data.
type consoleReader struct {
	db       *store.DB
	srv      *scimserver.Server
	localURL string
}

func (c *consoleReader) Requests(ctx context.Context, beforeSeq int64, limit int) ([]tui.RequestRow, error) {
	rs, err := c.db.ListRequests(ctx, beforeSeq, limit)
	if err != nil {
		return nil, err
	}
	rows := make([]tui.RequestRow, len(rs))
	for i, r := range rs {
		rows[i] = requestRow(r)
	}
	return rows, nil
}

func (c *consoleReader) Request(ctx context.Context, seq int64) (*tui.RequestDetail, error) {
	r, err := c.db.GetRequest(ctx, seq)
	if err != nil {
		return nil, err
	}
	return &tui.RequestDetail{
		RequestRow:  requestRow(r),
		ReqHeaders:  r.ReqHeaders,
		ReqBody:     r.ReqBody,
		RespHeaders: r.RespHeaders,
		RespBody:    r.RespBody,
	}, nil
}

func requestRow(r *store.Request) tui.RequestRow {
	return tui.RequestRow{
		Seq: r.Seq, Time: r.Time, Method: r.Method, Path: r.Path, Query: r.Query,
		Status: r.Status, Duration: r.Duration, RemoteAddr: r.RemoteAddr, ViaTunnel: r.ViaTunnel,
		Auth: r.Auth, UserAgent: r.UserAgent, ResourceType: r.ResourceType, ResourceID: r.ResourceID,
		Quirks: r.Quirks, ErrorDetail: r.ErrorDetail, IdP: r.IdP, Step: r.Step, Subject: r.Subject,
		Summary: r.Summary, Hints: r.Hints,
	}
}

// Newest changes first: while an IdP provisions, what it just touched is on top.
var byLastModified = &store.Field{Path: []string{"meta", "lastModified"}, Type: "dateTime"}

func containsAny(search string, fields ...[]string) store.Cond {
	var cond store.Cond
	for _, path := range fields {
		var c store.Cond
		if path[0] == "emails" {
			c = store.CondAny{Array: []string{"emails"}, Where: store.CondCmp{
				Field: store.Field{Path: []string{"value"}, Type: "string"}, Op: "co", Value: search}}
		} else {
			c = store.CondCmp{Field: store.Field{Path: path, Type: "string"}, Op: "co", Value: search}
		}
		if cond == nil {
			cond = c
		} else {
			cond = store.CondOr{L: cond, R: c}
		}
	}
	return cond
}

func (c *consoleReader) Users(ctx context.Context, search string, limit int) ([]tui.ResourceRow, error) {
	q := store.Query{Kind: store.KindUser, SortBy: byLastModified, Descending: true, StartIndex: 1, Count: limit}
	if search = strings.TrimSpace(search); search != "" {
		q.Where = containsAny(search, []string{"userName"}, []string{"displayName"}, []string{"externalId"},
			[]string{"name", "formatted"}, []string{"name", "familyName"}, []string{"name", "givenName"}, []string{"emails"})
	}
	_, page, err := c.db.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(page))
	for i, r := range page {
		ids[i] = r.ID
	}
	groups, err := c.db.GroupsOfUsers(ctx, ids)
	if err != nil {
		return nil, err
	}
	rows := make([]tui.ResourceRow, len(page))
	for i, r := range page {
		rows[i] = tui.ResourceRow{
			Kind: tui.KindUser, ID: r.ID, Name: r.UserName, DisplayName: personName(r),
			ExternalID: r.ExternalID, Active: r.Active, Members: len(groups[r.ID]), Modified: r.LastModified,
		}
	}
	return rows, nil
}

func (c *consoleReader) Groups(ctx context.Context, search string, limit int) ([]tui.ResourceRow, error) {
	q := store.Query{Kind: store.KindGroup, SortBy: byLastModified, Descending: true, StartIndex: 1, Count: limit}
	if search = strings.TrimSpace(search); search != "" {
		q.Where = containsAny(search, []string{"displayName"}, []string{"externalId"})
	}
	_, page, err := c.db.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	rows := make([]tui.ResourceRow, len(page))
	for i, r := range page {
		n, err := c.db.MemberCount(ctx, r.ID)
		if err != nil {
			n = -1
		}
		rows[i] = tui.ResourceRow{
			Kind: tui.KindGroup, ID: r.ID, Name: r.DisplayName, ExternalID: r.ExternalID,
			Members: n, Modified: r.LastModified,
		}
	}
	return rows, nil
}

// membersShown bounds the member list of a group's detail view; the total is shown
// beside it, and the Groups API pages through the rest.
const membersShown = 500

func (c *consoleReader) Resource(ctx context.Context, kind, id string) (*tui.ResourceDetail, error) {
	var (
		res *store.Resource
		err error
		d   = &tui.ResourceDetail{}
	)
	switch kind {
	case tui.KindUser:
		if res, err = c.db.GetUser(ctx, id); err != nil {
			return nil, err
		}
		refs, err := c.db.GroupsOfUser(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, g := range refs {
			d.Memberships = append(d.Memberships, tui.MemberRef{Kind: tui.KindGroup, ID: g.ID, Display: g.DisplayName})
		}
		d.MembershipTotal = len(refs)
		d.Row = tui.ResourceRow{Kind: kind, ID: id, Name: res.UserName, DisplayName: personName(res),
			ExternalID: res.ExternalID, Active: res.Active, Members: len(refs), Modified: res.LastModified}
	case tui.KindGroup:
		if res, err = c.db.GetGroup(ctx, id); err != nil {
			return nil, err
		}
		ms, err := c.db.Members(ctx, id, membersShown)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			d.Memberships = append(d.Memberships, tui.MemberRef{Kind: tui.KindUser, ID: m.UserID, Display: m.Display})
		}
		if d.MembershipTotal, err = c.db.MemberCount(ctx, id); err != nil {
			return nil, err
		}
		d.Row = tui.ResourceRow{Kind: kind, ID: id, Name: res.DisplayName, ExternalID: res.ExternalID,
			Members: d.MembershipTotal, Modified: res.LastModified}
	default:
		return nil, fmt.Errorf("unknown resource kind %q", kind)
	}
	if d.JSON, err = c.srv.Render(ctx, kind, id, c.localURL); err != nil {
		return nil, err
	}
	history, err := c.db.RequestsForResource(ctx, store.Kind(kind), id, 100)
	if err != nil {
		return nil, err
	}
	for _, r := range history {
		d.History = append(d.History, requestRow(r))
	}
	return d, nil
}

// personName is what a person would call the user: displayName, else name.formatted,
// else given and family name.
func personName(r *store.Resource) string {
	if r.DisplayName != "" {
		return r.DisplayName
	}
	var doc struct {
		Name struct {
			Formatted  string `json:"formatted"`
			GivenName  string `json:"givenName"`
			FamilyName string `json:"familyName"`
		} `json:"name"`
	}
	if json.Unmarshal(r.Doc, &doc) != nil {
		return ""
	}
	if doc.Name.Formatted != "" {
		return doc.Name.Formatted
	}
	return strings.TrimSpace(doc.Name.GivenName + " " + doc.Name.FamilyName)
}
