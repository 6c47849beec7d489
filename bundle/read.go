package bundle

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/scimlab/scimlab/exchange"
)

// maxManifestBytes bounds the manifest: it lists a handful of files.
const maxManifestBytes = 1 << 20

// maxLineBytes bounds one JSON line. A request line holds two bodies of at most 64 KiB
// each, base64 at worst, and its headers; 16 MiB leaves room for a larger log cap.
const maxLineBytes = 16 << 20

// requiredFiles are the files every bundle holds.
var requiredFiles = []string{RequestsFile, UsersFile, GroupsFile, MembershipsFile, SettingsFile}

// Reader reads a bundle that passed every check of Open.
type Reader struct {
	zr    *zip.ReadCloser
	files map[string]*zip.File
	m     Manifest
}

// Open opens and checks the bundle at path: a zip archive that is complete, whose file
// names are all safe, whose manifest is of a format this scimlab reads, and whose every
// file is listed in the manifest with the size and SHA-256 it has. Errors wrap
// ErrInvalid or are a *NewerError; either way nothing of the bundle is used.
func Open(path string) (_ *Reader, err error) {
	zr, err := zip.OpenReader(path)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		if errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, invalid("%s is not a complete zip archive (truncated or damaged)", path)
		}
		return nil, err
	}
	defer func() {
		if err != nil {
			zr.Close()
		}
	}()
	r := &Reader{zr: zr, files: map[string]*zip.File{}}
	for _, f := range zr.File {
		if err := checkName(f.Name); err != nil {
			return nil, err
		}
		if _, dup := r.files[f.Name]; dup {
			return nil, invalid("it holds %s twice", f.Name)
		}
		r.files[f.Name] = f
	}
	if err := r.readManifest(); err != nil {
		return nil, err
	}
	for name := range r.files {
		if _, listed := r.m.Files[name]; !listed && name != ManifestFile {
			return nil, invalid("it holds %s, which its manifest does not list", name)
		}
	}
	for _, name := range requiredFiles {
		if _, listed := r.m.Files[name]; !listed {
			return nil, invalid("its manifest lists no %s", name)
		}
	}
	for name, info := range r.m.Files {
		if err := r.verify(name, info); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *Reader) readManifest() error {
	f := r.files[ManifestFile]
	if f == nil {
		return invalid("it has no %s", ManifestFile)
	}
	if f.UncompressedSize64 > maxManifestBytes {
		return invalid("its %s is %d bytes long", ManifestFile, f.UncompressedSize64)
	}
	data, err := r.readAll(f, maxManifestBytes)
	if err != nil {
		return err
	}
	// The format and version first: a newer bundle may not decode as this version's.
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
		Creator string `json:"creator"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return invalid("its %s is not JSON: %v", ManifestFile, err)
	}
	switch {
	case head.Format != Format:
		return invalid("its manifest names the format %q, not %q", head.Format, Format)
	case head.Version > Version:
		return &NewerError{Version: head.Version, Creator: head.Creator}
	case head.Version < 1:
		return invalid("its manifest names the format version %d", head.Version)
	}
	if err := json.Unmarshal(data, &r.m); err != nil {
		return invalid("its %s does not describe a bundle: %v", ManifestFile, err)
	}
	return nil
}

// verify checks that the file name is present with the size and hash the manifest gives.
func (r *Reader) verify(name string, info FileInfo) error {
	if err := checkName(name); err != nil {
		return err
	}
	f := r.files[name]
	if f == nil {
		return invalid("its manifest lists %s, which it does not hold", name)
	}
	if int64(f.UncompressedSize64) != info.Size || info.Size < 0 {
		return invalid("%s is %d bytes long, its manifest says %d", name, f.UncompressedSize64, info.Size)
	}
	rc, err := f.Open()
	if err != nil {
		return invalid("%s cannot be read: %v", name, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(rc, info.Size+1))
	if err != nil {
		return invalid("%s is damaged: %v", name, err)
	}
	if n != info.Size || hex.EncodeToString(h.Sum(nil)) != info.SHA256 {
		return invalid("%s does not match its manifest's checksum", name)
	}
	return nil
}

func (r *Reader) readAll(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, invalid("%s cannot be read: %v", f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, invalid("%s is damaged: %v", f.Name, err)
	}
	if int64(len(data)) > limit {
		return nil, invalid("%s is longer than %d bytes", f.Name, limit)
	}
	return data, nil
}

// Close closes the bundle file.
func (r *Reader) Close() error { return r.zr.Close() }

// Manifest returns the bundle's manifest.
func (r *Reader) Manifest() Manifest { return r.m }

// Has tells whether the bundle holds the file name.
func (r *Reader) Has(name string) bool { _, ok := r.m.Files[name]; return ok }

// File returns the content of a small file of the bundle (the summary, the settings).
func (r *Reader) File(name string) ([]byte, error) {
	f := r.files[name]
	if f == nil || !r.Has(name) {
		return nil, fmt.Errorf("the bundle holds no %s", name)
	}
	return r.readAll(f, int64(f.UncompressedSize64))
}

// Open returns a reader of one file of the bundle.
func (r *Reader) Open(name string) (io.ReadCloser, error) {
	f := r.files[name]
	if f == nil || !r.Has(name) {
		return nil, fmt.Errorf("the bundle holds no %s", name)
	}
	return f.Open()
}

// Settings returns the bundle's settings.
func (r *Reader) Settings() (map[string]string, error) {
	data, err := r.File(SettingsFile)
	if err != nil {
		return nil, err
	}
	var s map[string]string
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, invalid("%s: %v", SettingsFile, err)
	}
	if s == nil {
		s = map[string]string{}
	}
	return s, nil
}

// eachLine calls fn with every non-empty line of the file name and its number.
func (r *Reader) eachLine(name string, fn func(line []byte, n int) error) error {
	rc, err := r.Open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := fn(line, n); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return invalid("%s line %d: %v", name, n+1, err)
	}
	return nil
}

// EachRequest calls fn with every request of the bundle, in the order exported
// (oldest first).
func (r *Reader) EachRequest(fn func(*exchange.Record) error) error {
	return r.eachLine(RequestsFile, func(line []byte, n int) error {
		rec, err := UnmarshalRecord(line)
		if err != nil {
			return invalid("%s line %d: %v", RequestsFile, n, err)
		}
		return fn(rec)
	})
}

// EachResource calls fn with every resource in the file name (UsersFile, GroupsFile).
func (r *Reader) EachResource(name string, fn func(Resource) error) error {
	return r.eachLine(name, func(line []byte, n int) error {
		var res Resource
		if err := json.Unmarshal(line, &res); err != nil {
			return invalid("%s line %d: %v", name, n, err)
		}
		if res.ID == "" || len(res.Doc) == 0 {
			return invalid("%s line %d: a resource without an id or document", name, n)
		}
		return fn(res)
	})
}

// EachLine decodes every line of the optional file name into a new T and calls fn
// with it; a bundle without the file has none.
func EachLine[T any](r *Reader, name string, fn func(T) error) error {
	if !r.Has(name) {
		return nil
	}
	return r.eachLine(name, func(line []byte, n int) error {
		var v T
		if err := json.Unmarshal(line, &v); err != nil {
			return invalid("%s line %d: %v", name, n, err)
		}
		return fn(v)
	})
}

// EachMembership calls fn with every membership of the bundle.
func (r *Reader) EachMembership(fn func(Membership) error) error {
	return r.eachLine(MembershipsFile, func(line []byte, n int) error {
		var m Membership
		if err := json.Unmarshal(line, &m); err != nil {
			return invalid("%s line %d: %v", MembershipsFile, n, err)
		}
		if m.Group == "" || m.User == "" {
			return invalid("%s line %d: a membership without a group or user", MembershipsFile, n)
		}
		return fn(m)
	})
}
