package app

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A seed file lists the users and groups an app holds before the IdP provisions: the
// accounts its own admin made, the groups that exist in it, the independent accounts
// outside the organisation. It is CSV (one user a row) or JSON; docs/profiles.md
// documents both.

// SeedUser is one user of a seed file.
type SeedUser struct {
	UserName    string   `json:"userName"`
	GivenName   string   `json:"givenName"`
	FamilyName  string   `json:"familyName"`
	DisplayName string   `json:"displayName"`
	Email       string   `json:"email"`
	ExternalID  string   `json:"externalId"`
	Active      *bool    `json:"active"`
	Role        string   `json:"role"`
	Groups      []string `json:"groups"`
	// Independent makes the account one outside the organisation: it holds its
	// userName, and SCIM never sees it.
	Independent bool `json:"independent"`

	line int
}

// SeedGroup is one group of a seed file; members are userNames.
type SeedGroup struct {
	DisplayName string   `json:"displayName"`
	ExternalID  string   `json:"externalId"`
	Members     []string `json:"members"`

	line int
}

// Seed is a parsed seed file.
type Seed struct {
	File   string
	Users  []SeedUser  `json:"users"`
	Groups []SeedGroup `json:"groups"`
}

// SeedError is a seed file that cannot be used, with the line at fault.
type SeedError struct {
	File string
	Line int
	Msg  string
}

// Error reads like "seed people.csv: line 4: ...".
func (e *SeedError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("seed %s: line %d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("seed %s: %s", e.File, e.Msg)
}

// ReadSeed reads a seed file: JSON when it ends in .json or starts with "{", CSV
// otherwise.
func ReadSeed(path string) (*Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &SeedError{File: path, Msg: errors.Unwrap(err).Error()}
	}
	return ParseSeed(path, data)
}

// ParseSeed reads a seed file's text; file names it in errors.
func ParseSeed(file string, data []byte) (*Seed, error) {
	var (
		s   *Seed
		err error
	)
	if strings.EqualFold(filepath.Ext(file), ".json") || bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		s, err = parseSeedJSON(file, data)
	} else {
		s, err = parseSeedCSV(file, data)
	}
	if err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

// seedColumns are the CSV columns, matched ignoring case; userName is required.
var seedColumns = []string{"userName", "givenName", "familyName", "displayName", "email", "externalId", "active", "role", "groups", "independent"}

func parseSeedCSV(file string, data []byte) (*Seed, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	r.Comment = '#'
	header, err := r.Read()
	if err == io.EOF {
		return nil, &SeedError{File: file, Msg: "the file is empty; the first line names the columns, e.g. userName,givenName,familyName,email,groups"}
	}
	if err != nil {
		return nil, csvError(file, err)
	}
	headerLine, _ := r.FieldPos(0)
	col := map[string]int{}
	for i, h := range header {
		name := strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		j := slices.IndexFunc(seedColumns, func(c string) bool { return strings.EqualFold(c, name) })
		if j < 0 {
			return nil, &SeedError{File: file, Line: headerLine, Msg: fmt.Sprintf("unknown column %q; the columns are %s", name, strings.Join(seedColumns, ", "))}
		}
		if _, dup := col[seedColumns[j]]; dup {
			return nil, &SeedError{File: file, Line: headerLine, Msg: fmt.Sprintf("column %s is named twice", seedColumns[j])}
		}
		col[seedColumns[j]] = i
	}
	if _, ok := col["userName"]; !ok {
		return nil, &SeedError{File: file, Line: headerLine, Msg: "the first line must name a userName column"}
	}
	s := &Seed{File: file}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := r.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		u := SeedUser{line: line, UserName: get("userName"), GivenName: get("givenName"), FamilyName: get("familyName"),
			DisplayName: get("displayName"), Email: get("email"), ExternalID: get("externalId"), Role: get("role")}
		for _, g := range strings.Split(get("groups"), ";") {
			if g = strings.TrimSpace(g); g != "" {
				u.Groups = append(u.Groups, g)
			}
		}
		for _, flag := range []struct {
			name string
			set  func(bool)
		}{{"active", func(b bool) { u.Active = &b }}, {"independent", func(b bool) { u.Independent = b }}} {
			v := get(flag.name)
			if v == "" {
				continue
			}
			b, ok := parseYes(v)
			if !ok {
				return nil, &SeedError{File: file, Line: line, Msg: fmt.Sprintf("%s must be true or false, not %q", flag.name, v)}
			}
			flag.set(b)
		}
		s.Users = append(s.Users, u)
	}
	return s, nil
}

func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &SeedError{File: file, Line: pe.Line, Msg: pe.Err.Error()}
	}
	return &SeedError{File: file, Msg: err.Error()}
}

func parseYes(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "yes", "1", "y":
		return true, true
	case "false", "no", "0", "n":
		return false, true
	}
	return false, false
}

// parseSeedJSON decodes the JSON form, keeping the line each user and group starts on
// so later checks can name it.
func parseSeedJSON(file string, data []byte) (*Seed, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	fail := func(off int64, msg string) error {
		return &SeedError{File: file, Line: lineAt(data, off), Msg: msg}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fail(dec.InputOffset(), `a JSON seed file is an object: {"users": [...], "groups": [...]}`)
	}
	s := &Seed{File: file}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(dec.InputOffset(), "the file is not valid JSON: "+err.Error())
		}
		key, _ := tok.(string)
		if key != "users" && key != "groups" {
			return nil, fail(dec.InputOffset(), fmt.Sprintf("unknown member %q; a seed file has users and groups", key))
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return nil, fail(dec.InputOffset(), key+" must be a list")
		}
		for dec.More() {
			start := nextValue(data, dec.InputOffset())
			var err error
			if key == "users" {
				var u SeedUser
				err = dec.Decode(&u)
				u.line = lineAt(data, start)
				s.Users = append(s.Users, u)
			} else {
				var g SeedGroup
				err = dec.Decode(&g)
				g.line = lineAt(data, start)
				s.Groups = append(s.Groups, g)
			}
			if err != nil {
				return nil, fail(start, strings.TrimPrefix(err.Error(), "json: ")+" (in "+key+")")
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, fail(dec.InputOffset(), "the file is not valid JSON: "+err.Error())
		}
	}
	return s, nil
}

// nextValue skips the whitespace and comma before the value the decoder reads next.
func nextValue(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
		off++
	}
	return off
}

func lineAt(data []byte, off int64) int {
	return 1 + bytes.Count(data[:min(int(off), len(data))], []byte("\n"))
}

// check refuses what the store would refuse, naming the line: a user without a
// userName, a name twice, a member who is neither seeded nor named as a user.
func (s *Seed) check() error {
	fail := func(line int, format string, args ...any) error {
		return &SeedError{File: s.File, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	seen := map[string]int{}
	for _, u := range s.Users {
		key := strings.ToLower(u.UserName)
		switch {
		case strings.TrimSpace(u.UserName) == "":
			return fail(u.line, "a user needs a userName")
		case seen[key] > 0:
			return fail(u.line, "userName %s is listed twice (first on line %d)", u.UserName, seen[key])
		case u.Independent && len(u.Groups) > 0:
			return fail(u.line, "%s is an independent account, outside the organisation, so it cannot be in the organisation's groups", u.UserName)
		}
		seen[key] = u.line
	}
	for _, g := range s.Groups {
		if strings.TrimSpace(g.DisplayName) == "" {
			return fail(g.line, "a group needs a displayName")
		}
	}
	return nil
}
