package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// fileFacts is what a look at one path found.
type fileFacts struct {
	Path   string
	Exists bool
	IsDir  bool
	Mode   fs.FileMode
	Size   int64
	// Writable is whether this user may write it; WritableKnown is false where that
	// cannot be asked without writing (Windows).
	Writable, WritableKnown bool
	// Err is why the path could not be looked at, other than not existing.
	Err error
}

func lookAt(path string) fileFacts {
	f := fileFacts{Path: path}
	fi, err := os.Stat(path)
	if missing(err) {
		return f
	}
	if err != nil {
		f.Err = err
		return f
	}
	f.Exists, f.IsDir, f.Mode, f.Size = true, fi.IsDir(), fi.Mode().Perm(), fi.Size()
	f.Writable, f.WritableKnown = canWrite(path)
	return f
}

// missing reports whether err says a path does not exist, also when a file stands
// where one of its directories should be.
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// creatable tells whether a missing path can be created by this user: its nearest
// existing ancestor must be a directory this user may write. blocker is that
// ancestor when it stands in the way.
func creatable(path string) (ok bool, blocker string) {
	dir := filepath.Dir(path)
	for {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return false, dir
			}
			w, known := canWrite(dir)
			return w || !known, dir
		}
		if !missing(err) {
			return false, dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return false, dir
		}
		dir = parent
	}
}

// modeBits are a mode's permission bits as chmod takes them, e.g. 0600.
func modeBits(m fs.FileMode) string { return fmt.Sprintf("%04o", uint32(m.Perm())) }

// othersMayRead reports whether users other than the owner may read or write a file
// of mode m. Windows does not keep Unix permission bits, so there it is not asked.
func othersMayRead(m fs.FileMode) bool {
	return runtime.GOOS != "windows" && m.Perm()&0o077 != 0
}

// plural is "1 user" or "3 users".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
