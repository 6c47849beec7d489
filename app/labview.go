package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tui"
)

// The console's view of the lab: profiles, tombstones, independent accounts and the
// app-side actions, adapted from the store and package profile to the console's types.

// historyLimit bounds the requests and app actions a resource's history lists.
const historyLimit = 100

// independentPrefix marks the ids the console uses for independent accounts, which
// have no SCIM id.
const independentPrefix = "independent:"

func profileInfo(p *profile.Profile) tui.ProfileInfo {
	one, many := p.GroupNoun()
	return tui.ProfileInfo{
		Name: p.Name, Title: p.Title, Description: p.Description, Guide: p.Guide, Source: p.Source(),
		Summary: p.Summary(), GroupOne: one, GroupMany: many, GroupsEnabled: p.GroupsEnabled(),
		UniqueIdentifier: string(p.Users.UniqueIdentifier), TokenHeader: p.TokenHeader(),
	}
}

func (a *App) profileInfos() []tui.ProfileInfo {
	var out []tui.ProfileInfo
	for _, p := range a.Profiles() {
		out = append(out, profileInfo(p))
	}
	return out
}

// consoleLab is the console's hand on the lab (tui.Lab).
type consoleLab struct{ a *App }

func (l consoleLab) SetUserActive(ctx context.Context, id string, active bool) error {
	return l.a.SetUserActive(ctx, id, active)
}

func (l consoleLab) Delete(ctx context.Context, kind, id string) error {
	return l.a.DeleteResource(ctx, store.Kind(kind), id)
}

func (l consoleLab) Seed(ctx context.Context, path string) (string, error) {
	rep, err := l.a.SeedFile(ctx, path)
	if err != nil {
		return "", err
	}
	return rep.String(), nil
}

func (l consoleLab) Reset(ctx context.Context) error { return l.a.ResetLab(ctx) }

// withAppSide appends to a table the tombstones (and, for users, the independent
// accounts) that match search, up to limit rows in all.
func (c *consoleReader) withAppSide(ctx context.Context, kind store.Kind, search string, limit int, rows []tui.ResourceRow) ([]tui.ResourceRow, error) {
	if kind == store.KindUser && len(rows) < limit {
		indep, err := c.db.IndependentAccounts(ctx, strings.TrimSpace(search), limit-len(rows))
		if err != nil {
			return nil, err
		}
		for _, ia := range indep {
			rows = append(rows, tui.ResourceRow{Kind: tui.KindUser, ID: independentPrefix + ia.UserName, Name: ia.UserName,
				DisplayName: personName(&store.Resource{Doc: ia.Doc, DisplayName: ia.DisplayName}), Independent: true, Modified: ia.Created})
		}
	}
	if len(rows) >= limit {
		return rows, nil
	}
	ts, err := c.db.Tombstones(ctx, kind, search, limit-len(rows))
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		rows = append(rows, tombstoneRow(t))
	}
	return rows, nil
}

func tombstoneRow(t store.Tombstone) tui.ResourceRow {
	row := tui.ResourceRow{Kind: string(t.Kind), ID: t.ID, Name: t.Name, ExternalID: t.ExternalID,
		Members: t.Memberships, Modified: t.Created, Deleted: t.Deleted}
	if t.Kind == store.KindUser {
		r := &store.Resource{Doc: t.Doc}
		var doc struct {
			Active      bool   `json:"active"`
			DisplayName string `json:"displayName"`
		}
		if json.Unmarshal(t.Doc, &doc) == nil {
			row.Active, r.DisplayName = doc.Active, doc.DisplayName
		}
		row.DisplayName = personName(r)
	}
	return row
}

// appSideResource opens a tombstone or an independent account; ok is false for a live
// user or group.
func (c *consoleReader) appSideResource(ctx context.Context, kind, id string) (*tui.ResourceDetail, bool, error) {
	if name, ok := strings.CutPrefix(id, independentPrefix); ok && kind == tui.KindUser {
		accounts, err := c.db.IndependentAccounts(ctx, name, 0)
		if err != nil {
			return nil, true, err
		}
		for _, ia := range accounts {
			if strings.EqualFold(ia.UserName, name) {
				return &tui.ResourceDetail{
					Row: tui.ResourceRow{Kind: kind, ID: id, Name: ia.UserName, Independent: true, Modified: ia.Created,
						DisplayName: personName(&store.Resource{Doc: ia.Doc, DisplayName: ia.DisplayName})},
					JSON: ia.Doc,
				}, true, nil
			}
		}
		return nil, true, store.ErrNotFound
	}
	live := c.db.GetUser
	if kind == tui.KindGroup {
		live = c.db.GetGroup
	}
	if _, err := live(ctx, id); !errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	t, err := c.db.GetTombstone(ctx, store.Kind(kind), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	d := &tui.ResourceDetail{Row: tombstoneRow(*t), JSON: t.Doc, MembershipTotal: t.Memberships}
	if err := c.histories(ctx, kind, id, d); err != nil {
		return nil, true, err
	}
	return d, true, nil
}

// histories fills a resource's request history and the app actions on it.
func (c *consoleReader) histories(ctx context.Context, kind, id string, d *tui.ResourceDetail) error {
	history, err := c.db.RequestsForResource(ctx, store.Kind(kind), id, historyLimit)
	if err != nil {
		return err
	}
	d.History = values(history)
	acts, err := c.db.AppActions(ctx, store.Kind(kind), id, historyLimit)
	if err != nil {
		return err
	}
	for _, a := range acts {
		d.AppActions = append(d.AppActions, tui.AppAction{Time: a.Time, What: actionWords(a)})
	}
	return nil
}

// actionWords says what the app's own admin did, for a resource's history.
func actionWords(a store.AppAction) string {
	switch a.Action {
	case ActionDeactivateUser:
		return "deactivated in the app by its admin"
	case ActionReactivateUser:
		return "reactivated in the app by its admin"
	case ActionDeleteUser, ActionDeleteGroup:
		return "deleted in the app by its admin"
	case ActionSeed:
		return "seeded from " + a.Name
	}
	return a.Action
}
