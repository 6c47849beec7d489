package sim

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/scimlab/scimlab/exchange"
)

// enterpriseURN is RFC 7643 §4.3's extension, where both IdPs put department,
// employee number and cost centre.
const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// changes counts the attributes a "set" names.
func (p *Person) changes() int {
	n := 0
	for _, v := range p.fields() {
		if v.value != "" {
			n++
		}
	}
	return n
}

// field is one attribute of a Person with the SCIM path each IdP writes it to.
type field struct {
	name  string // the scenario's key
	path  string // SCIM attribute path
	value string
}

// fields lists the attributes in the order the IdPs send them.
func (p *Person) fields() []field {
	return []field{
		{"userName", "userName", p.UserName},
		{"givenName", "name.givenName", p.GivenName},
		{"familyName", "name.familyName", p.FamilyName},
		{"displayName", "displayName", p.DisplayName},
		{"email", `emails[type eq "work"].value`, p.Email},
		{"title", "title", p.Title},
		{"locale", "locale", p.Locale},
		{"externalId", "externalId", p.ExternalID},
		{"department", enterpriseURN + ":department", p.Department},
		{"employeeNumber", enterpriseURN + ":employeeNumber", p.EmployeeNumber},
		{"costCenter", enterpriseURN + ":costCenter", p.CostCenter},
	}
}

// with returns p changed by set: every non-empty field of set wins.
func (p Person) with(set *Person) Person {
	out := p
	pick := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	pick(&out.UserName, set.UserName)
	pick(&out.GivenName, set.GivenName)
	pick(&out.FamilyName, set.FamilyName)
	pick(&out.DisplayName, set.DisplayName)
	pick(&out.Email, set.Email)
	pick(&out.Title, set.Title)
	pick(&out.Department, set.Department)
	pick(&out.EmployeeNumber, set.EmployeeNumber)
	pick(&out.CostCenter, set.CostCenter)
	pick(&out.ExternalID, set.ExternalID)
	pick(&out.Locale, set.Locale)
	return out
}

// completed fills what the IdP derives when the scenario leaves it out: Okta's
// user id as externalId (00u…), Entra's mailNickname, a display name, the work e-mail.
func (p Person) completed(idp exchange.IdP) Person {
	if p.DisplayName == "" && (p.GivenName != "" || p.FamilyName != "") {
		p.DisplayName = joinName(p.GivenName, p.FamilyName)
	}
	if p.Email == "" && containsAt(p.UserName) {
		p.Email = p.UserName
	}
	if p.ExternalID == "" {
		if idp == exchange.Okta {
			p.ExternalID = "00u" + digest(p.UserName)[:17]
		} else {
			p.ExternalID = p.Ref
		}
	}
	return p
}

// labelled works label into what must be unique on the server: the userName (and an
// e-mail or externalId the scenario gives), and Entra's externalId, which it would
// otherwise derive from the ref alone.
func (p Person) labelled(label string, idp exchange.IdP) Person {
	if label == "" {
		return p
	}
	p.UserName = withLabel(p.UserName, label)
	if p.Email != "" {
		p.Email = withLabel(p.Email, label)
	}
	switch {
	case p.ExternalID != "":
		p.ExternalID += "." + label
	case idp == exchange.Entra:
		p.ExternalID = p.Ref + "." + label
	}
	return p
}

// withLabel puts label before the @ of an address, or after a name without one; an
// empty s stays empty.
func withLabel(s, label string) string {
	if label == "" || s == "" {
		return s
	}
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		return s[:at] + "." + label + s[at:]
	}
	return s + "." + label
}

// groupLabelled is a group name with label after it.
func groupLabelled(name, label string) string {
	if label == "" {
		return name
	}
	return name + " " + label
}

func joinName(given, family string) string {
	switch {
	case given == "":
		return family
	case family == "":
		return given
	}
	return given + " " + family
}

func containsAt(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '@' {
			return true
		}
	}
	return false
}

func digest(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// guidFor makes a stable GUID-shaped id from a name, so Entra's objectIds stay the same
// from one run to the next and a rerun against the same server matches what it made.
func guidFor(name string) string {
	h := digest(name)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}

// population is the scenario's people and groups grown to the requested counts.
func population(sc *Scenario, want Counts) ([]Person, []Group) {
	users := append([]Person(nil), sc.Users...)
	width := len(strconv.Itoa(max(want.Users, 1)))
	for i := len(users); i < want.Users; i++ {
		n := fmt.Sprintf("%0*d", width, i+1)
		users = append(users, Person{
			Ref:        "user" + n,
			UserName:   "user" + n + "@example.test",
			GivenName:  "User",
			FamilyName: n,
		})
	}
	groups := make([]Group, len(sc.Groups))
	for i, g := range sc.Groups {
		groups[i] = Group{Name: g.Name, Members: append([]string(nil), g.Members...)}
	}
	gwidth := len(strconv.Itoa(max(want.Groups, 1)))
	for i := len(groups); i < want.Groups; i++ {
		groups = append(groups, Group{Name: fmt.Sprintf("Group %0*d", gwidth, i+1)})
	}
	// Members are dealt round-robin so that every user lands in some group and groups
	// overlap as little as the counts allow.
	next := 0
	for i := range groups {
		have := map[string]bool{}
		for _, m := range groups[i].Members {
			have[m] = true
		}
		for tries := 0; len(groups[i].Members) < want.Members && tries < len(users); tries++ {
			ref := users[next%len(users)].Ref
			next++
			if !have[ref] {
				have[ref] = true
				groups[i].Members = append(groups[i].Members, ref)
			}
		}
	}
	return users, groups
}
