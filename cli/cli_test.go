package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/logview"
)

// noop handlers: a test about the command line runs nothing.
var noop = Handlers{
	Console:  func(context.Context, app.Options) error { return nil },
	Serve:    func(context.Context, app.Options) error { return nil },
	Log:      func(context.Context, logview.Options) error { return nil },
	Simulate: func(context.Context, SimulateOptions) error { return nil },
	Doctor:   func(context.Context, DoctorOptions) error { return nil },
	Labs:     func(context.Context, LabsOptions) error { return nil },
	Export:   func(context.Context, ExportOptions) error { return nil },
	Import:   func(context.Context, ImportOptions) error { return nil },
	Replay:   func(context.Context, ReplayOptions) error { return nil },
}

func execute(t *testing.T, h Handlers, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = Execute(context.Background(), args, IO{Getenv: envOf(), Stdout: &out, Stderr: &errOut}, "scimlab 1.2.3 (test)", h)
	return out.String(), errOut.String(), err
}

// eachCommand visits every command a user can run, hidden ones too.
func eachCommand(c *cobra.Command, visit func(*cobra.Command)) {
	visit(c)
	for _, sub := range c.Commands() {
		eachCommand(sub, visit)
	}
}

func testRoot() *cobra.Command {
	return newRoot(IO{Getenv: envOf()}, &layers{getenv: envOf()}, noop)
}

// Every long flag of every command may be written with one dash, as Go's flag
// package took it; shorthands and values that begin with a dash are left alone.
func TestLongFlagsWithOneDash(t *testing.T) {
	root := testRoot()
	eachCommand(root, func(c *cobra.Command) {
		var path []string
		for p := c; p.HasParent(); p = p.Parent() {
			path = append([]string{p.Name()}, path...)
		}
		c.Flags().VisitAll(func(f *pflag.Flag) {
			in := append(slices.Clone(path), "-"+f.Name, "x", "-"+f.Name+"=y")
			want := append(slices.Clone(path), "--"+f.Name, "x", "--"+f.Name+"=y")
			if got := longFlagsWithOneDash(root, in); !slices.Equal(got, want) {
				t.Errorf("%v became %v, want %v", in, got, want)
			}
		})
	})
	for _, tc := range []struct{ in, want []string }{
		{[]string{"log", "-f"}, []string{"log", "-f"}},
		{[]string{"log", "--since", "-5m"}, []string{"log", "--since", "-5m"}},
		{[]string{"-help"}, []string{"--help"}},
		{[]string{"-version"}, []string{"--version"}},
		{[]string{"serve", "-version"}, []string{"serve", "-version"}},
		{[]string{"serve", "--", "-db"}, []string{"serve", "--", "-db"}},
		{[]string{"log", "-json"}, []string{"log", "--json"}},
		{[]string{"log", "-bogus"}, []string{"log", "-bogus"}},
	} {
		if got := longFlagsWithOneDash(root, tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%v became %v, want %v", tc.in, got, tc.want)
		}
	}

	var got app.Options
	h := noop
	h.Serve = func(_ context.Context, o app.Options) error { got = o; return nil }
	useConfig(t, "")
	if _, stderr, err := execute(t, h, "serve", "-listen", "127.0.0.1:0", "-db=x.db", "-no-tunnel", "-fault", "GET /Users 500"); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if got.Listen != "127.0.0.1:0" || got.DB != "x.db" || !got.NoTunnel || len(got.Faults) != 1 {
		t.Errorf("one-dash flags parsed as %+v", got)
	}
}

// Exit statuses: 0 for help and a good run, 2 for anything the command line gets
// wrong (with one line and where the help is), 1 for a failure a handler returns,
// and nothing printed for one it already reported.
func TestExitStatuses(t *testing.T) {
	useConfig(t, "")
	failing := noop
	failing.Serve = func(context.Context, app.Options) error {
		return errors.New("the port 127.0.0.1:8080 is already in use")
	}
	failing.Doctor = func(context.Context, DoctorOptions) error { return Reported("a check failed") }
	tests := []struct {
		name       string
		h          Handlers
		args       []string
		code       int
		wantStderr string
	}{
		{"help", noop, []string{"--help"}, ExitOK, ""},
		{"subcommand help", noop, []string{"help", "log"}, ExitOK, ""},
		{"version", noop, []string{"version"}, ExitOK, ""},
		{"unknown command", noop, []string{"serv"}, ExitUsage, "scimlab: unknown command \"serv\" (did you mean serve?)\nRun 'scimlab --help' for usage.\n"},
		{"unknown flag", noop, []string{"log", "--tail"}, ExitUsage, "scimlab log: unknown flag: --tail\nRun 'scimlab log --help' for usage.\n"},
		{"missing value", noop, []string{"serve", "--listen"}, ExitUsage, "scimlab serve: flag needs an argument: --listen\nRun 'scimlab serve --help' for usage.\n"},
		{"bad value", noop, []string{"serve", "--max-body", "lots"}, ExitUsage, "scimlab serve: invalid argument \"lots\" for \"--max-body\" flag: strconv.ParseInt: parsing \"lots\": invalid syntax\nRun 'scimlab serve --help' for usage.\n"},
		{"extra argument", noop, []string{"doctor", "now"}, ExitUsage, "scimlab doctor: unexpected argument \"now\": scimlab doctor takes flags only\nRun 'scimlab doctor --help' for usage.\n"},
		{"unknown shell", noop, []string{"completion", "tcsh"}, ExitUsage, "scimlab completion: unknown shell \"tcsh\": use bash, fish, powershell, zsh\nRun 'scimlab completion --help' for usage.\n"},
		{"no shell", noop, []string{"completion"}, ExitUsage, "scimlab completion: name the shell: bash, fish, powershell, zsh\nRun 'scimlab completion --help' for usage.\n"},
		{"simulate without an IdP", noop, []string{"simulate"}, ExitUsage, "scimlab simulate: name the identity provider to imitate: okta or entra\nRun 'scimlab simulate --help' for usage.\n"},
		{"a failure", failing, []string{"serve"}, ExitFailure, "scimlab: the port 127.0.0.1:8080 is already in use\n"},
		{"a reported failure", failing, []string{"doctor"}, ExitFailure, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := execute(t, tc.h, tc.args...)
			if got := ExitCode(err); got != tc.code {
				t.Errorf("exit %d (%v), want %d", got, err, tc.code)
			}
			if tc.wantStderr == "" && stderr != "" || !strings.HasSuffix(stderr, tc.wantStderr) {
				t.Errorf("stderr %q, want it to end in %q", stderr, tc.wantStderr)
			}
			if tc.code == ExitUsage && strings.Count(stderr, "\n") != 2 {
				t.Errorf("a usage error is one line and the pointer to help: %q", stderr)
			}
		})
	}
}

// Every command's help says what it does, how to write it, gives examples, its exit
// statuses and every flag with its text.
func TestHelpOfEveryCommand(t *testing.T) {
	eachCommand(testRoot(), func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.HasParent() && c.Parent().Name() == "completion" {
			return
		}
		args := strings.Fields(c.CommandPath())[1:]
		stdout, stderr, err := execute(t, noop, append(args, "--help")...)
		if err != nil || stderr != "" {
			t.Errorf("%s --help: %v, stderr %q", c.CommandPath(), err, stderr)
			return
		}
		wants := []string{"USAGE", c.CommandPath(), "EXAMPLES", "Exit status:", "  0  ", "  2  usage error"}
		if c.Name() != "version" {
			wants = append(wants, "  1  ")
		}
		c.Flags().VisitAll(func(f *pflag.Flag) {
			wants = append(wants, "--"+f.Name+" ")
		})
		for _, w := range wants {
			if !strings.Contains(stdout, w) {
				t.Errorf("%s --help lacks %q", c.CommandPath(), w)
			}
		}
		if c.Example == "" || c.Long == "" || c.Short == "" {
			t.Errorf("%s: short, long and examples are all needed", c.CommandPath())
		}
	})
}

// Every example in the help parses: its command exists and its flags and values are
// taken. A program after a pipe is not scimlab's.
func TestExamplesParse(t *testing.T) {
	root := testRoot()
	eachCommand(root, func(c *cobra.Command) {
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if inner, ok := strings.CutPrefix(line, "source <("); ok {
				line = strings.TrimSuffix(inner, ")")
			}
			line, _, _ = strings.Cut(line, " |")
			line, _, _ = strings.Cut(line, " >")
			words := shellWords(line)
			if words[0] != "scimlab" {
				t.Errorf("%s: example %q does not start with scimlab", c.CommandPath(), line)
				continue
			}
			cmd, rest, err := testRoot().Find(words[1:])
			if err != nil {
				t.Errorf("example %q: %v", line, err)
				continue
			}
			if err := cmd.ParseFlags(rest); err != nil {
				t.Errorf("example %q: %v", line, err)
				continue
			}
			if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
				t.Errorf("example %q: %v", line, err)
			}
		}
	})
}

// shellWords splits a line as a shell would, for the examples: words, and
// double-quoted words with spaces.
func shellWords(line string) []string {
	var words []string
	for _, m := range regexp.MustCompile(`"[^"]*"|\S+`).FindAllString(line, -1) {
		words = append(words, strings.Trim(m, `"`))
	}
	return words
}

// docs/cli.md names every command, every flag, every setting's variable and config
// key, and the exit statuses, so the page cannot fall behind the program.
func TestDocsNameEverything(t *testing.T) {
	data, err := os.ReadFile("../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	eachCommand(testRoot(), func(c *cobra.Command) {
		if c.Name() == "help" || c.HasParent() && c.Parent().Name() == "completion" {
			return // the shells are named together: scimlab completion bash|zsh|fish|powershell
		}
		if !strings.Contains(doc, "`"+c.CommandPath()) {
			t.Errorf("docs/cli.md does not show `%s`", c.CommandPath())
		}
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" {
				return
			}
			if !regexp.MustCompile("`--" + f.Name + "[` ,=]").MatchString(doc) {
				t.Errorf("docs/cli.md does not name %s's --%s", c.CommandPath(), f.Name)
			}
		})
	})
	for _, s := range settingKeys() {
		v := settingVars(s)
		if !strings.Contains(doc, "`"+v[0]+"`") {
			t.Errorf("docs/cli.md does not name %s", v[0])
		}
	}
	for _, w := range []string{"| 0 |", "| 1 |", "| 2 |", "config.yaml", "`scimlab man`", "`scimlab completion SHELL`"} {
		if !strings.Contains(doc, w) {
			t.Errorf("docs/cli.md lacks %q", w)
		}
	}
}
