// Package hartest checks that a document follows the HTTP Archive 1.2 specification
// (http://www.softwareishard.com/blog/har-12-spec/): every required field present with
// its type, optional fields typed when present, custom fields named with a leading
// underscore, times that add up. It reads the document as plain JSON, independently of
// package har's own types, so a field har forgets or mistypes is caught.
package hartest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"
)

// Check returns every way data departs from HAR 1.2, joined; nil when it conforms.
func Check(data []byte) error {
	var root any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	c := &checker{}
	obj := c.object("", root, fields{"log": req(kObject)})
	if obj != nil {
		c.log("log", obj["log"])
	}
	return errors.Join(c.errs...)
}

type kind int

const (
	kString kind = iota
	kNumber
	kBool
	kObject
	kArray
	kObjectOrNull
)

func (k kind) String() string {
	return [...]string{"string", "number", "boolean", "object", "array", "object or null"}[k]
}

type field struct {
	kind     kind
	required bool
}

type fields map[string]field

func req(k kind) field { return field{k, true} }
func opt(k kind) field { return field{k, false} }

type checker struct{ errs []error }

func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func isKind(v any, k kind) bool {
	switch k {
	case kString:
		_, ok := v.(string)
		return ok
	case kNumber:
		_, ok := v.(json.Number)
		return ok
	case kBool:
		_, ok := v.(bool)
		return ok
	case kObject:
		_, ok := v.(map[string]any)
		return ok
	case kObjectOrNull:
		_, ok := v.(map[string]any)
		return ok || v == nil
	case kArray:
		_, ok := v.([]any)
		return ok
	}
	return false
}

// object checks v is an object with the fields fs, no other field unless its name
// starts with "_", and returns it (nil when v is no object).
func (c *checker) object(path string, v any, fs fields) map[string]any {
	obj, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "want object, got %T", v)
		return nil
	}
	for name, f := range fs {
		val, present := obj[name]
		if !present {
			if f.required {
				c.fail(path, "required field %q missing", name)
			}
			continue
		}
		if !isKind(val, f.kind) {
			c.fail(path+"."+name, "want %s, got %T", f.kind, val)
		}
	}
	for name := range obj {
		if _, known := fs[name]; !known && !strings.HasPrefix(name, "_") {
			c.fail(path, "field %q is not in HAR 1.2 (custom fields start with an underscore)", name)
		}
	}
	return obj
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func (c *checker) log(path string, v any) {
	obj := c.object(path, v, fields{
		"version": req(kString), "creator": req(kObject), "browser": opt(kObject),
		"pages": opt(kArray), "entries": req(kArray), "comment": opt(kString),
	})
	if obj == nil {
		return
	}
	if s, _ := obj["version"].(string); s != "1.2" {
		c.fail(path+".version", "want \"1.2\", got %q", s)
	}
	for _, name := range []string{"creator", "browser"} {
		if v, ok := obj[name]; ok {
			c.object(path+"."+name, v, fields{"name": req(kString), "version": req(kString), "comment": opt(kString)})
		}
	}
	pages, _ := obj["pages"].([]any)
	ids := map[string]bool{}
	for i, p := range pages {
		pp := fmt.Sprintf("%s.pages[%d]", path, i)
		page := c.object(pp, p, fields{"startedDateTime": req(kString), "id": req(kString), "title": req(kString),
			"pageTimings": req(kObject), "comment": opt(kString)})
		if page == nil {
			continue
		}
		c.dateTime(pp+".startedDateTime", page["startedDateTime"])
		id, _ := page["id"].(string)
		ids[id] = true
		c.object(pp+".pageTimings", page["pageTimings"], fields{"onContentLoad": opt(kNumber), "onLoad": opt(kNumber), "comment": opt(kString)})
	}
	entries, _ := obj["entries"].([]any)
	for i, e := range entries {
		c.entry(fmt.Sprintf("%s.entries[%d]", path, i), e, ids)
	}
}

func (c *checker) dateTime(path string, v any) {
	s, _ := v.(string)
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		c.fail(path, "%q is no ISO 8601 date and time: %v", s, err)
	}
}

func (c *checker) entry(path string, v any, pages map[string]bool) {
	e := c.object(path, v, fields{
		"pageref": opt(kString), "startedDateTime": req(kString), "time": req(kNumber),
		"request": req(kObject), "response": req(kObject), "cache": req(kObject), "timings": req(kObject),
		"serverIPAddress": opt(kString), "connection": opt(kString), "comment": opt(kString),
	})
	if e == nil {
		return
	}
	if ref, ok := e["pageref"].(string); ok && !pages[ref] {
		c.fail(path+".pageref", "names no page: %q", ref)
	}
	c.dateTime(path+".startedDateTime", e["startedDateTime"])
	c.request(path+".request", e["request"])
	c.response(path+".response", e["response"])
	c.cache(path+".cache", e["cache"])
	total, ok := c.timings(path+".timings", e["timings"])
	if t, isNum := number(e["time"]); isNum && ok && math.Abs(t-total) > 0.001 {
		c.fail(path+".time", "%v, but the timings add up to %v", t, total)
	}
}

func (c *checker) request(path string, v any) {
	r := c.object(path, v, fields{
		"method": req(kString), "url": req(kString), "httpVersion": req(kString), "cookies": req(kArray),
		"headers": req(kArray), "queryString": req(kArray), "postData": opt(kObject),
		"headersSize": req(kNumber), "bodySize": req(kNumber), "comment": opt(kString),
	})
	if r == nil {
		return
	}
	if s, _ := r["url"].(string); s != "" {
		if u, err := url.Parse(s); err != nil || !u.IsAbs() || u.Host == "" {
			c.fail(path+".url", "%q is no absolute URL", s)
		}
	}
	c.cookies(path+".cookies", r["cookies"])
	c.pairs(path+".headers", r["headers"])
	c.pairs(path+".queryString", r["queryString"])
	if pd, ok := r["postData"]; ok {
		p := c.object(path+".postData", pd, fields{"mimeType": req(kString), "params": opt(kArray), "text": opt(kString), "comment": opt(kString)})
		if p != nil {
			_, hasParams := p["params"]
			_, hasText := p["text"]
			if hasParams == hasText {
				c.fail(path+".postData", "holds either text or params")
			}
			params, _ := p["params"].([]any)
			for i, pv := range params {
				c.object(fmt.Sprintf("%s.postData.params[%d]", path, i), pv, fields{"name": req(kString), "value": opt(kString),
					"fileName": opt(kString), "contentType": opt(kString), "comment": opt(kString)})
			}
		}
	}
	c.size(path+".headersSize", r["headersSize"])
	c.size(path+".bodySize", r["bodySize"])
}

func (c *checker) response(path string, v any) {
	r := c.object(path, v, fields{
		"status": req(kNumber), "statusText": req(kString), "httpVersion": req(kString), "cookies": req(kArray),
		"headers": req(kArray), "content": req(kObject), "redirectURL": req(kString),
		"headersSize": req(kNumber), "bodySize": req(kNumber), "comment": opt(kString),
	})
	if r == nil {
		return
	}
	c.cookies(path+".cookies", r["cookies"])
	c.pairs(path+".headers", r["headers"])
	content := c.object(path+".content", r["content"], fields{"size": req(kNumber), "compression": opt(kNumber),
		"mimeType": req(kString), "text": opt(kString), "encoding": opt(kString), "comment": opt(kString)})
	if content != nil {
		if n, ok := number(content["size"]); ok && n < 0 {
			c.fail(path+".content.size", "negative: %v", n)
		}
	}
	c.size(path+".headersSize", r["headersSize"])
	c.size(path+".bodySize", r["bodySize"])
}

// size is a byte count, or -1 for unknown.
func (c *checker) size(path string, v any) {
	if n, ok := number(v); ok && n < -1 {
		c.fail(path, "want a size or -1, got %v", n)
	}
}

func (c *checker) cookies(path string, v any) {
	list, _ := v.([]any)
	for i, ck := range list {
		c.object(fmt.Sprintf("%s[%d]", path, i), ck, fields{"name": req(kString), "value": req(kString), "path": opt(kString),
			"domain": opt(kString), "expires": opt(kString), "httpOnly": opt(kBool), "secure": opt(kBool), "comment": opt(kString)})
	}
}

func (c *checker) pairs(path string, v any) {
	list, _ := v.([]any)
	for i, p := range list {
		c.object(fmt.Sprintf("%s[%d]", path, i), p, fields{"name": req(kString), "value": req(kString), "comment": opt(kString)})
	}
}

func (c *checker) cache(path string, v any) {
	obj := c.object(path, v, fields{"beforeRequest": opt(kObjectOrNull), "afterRequest": opt(kObjectOrNull), "comment": opt(kString)})
	for _, name := range []string{"beforeRequest", "afterRequest"} {
		if sub, ok := obj[name].(map[string]any); ok {
			c.object(path+"."+name, sub, fields{"expires": opt(kString), "lastAccess": req(kString), "eTag": req(kString),
				"hitCount": req(kNumber), "comment": opt(kString)})
		}
	}
}

// timings checks the phases and returns their total, which the entry's time must equal
// (HAR 1.2: the sum of all timings available, -1 meaning not available; ssl is part of
// connect and not added again).
func (c *checker) timings(path string, v any) (float64, bool) {
	t := c.object(path, v, fields{"blocked": opt(kNumber), "dns": opt(kNumber), "connect": opt(kNumber),
		"send": req(kNumber), "wait": req(kNumber), "receive": req(kNumber), "ssl": opt(kNumber), "comment": opt(kString)})
	if t == nil {
		return 0, false
	}
	total, ok := 0.0, true
	for _, name := range []string{"blocked", "dns", "connect", "send", "wait", "receive", "ssl"} {
		raw, present := t[name]
		if !present {
			continue
		}
		n, isNum := number(raw)
		if !isNum {
			ok = false
			continue
		}
		required := name == "send" || name == "wait" || name == "receive"
		switch {
		case required && n < 0:
			c.fail(path+"."+name, "must not be negative: %v", n)
		case !required && n < 0 && n != -1:
			c.fail(path+"."+name, "want a time or -1, got %v", n)
		}
		if n >= 0 && name != "ssl" {
			total += n
		}
	}
	return total, ok
}
