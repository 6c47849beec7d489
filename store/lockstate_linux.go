package store

import (
	"bufio"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// kernelHoldsLock reads Linux's table of file locks, /proc/locks, for an flock on
// the file fi describes. Its lines read
//
//	3: FLOCK  ADVISORY  WRITE 22623 fe:00:9986288 0 EOF
//
// with the device's major and minor number in hex and the inode in decimal; lines
// with "->" are processes waiting for a lock, not holding one. known is false when
// the table cannot be read.
func kernelHoldsLock(fi fs.FileInfo) (held, known bool) {
	sys, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false, false
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		return false, false
	}
	defer f.Close()
	want := strconv.FormatUint(uint64(unix.Major(uint64(sys.Dev))), 16) + ":" +
		strconv.FormatUint(uint64(unix.Minor(uint64(sys.Dev))), 16) + ":" +
		strconv.FormatUint(uint64(sys.Ino), 10)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" {
			continue
		}
		if sameDevIno(fields[5], want) {
			return true, true
		}
	}
	return false, sc.Err() == nil
}

// sameDevIno compares two "major:minor:inode" triples, allowing for the kernel's
// zero-padding of the hex numbers.
func sameDevIno(a, b string) bool {
	pa, pb := strings.Split(a, ":"), strings.Split(b, ":")
	if len(pa) != 3 || len(pb) != 3 {
		return false
	}
	for i, base := range []int{16, 16, 10} {
		x, err1 := strconv.ParseUint(pa[i], base, 64)
		y, err2 := strconv.ParseUint(pb[i], base, 64)
		if err1 != nil || err2 != nil || x != y {
			return false
		}
	}
	return true
}
