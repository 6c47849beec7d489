// Package cli is scimlab's command line: the commands and their flags, help and
// examples, the settings read from the environment and the config file under the
// flags, what a wrong command line prints, and the exit statuses. It understands the
// command line and hands typed options to the Handlers that do the work; it starts
// nothing itself.
//
// It is built on cobra with Charm's fang, which gives the help and errors their
// style and adds shell completions (bash, zsh, fish, PowerShell) and a man page.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"charm.land/fang/v2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/logview"
)

// IO is what a command reads and writes besides its arguments.
type IO struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Handlers do each command's work once its command line is understood. An error
// they return exits 1 and is printed, unless it is Reported.
type Handlers struct {
	Console  func(context.Context, app.Options) error
	Serve    func(context.Context, app.Options) error
	Log      func(context.Context, logview.Options) error
	Simulate func(context.Context, SimulateOptions) error
	Doctor   func(context.Context, DoctorOptions) error
	Labs     func(context.Context, LabsOptions) error
	Export   func(context.Context, ExportOptions) error
	Import   func(context.Context, ImportOptions) error
	Replay   func(context.Context, ReplayOptions) error
}

// Exit statuses, the same for every command.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// ErrUsage is what every usage error is (errors.Is): a command line, an environment
// variable or a config file that could not be understood.
var ErrUsage = errors.New("usage error")

// UsageError is a command line scimlab could not understand; Command is the command
// whose help tells how to write it ("scimlab serve").
type UsageError struct {
	Command string
	Err     error
}

func (e *UsageError) Error() string        { return e.Err.Error() }
func (e *UsageError) Unwrap() error        { return e.Err }
func (e *UsageError) Is(target error) bool { return target == ErrUsage }

func usageError(cmd *cobra.Command, err error) error {
	return &UsageError{Command: cmd.CommandPath(), Err: err}
}

func usagef(cmd *cobra.Command, format string, args ...any) error {
	return usageError(cmd, fmt.Errorf(format, args...))
}

// reportedError is a failure the command's own output already explained.
type reportedError struct{ what string }

func (e *reportedError) Error() string { return e.what }

// Reported makes an error for a failure the command's output already explained (a
// report naming the failed step or check): the command exits 1 and prints nothing
// more. Compare with errors.Is against the returned value.
func Reported(what string) error { return &reportedError{what} }

// handlerError marks an error a Handler returned, so it is told apart from the
// errors cobra makes of a command line it cannot understand.
type handlerError struct{ err error }

func (e handlerError) Error() string { return e.err.Error() }

// ExitCode is the exit status for what Execute returned.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrUsage):
		return ExitUsage
	}
	return ExitFailure
}

// Execute runs the command line args (without the program's name) and returns what
// the command returned, after printing it: a *UsageError for a command line that
// could not be understood, a Reported error or a handler's error.
func Execute(ctx context.Context, args []string, env IO, version string, h Handlers) error {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	layers := &layers{getenv: env.Getenv}
	root := newRoot(env, layers, h)
	args = longFlagsWithOneDash(root, args)
	root.SetArgs(args)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError(cmd, err) })

	err := fang.Execute(ctx, root,
		fang.WithVersion(version),
		fang.WithErrorHandler(func(w io.Writer, styles fang.Styles, err error) {
			printError(w, styles, isTerminal(env.Stderr), classify(root, args, err))
		}),
	)
	if err == nil {
		return nil
	}
	return classify(root, args, err)
}

// classify turns what cobra returned into what Execute promises: a handler's own
// error unwrapped; anything else cobra made of the command line (an unknown command,
// a missing argument) a *UsageError.
func classify(root *cobra.Command, args []string, err error) error {
	var he handlerError
	if errors.As(err, &he) {
		return he.err
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return err
	}
	cmd, _, findErr := root.Find(args)
	if findErr != nil || cmd == nil {
		cmd = root
	}
	return usageError(cmd, err)
}

// printError says what went wrong. A usage error is one line and where to read how
// to write the command; a reported failure prints nothing more.
func printError(w io.Writer, styles fang.Styles, styled bool, err error) {
	var rep *reportedError
	if errors.As(err, &rep) {
		return
	}
	header := "scimlab:"
	if styled {
		header = styles.ErrorHeader.Margin(0).Render()
	}
	msg := strings.TrimSpace(err.Error())
	var ue *UsageError
	if !errors.As(err, &ue) {
		fmt.Fprintln(w, header, msg)
		return
	}
	if !styled {
		header = ue.Command + ":"
	}
	fmt.Fprintln(w, header, msg)
	help := ue.Command + " --help"
	if styled {
		help = styles.Program.Flag.Render(help)
	}
	fmt.Fprintf(w, "Run '%s' for usage.\n", help)
}

// run wraps a handler call so its error is told apart from cobra's.
func run(err error) error {
	if err == nil {
		return nil
	}
	return handlerError{err}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
