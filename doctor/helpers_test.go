package doctor

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/adrg/xdg"
)

// freshHome points the XDG directories and the temporary directory at empty
// directories under a new one, which it returns.
func freshHome(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	t.Cleanup(xdg.Reload)
	for _, v := range []string{"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "TMPDIR"} {
		t.Setenv(v, filepath.Join(root, strings.ToLower(v)))
	}
	if err := os.Mkdir(filepath.Join(root, "tmpdir"), 0o700); err != nil {
		t.Fatal(err)
	}
	xdg.Reload()
	return root
}

// tree lists every file and directory under root with its mode, size and
// modification time, to show that nothing was created or changed.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s %s %d %s", path, fi.Mode(), fi.Size(), fi.ModTime()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, before, after []string) {
	t.Helper()
	if !slices.Equal(before, after) {
		t.Errorf("the files changed:\nbefore %q\nafter  %q", before, after)
	}
}

// find returns the check of that group and name.
func find(t *testing.T, checks []Check, g Group, name string) Check {
	t.Helper()
	for _, c := range checks {
		if c.Group == g && c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s check %q in %+v", g, name, checks)
	return Check{}
}

// want checks a check's status and that its text holds each of the words; a
// status other than OK must come with a fix.
func want(t *testing.T, c Check, s Status, words ...string) {
	t.Helper()
	if c.Status != s {
		t.Errorf("%s: status %s, want %s (%+v)", c.Name, c.Status, s, c)
	}
	if (c.Status != OK) != (c.Fix != "") || c.Command != "" && c.Fix == "" {
		t.Errorf("%s: status %s with fix %q, command %q: a problem needs a fix, only a problem has one, and a command goes with one", c.Name, c.Status, c.Fix, c.Command)
	}
	text := allText(c)
	for _, w := range words {
		if !strings.Contains(text, w) {
			t.Errorf("%s: %q lacks %q", c.Name, text, w)
		}
	}
}

// refuse fails when any of the words is in the check's text.
func refuse(t *testing.T, c Check, words ...string) {
	t.Helper()
	text := allText(c)
	for _, w := range words {
		if strings.Contains(text, w) {
			t.Errorf("%s: %q says %q", c.Name, text, w)
		}
	}
}

func allText(c Check) string {
	return strings.Join(append([]string{c.Path, c.Found, c.Fix, c.Command}, c.Notes...), "\n")
}
