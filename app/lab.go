package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/store"
)

// The lab is what the app holds besides what the IdP sent: users and groups seeded from
// a file, and the changes the app's own admin makes in the console. None of it goes
// through the SCIM API, so none of it is in the request log; each action is kept in
// the store's app-action list instead, which the console shows in the resource's
// history.

// App actions, as the app-action list stores them.
const (
	ActionDeactivateUser = "deactivate-user"
	ActionReactivateUser = "reactivate-user"
	ActionDeleteUser     = "delete-user"
	ActionDeleteGroup    = "delete-group"
	ActionSeed           = "seed"
	ActionResetLab       = "reset-lab"
	ActionSwitchProfile  = "switch-profile"
)

// walkthroughPrefix is the settings key prefix of the walkthroughs' progress.
const walkthroughPrefix = "walkthrough."

// SetUserActive deactivates or reactivates a user as the app's own admin does.
func (a *App) SetUserActive(ctx context.Context, id string, active bool) error {
	db := a.current().db
	res, err := db.SetUserActive(ctx, id, active)
	if err != nil {
		return err
	}
	action := ActionDeactivateUser
	if active {
		action = ActionReactivateUser
	}
	return db.AppendAppAction(ctx, &store.AppAction{Action: action, ResourceType: string(store.KindUser), ResourceID: id, Name: res.UserName})
}

// DeleteResource deletes a user or group as the app's own admin does. It stays in the
// console as a tombstone until the lab is reset.
func (a *App) DeleteResource(ctx context.Context, kind store.Kind, id string) error {
	var (
		name, action string
		err          error
	)
	db := a.current().db
	switch kind {
	case store.KindUser:
		var r *store.Resource
		if r, err = db.GetUser(ctx, id); err == nil {
			name, action = r.UserName, ActionDeleteUser
			err = db.DeleteUser(ctx, id, 0)
		}
	case store.KindGroup:
		var r *store.Resource
		if r, err = db.GetGroup(ctx, id); err == nil {
			name, action = r.DisplayName, ActionDeleteGroup
			err = db.DeleteGroup(ctx, id, 0)
		}
	default:
		return fmt.Errorf("unknown resource kind %q", kind)
	}
	if err != nil {
		return err
	}
	return db.AppendAppAction(ctx, &store.AppAction{Action: action, ResourceType: string(kind), ResourceID: id, Name: name})
}

// ResetLab empties the lab served for the next class: users, groups, memberships,
// tombstones, independent accounts, the request log, the app actions and the
// walkthroughs' progress. The token, the profile and the fault rules stay.
func (a *App) ResetLab(ctx context.Context) error {
	a.switchMu.Lock()
	defer a.switchMu.Unlock()
	return a.resetServed(ctx)
}

// resetServed resets the lab served; switchMu is held. For the moment it takes, new
// requests are answered 503 with Retry-After, which Okta and Entra retry, and those
// under way finish and are written to the log first: no request of the rehearsal
// before the reset lands in the log after it, nor writes into the emptied lab.
func (a *App) resetServed(ctx context.Context) error {
	cur := a.current()
	if !a.front.set(unavailable).drain(drainTimeout) {
		a.logger.Warn("requests to the lab were still running when it was reset")
	}
	defer a.front.set(cur.srv.Handler())
	if err := cur.srv.Flush(ctx); err != nil {
		return fmt.Errorf("writing out the request log before the reset: %w", err)
	}
	if err := cur.db.ResetLab(ctx, walkthroughPrefix); err != nil {
		return err
	}
	if err := cur.db.ClearRequests(ctx); err != nil {
		return err
	}
	cur.annotator.reset()
	return cur.db.AppendAppAction(ctx, &store.AppAction{Action: ActionResetLab, Detail: "profile " + cur.srv.Profile().Name + " kept"})
}

// SeedReport says what a seed added.
type SeedReport struct {
	Users, Independent, Groups, Merged, Members int
	// Skipped are users and independent accounts the lab held already.
	Skipped int
}

// String is the report as a sentence.
func (r SeedReport) String() string {
	parts := []string{plural(r.Users, "user"), plural(r.Groups, "new group")}
	if r.Merged > 0 {
		parts = append(parts, plural(r.Merged, "existing group")+" extended")
	}
	if r.Independent > 0 {
		parts = append(parts, plural(r.Independent, "independent account"))
	}
	parts = append(parts, plural(r.Members, "membership"))
	s := "seeded " + strings.Join(parts, ", ")
	if r.Skipped > 0 {
		s += fmt.Sprintf("; %s already in the lab", plural(r.Skipped, "account was", "accounts were"))
	}
	return s
}

func plural(n int, one string, many ...string) string {
	if n == 1 {
		return "1 " + one
	}
	if len(many) > 0 {
		return fmt.Sprint(n, " ", many[0])
	}
	return fmt.Sprint(n, " ", one, "s")
}

// SeedFile reads a seed file and puts its users and groups into the lab.
func (a *App) SeedFile(ctx context.Context, path string) (SeedReport, error) {
	s, err := ReadSeed(path)
	if err != nil {
		return SeedReport{}, err
	}
	return a.Seed(ctx, s)
}

// Seed puts a parsed seed into the lab in one transaction, all or nothing. Accounts
// whose userName the lab holds already are left as they are, so seeding the same file
// twice adds nothing; groups that exist get the members the file gives them, added on
// the app side.
func (a *App) Seed(ctx context.Context, s *Seed) (SeedReport, error) {
	var (
		rep               SeedReport
		users, indep      [][]byte
		userLines, iLines []int
		groups            []store.SeedGroup
		groupLines        []int
		byName            = map[string]int{}
		db                = a.current().db
	)
	addGroup := func(name, externalID string, line int, members ...string) {
		key := strings.ToLower(name)
		i, ok := byName[key]
		if !ok {
			doc := map[string]any{"displayName": name}
			if externalID != "" {
				doc["externalId"] = externalID
			}
			data, _ := json.Marshal(doc)
			i = len(groups)
			byName[key] = i
			groups = append(groups, store.SeedGroup{Doc: data})
			groupLines = append(groupLines, line)
		}
		groups[i].Members = append(groups[i].Members, members...)
	}
	for _, g := range s.Groups {
		addGroup(g.DisplayName, g.ExternalID, g.line, g.Members...)
	}
	for _, u := range s.Users {
		exists, err := accountExists(ctx, db, u.UserName)
		if err != nil {
			return rep, err
		}
		if exists {
			rep.Skipped++
		} else {
			data, err := json.Marshal(u.doc())
			if err != nil {
				return rep, err
			}
			if u.Independent {
				indep, iLines = append(indep, data), append(iLines, u.line)
			} else {
				users, userLines = append(users, data), append(userLines, u.line)
			}
		}
		for _, g := range u.Groups {
			addGroup(g, "", u.line, u.UserName)
		}
	}
	res, err := db.Seed(ctx, users, indep, groups)
	var se *store.SeedError
	if errors.As(err, &se) {
		lines := map[string][]int{"users": userLines, "independent": iLines, "groups": groupLines}[se.Part]
		line := 0
		if se.Index < len(lines) {
			line = lines[se.Index]
		}
		return rep, &SeedError{File: s.File, Line: line, Msg: strings.TrimPrefix(strings.TrimPrefix(se.Err.Error(), "store: "), "uniqueness conflict: ")}
	}
	if err != nil {
		return rep, err
	}
	rep.Users, rep.Independent, rep.Groups, rep.Merged, rep.Members = res.Users, res.Independent, res.Groups, res.Merged, res.Members
	err = db.AppendAppAction(ctx, &store.AppAction{Action: ActionSeed, Name: filepath.Base(s.File), Detail: rep.String()})
	return rep, err
}

// accountExists tells whether the lab holds userName, as a user or an independent account.
func accountExists(ctx context.Context, db *store.DB, userName string) (bool, error) {
	total, _, err := db.Search(ctx, store.Query{Kind: store.KindUser,
		Where: store.CondCmp{Field: store.Field{Path: []string{"userName"}, Type: "string"}, Op: "eq", Value: userName}})
	if err != nil || total > 0 {
		return total > 0, err
	}
	return db.IsIndependentAccount(ctx, userName)
}

// doc is the SCIM document of a seeded user.
func (u SeedUser) doc() map[string]any {
	d := map[string]any{"userName": u.UserName, "active": u.Active == nil || *u.Active}
	if u.GivenName != "" || u.FamilyName != "" {
		name := map[string]any{}
		if u.GivenName != "" {
			name["givenName"] = u.GivenName
		}
		if u.FamilyName != "" {
			name["familyName"] = u.FamilyName
		}
		d["name"] = name
	}
	if u.DisplayName != "" {
		d["displayName"] = u.DisplayName
	}
	if u.Email != "" {
		d["emails"] = []any{map[string]any{"value": u.Email, "type": "work", "primary": true}}
	}
	if u.ExternalID != "" {
		d["externalId"] = u.ExternalID
	}
	if u.Role != "" {
		d["roles"] = []any{map[string]any{"value": u.Role, "primary": true}}
	}
	return d
}

// reset forgets what the classifier and the walkthroughs learned, for a lab emptied
// for the next class. The walkthroughs' saved progress went with the reset's settings.
func (an *annotator) reset() {
	an.classifier.Reset()
	an.mu.Lock()
	defer an.mu.Unlock()
	for _, w := range an.walks {
		w.Reset()
	}
	an.dirty = map[exchange.IdP]bool{}
}
