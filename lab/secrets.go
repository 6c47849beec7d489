package lab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/scimlab/scimlab/bundle"
	"github.com/scimlab/scimlab/exchange"
)

// What leaves scimlab in an export is cleaned three ways:
//
//   - by name: request headers and query parameters named like a credential, and
//     cookies an answer sets, are redacted again (exchange.Credentials, the recorder's own rules,
//     so a log written by an older scimlab or imported from a bundle is cleaned too),
//     passwords in bodies and documents likewise, and settings whose key names a
//     credential are left out (SettingExported);
//   - by value: every known secret — the lab's bearer token, the token this run
//     serves, the ngrok auth token — is replaced wherever it appears, as sent or
//     escaped for a URL or a JSON string (or both), in every field of every request,
//     document, setting and in the summary;
//   - by construction: a request is cleaned field by field through reflection, then
//     again as its complete bundle line, so a field added to exchange.Record later is
//     cleaned without this file knowing it.

// minSecretLen is the shortest secret replaced by value. Shorter ones (a token typed by
// hand for a quick test, "abc") would also match ordinary text and numbers and corrupt
// the export; they are still removed by name (Authorization, settings).
const minSecretLen = 8

// scrubber replaces known secrets.
type scrubber struct {
	variants [][]byte
	creds    exchange.Credentials
}

func newScrubber(secrets []string) *scrubber {
	s := &scrubber{}
	seen := map[string]bool{}
	for _, secret := range secrets {
		secret = strings.TrimSpace(secret)
		if len(secret) < minSecretLen {
			continue
		}
		// A JSON document holding a URL, or a string holding JSON, escapes twice.
		base := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), jsonEscape(secret, true), jsonEscape(secret, false)}
		for _, b := range base {
			for _, v := range []string{b, jsonEscape(b, true), jsonEscape(b, false)} {
				if !seen[v] {
					seen[v] = true
					s.variants = append(s.variants, []byte(v))
				}
			}
		}
	}
	// Longest first, so a secret that contains another is replaced whole.
	sort.Slice(s.variants, func(i, j int) bool { return len(s.variants[i]) > len(s.variants[j]) })
	return s
}

// jsonEscape is s as written inside a JSON string, with or without the HTML escapes
// (\u003c for <) that encoding/json writes by default.
func jsonEscape(s string, html bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s)
	out := strings.TrimSpace(buf.String())
	return out[1 : len(out)-1]
}

// bytes returns b with every secret replaced; b itself is not changed.
func (s *scrubber) bytes(b []byte) []byte {
	for _, v := range s.variants {
		if bytes.Contains(b, v) {
			b = bytes.ReplaceAll(b, v, []byte(exchange.Redacted))
		}
	}
	return b
}

func (s *scrubber) string(v string) string { return string(s.bytes([]byte(v))) }

// record returns a copy of r that is safe to export.
func (s *scrubber) record(r *exchange.Record) (*exchange.Record, error) {
	c := *r
	c.ReqHeaders, c.RespHeaders = c.ReqHeaders.Clone(), c.RespHeaders.Clone()
	s.creds.RedactHeaders(c.ReqHeaders)
	// An answer carries no credential by name but a cookie it sets; WWW-Authenticate
	// and the like describe authentication and stay.
	for _, name := range []string{"Set-Cookie", "Set-Cookie2"} {
		if vs := c.RespHeaders.Values(name); len(vs) > 0 {
			c.RespHeaders.Del(name)
			for range vs {
				c.RespHeaders.Add(name, exchange.Redacted)
			}
		}
	}
	c.Query = s.creds.RedactQuery(c.Query)
	// Bodies by value before encoding: one that is not UTF-8 travels as base64, where
	// the replacement below could not find a secret.
	c.ReqBody = exchange.RedactPasswords(c.ReqBody)
	c.RespBody = exchange.RedactPasswords(c.RespBody)
	s.value(reflect.ValueOf(&c).Elem())
	line, err := bundle.MarshalRecord(&c)
	if err != nil {
		return nil, err
	}
	clean, err := bundle.UnmarshalRecord(s.bytes(line))
	if err != nil {
		return nil, fmt.Errorf("cleaning request %d: %w", r.Seq, err)
	}
	return clean, nil
}

// value replaces secrets in every string and byte slice reachable from v, which must be
// settable; maps and slices are rebuilt, so values shared with the caller's record are
// not changed.
func (s *scrubber) value(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(s.string(v.String()))
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes(s.bytes(v.Bytes()))
			return
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		for i := range c.Len() {
			s.value(c.Index(i))
		}
		v.Set(c)
	case reflect.Map:
		if v.IsNil() {
			return
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			k := reflect.New(v.Type().Key()).Elem()
			k.Set(it.Key())
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(it.Value())
			s.value(k)
			s.value(e)
			c.SetMapIndex(k, e)
		}
		v.Set(c)
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(v.Elem())
		s.value(c.Elem())
		v.Set(c)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				s.value(v.Field(i))
			}
		}
	}
}

// document returns a resource document safe to export.
func (s *scrubber) document(doc []byte) []byte {
	return s.bytes(exchange.RedactPasswords(doc))
}

// SettingExported tells whether a setting travels in a bundle. Every setting does —
// walkthrough progress, the profile, fault rules, whatever is added later — except
// those whose key names a credential (exchange.NamesCredential: "token", "secret",
// "passw", "auth", "session", "key" spelt apikey/api_key, …), the bearer token
// (scim.token) among them. Their values are cleaned of secrets too.
func SettingExported(key string) bool { return !exchange.NamesCredential(key) }
