package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Writer writes a bundle into a temporary file beside its destination; Commit renames
// it into place, so the destination never holds half a bundle, and Abort (or a failed
// Commit) removes it.
type Writer struct {
	dest  string
	f     *os.File
	zw    *zip.Writer
	files map[string]FileInfo
	done  bool
}

// Create starts a bundle that Commit will write to dest. It fails at once when dest's
// directory does not exist or is not writable, before any work is done.
func Create(dest string) (*Writer, error) {
	f, err := CreateTemp(dest)
	if err != nil {
		return nil, err
	}
	return &Writer{dest: dest, f: f, zw: zip.NewWriter(f), files: map[string]FileInfo{}}, nil
}

// CreateTemp creates the temporary file an export to dest is written into: in dest's
// directory, so the final rename stays on one file system, hidden, and readable by its
// owner only, because an export holds everything the IdP sent.
func CreateTemp(dest string) (*os.File, error) {
	dir, base := filepath.Split(dest)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return nil, fmt.Errorf("%s names a directory, not a file", dest)
	}
	if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory", dest)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", dest, unwrapPath(err))
	}
	return f, nil
}

// CommitTemp makes the finished temporary file f the file dest: synced, closed and
// renamed over dest in one step. On error f is removed.
func CommitTemp(f *os.File, dest string) error {
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), dest)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", dest, err)
	}
	return nil
}

// unwrapPath drops the temporary name os.CreateTemp puts in its error, which would only
// confuse: the admin named dest.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Add writes one file of the bundle through write. Files are written one at a time.
func (w *Writer) Add(name string, write func(io.Writer) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	if _, dup := w.files[name]; dup || name == ManifestFile {
		return fmt.Errorf("bundle: %s written twice", name)
	}
	zf, err := w.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	cw := &countingWriter{w: zf, h: sha256.New()}
	if err := write(cw); err != nil {
		return err
	}
	w.files[name] = FileInfo{Size: cw.n, SHA256: hex.EncodeToString(cw.h.Sum(nil))}
	return nil
}

// Commit writes the manifest, which lists every file added, and puts the bundle in
// place.
func (w *Writer) Commit(m Manifest) error {
	if w.done {
		return errors.New("bundle: already committed or aborted")
	}
	w.done = true
	m.Format, m.Version = Format, Version
	m.Files = w.files
	b, err := marshalIndent(m)
	if err == nil {
		var zf io.Writer
		if zf, err = w.zw.CreateHeader(&zip.FileHeader{Name: ManifestFile, Method: zip.Deflate, Modified: time.Now()}); err == nil {
			_, err = zf.Write(b)
		}
	}
	if err == nil {
		err = w.zw.Close()
	}
	if err != nil {
		w.f.Close()
		os.Remove(w.f.Name())
		return fmt.Errorf("writing %s: %w", w.dest, err)
	}
	return CommitTemp(w.f, w.dest)
}

// Abort removes the unfinished bundle. Safe after Commit, where it does nothing.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.f.Close()
	os.Remove(w.f.Name())
}

// Files lists the names added so far, sorted.
func (w *Writer) Files() []string {
	names := make([]string, 0, len(w.files))
	for n := range w.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

type countingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

// Line encodes v as one JSON line, newline included, as the .jsonl files hold them.
func Line(v any) ([]byte, error) {
	b, err := marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// marshal encodes without HTML escaping: bodies and filters are full of < > &.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func marshalIndent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
