package idp

import (
	"regexp"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
)

// brokenSentence finds what a summary template leaves when its subject is unknown: a
// doubled or trailing space, a space before a colon, or a preposition or noun with
// nothing after it ("a user" and "a group" stand for an unknown name and are fine).
var brokenSentence = sentenceCheck{regexp.MustCompile(`\s{2}|\s:|\s$|\b(to|from|of|in|group|user)(:|,|$| \()`)}

type sentenceCheck struct{ re *regexp.Regexp }

func (c sentenceCheck) MatchString(s string) bool {
	return c.re.MatchString(strings.NewReplacer("a user", "someone", "a group", "something").Replace(s))
}

// Every summary reads as a sentence when the request names no resource (PATCH
// /Groups without an id, which the server answers 405) or carries no readable name.
func TestSummariesWithUnknownSubjectReadAsSentences(t *testing.T) {
	const patchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`
	const mna = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"405","detail":"PATCH is not allowed"}`
	cases := []struct {
		name string
		ex   *exchange.Record
		want string // a substring the summary must hold
	}{
		{"add members, no group id", req("PATCH", "/scim/v2/Groups", oktaUA, patchOp+`[{"op":"add","path":"members","value":[{"value":"u1","display":"alice"}]}]}`, 405, mna), "could not add alice to a group: 405"},
		{"remove members, no group id", req("PATCH", "/scim/v2/Groups", oktaUA, patchOp+`[{"op":"remove","path":"members[value eq \"u1\"]"}]}`, 405, mna), "could not remove u1 from a group: 405"},
		{"add and remove, no group id", req("PATCH", "/scim/v2/Groups", oktaUA, patchOp+`[{"op":"add","path":"members","value":[{"value":"u2"}]},{"op":"remove","path":"members[value eq \"u1\"]"}]}`, 405, mna), "in a group: 405"},
		{"rename, no group id", req("PATCH", "/scim/v2/Groups", oktaUA, patchOp+`[{"op":"replace","path":"displayName","value":"Marketing EMEA"}]}`, 405, mna), "could not rename a group to Marketing EMEA: 405"},
		{"rename, succeeded without a known name", req("PATCH", "/scim/v2/Groups", oktaUA, patchOp+`[{"op":"replace","path":"displayName","value":"Marketing EMEA"}]}`, 204, ""), "renamed a group to Marketing EMEA"},
		{"update group, no group id", req("PATCH", "/scim/v2/Groups", oktaUA, patchOp+`[{"op":"replace","path":"externalId","value":"x"}]}`, 405, mna), "could not update a group: 405"},
		{"replace members, no group id", req("PATCH", "/scim/v2/Groups", oktaUA, patchOp+`[{"op":"replace","path":"members","value":[]}]}`, 204, ""), "every member of a group"},
		{"PUT group, no id", req("PUT", "/scim/v2/Groups", oktaUA, `{"members":[]}`, 405, mna), "could not update a group: 405"},
		{"PUT group succeeded, no name", req("PUT", "/scim/v2/Groups", oktaUA, `{"members":[]}`, 200, ""), "full member list of a group"},
		{"delete group, no id", req("DELETE", "/scim/v2/Groups", oktaUA, "", 405, mna), "could not delete a group: 405"},
		{"create group without a name", req("POST", "/scim/v2/Groups", oktaUA, `{"members":[]}`, 400, ""), "could not push a group: 400"},
		{"create user without a name", req("POST", "/scim/v2/Users", oktaUA, `{bad`, 400, ""), "could not create a user: 400"},
		{"update user, no id", req("PUT", "/scim/v2/Users", oktaUA, `{"active":true}`, 405, mna), "could not update a user: 405"},
		{"patch user, no id", req("PATCH", "/scim/v2/Users", oktaUA, patchOp+`[{"op":"replace","path":"title","value":"x"}]}`, 405, mna), "could not update a user: 405"},
		{"deactivate user, no id", req("PATCH", "/scim/v2/Users", oktaUA, patchOp+`[{"op":"replace","value":{"active":false}}]}`, 405, mna), "could not deactivate a user: 405"},
		{"delete user, no id", req("DELETE", "/scim/v2/Users", entraUA, "", 405, mna), "could not delete a user: 405"},
		{"lookup of an empty name", req("GET", `/scim/v2/Users?filter=userName%20eq%20%22%22&startIndex=1&count=100`, oktaUA, "", 200, emptyList), `looked up user "": not found`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := NewClassifier().Annotate(tc.ex)
			if brokenSentence.MatchString(a.Summary) {
				t.Errorf("summary %q does not read as a sentence", a.Summary)
			}
			if !strings.Contains(a.Summary, tc.want) {
				t.Errorf("summary %q, want it to contain %q", a.Summary, tc.want)
			}
		})
	}
	// The checker itself must catch the old wording.
	for _, bad := range []string{"Okta could not add alice to: 405", "Okta: rename group  to Marketing EMEA", "Okta deleted user ", "Okta read group : not found"} {
		if !brokenSentence.MatchString(bad) {
			t.Errorf("the check misses %q", bad)
		}
	}
}
