package exchange

import "fmt"

// Effect is one thing the app profile the server plays did to a request, beyond what
// RFC 7644 asks: the user kept inactive instead of deleted, an attribute the app does
// not store dropped, the seat limit reached. The server notes effects as it applies the
// profile; the console, `scimlab log` and the IdP classifier read them from here.
type Effect struct {
	Kind EffectKind `json:"kind"`
	// Detail is the datum the effect is about: an attribute path, a role, a group's
	// displayName, a user id, a count or a status code, as the kind's doc says.
	Detail string `json:"detail"`
}

// EffectKind names what a profile did. The values are stable: they are stored and
// exported.
type EffectKind string

// The effects profiles have. Detail holds what the comment names.
const (
	// EffectKeptInactive: DELETE /Users kept the user, inactive (delete mode deactivate).
	EffectKeptInactive EffectKind = "user-kept-inactive"
	// EffectDeleteRefused: the app refused to delete the user (delete mode refuse).
	EffectDeleteRefused EffectKind = "delete-refused"
	// EffectSeatLimit: the create was refused because every seat is taken. Detail: the limit.
	EffectSeatLimit EffectKind = "seat-limit"
	// EffectAttributeDropped: an attribute the app does not store was not kept. Detail: its path.
	EffectAttributeDropped EffectKind = "attribute-dropped"
	// EffectUpdateIgnored: an update changed an attribute the app does not update from
	// SCIM; the stored value stays. Detail: its path.
	EffectUpdateIgnored EffectKind = "update-ignored"
	// EffectRoleForced: a new user got the app's role for new users. Detail: the role.
	EffectRoleForced EffectKind = "role-forced"
	// EffectRoleIgnored: a role the IdP sent was ignored. Detail: the role sent.
	EffectRoleIgnored EffectKind = "role-ignored"
	// EffectRequiredMissing: the app requires an attribute the request lacks. Detail: its path.
	EffectRequiredMissing EffectKind = "required-missing"
	// EffectIdentifierInvalid: the userName is not a valid unique identifier for the app
	// (e.g. not an e-mail address). Detail: the userName.
	EffectIdentifierInvalid EffectKind = "identifier-invalid"
	// EffectIdentifierTaken: another user already holds the unique identifier (an e-mail
	// address or externalId). Detail: the value.
	EffectIdentifierTaken EffectKind = "identifier-taken"
	// EffectIndependentAccount: an independent account outside the organisation holds the
	// userName, and the app does not move it in. Detail: the userName.
	EffectIndependentAccount EffectKind = "independent-account"
	// EffectGroupAdopted: a pushed group matched an existing group by displayName and
	// took it over instead of failing with 409. Detail: the displayName.
	EffectGroupAdopted EffectKind = "group-adopted"
	// EffectAppMembersKept: members added on the app side stayed although the IdP's
	// write did not list them. Detail: how many.
	EffectAppMembersKept EffectKind = "app-members-kept"
	// EffectMemberSkipped: a member id that is no user here was skipped instead of
	// failing the write. Detail: the id.
	EffectMemberSkipped EffectKind = "member-skipped"
	// EffectMembersDeactivated: deleting the group deactivated the users provisioned
	// through it that are in no other group. Detail: how many.
	EffectMembersDeactivated EffectKind = "members-deactivated"
	// EffectGroupsUnsupported: the app has no groups, so /Groups does not exist.
	EffectGroupsUnsupported EffectKind = "groups-unsupported"
	// EffectImportRefused: the app refuses the listing an IdP's import reads. Detail:
	// the resource type listed ("Users" or "Groups").
	EffectImportRefused EffectKind = "import-refused"
	// EffectImportEmpty: the app answers an import listing with an empty list. Detail:
	// the resource type listed.
	EffectImportEmpty EffectKind = "import-empty"
	// EffectPatchStatus: a PATCH was answered with the status the app uses. Detail:
	// "200" or "204".
	EffectPatchStatus EffectKind = "patch-status"
	// EffectFilterMiss404: a filter that matched nothing was answered 404, as the app
	// does, instead of an empty list.
	EffectFilterMiss404 EffectKind = "filter-miss-404"
)

// effectText holds each kind's badge and the sentence pattern its Detail fills.
var effectText = map[EffectKind]struct{ badge, sentence string }{
	EffectKeptInactive:       {"kept inactive", "the app kept the user, inactive, instead of deleting it"},
	EffectDeleteRefused:      {"delete refused", "the app does not delete users through SCIM, so it refused"},
	EffectSeatLimit:          {"seat limit", "every seat is taken (limit %s), so the app created no account"},
	EffectAttributeDropped:   {"dropped %s", "the app does not store %s, so it was dropped"},
	EffectUpdateIgnored:      {"kept %s", "the app does not update %s from SCIM, so the stored value stays"},
	EffectRoleForced:         {"role %s", "new users get the role %s"},
	EffectRoleIgnored:        {"role ignored", "the app ignores roles from the IdP, so %s was not applied"},
	EffectRequiredMissing:    {"needs %s", "the app requires %s, which the request lacks"},
	EffectIdentifierInvalid:  {"not an e-mail", "the app identifies users by e-mail address, and %s is not one"},
	EffectIdentifierTaken:    {"identifier taken", "another user already holds %s, the app's unique identifier"},
	EffectIndependentAccount: {"independent account", "%s belongs to an independent account outside the organisation, which the app does not move in"},
	EffectGroupAdopted:       {"group adopted", "an existing group named %s was matched by name and adopted"},
	EffectAppMembersKept:     {"app members kept", "members added on the app side stayed in the group: %s"},
	EffectMemberSkipped:      {"member skipped", "member %s is no user here, so it was skipped"},
	EffectMembersDeactivated: {"members deactivated", "users provisioned through the group and in no other group were deactivated: %s"},
	EffectGroupsUnsupported:  {"no groups", "the app has no groups, so /Groups does not exist"},
	EffectImportRefused:      {"import refused", "the app refuses to list its %s for an import"},
	EffectImportEmpty:        {"import empty", "the app lists no %s for an import"},
	EffectPatchStatus:        {"PATCH %s", "the app answers PATCH with %s"},
	EffectFilterMiss404:      {"miss = 404", "the app answers a filter that matches nothing with 404, not an empty list"},
}

// Badge is the effect in a few words, for a list row or a tag.
func (e Effect) Badge() string {
	t, ok := effectText[e.Kind]
	if !ok {
		return string(e.Kind)
	}
	return fill(t.badge, e.Detail)
}

// Sentence says what the app did, in plain English without a final full stop.
func (e Effect) Sentence() string {
	t, ok := effectText[e.Kind]
	if !ok {
		if e.Detail != "" {
			return string(e.Kind) + ": " + e.Detail
		}
		return string(e.Kind)
	}
	return fill(t.sentence, e.Detail)
}

// fill puts detail where pattern has %s; a pattern without one is returned as is.
func fill(pattern, detail string) string {
	for i := 0; i+1 < len(pattern); i++ {
		if pattern[i] == '%' && pattern[i+1] == 's' {
			return fmt.Sprintf(pattern, detail)
		}
	}
	return pattern
}

// HasEffect tells whether the record carries an effect of kind k.
func (r *Record) HasEffect(k EffectKind) bool {
	for _, e := range r.Effects {
		if e.Kind == k {
			return true
		}
	}
	return false
}
