package profile

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed builtin/*.yaml
var builtinFiles embed.FS

// sourceBuiltin is Source's value for scimlab's own profiles.
const sourceBuiltin = "built-in"

// DefaultName is the profile scimlab plays unless told otherwise.
const DefaultName = "generic"

// Names lists the built-in profiles, the default first.
func Names() []string {
	entries, _ := fs.ReadDir(builtinFiles, "builtin")
	names := []string{DefaultName}
	for _, e := range entries {
		if n := strings.TrimSuffix(e.Name(), ".yaml"); n != DefaultName {
			names = append(names, n)
		}
	}
	slices.Sort(names[1:])
	return names
}

// IsBuiltin tells whether name is a built-in profile.
func IsBuiltin(name string) bool { return slices.Contains(Names(), name) }

// Default returns the generic profile: scimlab's RFC behaviour, with no app quirks.
func Default() *Profile {
	p, err := Builtin(DefaultName)
	if err != nil {
		// The embedded files are checked by the package's tests.
		panic(err)
	}
	return p
}

// defaults are the knobs of the generic profile; files decode onto a copy of them (or
// of the profile they extend), so a file names only what differs.
func defaults() *Profile {
	return &Profile{
		Users: Users{
			Delete:           DeleteHard,
			DeleteAnswer:     Answer{Status: 405, Detail: "this app does not delete users through SCIM; remove the user in the app's own admin pages"},
			SeatAnswer:       Answer{Status: 403, Detail: "the app's licence has no seat left; additional accounts will not be created"},
			UniqueIdentifier: IdentifierUserName,
			UserNameFormat:   "any",
			Import:           ImportAllow,
			ImportAnswer:     Answer{Status: 501, Detail: "this app does not list its users"},
		},
		Groups: Groups{
			Enabled:        true,
			UnknownMembers: MembersReject,
			Import:         ImportAllow,
			ImportAnswer:   Answer{Status: 501, Detail: "this app does not list its groups; importing groups is not supported"},
		},
		Lists: Lists{FilterMiss: MissEmpty},
	}
}

// Builtin returns the built-in profile called name.
func Builtin(name string) (*Profile, error) {
	if !slices.Contains(Names(), name) {
		return nil, fmt.Errorf("no built-in profile %q; the built-in profiles are %s", name, strings.Join(Names(), ", "))
	}
	data, err := builtinFiles.ReadFile("builtin/" + name + ".yaml")
	if err != nil {
		return nil, err
	}
	p, err := parse(name, data, defaults())
	if err != nil {
		return nil, err
	}
	p.source, p.text = sourceBuiltin, nil
	return p, nil
}

// Load returns the built-in profile called nameOrPath, or else reads the profile file at
// that path. Errors name the file, the line and the knob.
func Load(nameOrPath string) (*Profile, error) {
	if IsBuiltin(nameOrPath) {
		return Builtin(nameOrPath)
	}
	data, err := os.ReadFile(nameOrPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !strings.ContainsAny(nameOrPath, `/\.`) {
			return nil, fmt.Errorf("no profile %q: the built-in profiles are %s, or give the path of a profile file", nameOrPath, strings.Join(Names(), ", "))
		}
		return nil, fmt.Errorf("profile %s: %w", nameOrPath, errors.Unwrap(err))
	}
	return Parse(nameOrPath, data)
}

// Parse reads a custom profile file; file names it in error messages and becomes the
// profile's Source.
func Parse(file string, data []byte) (*Profile, error) {
	base := defaults()
	var head struct {
		Extends string `yaml:"extends"`
	}
	// A syntax error is reported by parse below, with its line.
	if yaml.Unmarshal(data, &head) == nil && head.Extends != "" {
		b, err := Builtin(head.Extends)
		if err != nil {
			line := lineOf(data, "extends")
			return nil, &Error{File: file, Line: line, Knob: "extends", Msg: fmt.Sprintf("must name a built-in profile (%s), not %q", strings.Join(Names(), ", "), head.Extends)}
		}
		base = b
	}
	p, err := parse(file, data, base)
	if err != nil {
		return nil, err
	}
	if p.Name == "" || (p.Extends != "" && p.Name == p.Extends) {
		p.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	p.source, p.text = file, bytes.Clone(data)
	return p, nil
}

// Error is a profile file that cannot be used: the file, the line and the knob at fault.
type Error struct {
	File string
	Line int
	Knob string
	Msg  string
}

// Error reads like "profile app.yaml: line 7: users.delete: must be hard, ...".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("profile " + e.File + ": ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Knob != "" {
		b.WriteString(e.Knob + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// parse decodes data onto base and checks the result.
func parse(file string, data []byte, base *Profile) (*Profile, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(file, err)
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: file, Msg: "the file is empty; a profile file is a YAML mapping such as \"extends: thinglink\""}
	}
	if doc.Content[0].Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: doc.Content[0].Line, Msg: "a profile file is a YAML mapping of knobs (name:, users:, groups:, …)"}
	}
	lines := knobLines(doc.Content[0])
	p := *base
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		return nil, decodeError(file, err, lines)
	}
	if err := check(&p, lines); err != nil {
		err.File = file
		return nil, err
	}
	return &p, nil
}

// knobs maps knob paths ("users.delete", "extensions[0].urn") to their lines.
type knobs map[string]int

func knobLines(m *yaml.Node) knobs {
	out := knobs{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if path != "" {
					p = path + "." + p
				}
				out[p] = n.Content[i].Line
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				out[p] = c.Line
				walk(c, p)
			}
		}
	}
	walk(m, "")
	return out
}

// line returns the line of the knob, or of its nearest parent that the file has.
func (k knobs) line(path string) int {
	for path != "" {
		if l, ok := k[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// at returns the deepest knob on line ending in key, or any knob on it.
func (k knobs) at(line int, key string) string {
	best := ""
	for p, l := range k {
		if l != line {
			continue
		}
		if key != "" && !strings.HasSuffix(p, "."+key) && p != key {
			continue
		}
		if len(p) > len(best) || (len(p) == len(best) && p < best) {
			best = p
		}
	}
	return best
}

var (
	lineRE          = regexp.MustCompile(`^line (\d+): (.*)$`)
	fieldNotFoundRE = regexp.MustCompile(`^field (\S+) not found in type profile\.(\w+)$`)
)

// knobTypes lets an unknown-field message list the knobs allowed where it stands.
var knobTypes = map[string]reflect.Type{
	"Profile": reflect.TypeFor[Profile](), "Token": reflect.TypeFor[Token](), "Users": reflect.TypeFor[Users](),
	"Groups": reflect.TypeFor[Groups](), "Lists": reflect.TypeFor[Lists](), "Answer": reflect.TypeFor[Answer](),
	"Role": reflect.TypeFor[Role](), "Extension": reflect.TypeFor[Extension](), "Attribute": reflect.TypeFor[Attribute](),
}

func knobNames(t reflect.Type) string {
	var names []string
	for i := range t.NumField() {
		if tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
			names = append(names, tag)
		}
	}
	return strings.Join(names, ", ")
}

// decodeError turns the decoder's messages into the profile author's words, naming the
// knob each one is about.
func decodeError(file string, err error, lines knobs) error {
	var le *lineError
	if errors.As(err, &le) {
		return &Error{File: file, Line: le.line, Knob: lines.at(le.line, le.key), Msg: le.msg}
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) || len(te.Errors) == 0 {
		return syntaxError(file, err)
	}
	m := lineRE.FindStringSubmatch(te.Errors[0])
	if m == nil {
		return &Error{File: file, Msg: te.Errors[0]}
	}
	line, _ := strconv.Atoi(m[1])
	msg := m[2]
	if f := fieldNotFoundRE.FindStringSubmatch(msg); f != nil {
		knob := lines.at(line, f[1])
		where := "here"
		if i := strings.LastIndexByte(knob, '.'); i >= 0 {
			where = "in " + knob[:i]
		}
		msg = fmt.Sprintf("unknown knob; the knobs %s are %s", where, knobNames(knobTypes[f[2]]))
		return &Error{File: file, Line: line, Knob: knob, Msg: msg}
	}
	msg = strings.NewReplacer("!!str", "text", "!!int", "a number", "!!bool", "true/false", "!!seq", "a list", "!!map", "a mapping").Replace(msg)
	msg = strings.Replace(msg, "cannot unmarshal", "cannot read", 1)
	return &Error{File: file, Line: line, Knob: lines.at(line, ""), Msg: msg}
}

// syntaxError reports YAML that does not parse, with the line the parser names.
func syntaxError(file string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "the file is not valid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "the file is not valid YAML: " + msg}
}

// lineOf finds the line of a top-level key, for errors raised before decoding.
func lineOf(data []byte, key string) int {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	return knobLines(doc.Content[0])[key]
}

// lineError is an error an UnmarshalYAML method raises about a key on a line.
type lineError struct {
	line int
	key  string
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// UnmarshalYAML reads a list (for every IdP) or a mapping of any, okta and entra lists.
func (a *Attributes) UnmarshalYAML(n *yaml.Node) error {
	readList := func(n *yaml.Node, key string) ([]string, error) {
		if n.Kind != yaml.SequenceNode {
			return nil, &lineError{line: n.Line, key: key, msg: "must be a list of attribute paths, e.g. [userName, name.givenName]"}
		}
		var out []string
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nil, &lineError{line: c.Line, key: key, msg: "each entry must be an attribute path such as name.givenName"}
			}
			out = append(out, c.Value)
		}
		return out, nil
	}
	*a = Attributes{}
	switch n.Kind {
	case yaml.SequenceNode:
		list, err := readList(n, "")
		a.Any = list
		return err
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			list, err := readList(v, k.Value)
			if err != nil {
				return err
			}
			switch k.Value {
			case "any":
				a.Any = list
			case "okta":
				a.Okta = list
			case "entra":
				a.Entra = list
			default:
				return &lineError{line: k.Line, key: k.Value, msg: "unknown key; a per-IdP list is any, okta or entra"}
			}
		}
		return nil
	}
	return &lineError{line: n.Line, msg: "must be a list of attribute paths, or a mapping of any, okta and entra lists"}
}

// MarshalYAML writes the list form when only Any is set.
func (a Attributes) MarshalYAML() (any, error) {
	if len(a.Okta) == 0 && len(a.Entra) == 0 {
		return a.Any, nil
	}
	m := map[string][]string{}
	if len(a.Any) > 0 {
		m["any"] = a.Any
	}
	if len(a.Okta) > 0 {
		m["okta"] = a.Okta
	}
	if len(a.Entra) > 0 {
		m["entra"] = a.Entra
	}
	return m, nil
}
