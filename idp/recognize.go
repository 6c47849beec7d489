package idp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"unicode"

	"github.com/scimlab/scimlab/exchange"
)

// adscimGroupURN is the schema Entra adds to every group it creates.
const adscimGroupURN = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"

// entraFlag is the query parameter an admin appends to Entra's Tenant URL to switch on
// RFC-compliant PATCH; Entra repeats it on every request.
const entraFlag = "aadOptscim062020"

// oktaUserID matches the Okta user ids Okta sends as externalId ("00u" + 17 chars).
var oktaUserID = regexp.MustCompile(`^00u[0-9A-Za-z]{17}$`)

// uaEvidence names the IdP a User-Agent belongs to. foreign is true for a User-Agent that
// belongs to someone else (curl, a browser), whose requests must not inherit the IdP
// remembered from earlier traffic.
func uaEvidence(ua string) (p exchange.IdP, foreign bool) {
	if ua == "" {
		return exchange.Unknown, false
	}
	l := strings.ToLower(ua)
	switch {
	case strings.Contains(l, "okta"):
		return exchange.Okta, false
	case strings.Contains(l, "azure ad scim"), strings.Contains(l, "microsoft"), strings.Contains(l, "azure"), strings.Contains(l, "entra"):
		return exchange.Entra, false
	}
	return exchange.Unknown, true
}

// isOktaSpecTest reports the User-Agent of Okta's SCIM spec test (Runscope), which
// differs from the provisioning client's "Okta SCIM Client".
func isOktaSpecTest(ua string) bool {
	return strings.Contains(strings.ToLower(ua), "okta scim integration")
}

// shapeEvidence recognises the IdP from the request itself, for Entra requests without
// a User-Agent (idp-wire-format.md §5).
func shapeEvidence(r *rx) exchange.IdP {
	if queryHas(r.q, entraFlag) {
		return exchange.Entra
	}
	if strings.EqualFold(queryGet(r.q, "excludedAttributes"), "members") {
		return exchange.Entra
	}
	if r.route.resource == "Users" || r.route.resource == "Groups" {
		if r.method() == http.MethodGet && r.route.id == "" {
			if r.filter.ok && r.filter.and == "" && isGUID(r.filter.value) && !r.paged && !strings.EqualFold(r.filter.attr, "id") {
				return exchange.Entra
			}
			if r.filter.ok && r.startIndex == 1 && r.count == 100 && r.route.resource == "Users" {
				return exchange.Okta
			}
			if !r.filter.ok && r.startIndex == 1 && r.count == 2 && r.route.resource == "Users" {
				return exchange.Okta
			}
		}
	}
	if r.body != nil {
		for _, s := range list(r.body, "schemas") {
			if s, _ := s.(string); strings.EqualFold(s, adscimGroupURN) {
				return exchange.Entra
			}
		}
		if r.method() == http.MethodPost && r.route.resource == "Users" {
			if oktaUserID.MatchString(str(r.body, "externalId")) {
				return exchange.Okta
			}
			if meta, _ := field(r.body, "meta"); meta != nil {
				return exchange.Entra
			}
		}
	}
	for _, op := range r.ops {
		if op.Op != "" && unicode.IsUpper(rune(op.Op[0])) {
			return exchange.Entra
		}
		if refNull(op.Value) || stringActive(op) {
			return exchange.Entra
		}
		if oktaNameSync(op) {
			return exchange.Okta
		}
	}
	return exchange.Unknown
}

// refNull reports a member value list carrying "$ref": null, which only Entra sends.
func refNull(v json.RawMessage) bool {
	if !bytes.Contains(v, []byte(`"$ref"`)) {
		return false
	}
	var l []map[string]any
	if json.Unmarshal(v, &l) != nil {
		return false
	}
	for _, m := range l {
		if ref, ok := m["$ref"]; ok && ref == nil {
			return true
		}
	}
	return false
}

// stringActive reports active sent as a string ("False"), Entra's default.
func stringActive(op patchOp) bool {
	var v any
	if json.Unmarshal(op.Value, &v) != nil {
		return false
	}
	if strings.EqualFold(op.Path, "active") {
		_, isString := v.(string)
		return isString
	}
	if m, ok := v.(map[string]any); ok && op.Path == "" {
		a, _ := field(m, "active")
		_, isString := a.(string)
		return isString
	}
	return false
}

// oktaNameSync reports Okta's path-less replace of {"id", "displayName"}, which OIN apps
// send before every group push.
func oktaNameSync(op patchOp) bool {
	if op.Path != "" || op.Op != "replace" {
		return false
	}
	var m map[string]any
	if json.Unmarshal(op.Value, &m) != nil {
		return false
	}
	_, hasID := m["id"]
	_, hasName := m["displayName"]
	return hasID && hasName
}

// weakEvidence recognises what only suggests an IdP, used when nothing stronger and no
// remembered IdP applies: a filter lookup without paging is how Entra looks users up
// (Okta's runtime always pages).
func weakEvidence(r *rx) exchange.IdP {
	if r.method() == http.MethodGet && r.route.id == "" && r.filter.ok && !r.paged &&
		(r.route.resource == "Users" || r.route.resource == "Groups") {
		return exchange.Entra
	}
	return exchange.Unknown
}

// flavourEvidence tells from one Okta request which kind of app sent it.
func flavourEvidence(r *rx, before map[string]any) exchange.Flavour {
	switch r.route.resource {
	case "Groups":
		switch r.method() {
		case http.MethodPatch:
			return exchange.FlavourOIN
		case http.MethodPut:
			return exchange.FlavourAIW
		case http.MethodPost:
			if m, _ := field(r.body, "members"); len(members(m)) > 0 {
				return exchange.FlavourAIW
			}
		}
	case "Users":
		switch r.method() {
		case http.MethodPatch:
			for _, op := range r.ops {
				if op.Path != "" || !strings.EqualFold(op.Op, "replace") {
					continue
				}
				var m map[string]any
				if json.Unmarshal(op.Value, &m) == nil {
					if _, ok := field(m, "active"); ok {
						return exchange.FlavourOIN
					}
				}
			}
		case http.MethodPut:
			now, _ := active(r.body)
			was, _ := active(before)
			if !now && (before == nil || was) {
				return exchange.FlavourAIW
			}
		case http.MethodPost:
			if len(list(r.body, "groups")) > 0 {
				return exchange.FlavourAIW
			}
		}
	}
	return ""
}

func flavourHint(f exchange.Flavour) exchange.Hint {
	if f == exchange.FlavourAIW {
		return exchange.Hint{Cause: HintOktaFlavour, Severity: exchange.SeverityInfo,
			Text: "This is an Okta App Integration Wizard app: Okta sends deactivations and group memberships as a GET followed by a PUT of the whole resource."}
	}
	return exchange.Hint{Cause: HintOktaFlavour, Severity: exchange.SeverityInfo,
		Text: "This is an Okta catalog app or a SCIM 2.0 Test App template: Okta sends activation changes and group memberships as PATCH."}
}
