package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tui"
)

// ConsoleDeps adapts the running app to what the console needs. ctx bounds the
// tunnel changes it forwards.
func (a *App) ConsoleDeps(ctx context.Context, logger *slog.Logger) tui.Deps {
	return tui.Deps{
		Subscribe: a.Subscribe,
		Reader:    labReader{a: a},
		Tunnel:    a.TunnelChanges(ctx),
		TunnelNow: a.TunnelStatus,
		LocalURL:  a.localURL,
		PublicURL: a.PublicBaseURL,
		Token:     a.Token,
		RotateToken: func() (string, error) {
			return a.RotateToken(ctx)
		},
		TokenOverride:   a.TokenOverride(),
		TokenWarning:    a.TokenWarning,
		Strict:          a.Strict,
		SetStrict:       a.SetStrict,
		SaveNgrokToken:  a.SaveNgrokToken,
		NgrokTokenSaved: a.NgrokTokenSaved,
		ForgetNgrokToken: func() (tui.NgrokForgotten, error) {
			f, err := a.ForgetNgrokToken()
			return tui.NgrokForgotten{TunnelStopped: f.TunnelStopped, StillSet: f.StillSet}, err
		},
		Walkthrough:      a.Walkthrough,
		URLWarning:       a.URLWarning,
		RetryTunnel:      a.RetryTunnel,
		Pending:          a.Pending,
		ResetWalkthrough: a.ResetWalkthrough,
		Demo:             demo{a: a},
		Clipboard:        newClipboard(a.getenv, logger),
		Profile:          func() tui.ProfileInfo { return profileInfo(a.Profile()) },
		Profiles:         a.profileInfos,
		SetProfile:       func(name string) error { return a.SetProfile(ctx, name) },
		Lab:              consoleLab{a: a},
		Logger:           logger,
		Labs:             consoleLabs{a: a},
		Resend:           a.resendCompared,

		Faults:          a.Faults,
		FaultSeed:       a.FaultSeed,
		AddFault:        func(rule string) (fault.Entry, error) { return a.AddFault(ctx, rule) },
		SetFaultEnabled: func(id int, on bool) error { return a.SetFaultEnabled(ctx, id, on) },
		RemoveFault:     func(id int) error { return a.RemoveFault(ctx, id) },
		ClearFaults:     func() error { return a.ClearFaults(ctx) },
	}
}

// consoleReader gives the console read access to the store and renders resources the
// way the server does. It only reads: the console never writes SCIM data.
type consoleReader struct {
	db       *store.DB
	srv      *scimserver.Server
	localURL string
}

func (c *consoleReader) Requests(ctx context.Context, beforeSeq int64, limit int) ([]exchange.Record, error) {
	rs, err := c.db.ListRequests(ctx, beforeSeq, limit)
	return values(rs), err
}

func values(rs []*exchange.Record) []exchange.Record {
	out := make([]exchange.Record, len(rs))
	for i, r := range rs {
		out[i] = *r
	}
	return out
}

func (c *consoleReader) Request(ctx context.Context, seq int64) (*exchange.Record, error) {
	return c.db.GetRequest(ctx, seq)
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
	rows := make([]tui.ResourceRow, len(page))
	for i, r := range page {
		rows[i] = tui.ResourceRow{
			Kind: tui.KindUser, ID: r.ID, Name: r.UserName, DisplayName: personName(r),
			ExternalID: r.ExternalID, Active: r.Active, Members: len(r.Groups), Modified: r.LastModified,
		}
	}
	return c.withAppSide(ctx, store.KindUser, search, limit, rows)
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
	return c.withAppSide(ctx, store.KindGroup, search, limit, rows)
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
	if d, ok, err := c.appSideResource(ctx, kind, id); ok || err != nil {
		return d, err
	}
	switch kind {
	case tui.KindUser:
		if res, err = c.db.GetUser(ctx, id); err != nil {
			return nil, err
		}
		refs := res.Groups
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
	if err := c.histories(ctx, kind, id, d); err != nil {
		return nil, err
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
