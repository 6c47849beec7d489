package app

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/adrg/xdg"
)

// ConsoleLogPath is where the console writes its diagnostics while it owns the terminal.
func ConsoleLogPath() string {
	return filepath.Join(xdg.StateHome, "scimlab", "console.log")
}

// ConsoleLogFallbackPath is where the console writes its diagnostics when
// ConsoleLogPath cannot be used: a directory private to the user under the system's
// temporary directory.
func ConsoleLogFallbackPath() string {
	return filepath.Join(os.TempDir(), privateDirName(), "console.log")
}

// ConsoleLog is where the console's diagnostics go while it owns the terminal.
type ConsoleLog struct {
	// File is the open log; nil when no log could be opened anywhere.
	File *os.File
	// Path is File's path, "" without a file.
	Path string
	// Warning says in one line that the log is not where it belongs, and why; ""
	// when it is.
	Warning string
}

// OpenConsoleLog opens the console's diagnostics log at path for appending,
// creating it and its directory (private to the user: it may name files and
// addresses). A log is no reason to refuse to start: when path cannot be used the
// log goes to a private directory under the system's temporary directory, and
// when that fails too there is none; Warning then says so.
func OpenConsoleLog(path string) ConsoleLog {
	f, err := openLog(path, false)
	if err == nil {
		return ConsoleLog{File: f, Path: path}
	}
	fallback := ConsoleLogFallbackPath()
	if f, ferr := openLog(fallback, true); ferr == nil {
		return ConsoleLog{File: f, Path: fallback,
			Warning: fmt.Sprintf("cannot write the console log at %s (%v); writing it to %s instead", path, err, fallback)}
	}
	return ConsoleLog{Warning: fmt.Sprintf("cannot write the console log at %s (%v) nor in %s; this session keeps no log", path, err, os.TempDir())}
}

// Logger writes to the log, or discards without one.
func (l ConsoleLog) Logger() *slog.Logger {
	if l.File == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(l.File, nil))
}

// Close closes the log file, if there is one.
func (l ConsoleLog) Close() error {
	if l.File == nil {
		return nil
	}
	return l.File.Close()
}

// openLog opens path for appending. shared says its directory sits in one others
// can write to (the temporary directory): it is then used only when it is a real
// directory private to this user, not a link or a directory someone planted.
func openLog(path string, shared bool) (*os.File, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, unwrapPath(err)
	}
	if shared && runtime.GOOS != "windows" { // Windows gives each user a temporary directory of their own
		if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("%s is not a private directory", dir)
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, unwrapPath(err)
	}
	return f, nil
}

// unwrapPath drops the path from a *fs.PathError: the warning names it already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// privateDirName is the fallback directory's name, per user where the system has
// user ids, so users sharing a temporary directory do not share a log.
func privateDirName() string {
	if uid := os.Getuid(); uid >= 0 {
		return "scimlab-" + strconv.Itoa(uid)
	}
	return "scimlab"
}
