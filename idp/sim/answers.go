package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// listResponse is what a lookup or import page returned.
type listResponse struct {
	total     int
	resources []map[string]any
	// badNumbers names ListResponse members that are not JSON integers.
	badNumbers []string
}

// parseList reads a ListResponse the way the IdPs do: Okta also takes a lowercase
// "resources" and a null list (reference §1).
func parseList(body []byte) (listResponse, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return listResponse{}, fmt.Errorf("the answer is not a JSON object: %v", err)
	}
	var out listResponse
	for _, k := range []string{"totalResults", "startIndex", "itemsPerPage"} {
		v, ok := raw[k]
		if !ok {
			continue
		}
		var n int
		if err := json.Unmarshal(v, &n); err != nil {
			out.badNumbers = append(out.badNumbers, fmt.Sprintf("%s is %s", k, v))
			continue
		}
		if k == "totalResults" {
			out.total = n
		}
	}
	if _, ok := raw["totalResults"]; !ok {
		out.badNumbers = append(out.badNumbers, "totalResults is missing")
	}
	list, ok := raw["Resources"]
	if !ok {
		list = raw["resources"]
	}
	if len(list) > 0 && !bytes.Equal(list, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(list))
		dec.UseNumber()
		if err := dec.Decode(&out.resources); err != nil {
			return out, fmt.Errorf("Resources is not a list of resources: %v", err)
		}
	}
	return out, nil
}

// parseResource reads a single resource, keeping numbers as they were written.
func parseResource(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	return doc, nil
}

func str(doc map[string]any, key string) string {
	s, _ := doc[key].(string)
	return s
}

// activeOf reads active as the server wrote it; servers that echo Entra's strings
// are read kindly, since the question is only whether the user is inactive.
func activeOf(doc map[string]any) bool {
	switch v := doc["active"].(type) {
	case bool:
		return v
	case string:
		return !strings.EqualFold(v, "false")
	}
	return true
}

// errorDetail is the "detail" of a SCIM error, the text both IdPs show admins.
func errorDetail(body []byte) string {
	var e struct {
		Detail   string `json:"detail"`
		ScimType string `json:"scimType"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	if e.ScimType != "" && e.Detail != "" {
		return e.ScimType + ": " + e.Detail
	}
	return e.Detail
}

// quirkUse names something an IdP really sends that a strict server may refuse, and
// the words a server's error detail uses when it refuses it.
type quirkUse struct {
	name  string
	what  string
	words []string
}

var (
	quirkCapitalisedOp = quirkUse{"capitalised-op", `capitalised PATCH ops ("Add", "Replace", "Remove")`, []string{`op "add"`, `op "replace"`, `op "remove"`, "spelled"}}
	quirkStringBool    = quirkUse{"string-boolean", `active as the string "True"/"False"`, []string{"boolean", "string \"true\"", "string \"false\""}}
	quirkBareManager   = quirkUse{"bare-manager", "the manager as a bare id string instead of {\"value\": id}", []string{"manager", "complex attribute"}}
	quirkGroupURN      = quirkUse{"unknown-schema-urn", "Microsoft's ADSCIM group schema URN in schemas", []string{"schemas", "schema"}}
	quirkNulls         = quirkUse{"json-null", "JSON null attribute values", []string{"null"}}
	quirkDottedKeys    = quirkUse{"dotted-patch-keys", `a path-less replace whose keys are attribute paths ("name.givenName")`, []string{"name.givenname", "dotted", "invalidpath"}}
	quirkRemoveByValue = quirkUse{"member-remove-by-value", `member removal by a value list on path "members"`, []string{"members", "value list"}}
	quirkFilterCreates = quirkUse{"filter-no-match-creates", `a value-filter path (emails[type eq "work"].value) that matches nothing yet`, []string{"notarget", "matches nothing", "emails"}}
	quirkRoleJSON      = quirkUse{"role-json-string", "a role whose value is a JSON document in a string", []string{"roles", "role"}}
	quirkReadOnlyEcho  = quirkUse{"read-only-echo", "id, meta and groups echoed back from the GET", []string{"read-only", "mutability", "readonly"}}
	quirkPassword      = quirkUse{"placeholder-password", "Okta's random placeholder password", []string{"password"}}
)

// refusedQuirks picks, among the quirks a request carried, those the server's error
// detail speaks of; when it names none, every quirk the request carried is a suspect.
func refusedQuirks(carried []quirkUse, detail string) (named []quirkUse, sure bool) {
	d := strings.ToLower(detail)
	for _, q := range carried {
		for _, w := range q.words {
			if strings.Contains(d, w) {
				named = append(named, q)
				break
			}
		}
	}
	if len(named) > 0 {
		return named, true
	}
	return carried, false
}

func quirkList(qs []quirkUse) string {
	parts := make([]string, len(qs))
	for i, q := range qs {
		parts[i] = q.what
	}
	return strings.Join(parts, "; ")
}
