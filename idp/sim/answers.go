package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/scimlab/scimlab/scim/quirk"
)

// listResponse is what a lookup or import page returned.
type listResponse struct {
	total     int
	resources []map[string]any
	// badNumbers names ListResponse members that are not JSON integers.
	badNumbers []string
}

// listEnvelope is a ListResponse with its members left raw: the numbers are checked
// for type, and the resources decoded only when there are any. encoding/json matches
// "Resources" case-insensitively, so Okta's tolerated "resources" lands here too.
type listEnvelope struct {
	TotalResults json.RawMessage `json:"totalResults"`
	StartIndex   json.RawMessage `json:"startIndex"`
	ItemsPerPage json.RawMessage `json:"itemsPerPage"`
	Resources    json.RawMessage `json:"Resources"`
}

// parseList reads a ListResponse the way the IdPs do: Okta also takes a lowercase
// "resources" and a null list (reference §1).
func parseList(body []byte) (listResponse, error) {
	var env listEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return listResponse{}, fmt.Errorf("the answer is not a ListResponse: %v", err)
	}
	var out listResponse
	for _, n := range []struct {
		name string
		raw  json.RawMessage
	}{{"totalResults", env.TotalResults}, {"startIndex", env.StartIndex}, {"itemsPerPage", env.ItemsPerPage}} {
		switch {
		case n.raw == nil && n.name == "totalResults":
			out.badNumbers = append(out.badNumbers, "totalResults is missing")
		case n.raw == nil:
		case !isInteger(n.raw):
			out.badNumbers = append(out.badNumbers, fmt.Sprintf("%s is %s", n.name, n.raw))
		case n.name == "totalResults":
			out.total, _ = strconv.Atoi(string(n.raw))
		}
	}
	if len(env.Resources) > 0 && !bytes.Equal(env.Resources, []byte("null")) && !bytes.Equal(env.Resources, []byte("[]")) {
		dec := json.NewDecoder(bytes.NewReader(env.Resources))
		dec.UseNumber()
		if err := dec.Decode(&out.resources); err != nil {
			return out, fmt.Errorf(`"Resources" is not a list of resources: %v`, err)
		}
	}
	return out, nil
}

// isInteger reports whether a JSON value is a plain integer, as Okta insists.
func isInteger(raw []byte) bool {
	if len(raw) > 0 && raw[0] == '-' {
		raw = raw[1:]
	}
	if len(raw) == 0 {
		return false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
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
	// id is the quirk as scimlab names it (quirk.Quirk, the request log's refusedBy);
	// empty for what scimlab accepts in strict mode too.
	id    quirk.Quirk
	what  string
	words []string
}

var (
	quirkCapitalisedOp = quirkUse{quirk.CapitalisedOp, `capitalised PATCH ops ("Add", "Replace", "Remove")`, []string{`op "add"`, `op "replace"`, `op "remove"`, "spelled"}}
	quirkStringBool    = quirkUse{quirk.StringBoolean, `active as the string "True"/"False"`, []string{"boolean", "string \"true\"", "string \"false\""}}
	quirkBareManager   = quirkUse{quirk.BareManager, "the manager as a bare id string instead of {\"value\": id}", []string{"manager", "complex attribute"}}
	quirkGroupURN      = quirkUse{quirk.UnknownSchemaURN, "Microsoft's ADSCIM group schema URN in schemas", []string{"schemas", "schema"}}
	quirkNulls         = quirkUse{"", "JSON null attribute values", []string{"null"}}
	quirkDottedKeys    = quirkUse{quirk.DottedPatchKeys, `a path-less replace whose keys are attribute paths ("name.givenName")`, []string{"name.givenname", "dotted", "invalidpath"}}
	quirkRemoveByValue = quirkUse{quirk.MemberRemoveByValue, `member removal by a value list on path "members"`, []string{"members", "value list"}}
	quirkFilterCreates = quirkUse{quirk.FilterNoMatchCreates, `a value-filter path (emails[type eq "work"].value) that matches nothing yet`, []string{"notarget", "matches nothing", "emails"}}
	quirkRoleJSON      = quirkUse{"", "a role whose value is a JSON document in a string", []string{"roles", "role"}}
	quirkReadOnlyEcho  = quirkUse{quirk.ReadOnlyEcho, "id, meta and groups echoed back from the GET", []string{"read-only", "mutability", "readonly"}}
	quirkPassword      = quirkUse{"", "Okta's random placeholder password", []string{"password"}}
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

// quirkList says what the quirks are, each followed by the name scimlab's request log
// gives it (refusedBy), so a report and the log speak of one quirk alike.
func quirkList(qs []quirkUse) string {
	parts := make([]string, len(qs))
	for i, q := range qs {
		parts[i] = q.what
		if q.id != "" {
			parts[i] += " (quirk " + string(q.id) + ")"
		}
	}
	return strings.Join(parts, "; ")
}

// quirkIDs lists the scimlab names of qs, leaving out those scimlab has none for.
func quirkIDs(qs []quirkUse) []quirk.Quirk {
	var out []quirk.Quirk
	for _, q := range qs {
		if q.id != "" {
			out = append(out, q.id)
		}
	}
	return out
}
