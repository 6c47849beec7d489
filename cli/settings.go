package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/scimlab/scimlab/config"
)

// layers fills the flags a command line did not give: from the environment, then
// from the config file, and else the flag keeps its default. The config file is read
// once, and only by a command that takes settings.
type layers struct {
	getenv func(string) string
	// path is the config file; empty means config.DefaultPath().
	path string

	loaded bool
	file   *config.File
	err    error
}

func (l *layers) load() (*config.File, error) {
	if !l.loaded {
		path := l.path
		if path == "" {
			path = config.DefaultPath()
		}
		l.file, l.err = config.Load(path)
		l.loaded = true
	}
	return l.file, l.err
}

// apply fills the settings among cmd's flags that its command line did not give. A
// secret (--token, --ngrok-token) is left alone: the app reads SCIMLAB_TOKEN and
// NGROK_AUTHTOKEN itself and says which one a token came from. With tolerant, a
// config file that cannot be used is left out rather than refused (doctor reports
// it).
func (l *layers) apply(cmd *cobra.Command, tolerant bool) error {
	file, err := l.load()
	if err != nil {
		if !tolerant {
			return usageError(cmd, err)
		}
		file = nil
	}
	if err := l.checkApart(cmd, file); err != nil {
		return err
	}
	var firstErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		s, ok := config.Lookup(f.Name)
		if firstErr != nil || !ok || s.Secret || f.Changed {
			return
		}
		if s.Apart != "" && cmd.Flags().Lookup(s.Apart) != nil && l.place(cmd, s.Apart, file) > l.place(cmd, s.Key, file) {
			return // the other way of saying it was given higher up, and wins
		}
		if v := l.getenv(s.Env); v != "" {
			if f.Value.Set(v) != nil {
				firstErr = usagef(cmd, "%s is %q, not %s", s.Env, v, wantedValue(f))
			}
			return
		}
		if file == nil {
			return
		}
		if v, ok := file.Values[f.Name]; ok && f.Value.Set(v.Text) != nil {
			err := &config.Error{Path: file.Path, Line: v.Line, Msg: fmt.Sprintf("%s is %q, not %s", f.Name, v.Text, wantedValue(f))}
			if !tolerant {
				firstErr = usageError(cmd, err)
			}
		}
	})
	return firstErr
}

// Places a setting can be given in, lowest first.
const (
	notGiven = iota
	inFile
	inEnv
	onCommandLine
)

// place is the highest place that gives the setting with key to cmd.
func (l *layers) place(cmd *cobra.Command, key string, file *config.File) int {
	s, _ := config.Lookup(key)
	switch {
	case cmd.Flags().Changed(key):
		return onCommandLine
	case l.getenv(s.Env) != "":
		return inEnv
	case file != nil && file.Values[key].Text != "":
		return inFile
	}
	return notGiven
}

// checkApart refuses two settings that say the same thing another way (--lab and
// --db) given in the same place; config.Load refuses them in the file.
func (l *layers) checkApart(cmd *cobra.Command, file *config.File) error {
	for _, s := range config.Settings {
		// Each pair once, named as "--lab and --db".
		if s.Apart == "" || s.Key < s.Apart || cmd.Flags().Lookup(s.Key) == nil || cmd.Flags().Lookup(s.Apart) == nil {
			continue
		}
		other, _ := config.Lookup(s.Apart)
		switch p := l.place(cmd, s.Key, file); {
		case p != l.place(cmd, s.Apart, file):
		case p == onCommandLine:
			return usagef(cmd, "--%s and --%s both name %s; give one of them", s.Key, s.Apart, s.Names)
		case p == inEnv:
			return usagef(cmd, "%s and %s both name %s; set one of them", s.Env, other.Env, s.Names)
		}
	}
	return nil
}

// wantedValue names the kind of value a flag takes, for an error about a value from
// the environment or the config file.
func wantedValue(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "bool":
		return "true or false"
	case "int", "int64":
		return "a whole number"
	case "uint64":
		return "a whole number from 0"
	case "float64":
		return "a number"
	case "duration":
		return "a duration such as 90s or 15m"
	}
	return "a valid value for --" + f.Name
}
