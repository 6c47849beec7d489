package scimserver

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/scim/schema"
)

// The app profile (package profile) is applied in layers around the RFC handlers, each
// in a file of its own: profile_http.go answers what the app answers before or instead
// of a handler (no groups, refused imports, 204 or 200 on PATCH, 404 on a filter miss),
// profile_store.go changes what the handlers write (deactivate instead of delete, seat
// limit, dropped attributes, adopted groups), profile_auth.go reads the token from the
// profile's header. The handlers only ask for the resource types of the request's
// profile, which carry its schema extensions.

// profileView is a profile compiled for serving: the resource types and schemas with
// the profile's extensions, built once per switch and shared by its requests.
type profileView struct {
	p      *profile.Profile
	users  *schema.ResourceType
	groups *schema.ResourceType
	// userRank and groupRank order the members of rendered documents (memberRank).
	userRank, groupRank map[string]int
	// types and schemas are what /ResourceTypes and /Schemas advertise.
	types   []*schema.ResourceType
	schemas []*schema.Schema
}

func newProfileView(p *profile.Profile) *profileView {
	if p == nil {
		p = profile.Default()
	}
	users := *schema.UserResourceType()
	users.Extensions = slices.Concat(users.Extensions, p.Schemas("User"))
	groups := *schema.GroupResourceType()
	groups.Extensions = slices.Concat(groups.Extensions, p.Schemas("Group"))
	v := &profileView{p: p, users: &users, groups: &groups, types: []*schema.ResourceType{&users},
		userRank: memberRank(&users), groupRank: memberRank(&groups)}
	for _, sc := range schema.Schemas() {
		if sc.ID == schema.GroupURN && !p.GroupsEnabled() {
			continue
		}
		v.schemas = append(v.schemas, sc)
	}
	if p.GroupsEnabled() {
		v.types = append(v.types, &groups)
	}
	for _, rt := range v.types {
		for _, ext := range rt.Extensions {
			if schema.Lookup(ext.Schema.ID) == nil {
				v.schemas = append(v.schemas, ext.Schema)
			}
		}
	}
	return v
}

// lookupSchema finds an advertised schema by URN, case-insensitively.
func (v *profileView) lookupSchema(urn string) *schema.Schema {
	for _, sc := range v.schemas {
		if strings.EqualFold(sc.ID, urn) {
			return sc
		}
	}
	return nil
}

// SetProfile makes the server play p (nil: the generic profile) for the requests that
// start after it returns; requests already running finish under the profile they
// started with.
func (s *Server) SetProfile(p *profile.Profile) { s.view.Store(newProfileView(p)) }

// Profile returns the profile the server plays now.
func (s *Server) Profile() *profile.Profile { return s.view.Load().p }

// viewOf is the profile the request is answered under: the one when it arrived.
func (s *Server) viewOf(ctx context.Context) *profileView {
	if in := inflightOf(ctx); in != nil && in.view != nil {
		return in.view
	}
	return s.view.Load()
}

// userType and groupType are the resource types of the request's profile.
func (s *Server) userType(r *http.Request) *schema.ResourceType  { return s.viewOf(r.Context()).users }
func (s *Server) groupType(r *http.Request) *schema.ResourceType { return s.viewOf(r.Context()).groups }

// typeFor returns the request's resource type called name ("User" or "Group").
func (s *Server) typeFor(r *http.Request, name string) *schema.ResourceType {
	if name == kindGroupName {
		return s.groupType(r)
	}
	return s.userType(r)
}

const kindGroupName = "Group"

// maxEffects bounds the effects one request records: a PUT with 50,000 unknown member
// ids skips them all, and its record names the first ones.
const maxEffects = 50

// noteEffect records what the profile did to the request being served.
func noteEffect(ctx context.Context, kind exchange.EffectKind, detail string) {
	in := inflightOf(ctx)
	if in == nil {
		return
	}
	rec := in.rec
	if len(rec.Effects) >= maxEffects {
		return
	}
	for _, e := range rec.Effects {
		if e.Kind == kind && e.Detail == detail {
			return
		}
	}
	rec.Effects = append(rec.Effects, exchange.Effect{Kind: kind, Detail: detail})
}

// senderOf is the IdP the request most likely comes from, for the fault rules limited
// to one IdP and the profile knobs that differ per IdP (the attributes ThingLink keeps).
// It is asked once per request, and only when needed.
func (s *Server) senderOf(ctx context.Context) exchange.IdP {
	in := inflightOf(ctx)
	if in == nil || s.cfg.SenderIdP == nil {
		return exchange.Unknown
	}
	if !in.senderKnown {
		in.sender, in.senderKnown = s.cfg.SenderIdP(in.rec), true
	}
	return in.sender
}

// profileError is the SCIM error an app answers with, as a profile configures it.
func profileError(a profile.Answer) *Error {
	e := &Error{Status: a.Status, ScimType: a.ScimType, Detail: a.Detail}
	if a.Status == http.StatusMethodNotAllowed {
		// RFC 9110 §15.5.6: a 405 lists the methods the resource does allow.
		e.Allow = "GET, PUT, PATCH"
	}
	return e
}
