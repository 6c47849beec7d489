package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// ignoredKeys are the attributes that differ between any two servers answering the
// same request: ids are assigned by each, meta holds timestamps, versions and
// locations, and $ref is an absolute URL on the answering host.
var ignoredKeys = map[string]bool{"id": true, "meta": true, "$ref": true}

// unorderedArrays are lists whose order a server does not promise: a list response's
// resources and a group's members or a user's groups, which scimlab orders by id.
var unorderedArrays = map[string]bool{"Resources": true, "members": true, "groups": true}

// maxDiffs bounds the differences reported for one answer.
const maxDiffs = 5

// compareBodies returns the differences between the recorded answer (with its ids
// already rewritten to the target's) and the new one, ignoring ids, meta and $ref;
// nil when they match. Bodies that are not JSON compare as text.
func compareBodies(recorded, got []byte) []string {
	recorded, got = bytes.TrimSpace(recorded), bytes.TrimSpace(got)
	var a, b any
	errA, errB := decode(recorded, &a), decode(got, &b)
	if errA != nil || errB != nil {
		if bytes.Equal(recorded, got) {
			return nil
		}
		return []string{fmt.Sprintf("body %s → %s", excerpt(recorded), excerpt(got))}
	}
	var diffs []string
	diff("", normalize("", a), normalize("", b), &diffs)
	return diffs
}

func decode(data []byte, into *any) error {
	if len(data) == 0 {
		*into = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(into)
}

// normalize drops the ignored keys and sorts the unordered arrays by their canonical
// form, so equal answers compare equal whatever order the server listed them in.
func normalize(key string, v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			if !ignoredKeys[k] {
				out[k] = normalize(k, e)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalize("", e)
		}
		if unorderedArrays[key] {
			sort.SliceStable(out, func(i, j int) bool { return canonical(out[i]) < canonical(out[j]) })
		}
		return out
	}
	return v
}

func canonical(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// diff appends a line per difference between a and b under path.
func diff(path string, a, b any, out *[]string) {
	if len(*out) >= maxDiffs {
		return
	}
	switch ta := a.(type) {
	case map[string]any:
		tb, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range ta {
			keys[k] = true
		}
		for k := range tb {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			va, inA := ta[k]
			vb, inB := tb[k]
			p := join(path, k)
			switch {
			case !inA:
				add(out, fmt.Sprintf("%s: not recorded, now %s", p, excerptValue(vb)))
			case !inB:
				add(out, fmt.Sprintf("%s: recorded %s, now absent", p, excerptValue(va)))
			default:
				diff(p, va, vb, out)
			}
		}
		return
	case []any:
		tb, ok := b.([]any)
		if !ok {
			break
		}
		if len(ta) != len(tb) {
			add(out, fmt.Sprintf("%s: recorded %d items, now %d", orRoot(path), len(ta), len(tb)))
			return
		}
		for i := range ta {
			diff(fmt.Sprintf("%s[%d]", path, i), ta[i], tb[i], out)
		}
		return
	}
	if canonical(a) != canonical(b) {
		add(out, fmt.Sprintf("%s: recorded %s, now %s", orRoot(path), excerptValue(a), excerptValue(b)))
	}
}

func add(out *[]string, line string) {
	if len(*out) < maxDiffs {
		*out = append(*out, line)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

// excerpt is the start of a body, on one line.
func excerpt(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	s := []rune(strings.Join(strings.Fields(string(b)), " "))
	if len(s) > 60 {
		s = append(s[:57], '…')
	}
	return fmt.Sprintf("%q", string(s))
}

// excerptValue is a JSON value as JSON (strings quoted, numbers and booleans bare),
// shortened.
func excerptValue(v any) string {
	s := []rune(canonical(v))
	if len(s) > 60 {
		s = append(s[:57], '…')
	}
	return string(s)
}

// Differences describes how an answer (status, body) differs from a recorded one, a
// line each, as a replay reports it: another status with the SCIM error's detail, or
// the body's differences with ids, meta and $ref ignored; none when it is the same.
func Differences(recordedStatus int, recordedBody []byte, status int, body []byte) []string {
	if status != recordedStatus {
		out := []string{fmt.Sprintf("status: recorded %d, now %d", recordedStatus, status)}
		if detail := scimDetail(body); detail != "" {
			out = append(out, "now: "+detail)
		}
		return out
	}
	return compareBodies(recordedBody, body)
}
