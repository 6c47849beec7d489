//go:build windows

package doctor

// canWrite cannot ask Windows whether this user may write path without trying,
// and doctor writes nothing, so it does not know.
func canWrite(string) (writable, known bool) { return false, false }
