package store

import (
	"errors"
	"io/fs"
	"os"
	"time"
)

// Files lists every file the database at path consists of, the database itself first:
// SQLite's write-ahead log and shared-memory index beside it, the request log's file
// (LogPath) with its own, and the server lock (LockPath). Deleting, sizing or moving
// a lab goes through this list, so a companion file added later is never left behind.
func Files(path string) []string {
	logPath := LogPath(path)
	return []string{path, path + "-wal", path + "-shm", logPath, logPath + "-wal", logPath + "-shm", LockPath(path)}
}

// FileUsage is what a database's files take on disk and when they last changed.
type FileUsage struct {
	// Bytes is the total size of the files that exist.
	Bytes int64
	// Modified is the newest modification time among them; zero when none exists.
	Modified time.Time
}

// Usage sums the sizes of the files of the database at path (Files) and finds the
// newest change to its data: the times of the database, the request log's file and
// their write-ahead logs. The lock file and the shared-memory indexes are written by
// merely serving or reading.
func Usage(path string) (FileUsage, error) {
	var u FileUsage
	logPath := LogPath(path)
	data := map[string]bool{path: true, path + "-wal": true, logPath: true, logPath + "-wal": true}
	for _, f := range Files(path) {
		fi, err := os.Stat(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return FileUsage{}, err
		}
		u.Bytes += fi.Size()
		if data[f] && fi.ModTime().After(u.Modified) {
			u.Modified = fi.ModTime()
		}
	}
	return u, nil
}
