// Package config reads scimlab's config file, $XDG_CONFIG_HOME/scimlab/config.yaml:
// the settings a user keeps for every start, below the command line and the
// environment and above the built-in defaults. It also names every setting with its
// flag, environment variable and key, so the command line, doctor and the docs use one
// list.
//
// scimlab only reads this file; what scimlab itself saves (a pasted ngrok token, the
// last --domain) lives beside it in config.json, which package tunnel owns.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/adrg/xdg"
	"go.yaml.in/yaml/v3"
)

// Setting is one setting scimlab can be given in three places. Its key in the config
// file is the name of its flag (without the dashes).
type Setting struct {
	// Key is the flag's name and the config file's key.
	Key string
	// Env is the environment variable that sets it.
	Env string
	// Path tells that the value names a file: in the config file "~/" stands for the
	// home directory and a relative path is taken from the config file's directory.
	// MaybePath is a name or a file (--profile): only a value that looks like a path
	// (a separator, "~" or a .yaml/.yml ending) is resolved.
	Path, MaybePath bool
	// Secret settings are read from the flag or the environment only; the config
	// file refuses them with Why.
	Secret bool
	Why    string
	// Apart is the key of a setting that says the same thing another way (--lab and
	// --db both name the database): one place may give only one of the two, and the
	// one given in a higher place wins over the other given in a lower one. Both say
	// Names what they give.
	Apart, Names string
}

// Settings are scimlab's settings, in the order the docs list them. A flag that is
// an action for one start (--seed, --fault, --no-faults) is no setting: it would
// repeat itself at every start if it were kept.
var Settings = []Setting{
	{Key: "listen", Env: "SCIMLAB_LISTEN"},
	{Key: "db", Env: "SCIMLAB_DB", Path: true, Apart: "lab", Names: "a database"},
	{Key: "lab", Env: "SCIMLAB_LAB", Apart: "db", Names: "a database"},
	{Key: "strict", Env: "SCIMLAB_STRICT"},
	{Key: "profile", Env: "SCIMLAB_PROFILE", MaybePath: true},
	{Key: "max-body", Env: "SCIMLAB_MAX_BODY"},
	{Key: "log-retention", Env: "SCIMLAB_LOG_RETENTION"},
	{Key: "log-max-age", Env: "SCIMLAB_LOG_MAX_AGE"},
	{Key: "no-tunnel", Env: "SCIMLAB_NO_TUNNEL"},
	{Key: "tunnel", Env: "SCIMLAB_TUNNEL"},
	{Key: "domain", Env: "SCIMLAB_DOMAIN"},
	{Key: "public-url", Env: "SCIMLAB_PUBLIC_URL"},
	{Key: "faults", Env: "SCIMLAB_FAULTS", Path: true},
	{Key: "fault-seed", Env: "SCIMLAB_FAULT_SEED"},
	{Key: "token", Env: "SCIMLAB_TOKEN", Secret: true,
		Why: "the bearer token is a secret: scimlab keeps it in the database (or give it in SCIMLAB_TOKEN)"},
	{Key: "ngrok-token", Env: "NGROK_AUTHTOKEN", Secret: true,
		Why: "the ngrok auth token is a secret: give it in NGROK_AUTHTOKEN, or save it from the console (kept in config.json, mode 0600)"},
}

// Lookup returns the setting with the key (a flag's name).
func Lookup(key string) (Setting, bool) {
	i := slices.IndexFunc(Settings, func(s Setting) bool { return s.Key == key })
	if i < 0 {
		return Setting{}, false
	}
	return Settings[i], true
}

// Keys are the keys the config file takes, in Settings order.
func Keys() []string {
	var keys []string
	for _, s := range Settings {
		if !s.Secret {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// DefaultPath is $XDG_CONFIG_HOME/scimlab/config.yaml (~/.config/scimlab/config.yaml
// on Linux). Unlike xdg.ConfigFile it creates no directory: scimlab never writes here.
func DefaultPath() string {
	return filepath.Join(xdg.ConfigHome, "scimlab", "config.yaml")
}

// File is a config file as read.
type File struct {
	// Path is where it was looked for; Exists whether a file was there.
	Path   string
	Exists bool
	// Values are the settings it gives, by key, with path values resolved.
	Values map[string]Value
}

// Value is one setting in the file and the line it is on.
type Value struct {
	Text string
	Line int
}

// Keys are the keys the file sets, in Settings order.
func (f *File) Keys() []string {
	var keys []string
	for _, k := range Keys() {
		if _, ok := f.Values[k]; ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// Error is a config file scimlab cannot use, with the file and, when known, the line.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("config file %s, line %d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("config file %s: %s", e.Path, e.Msg)
}

// Load reads the config file at path. A missing file is an empty File, not an error;
// a file scimlab cannot read or understand is an *Error naming the file and the line:
// a syntax error, a key that is no setting, a secret, a value that is a list or a
// map, a key given twice.
func Load(path string) (*File, error) {
	f := &File{Path: path, Values: map[string]Value{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	f.Exists = true
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return f, &Error{Path: path, Msg: "cannot be read: " + err.Error()}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return f, syntaxError(path, err)
	}
	if len(doc.Content) == 0 {
		return f, nil // empty, or comments only
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return f, &Error{Path: path, Line: root.Line, Msg: "must be a list of settings, one \"key: value\" a line (" + strings.Join(Keys(), ", ") + ")"}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		s, known := Lookup(k.Value)
		switch {
		case !known:
			return f, &Error{Path: path, Line: k.Line, Msg: unknownKey(k.Value)}
		case s.Secret:
			return f, &Error{Path: path, Line: k.Line, Msg: fmt.Sprintf("%s is not read from the config file: %s", k.Value, s.Why)}
		case v.Kind != yaml.ScalarNode:
			return f, &Error{Path: path, Line: v.Line, Msg: k.Value + " takes one value, not a list or a map"}
		}
		if prev, twice := f.Values[k.Value]; twice {
			return f, &Error{Path: path, Line: k.Line, Msg: fmt.Sprintf("%s is set twice (lines %d and %d)", k.Value, prev.Line, k.Line)}
		}
		if v.Tag == "!!null" {
			continue // "db:" with nothing after it leaves the default
		}
		if other, both := f.Values[s.Apart]; s.Apart != "" && both {
			return f, &Error{Path: path, Line: k.Line, Msg: fmt.Sprintf("%s and %s both name %s (lines %d and %d); keep one of them",
				s.Apart, k.Value, s.Names, other.Line, k.Line)}
		}
		text := v.Value
		if s.Path || s.MaybePath && looksLikePath(text) {
			text = resolvePath(text, filepath.Dir(path))
		}
		f.Values[k.Value] = Value{Text: text, Line: v.Line}
	}
	return f, nil
}

// syntaxError turns the YAML parser's error into one naming the file and the line.
// The parser says the line in its text ("yaml: line 3: …"), which is its only way.
func syntaxError(path string, err error) *Error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{Path: path, Line: line, Msg: m[2]}
	}
	return &Error{Path: path, Msg: msg}
}

var lineRE = regexp.MustCompile(`^line (\d+): (.*)$`)

func unknownKey(key string) string {
	msg := fmt.Sprintf("unknown setting %q", key)
	if near := nearest(key, Keys()); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	}
	return msg + "; the config file takes " + strings.Join(Keys(), ", ")
}

// nearest is the key within two edits of key, for a typo's "did you mean".
func nearest(key string, keys []string) string {
	best, bestD := "", 3
	for _, k := range keys {
		if d := distance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func looksLikePath(v string) bool {
	ext := strings.ToLower(filepath.Ext(v))
	return strings.ContainsAny(v, `/\`) || strings.HasPrefix(v, "~") || ext == ".yaml" || ext == ".yml"
}

// resolvePath expands "~/" and makes a relative path relative to dir, so a config
// file means the same whichever directory scimlab is started in.
func resolvePath(v, dir string) string {
	if v == "~" || strings.HasPrefix(v, "~/") || strings.HasPrefix(v, `~\`) {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, v[1:])
		}
	}
	if filepath.IsAbs(v) || v == "" {
		return v
	}
	return filepath.Join(dir, v)
}
