// Package profile describes the application scimlab's SCIM server plays: a named bundle
// of behaviours ("knobs") that real apps have beyond RFC 7644 — deleting by deactivating,
// a seat limit, e-mail as the unique identifier, attributes the app does not store,
// groups matched by name, no groups at all. Built-in profiles play the vendor guides in
// docs/profiles.md; a custom profile is a small YAML file, loaded with Load.
//
// The package only describes; package scimserver applies a Profile to requests.
package profile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/schema"
)

// Profile is one app's behaviour. The zero value is not usable; start from Default,
// Builtin or Load.
type Profile struct {
	// Name identifies the profile: a built-in name, or the name a file gives itself.
	Name string `yaml:"name"`
	// Extends names the built-in profile a file starts from; every knob it does not set
	// keeps the built-in's value.
	Extends string `yaml:"extends"`
	// Title is the app's name as people write it, e.g. "ThingLink".
	Title string `yaml:"title"`
	// Description says in one line what the profile plays.
	Description string `yaml:"description"`
	// Guide names the vendor guide(s) the profile plays.
	Guide string `yaml:"guide"`

	Token      Token       `yaml:"token"`
	Users      Users       `yaml:"users"`
	Groups     Groups      `yaml:"groups"`
	Lists      Lists       `yaml:"lists"`
	Extensions []Extension `yaml:"extensions"`

	// source is where the profile came from: "built-in" or a file path.
	source string
	// text is the file the profile was read from, kept so a restart can load the same
	// profile from the database even if the file moved. Empty for built-ins.
	text []byte
}

// Token says where the bearer token is read from.
type Token struct {
	// Header is the request header holding the token; "" and "Authorization" mean
	// "Authorization: Bearer <token>". Any other header carries the token alone.
	Header string `yaml:"header"`
}

// DeleteMode is what DELETE /Users/{id} does.
type DeleteMode string

// Delete modes.
const (
	DeleteHard       DeleteMode = "hard"       // the user is deleted (RFC 7644 §3.6)
	DeleteDeactivate DeleteMode = "deactivate" // the user is kept with active false; the answer is 204
	DeleteRefuse     DeleteMode = "refuse"     // the request is refused with DeleteAnswer
)

// Identifier is the attribute an app identifies users by.
type Identifier string

// Unique identifiers.
const (
	IdentifierUserName   Identifier = "userName"
	IdentifierEmail      Identifier = "email"
	IdentifierExternalID Identifier = "externalId"
)

// Import is how an app answers the unfiltered listing an IdP's import reads.
type Import string

// Import answers.
const (
	ImportAllow  Import = "allow"  // the listing is served
	ImportEmpty  Import = "empty"  // an empty list: nothing made in the app flows back
	ImportRefuse Import = "refuse" // refused with the import answer
)

// MemberPolicy is what a group write does with a member id that is no user.
type MemberPolicy string

// Member policies.
const (
	MembersReject MemberPolicy = "reject" // 400 invalidValue, nothing written
	MembersSkip   MemberPolicy = "skip"   // the id is skipped and badged
)

// FilterMiss is how a list answers a filter that matches nothing.
type FilterMiss string

// Filter-miss answers.
const (
	MissEmpty FilterMiss = "empty" // 200 with totalResults 0 (RFC 7644 §3.4.2)
	Miss404   FilterMiss = "404"   // 404 Not Found, as some apps do
)

// Answer is an error response an app gives: status, SCIM error type and detail.
type Answer struct {
	Status   int    `yaml:"status"`
	ScimType string `yaml:"scimType"`
	Detail   string `yaml:"detail"`
}

// Users holds the knobs about users.
type Users struct {
	Delete       DeleteMode `yaml:"delete"`
	DeleteAnswer Answer     `yaml:"deleteAnswer"`
	// SeatLimit is how many users the app holds; 0 is no limit. Every stored user takes
	// a seat, active or not, as deactivated accounts are kept.
	SeatLimit  int    `yaml:"seatLimit"`
	SeatAnswer Answer `yaml:"seatAnswer"`
	// UniqueIdentifier is what the app identifies users by. email: the userName and
	// primary e-mail of every user are unique across both; externalId: every user must
	// have one, unique.
	UniqueIdentifier Identifier `yaml:"uniqueIdentifier"`
	// UserNameFormat is "any" or "email": a userName that is not an e-mail address is
	// refused.
	UserNameFormat string `yaml:"userNameFormat"`
	// Required are attributes a create or replace must carry, beyond userName.
	Required []string `yaml:"required"`
	// Stored are the attributes the app keeps; the rest are dropped. Empty keeps all.
	// userName and active are always kept.
	Stored Attributes `yaml:"stored"`
	// Updatable are the attributes an update may change; changes to the others are
	// ignored. Empty lets updates change every stored attribute. active always is.
	Updatable []string `yaml:"updatable"`
	Role      Role     `yaml:"role"`
	// PatchStatus is 200 or 204; 0 answers as scimlab does (200 with the user).
	PatchStatus  int    `yaml:"patchStatus"`
	Import       Import `yaml:"import"`
	ImportAnswer Answer `yaml:"importAnswer"`
}

// Attributes lists attribute paths, for every IdP or per IdP where vendor guides differ.
// In a file it is either a list (for every IdP) or a mapping with any, okta and entra.
type Attributes struct {
	Any   []string
	Okta  []string
	Entra []string
}

// For returns the list that applies to requests from p. An IdP without a list of its
// own uses Any; when Any is empty too, and p is unknown, the union of the per-IdP lists
// applies, so nothing a recognised IdP may keep is dropped from an unrecognised one.
func (a Attributes) For(p exchange.IdP) []string {
	switch {
	case p == exchange.Okta && len(a.Okta) > 0:
		return a.Okta
	case p == exchange.Entra && len(a.Entra) > 0:
		return a.Entra
	case len(a.Any) > 0:
		return a.Any
	}
	var all []string
	for _, n := range slices.Concat(a.Okta, a.Entra) {
		if !slices.ContainsFunc(all, func(m string) bool { return strings.EqualFold(m, n) }) {
			all = append(all, n)
		}
	}
	return all
}

// Empty tells that no list is set: every attribute is stored.
func (a Attributes) Empty() bool { return len(a.Any)+len(a.Okta)+len(a.Entra) == 0 }

// Role is the role new users get.
type Role struct {
	// New is the role value given to every new user ("" gives none).
	New string `yaml:"new"`
	// IgnoreSent ignores roles the IdP sends, on create and on update.
	IgnoreSent bool `yaml:"ignoreSent"`
}

// Groups holds the knobs about groups.
type Groups struct {
	// Enabled false makes the app one without groups: /Groups does not exist and
	// discovery advertises no Group resource type.
	Enabled bool `yaml:"enabled"`
	// Noun and Plural are what the app calls a group, e.g. "library", "libraries".
	Noun   string `yaml:"noun"`
	Plural string `yaml:"plural"`
	// MatchByName adopts an existing group with the pushed displayName instead of
	// answering 409; members added on the app side stay when the IdP rewrites members.
	MatchByName bool `yaml:"matchByName"`
	// DeleteDeactivatesMembers makes DELETE /Groups deactivate the users provisioned
	// through the group (not added on the app side) that are in no other group.
	DeleteDeactivatesMembers bool         `yaml:"deleteDeactivatesMembers"`
	UnknownMembers           MemberPolicy `yaml:"unknownMembers"`
	// PatchStatus is 200 or 204; 0 answers as scimlab does (204 unless attributes
	// were asked for).
	PatchStatus  int    `yaml:"patchStatus"`
	Import       Import `yaml:"import"`
	ImportAnswer Answer `yaml:"importAnswer"`
}

// Lists holds the knobs about list and search answers.
type Lists struct {
	FilterMiss FilterMiss `yaml:"filterMiss"`
}

// Extension is a schema extension the app defines (RFC 7643 §3.3): /Schemas and
// /ResourceTypes advertise it and its attributes are checked like the core ones.
type Extension struct {
	URN         string      `yaml:"urn"`
	Name        string      `yaml:"name"`
	Description string      `yaml:"description"`
	Resource    string      `yaml:"resource"` // "User" or "Group"
	Required    bool        `yaml:"required"`
	Attributes  []Attribute `yaml:"attributes"`
}

// Attribute is one attribute of an extension.
type Attribute struct {
	Name        string   `yaml:"name"`
	Type        string   `yaml:"type"` // string, boolean, integer, decimal, dateTime, reference
	MultiValued bool     `yaml:"multiValued"`
	Required    bool     `yaml:"required"`
	Description string   `yaml:"description"`
	Canonical   []string `yaml:"canonicalValues"`
}

// Source is where the profile came from: "built-in" or the file it was read from.
func (p *Profile) Source() string { return p.source }

// Builtin tells that the profile is one of scimlab's own.
func (p *Profile) Builtin() bool { return p.source == sourceBuiltin }

// Text is the file a custom profile was read from; nil for a built-in one.
func (p *Profile) Text() []byte { return p.text }

// GroupsEnabled tells whether the app has groups.
func (p *Profile) GroupsEnabled() bool { return p.Groups.Enabled }

// GroupNoun returns what the app calls one group and several, e.g. "group", "groups".
func (p *Profile) GroupNoun() (one, many string) {
	one, many = p.Groups.Noun, p.Groups.Plural
	if one == "" {
		one = "group"
	}
	if many == "" {
		many = pluralOf(one)
	}
	return one, many
}

func pluralOf(noun string) string {
	if n := len(noun); n > 1 && noun[n-1] == 'y' && !strings.ContainsRune("aeiou", rune(noun[n-2])) {
		return noun[:n-1] + "ies"
	}
	return noun + "s"
}

// TokenHeader is the canonical name of the header the token is read from.
func (p *Profile) TokenHeader() string {
	if strings.TrimSpace(p.Token.Header) == "" {
		return "Authorization"
	}
	return canonicalHeader(strings.TrimSpace(p.Token.Header))
}

// canonicalHeader spells a header name as net/http does ("x-api-key" → "X-Api-Key"),
// without linking the network packages into this one.
func canonicalHeader(name string) string {
	parts := strings.Split(strings.ToLower(name), "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

// Schemas returns the extension schemas the profile defines for resource ("User" or
// "Group"), built for package schema.
func (p *Profile) Schemas(resource string) []schema.Extension {
	var out []schema.Extension
	for _, e := range p.Extensions {
		if !strings.EqualFold(e.Resource, resource) {
			continue
		}
		sc := &schema.Schema{ID: e.URN, Name: e.Name, Description: e.Description}
		for _, a := range e.Attributes {
			sc.Attributes = append(sc.Attributes, &schema.Attribute{
				Name: a.Name, Type: schema.Type(a.Type), MultiValued: a.MultiValued, Required: a.Required,
				Description: a.Description, CanonicalValues: a.Canonical, Mutability: schema.ReadWrite,
				Returned: schema.ReturnedDefault, Uniqueness: schema.UniqueNone,
			})
		}
		out = append(out, schema.Extension{Schema: sc, Required: e.Required})
	}
	return out
}

// Summary lists, one short line each, what the profile does differently from generic,
// for the console and serve's banner.
func (p *Profile) Summary() []string {
	var out []string
	u, g := p.Users, p.Groups
	switch u.Delete {
	case DeleteDeactivate:
		out = append(out, "DELETE /Users keeps the user, inactive")
	case DeleteRefuse:
		out = append(out, fmt.Sprintf("DELETE /Users is refused (%d)", u.DeleteAnswer.Status))
	}
	if u.SeatLimit > 0 {
		out = append(out, fmt.Sprintf("seat limit %d users (then %d)", u.SeatLimit, u.SeatAnswer.Status))
	}
	switch u.UniqueIdentifier {
	case IdentifierEmail:
		out = append(out, "users are identified by e-mail address")
	case IdentifierExternalID:
		out = append(out, "users are identified by externalId")
	}
	if u.UserNameFormat == "email" && u.UniqueIdentifier != IdentifierEmail {
		out = append(out, "userName must be an e-mail address")
	}
	if !u.Stored.Empty() {
		for _, who := range []struct {
			p    exchange.IdP
			list []string
		}{{exchange.Unknown, u.Stored.Any}, {exchange.Okta, u.Stored.Okta}, {exchange.Entra, u.Stored.Entra}} {
			if len(who.list) == 0 {
				continue
			}
			line := "stores only " + strings.Join(who.list, ", ")
			if who.p != exchange.Unknown {
				line += " (" + who.p.Short() + ")"
			}
			out = append(out, line)
		}
	}
	if len(u.Updatable) > 0 {
		out = append(out, "updates change only "+strings.Join(u.Updatable, ", "))
	}
	if len(u.Required) > 0 {
		out = append(out, "requires "+strings.Join(u.Required, ", "))
	}
	if u.Role.New != "" {
		out = append(out, "new users get role "+u.Role.New)
	}
	if u.Role.IgnoreSent {
		out = append(out, "roles sent by the IdP are ignored")
	}
	one, many := p.GroupNoun()
	switch {
	case !p.GroupsEnabled():
		out = append(out, "no groups: /Groups does not exist")
	default:
		if one != "group" {
			out = append(out, "groups are "+many)
		}
		if g.MatchByName {
			out = append(out, "pushed "+many+" adopt an existing one of the same name")
		}
		if g.DeleteDeactivatesMembers {
			out = append(out, "deleting a "+one+" deactivates users only it provisioned")
		}
		if g.UnknownMembers == MembersSkip {
			out = append(out, "unknown member ids are skipped")
		}
		switch g.Import {
		case ImportRefuse:
			out = append(out, fmt.Sprintf("listing all %s is refused (%d): Import Groups fails", many, g.ImportAnswer.Status))
		case ImportEmpty:
			out = append(out, "listing all "+many+" answers an empty list")
		}
	}
	if u.Import == ImportEmpty {
		out = append(out, "listing all users answers an empty list")
	}
	if u.Import == ImportRefuse {
		out = append(out, fmt.Sprintf("listing all users is refused (%d)", u.ImportAnswer.Status))
	}
	if u.PatchStatus != 0 {
		out = append(out, fmt.Sprintf("PATCH /Users answers %d", u.PatchStatus))
	}
	if g.PatchStatus != 0 && p.GroupsEnabled() {
		out = append(out, fmt.Sprintf("PATCH /Groups answers %d", g.PatchStatus))
	}
	if p.Lists.FilterMiss == Miss404 {
		out = append(out, "a filter that matches nothing answers 404")
	}
	if h := p.TokenHeader(); h != "Authorization" {
		out = append(out, "the token is read from the "+h+" header")
	}
	for _, e := range p.Extensions {
		names := make([]string, len(e.Attributes))
		for i, a := range e.Attributes {
			names[i] = a.Name
		}
		out = append(out, fmt.Sprintf("%s extension %s (%s)", e.Resource, e.URN, strings.Join(names, ", ")))
	}
	return out
}
