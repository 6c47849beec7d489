package profile

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/scimlab/scimlab/scim/filter"
	"github.com/scimlab/scimlab/scim/schema"
)

// scimTypes are the error types of RFC 7644 §3.12, table 9.
var scimTypes = []string{"invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax",
	"invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive"}

var (
	// attrName is RFC 7643 §2.1's ATTRNAME.
	attrName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)
	// headerName is an HTTP field name (RFC 9110 §5.1), restricted to what people type.
	headerName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
	// profileName is what may follow --profile and stand in the console's header.
	profileName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	noun        = regexp.MustCompile(`^[a-z][a-z -]*$`)
)

// extensionTypes are the attribute types an extension attribute may have.
var extensionTypes = []schema.Type{schema.String, schema.Boolean, schema.Integer, schema.Decimal,
	schema.DateTime, schema.Reference, schema.Binary}

// checker validates a decoded profile, reporting the first problem with its line.
type checker struct {
	p     *Profile
	lines knobs
	err   *Error
}

func (c *checker) fail(knob, format string, args ...any) {
	if c.err == nil {
		c.err = &Error{Line: c.lines.line(knob), Knob: knob, Msg: fmt.Sprintf(format, args...)}
	}
}

func check(p *Profile, lines knobs) *Error {
	c := &checker{p: p, lines: lines}
	if !profileName.MatchString(p.Name) && p.Name != "" {
		c.fail("name", "must be lower-case letters, digits, '.', '_' or '-' (it is typed after --profile), not %q", p.Name)
	}
	if h := strings.TrimSpace(p.Token.Header); h != "" && !headerName.MatchString(h) {
		c.fail("token.header", "must be an HTTP header name such as X-Api-Key, not %q", h)
	}
	c.extensions()
	c.users()
	c.groups()
	if !slices.Contains([]FilterMiss{MissEmpty, Miss404}, p.Lists.FilterMiss) {
		c.fail("lists.filterMiss", "must be empty (200 with an empty list, as RFC 7644 says) or 404, not %q", p.Lists.FilterMiss)
	}
	return c.err
}

func (c *checker) users() {
	u := c.p.Users
	if !slices.Contains([]DeleteMode{DeleteHard, DeleteDeactivate, DeleteRefuse}, u.Delete) {
		c.fail("users.delete", "must be hard, deactivate or refuse, not %q", u.Delete)
	}
	c.answer("users.deleteAnswer", u.DeleteAnswer)
	if u.SeatLimit < 0 {
		c.fail("users.seatLimit", "must be 0 (no limit) or a positive number of users, not %d", u.SeatLimit)
	}
	c.answer("users.seatAnswer", u.SeatAnswer)
	if !slices.Contains([]Identifier{IdentifierUserName, IdentifierEmail, IdentifierExternalID}, u.UniqueIdentifier) {
		c.fail("users.uniqueIdentifier", "must be userName, email or externalId, not %q", u.UniqueIdentifier)
	}
	if u.UserNameFormat != "any" && u.UserNameFormat != "email" {
		c.fail("users.userNameFormat", "must be any or email, not %q", u.UserNameFormat)
	}
	rt := c.userType()
	for i, a := range u.Required {
		c.path(fmt.Sprintf("users.required[%d]", i), rt, a)
	}
	lists := []struct {
		knob string
		list []string
	}{{"users.stored", u.Stored.Any}, {"users.stored.any", u.Stored.Any}, {"users.stored.okta", u.Stored.Okta}, {"users.stored.entra", u.Stored.Entra}}
	for _, l := range lists[1:] {
		knob := l.knob
		if _, ok := c.lines[knob]; !ok && l.knob == "users.stored.any" {
			knob = "users.stored"
		}
		for i, a := range l.list {
			c.path(fmt.Sprintf("%s[%d]", knob, i), rt, a)
		}
	}
	if !u.Stored.Empty() {
		for i, a := range u.Required {
			for _, l := range lists[1:] {
				if len(l.list) > 0 && !Covers(l.list, a) {
					c.fail(fmt.Sprintf("users.required[%d]", i), "%s is required but not in %s, so it could never be stored", a, l.knob)
				}
			}
		}
	}
	for i, a := range u.Updatable {
		c.path(fmt.Sprintf("users.updatable[%d]", i), rt, a)
	}
	if strings.TrimSpace(u.Role.New) != u.Role.New {
		c.fail("users.role.new", "must not start or end with spaces")
	}
	c.status("users.patchStatus", u.PatchStatus)
	c.importMode("users.import", u.Import)
	c.answer("users.importAnswer", u.ImportAnswer)
}

func (c *checker) groups() {
	g := c.p.Groups
	if g.Noun != "" && !noun.MatchString(g.Noun) {
		c.fail("groups.noun", "must be a lower-case word such as library, not %q", g.Noun)
	}
	if g.Plural != "" && !noun.MatchString(g.Plural) {
		c.fail("groups.plural", "must be a lower-case word such as libraries, not %q", g.Plural)
	}
	if !slices.Contains([]MemberPolicy{MembersReject, MembersSkip}, g.UnknownMembers) {
		c.fail("groups.unknownMembers", "must be reject or skip, not %q", g.UnknownMembers)
	}
	c.status("groups.patchStatus", g.PatchStatus)
	c.importMode("groups.import", g.Import)
	c.answer("groups.importAnswer", g.ImportAnswer)
	if !g.Enabled {
		for i, e := range c.p.Extensions {
			if strings.EqualFold(e.Resource, "Group") {
				c.fail(fmt.Sprintf("extensions[%d].resource", i), "the profile has no groups (groups.enabled is false), so it cannot extend Group")
			}
		}
	}
}

func (c *checker) extensions() {
	seen := map[string]bool{}
	for i, e := range c.p.Extensions {
		at := fmt.Sprintf("extensions[%d]", i)
		lower := strings.ToLower(e.URN)
		switch {
		case !strings.HasPrefix(lower, "urn:") || strings.ContainsAny(e.URN, " \t\""):
			c.fail(at+".urn", "must be a URN such as urn:ietf:params:scim:schemas:extension:myapp:2.0:User, not %q", e.URN)
		case schema.Lookup(e.URN) != nil:
			c.fail(at+".urn", "%s is one of scimlab's own schemas; give the extension a URN of its own", e.URN)
		case seen[lower]:
			c.fail(at+".urn", "%s is defined twice", e.URN)
		}
		seen[lower] = true
		if e.Resource != "User" && e.Resource != "Group" {
			c.fail(at+".resource", "must be User or Group, not %q", e.Resource)
		}
		if strings.TrimSpace(e.Name) == "" {
			c.fail(at+".name", "an extension needs a name, e.g. MyAppUser")
		}
		if len(e.Attributes) == 0 {
			c.fail(at+".attributes", "an extension needs at least one attribute")
		}
		names := map[string]bool{}
		for j, a := range e.Attributes {
			aat := fmt.Sprintf("%s.attributes[%d]", at, j)
			if !attrName.MatchString(a.Name) {
				c.fail(aat+".name", "must start with a letter and hold only letters, digits, '_' and '-' (RFC 7643 §2.1), not %q", a.Name)
			}
			if names[strings.ToLower(a.Name)] {
				c.fail(aat+".name", "%s is defined twice in this extension", a.Name)
			}
			names[strings.ToLower(a.Name)] = true
			if !slices.Contains(extensionTypes, schema.Type(a.Type)) {
				c.fail(aat+".type", "must be string, boolean, integer, decimal, dateTime, reference or binary, not %q", a.Type)
			}
		}
	}
}

// userType is the User resource type with the profile's User extensions, against which
// attribute paths are checked.
func (c *checker) userType() *schema.ResourceType {
	rt := *schema.UserResourceType()
	rt.Extensions = slices.Concat(rt.Extensions, c.p.Schemas("User"))
	return &rt
}

// path checks an attribute path a knob names: it must exist and be writable.
func (c *checker) path(knob string, rt *schema.ResourceType, p string) {
	ap, err := ParsePath(p)
	if err != nil {
		c.fail(knob, "%v", err)
		return
	}
	a, _, _, ok := rt.Resolve(ap)
	if !ok {
		c.fail(knob, "%s is no attribute of the User schema, the enterprise extension or this profile's extensions", p)
		return
	}
	if a.Mutability == schema.ReadOnly {
		c.fail(knob, "%s is read-only: the server sets it, so an app cannot store, require or update it", p)
	}
}

func (c *checker) answer(knob string, a Answer) {
	if a.Status < 400 || a.Status > 599 {
		c.fail(knob+".status", "must be an error status from 400 to 599, not %d", a.Status)
	}
	if a.ScimType != "" && !slices.Contains(scimTypes, a.ScimType) {
		c.fail(knob+".scimType", "must be empty or one of RFC 7644's error types (%s), not %q", strings.Join(scimTypes, ", "), a.ScimType)
	}
	if strings.TrimSpace(a.Detail) == "" {
		c.fail(knob+".detail", "needs the text the app answers with")
	}
}

func (c *checker) status(knob string, s int) {
	if s != 0 && s != 200 && s != 204 {
		c.fail(knob, "must be 200 (the resource in the body) or 204 (no body), not %d", s)
	}
}

func (c *checker) importMode(knob string, m Import) {
	if !slices.Contains([]Import{ImportAllow, ImportEmpty, ImportRefuse}, m) {
		c.fail(knob, "must be allow, empty or refuse, not %q", m)
	}
}

// ParsePath reads an attribute path as knobs write it: "title", "name.givenName", or an
// extension attribute with its URN, "urn:…:2.0:User:department".
func ParsePath(p string) (filter.AttrPath, error) {
	path, err := filter.ParsePath(strings.TrimSpace(p))
	if err != nil || path.Filter != nil || path.Sub != "" {
		return filter.AttrPath{}, fmt.Errorf("%q is not an attribute path; write title, name.givenName or urn:…:User:department", p)
	}
	if strings.EqualFold(path.Attr.URN, schema.UserURN) {
		// Core attributes may be written with their schema's URN; documents hold them
		// at the top level.
		path.Attr.URN = ""
	}
	return path.Attr, nil
}

// Covers tells whether list names the attribute path p, or the whole attribute p is part
// of ("name" covers "name.givenName").
func Covers(list []string, p string) bool {
	want, err := ParsePath(p)
	if err != nil {
		return false
	}
	for _, l := range list {
		have, err := ParsePath(l)
		if err != nil || !strings.EqualFold(have.URN, want.URN) || !strings.EqualFold(have.Name, want.Name) {
			continue
		}
		if have.Sub == "" || strings.EqualFold(have.Sub, want.Sub) {
			return true
		}
	}
	return false
}
