package scimserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/store"
)

// profiledStore is the Store the handlers write through: it changes what a write does
// the way the request's app profile says — deactivating instead of deleting, refusing a
// create past the seat limit, dropping attributes the app does not store, adopting a
// group of the same name — and notes each change as an effect on the request's record.
// Outside a request (the console rendering a resource) it passes everything through.
type profiledStore struct {
	Store
	s *Server
	// creates serialises the check-then-create of a seat limit or a unique e-mail, so
	// two concurrent creates cannot both take the last seat.
	creates sync.Mutex
}

// profileOf is the profile of the request ctx belongs to, or nil outside a request.
func profileOf(ctx context.Context) *profile.Profile {
	if in := inflightOf(ctx); in != nil && in.view != nil {
		return in.view.p
	}
	return nil
}

// CreateUser applies the user knobs to a new user before it is stored.
func (ps *profiledStore) CreateUser(ctx context.Context, r *store.Resource) error {
	p := profileOf(ctx)
	if p == nil {
		return ps.Store.CreateUser(ctx, r)
	}
	if !rewritesUsers(p) && p.Users.Role.New == "" && p.Users.SeatLimit <= 0 {
		return ps.independent(ctx, r, ps.Store.CreateUser(ctx, r))
	}
	doc, err := decodeDoc(r.Doc)
	if err != nil {
		return err
	}
	if err := ps.checkUser(ctx, p, doc, ""); err != nil {
		return err
	}
	u := p.Users
	if u.Role.IgnoreSent {
		if sent := roleValues(lookupFold(doc, "roles")); len(sent) > 0 {
			noteEffect(ctx, exchange.EffectRoleIgnored, strings.Join(sent, ", "))
		}
		delete(doc, "roles")
	}
	if u.Role.New != "" && empty(doc["roles"]) {
		doc["roles"] = []any{map[string]any{"value": u.Role.New, "primary": true}}
		noteEffect(ctx, exchange.EffectRoleForced, u.Role.New)
	}
	ps.dropUnstored(ctx, p, doc)
	data, err := encodeDoc(doc)
	if err != nil {
		return err
	}
	r.Doc = data
	if u.SeatLimit <= 0 && u.UniqueIdentifier == profile.IdentifierUserName {
		return ps.independent(ctx, r, ps.Store.CreateUser(ctx, r))
	}
	ps.creates.Lock()
	defer ps.creates.Unlock()
	// Checked again under the lock: another create may have taken the identifier.
	if err := ps.checkUnique(ctx, p, doc, ""); err != nil {
		return err
	}
	if u.SeatLimit > 0 {
		total, _, err := ps.Store.Search(ctx, store.Query{Kind: store.KindUser, Count: 0})
		if err != nil {
			return err
		}
		if total >= u.SeatLimit {
			noteEffect(ctx, exchange.EffectSeatLimit, strconv.Itoa(u.SeatLimit))
			return profileError(u.SeatAnswer)
		}
	}
	return ps.independent(ctx, r, ps.Store.CreateUser(ctx, r))
}

// independent explains a create refused because an independent account, outside the
// organisation, holds the userName: in every profile the app does not move it in.
func (ps *profiledStore) independent(ctx context.Context, r *store.Resource, err error) error {
	if !errors.Is(err, store.ErrIndependentAccount) {
		return err
	}
	var doc map[string]any
	if d, derr := decodeDoc(r.Doc); derr == nil {
		doc = d
	}
	userName := docString(doc, "userName")
	noteEffect(ctx, exchange.EffectIndependentAccount, userName)
	return &Error{Status: http.StatusConflict, ScimType: ScimTypeUniqueness, Detail: fmt.Sprintf(
		"userName %q belongs to an independent account that is not part of this organisation; it is not moved in automatically: add or invite the user to the organisation in the app first", userName)}
}

// dropUnstored removes the attributes the app does not keep for the request's IdP.
func (ps *profiledStore) dropUnstored(ctx context.Context, p *profile.Profile, doc map[string]any) {
	if p.Users.Stored.Empty() {
		return
	}
	keep := alwaysStored
	if p.Users.Role.New != "" {
		keep = append(slices.Clip(keep), "roles")
	}
	for _, path := range keepOnly(doc, p.Users.Stored.For(ps.s.senderOf(ctx)), keep...) {
		noteEffect(ctx, exchange.EffectAttributeDropped, path)
	}
}

// checkUser applies the checks a user must pass on create and replace: the userName's
// format, the required attributes, the unique identifier. self is the user being
// replaced ("" for a create).
func (ps *profiledStore) checkUser(ctx context.Context, p *profile.Profile, doc map[string]any, self string) error {
	u := p.Users
	userName := docString(doc, "userName")
	if (u.UserNameFormat == "email" || u.UniqueIdentifier == profile.IdentifierEmail) && !isEmail(userName) {
		noteEffect(ctx, exchange.EffectIdentifierInvalid, userName)
		return badRequest(ScimTypeInvalidValue, "userName %q is not an e-mail address; this app identifies users by their e-mail address", userName)
	}
	required := slices.Clone(u.Required)
	if u.UniqueIdentifier == profile.IdentifierExternalID {
		required = append(required, "externalId")
	}
	for _, e := range p.Extensions {
		if e.Resource != "User" {
			continue
		}
		for _, a := range e.Attributes {
			if a.Required {
				required = append(required, e.URN+":"+a.Name)
			}
		}
	}
	if path, ok := missing(doc, required); ok {
		noteEffect(ctx, exchange.EffectRequiredMissing, path)
		return badRequest(ScimTypeInvalidValue, "this app requires %s, and the request has none", path)
	}
	return ps.checkUnique(ctx, p, doc, self)
}

// checkUnique refuses a user whose e-mail address or externalId, when that is the app's
// unique identifier, another user holds already. userName is unique in every profile;
// the store refuses a duplicate itself.
func (ps *profiledStore) checkUnique(ctx context.Context, p *profile.Profile, doc map[string]any, self string) error {
	var values []string
	var cond func(v string) store.Cond
	switch p.Users.UniqueIdentifier {
	case profile.IdentifierEmail:
		for _, v := range []string{docString(doc, "userName"), primaryEmail(doc)} {
			if v != "" && !slices.ContainsFunc(values, func(x string) bool { return strings.EqualFold(x, v) }) {
				values = append(values, v)
			}
		}
		cond = func(v string) store.Cond {
			return store.CondOr{
				L: store.CondCmp{Field: store.Field{Path: []string{"userName"}, Type: "string"}, Op: "eq", Value: v},
				R: store.CondAny{Array: []string{"emails"}, Where: store.CondAnd{
					L: store.CondCmp{Field: store.Field{Path: []string{"value"}, Type: "string"}, Op: "eq", Value: v},
					R: store.CondCmp{Field: store.Field{Path: []string{"primary"}, Type: "boolean"}, Op: "eq", Value: true},
				}},
			}
		}
	case profile.IdentifierExternalID:
		if v := docString(doc, "externalId"); v != "" {
			values = []string{v}
		}
		cond = func(v string) store.Cond {
			return store.CondCmp{Field: store.Field{Path: []string{"externalId"}, CaseExact: true, Type: "string"}, Op: "eq", Value: v}
		}
	default:
		return nil
	}
	for _, v := range values {
		_, page, err := ps.Store.Search(ctx, store.Query{Kind: store.KindUser, Where: cond(v), StartIndex: 1, Count: 2})
		if err != nil {
			return err
		}
		for _, other := range page {
			if other.ID == self {
				continue
			}
			noteEffect(ctx, exchange.EffectIdentifierTaken, v)
			noteRelatedCtx(ctx, "User", other.ID)
			return &Error{Status: http.StatusConflict, ScimType: ScimTypeUniqueness, Detail: fmt.Sprintf(
				"%s is already the %s of user %s (id %s); this app identifies users by it, so it must be unique",
				v, identifierWords(p.Users.UniqueIdentifier), other.UserName, other.ID)}
		}
	}
	return nil
}

func identifierWords(id profile.Identifier) string {
	if id == profile.IdentifierExternalID {
		return "externalId"
	}
	return "userName or primary e-mail address"
}

// ReplaceUser lets the handler compute the new user (PUT or PATCH), then undoes what
// the app would not do: changes to attributes it does not update, roles from the IdP,
// attributes it does not store.
func (ps *profiledStore) ReplaceUser(ctx context.Context, id string, ifVersion int64, fn func(cur *store.Resource) (*store.Resource, error)) (*store.Resource, error) {
	p := profileOf(ctx)
	if p == nil || !rewritesUsers(p) {
		return ps.Store.ReplaceUser(ctx, id, ifVersion, fn)
	}
	return ps.Store.ReplaceUser(ctx, id, ifVersion, func(cur *store.Resource) (*store.Resource, error) {
		next, err := fn(cur)
		if err != nil || next == nil {
			return next, err
		}
		old, err := decodeDoc(cur.Doc)
		if err != nil {
			return nil, err
		}
		doc, err := decodeDoc(next.Doc)
		if err != nil {
			return nil, err
		}
		u := p.Users
		if len(u.Updatable) > 0 {
			for _, path := range restoreFixed(old, doc, u.Updatable) {
				noteEffect(ctx, exchange.EffectUpdateIgnored, path)
			}
		}
		if u.Role.IgnoreSent {
			sent := strings.Join(roleValues(lookupFold(doc, "roles")), ", ")
			if sent == "" {
				sent = "a change of roles"
			}
			if restore(old, doc, "roles") {
				noteEffect(ctx, exchange.EffectRoleIgnored, sent)
			}
		}
		ps.dropUnstored(ctx, p, doc)
		if err := ps.checkUser(ctx, p, doc, id); err != nil {
			return nil, err
		}
		data, err := encodeDoc(doc)
		if err != nil {
			return nil, err
		}
		out := *next
		out.Doc = data
		return &out, nil
	})
}

// rewritesUsers tells whether the profile changes user updates at all; under the
// generic profile they pass straight through.
func rewritesUsers(p *profile.Profile) bool {
	u := p.Users
	if len(u.Updatable) > 0 || u.Role.IgnoreSent || !u.Stored.Empty() || u.UserNameFormat != "any" ||
		len(u.Required) > 0 || u.UniqueIdentifier != profile.IdentifierUserName {
		return true
	}
	for _, e := range p.Extensions {
		for _, a := range e.Attributes {
			if a.Required && e.Resource == "User" {
				return true
			}
		}
	}
	return false
}

// DeleteUser deletes, deactivates or refuses, as the app does.
func (ps *profiledStore) DeleteUser(ctx context.Context, id string, ifVersion int64) error {
	p := profileOf(ctx)
	if p == nil {
		return ps.Store.DeleteUser(ctx, id, ifVersion)
	}
	switch p.Users.Delete {
	case profile.DeleteRefuse:
		if _, err := ps.Store.GetUser(ctx, id); err != nil {
			return err
		}
		noteEffect(ctx, exchange.EffectDeleteRefused, "")
		return profileError(p.Users.DeleteAnswer)
	case profile.DeleteDeactivate:
		_, err := ps.Store.ReplaceUser(ctx, id, ifVersion, func(cur *store.Resource) (*store.Resource, error) {
			doc, err := decodeDoc(cur.Doc)
			if err != nil {
				return nil, err
			}
			doc["active"] = false
			data, err := encodeDoc(doc)
			if err != nil {
				return nil, err
			}
			next := *cur
			next.Doc = data
			return &next, nil
		})
		if err == nil {
			noteEffect(ctx, exchange.EffectKeptInactive, "")
		}
		return err
	}
	return ps.Store.DeleteUser(ctx, id, ifVersion)
}

// CreateGroup adopts an existing group of the same displayName when the app matches
// groups by name, and skips unknown members when it does so.
func (ps *profiledStore) CreateGroup(ctx context.Context, r *store.Resource, members []store.Member) error {
	p := profileOf(ctx)
	if p == nil {
		return ps.Store.CreateGroup(ctx, r, members)
	}
	members, err := ps.knownMembers(ctx, p, members)
	if err != nil {
		return err
	}
	if !p.Groups.MatchByName {
		return ps.Store.CreateGroup(ctx, r, members)
	}
	doc, err := decodeDoc(r.Doc)
	if err != nil {
		return err
	}
	name := docString(doc, "displayName")
	_, page, err := ps.Store.Search(ctx, store.Query{Kind: store.KindGroup, StartIndex: 1, Count: 1,
		Where: store.CondCmp{Field: store.Field{Path: []string{"displayName"}, Type: "string"}, Op: "eq", Value: name}})
	if err != nil {
		return err
	}
	if len(page) == 0 {
		return ps.Store.CreateGroup(ctx, r, members)
	}
	existing := page[0]
	adopted, err := ps.Store.UpdateGroup(ctx, existing.ID, 0, func(cur *store.Resource, tx store.MemberTx) (*store.Resource, error) {
		if err := tx.AddMembers(members); err != nil {
			return nil, err
		}
		merged, err := decodeDoc(cur.Doc)
		if err != nil {
			return nil, err
		}
		// The IdP's attributes (Entra's externalId) take over; the name stays the
		// app's spelling, which matched ignoring case.
		for k, v := range doc {
			if k != "displayName" {
				merged[k] = v
			}
		}
		data, err := encodeDoc(merged)
		if err != nil {
			return nil, err
		}
		next := *cur
		next.Doc = data
		return &next, nil
	})
	if err != nil {
		return err
	}
	noteEffect(ctx, exchange.EffectGroupAdopted, adopted.DisplayName)
	if app, err := ps.Store.AppSideMembers(ctx, adopted.ID); err == nil && len(app) > 0 {
		noteEffect(ctx, exchange.EffectAppMembersKept, strconv.Itoa(len(app)))
	}
	*r = *adopted
	return nil
}

// knownMembers drops member ids that are no user when the app skips them.
func (ps *profiledStore) knownMembers(ctx context.Context, p *profile.Profile, ms []store.Member) ([]store.Member, error) {
	if p.Groups.UnknownMembers != profile.MembersSkip || len(ms) == 0 {
		return ms, nil
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	known, err := ps.Store.ExistingUsers(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]store.Member, 0, len(ms))
	for _, m := range ms {
		if known[m.UserID] {
			out = append(out, m)
		} else {
			noteEffect(ctx, exchange.EffectMemberSkipped, m.UserID)
		}
	}
	return out, nil
}

// UpdateGroup gives the handler's change a MemberTx that skips unknown members and
// keeps app-side members, as the profile says.
func (ps *profiledStore) UpdateGroup(ctx context.Context, id string, ifVersion int64, fn func(cur *store.Resource, m store.MemberTx) (*store.Resource, error)) (*store.Resource, error) {
	p := profileOf(ctx)
	if p == nil || (p.Groups.UnknownMembers != profile.MembersSkip && !p.Groups.MatchByName) {
		return ps.Store.UpdateGroup(ctx, id, ifVersion, fn)
	}
	return ps.Store.UpdateGroup(ctx, id, ifVersion, func(cur *store.Resource, tx store.MemberTx) (*store.Resource, error) {
		return fn(cur, &profiledMembers{MemberTx: tx, ctx: ctx, ps: ps, p: p, groupID: id})
	})
}

// profiledMembers is a group's MemberTx under a profile: member ids that are no user
// are skipped when the app skips them, and members the app's own admin added are not
// removed by the IdP when the app keeps them (groups matched by name).
type profiledMembers struct {
	store.MemberTx
	ctx     context.Context
	ps      *profiledStore
	p       *profile.Profile
	groupID string
	appSide map[string]bool
}

func (m *profiledMembers) AddMembers(ms []store.Member) error {
	ms, err := m.ps.knownMembers(m.ctx, m.p, ms)
	if err != nil || len(ms) == 0 {
		return err
	}
	return m.MemberTx.AddMembers(ms)
}

// keptIDs splits ids into those the IdP may remove and the app-side ones it may not.
func (m *profiledMembers) keptIDs(ids []string) (remove []string, kept int, err error) {
	if !m.p.Groups.MatchByName {
		return ids, 0, nil
	}
	if m.appSide == nil {
		app, err := m.ps.Store.AppSideMembers(m.ctx, m.groupID)
		if err != nil {
			return nil, 0, err
		}
		m.appSide = make(map[string]bool, len(app))
		for _, a := range app {
			m.appSide[a.UserID] = true
		}
	}
	for _, id := range ids {
		if m.appSide[id] {
			kept++
		} else {
			remove = append(remove, id)
		}
	}
	if kept > 0 {
		noteEffect(m.ctx, exchange.EffectAppMembersKept, strconv.Itoa(kept))
	}
	return remove, kept, nil
}

func (m *profiledMembers) RemoveMembers(ids []string) (int, error) {
	remove, _, err := m.keptIDs(ids)
	if err != nil {
		return 0, err
	}
	return m.MemberTx.RemoveMembers(remove)
}

func (m *profiledMembers) RemoveAll() error {
	if !m.p.Groups.MatchByName {
		return m.MemberTx.RemoveAll()
	}
	all, err := m.MemberTx.List()
	if err != nil {
		return err
	}
	ids := make([]string, len(all))
	for i, a := range all {
		ids[i] = a.UserID
	}
	_, err = m.RemoveMembers(ids)
	return err
}

// DeleteGroup deactivates the users only the group provisioned, when the app does.
func (ps *profiledStore) DeleteGroup(ctx context.Context, id string, ifVersion int64) error {
	p := profileOf(ctx)
	if p == nil || !p.Groups.DeleteDeactivatesMembers {
		return ps.Store.DeleteGroup(ctx, id, ifVersion)
	}
	deactivated, err := ps.Store.DeleteGroupDeactivating(ctx, id, ifVersion)
	if err != nil {
		return err
	}
	if len(deactivated) > 0 {
		noteEffect(ctx, exchange.EffectMembersDeactivated, strconv.Itoa(len(deactivated)))
		for _, u := range deactivated {
			noteRelatedCtx(ctx, "User", u)
		}
	}
	return nil
}
