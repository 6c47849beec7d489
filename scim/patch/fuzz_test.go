package patch

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/scim/schema"
)

// FuzzApply feeds arbitrary PATCH bodies to Decode and Apply against a fixed User and a
// Group whose members go through an editor, in both modes. Nothing may panic, every error
// must be an *Error (the fake editor never fails), and the patched document must still
// encode as JSON.
func FuzzApply(f *testing.F) {
	for _, cases := range [][]patchCase{oktaCases, entraCases, rfcCases} {
		for _, c := range cases {
			f.Add(expand(c.body))
		}
	}
	f.Add(patchBody(`{"op":"add","path":"emails[type eq \"work\" and primary eq true].value","value":"x"}`))
	f.Add(patchBody(`{"op":"replace","path":"x509Certificates[value pr]","value":[{"value":"AAA="}]}`))
	f.Add(patchBody(`{"op":"replace","value":{"name.givenName":"x","emails[type eq \"home\"].value":"y","urn:x:y":[1,2]}}`))
	f.Add(patchBody(`{"op":"add","path":"members[value eq \"a\"]","value":[{"value":"b"}]}`))
	f.Fuzz(func(t *testing.T, body string) {
		for _, strict := range []bool{false, true} {
			seen := &quirk.Set{}
			req, err := Decode([]byte(body), strict, seen)
			if err != nil {
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("Decode error %T %v is not *Error", err, err)
				}
				continue
			}
			targets := []struct {
				doc  string
				opts Options
			}{
				{userDoc, Options{Resource: schema.UserResourceType(), ID: userID}},
				{groupDoc, Options{Resource: schema.GroupResourceType(), ID: groupID}},
				{`{"displayName":"G"}`, Options{Resource: schema.GroupResourceType(), Members: newFakeEditor("a", "b")}},
			}
			for _, tg := range targets {
				doc := decodeDoc(t, tg.doc)
				tg.opts.Strict, tg.opts.Seen = strict, seen
				if err := Apply(doc, req.Operations, tg.opts); err != nil {
					var pe *Error
					if !errors.As(err, &pe) {
						t.Fatalf("Apply error %T %v is not *Error", err, err)
					}
					if pe.Detail == "" || pe.ScimType == "" {
						t.Fatalf("incomplete error %+v", pe)
					}
					continue
				}
				if _, err := json.Marshal(doc); err != nil {
					t.Fatalf("patched document does not encode: %v", err)
				}
			}
		}
	})
}
