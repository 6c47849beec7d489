package replay

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// idMap maps the ids the recording server assigned to the ids the target assigned to
// the same resources. It is learnt from each pair of answers (recorded, new): the id of
// the resource answered, the resources of a list matched by userName or displayName
// (else by position), and the last segment of a Location header.
type idMap struct {
	ids map[string]string
	// lengths are the lengths of the recorded ids, longest first: rewrite looks each
	// of them up at every position of a text, so learning an id costs nothing and
	// rewriting is linear in the text (a lifecycle learns thousands).
	lengths []int
}

func newIDMap() *idMap { return &idMap{ids: map[string]string{}} }

// minIDLen is the shortest recorded id rewritten: shorter ones (a server numbering its
// resources 1, 2, 3) would match inside ordinary text. scimlab assigns UUIDs.
const minIDLen = 8

// add records that the recording's id old is the target's id new.
func (m *idMap) add(old, new string) {
	if len(old) < minIDLen || new == "" || old == new || m.ids[old] == new {
		return
	}
	m.ids[old] = new
	if !slices.Contains(m.lengths, len(old)) {
		m.lengths = append(m.lengths, len(old))
		slices.SortFunc(m.lengths, func(a, b int) int { return b - a })
	}
}

// rewrite replaces every recorded id in s by the target's. Ids are opaque strings the
// servers generate (UUIDs for scimlab), long enough not to occur by chance.
func (m *idMap) rewrite(s string) string {
	if len(m.ids) == 0 || s == "" {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		matched := false
		// Longest first, so an id that contains another is replaced whole.
		for _, n := range m.lengths {
			if i+n > len(s) {
				continue
			}
			if to, ok := m.ids[s[i:i+n]]; ok {
				if b.Len() == 0 {
					b.Grow(len(s))
				}
				b.WriteString(s[last:i])
				b.WriteString(to)
				i += n
				last, matched = i, true
				break
			}
		}
		if !matched {
			i++
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// resourceJSON is what the mapping reads of an answer.
type resourceJSON struct {
	ID          string         `json:"id"`
	UserName    string         `json:"userName"`
	DisplayName string         `json:"displayName"`
	ExternalID  string         `json:"externalId"`
	Resources   []resourceJSON `json:"Resources"`
}

// naturalKey is what names a resource on both servers.
func (r resourceJSON) naturalKey() string {
	switch {
	case r.UserName != "":
		return "u:" + strings.ToLower(r.UserName)
	case r.DisplayName != "":
		return "g:" + strings.ToLower(r.DisplayName)
	case r.ExternalID != "":
		return "x:" + r.ExternalID
	}
	return ""
}

// learn adds what the recorded answer and the new answer to the same request say about
// ids.
func (m *idMap) learn(recorded, got []byte, recordedHeaders, gotHeaders http.Header) {
	if a, b := lastSegment(recordedHeaders.Get("Location")), lastSegment(gotHeaders.Get("Location")); a != "" && b != "" {
		m.add(a, b)
	}
	var rec, now resourceJSON
	if json.Unmarshal(recorded, &rec) != nil || json.Unmarshal(got, &now) != nil {
		return
	}
	m.add(rec.ID, now.ID)
	byKey := map[string]string{}
	for _, r := range now.Resources {
		if k := r.naturalKey(); k != "" {
			byKey[k] = r.ID
		}
	}
	for i, r := range rec.Resources {
		if id, ok := byKey[r.naturalKey()]; ok && r.naturalKey() != "" {
			m.add(r.ID, id)
		} else if r.naturalKey() == "" && i < len(now.Resources) {
			m.add(r.ID, now.Resources[i].ID)
		}
	}
}

func lastSegment(location string) string {
	location = strings.TrimRight(location, "/")
	if i := strings.LastIndexByte(location, '/'); i >= 0 {
		return location[i+1:]
	}
	return ""
}
