//go:build unix

package doctor

import "golang.org/x/sys/unix"

// canWrite asks the system whether this user may write path, without writing.
func canWrite(path string) (writable, known bool) {
	return unix.Access(path, unix.W_OK) == nil, true
}
