package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFormatVersion(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name    string
		v, c, d string
		bi      *debug.BuildInfo
		want    string
	}{
		{
			name: "release build: ldflags win over build info",
			v:    "0.1.0", c: "1a2b3c4", d: "2026-12-05T08:01:00Z",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: "scimlab 0.1.0 (commit 1a2b3c4 of 2026-12-05T08:01:00Z, go1.26.8 " + platform + ")",
		},
		{
			name: "go build in a checkout with VCS stamping",
			bi: &debug.BuildInfo{
				GoVersion: "go1.26.8",
				Main:      debug.Module{Version: "v0.0.0-20261205081154-5c2f1eda9b51"},
				Settings: vcs("vcs", "git", "vcs.revision", "5c2f1eda9b51781f6ec1b602e42995a9201ce14f",
					"vcs.time", "2026-12-05T08:11:54Z", "vcs.modified", "false"),
			},
			want: "scimlab v0.0.0-20261205081154-5c2f1eda9b51 (commit 5c2f1eda9b51 of 2026-12-05T08:11:54Z, go1.26.8 " + platform + ")",
		},
		{
			name: "go build in a checkout with uncommitted changes",
			bi: &debug.BuildInfo{
				GoVersion: "go1.26.8",
				Main:      debug.Module{Version: "v0.0.0-20261205081154-5c2f1eda9b51+dirty"},
				Settings: vcs("vcs.revision", "5c2f1eda9b51781f6ec1b602e42995a9201ce14f",
					"vcs.time", "2026-12-05T08:11:54Z", "vcs.modified", "true"),
			},
			want: "scimlab v0.0.0-20261205081154-5c2f1eda9b51+dirty (commit 5c2f1eda9b51 of 2026-12-05T08:11:54Z, with local changes, go1.26.8 " + platform + ")",
		},
		{
			name: "go build with -buildvcs=false records no commit",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: "scimlab (devel) (commit not recorded, go1.26.8 " + platform + ")",
		},
		{
			name: "go install module@version names the version only",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.1.0"}},
			want: "scimlab v0.1.0 (commit not recorded, go1.26.8 " + platform + ")",
		},
		{
			name: "no build info at all",
			want: "scimlab (devel) (commit not recorded, " + runtime.Version() + " " + platform + ")",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatVersion(tc.v, tc.c, tc.d, tc.bi); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestVersionOfThisBinary checks the test binary's own line: never the old bare "dev".
func TestVersionOfThisBinary(t *testing.T) {
	got := versionString()
	if !strings.HasPrefix(got, "scimlab ") || strings.HasPrefix(got, "scimlab dev") ||
		!strings.Contains(got, "commit ") || !strings.Contains(got, runtime.Version()) {
		t.Errorf("versionString() = %q", got)
	}
}
