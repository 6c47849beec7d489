package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// asScimlab makes a directory with a "scimlab" that runs this test binary as scimlab,
// for a shell or a child process to call by name; it returns the directory and the
// environment that puts it first on PATH.
func asScimlab(t *testing.T) (dir string, env []string) {
	t.Helper()
	dir = t.TempDir()
	script := "#!/bin/sh\nSCIMLAB_TEST_AS_MAIN=1 exec '" + os.Args[0] + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "scimlab"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "NGROK_AUTHTOKEN=")
}

// scimlabProcess runs scimlab args in a process of its own and returns its output
// and exit status.
func scimlabProcess(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "SCIMLAB_TEST_AS_MAIN=1", "NGROK_AUTHTOKEN="), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// Each shell's script is printed, names the subcommands, and is what that shell
// loads: bash's is loaded by bash and completes a subcommand, a flag's values and
// the IdP simulate takes.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{"completion", shell}, noEnv, nil, &stdout, &stderr); err != nil {
			t.Fatalf("completion %s: %v\n%s", shell, err, stderr.String())
		}
		if !strings.Contains(stdout.String(), "scimlab") || !strings.Contains(stdout.String(), "__complete") || stdout.Len() < 1000 {
			t.Errorf("completion %s printed %d bytes:\n%s", shell, stdout.Len(), stdout.String())
		}
	}

	if testing.Short() {
		t.Skip("runs bash and scimlab as processes")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash here")
	}
	// Completions in bash run on the bash-completion package, as in every
	// distribution's interactive bash (and Homebrew's bash-completion@2 on macOS).
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(bashCompletion); err != nil {
		t.Skip("the bash-completion package is not installed (" + bashCompletion + "); scripts/test.sh installs it")
	}
	// A lab to complete --lab with, in a data directory of the test's own.
	dir := useDataDir(t)
	classLab, _ := dir.Path("class-3")
	if err := os.MkdirAll(filepath.Dir(classLab), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(classLab, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, env := asScimlab(t)
	complete := func(line string) []string {
		t.Helper()
		script := `source ` + bashCompletion + ` || exit 2
source <(scimlab completion bash) || exit 3
complete -p scimlab || exit 4
read -ra COMP_WORDS <<<"$LINE"
[[ $LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE=$LINE; COMP_POINT=${#LINE}
__start_scimlab
printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", script)
		cmd.Env = append(env, "LINE="+line)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash completing %q: %v\n%s", line, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if !strings.HasPrefix(lines[0], "complete ") || !strings.HasSuffix(lines[0], " scimlab") {
			t.Fatalf("complete -p scimlab printed %q", lines[0])
		}
		var words []string
		for _, l := range lines[1:] {
			words = append(words, strings.TrimSpace(l))
		}
		return words
	}
	for _, tc := range []struct{ line, want string }{
		{"scimlab se", "serve"},
		{"scimlab do", "doctor"},
		{"scimlab simulate ", "entra"},
		{"scimlab log --idp ", "unknown"},
		{"scimlab serve --no-t", "--no-tunnel"},
		{"scimlab serve --profile thi", "thinglink"},
		{"scimlab la", "labs"},
		{"scimlab serve --lab cl", "class-3"},
		{"scimlab replay --to-lab ", "class-3"},
		{"scimlab export --idp ", "entra"},
		{"scimlab export --bu", "--bundle"},
	} {
		if got := complete(tc.line); !containsWord(got, tc.want) {
			t.Errorf("%q completes to %q, want %q among them", tc.line, got, tc.want)
		}
	}
}

func containsWord(words []string, want string) bool {
	for _, w := range words {
		if w == want || strings.HasPrefix(w, want+" ") {
			return true
		}
	}
	return false
}

// The man page is roff, names scimlab and every subcommand.
func TestManPage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs scimlab as a process")
	}
	stdout, stderr, code := scimlabProcess(t, nil, "man")
	if code != 0 || stderr != "" {
		t.Fatalf("man: exit %d\n%s", code, stderr)
	}
	for _, w := range []string{".TH SCIMLAB 1", ".SH NAME", "serve", "simulate", "doctor", "--listen", "--no-network", "Exit status"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("the man page lacks %q", w)
		}
	}
}

// The exit statuses of a real process: 0, 1 for a failure, 2 for a usage error with
// one line and where the help is.
func TestExitStatusOfTheProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs scimlab as processes")
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	db := filepath.Join(t.TempDir(), "x.db")
	tests := []struct {
		args       []string
		code       int
		wantStderr string
	}{
		{[]string{"version"}, 0, ""},
		{[]string{"-version"}, 0, ""},
		{[]string{"help", "serve"}, 0, ""},
		{[]string{"frobnicate"}, 2, "scimlab: unknown command \"frobnicate\"\nRun 'scimlab --help' for usage.\n"},
		{[]string{"log", "--tail"}, 2, "scimlab log: unknown flag: --tail\nRun 'scimlab log --help' for usage.\n"},
		{[]string{"serve", "--fault", "POST /Users 4299"}, 2, "Run 'scimlab serve --help' for usage.\n"},
		{[]string{"serve", "--listen", busy.Addr().String(), "--db", db, "--no-tunnel"}, 1, "already in use"},
		{[]string{"log", "--db", filepath.Join(t.TempDir(), "none.db")}, 1, "scimlab: "},
		{[]string{"serve", "--lab", "a", "--db", db}, 2, "scimlab serve: --lab and --db both name a database; give one of them\n"},
		{[]string{"replay", "--lab", "a"}, 2, "scimlab replay: give one of --target URL or --to-lab NAME: where to replay\n"},
		{[]string{"export", "--lab", "nosuch", "--har", filepath.Join(t.TempDir(), "x.har")}, 1, "scimlab: there is no lab called \"nosuch\"; scimlab labs lists them\n"},
		{[]string{"import", filepath.Join(t.TempDir(), "none.zip"), "--lab", "x"}, 1, "scimlab: "},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			stdout, stderr, code := scimlabProcess(t, nil, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout %s\nstderr %s", code, tc.code, stdout, stderr)
			}
			if tc.wantStderr == "" && stderr != "" || !strings.Contains(stderr, tc.wantStderr) {
				t.Errorf("stderr %q, want %q", stderr, tc.wantStderr)
			}
			if code == 2 && strings.Count(stderr, "\n") != 2 {
				t.Errorf("a usage error is two lines: %q", stderr)
			}
		})
	}
}

// A real start takes each setting from the highest level that gives it: the
// config file's listen, strict mode and database are overridden by SCIMLAB_DB and
// by --listen, and what is left comes from the file.
func TestSettingsOnARealStart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs scimlab as a process")
	}
	home := t.TempDir()
	configDir := filepath.Join(home, "config", "scimlab")
	if err := os.MkdirAll(configDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(configDir, "config.yaml"),
		[]byte("listen: 127.0.0.1:1\nstrict: true\ndb: from-config.db\nprofile: thinglink\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	envDB := filepath.Join(home, "from-env.db")
	cmd := exec.Command(os.Args[0], "serve", "--listen", "127.0.0.1:0", "--no-tunnel")
	cmd.Env = append(os.Environ(), "SCIMLAB_TEST_AS_MAIN=1", "NGROK_AUTHTOKEN=",
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "SCIMLAB_DB="+envDB)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var banner strings.Builder
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	deadline := time.After(waitLimit)
	for !strings.Contains(banner.String(), "Press Ctrl+C to stop.") {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve stopped:\n%s\n%s", banner.String(), stderr.String())
			}
			banner.WriteString(l + "\n")
		case <-deadline:
			t.Fatalf("no banner:\n%s", banner.String())
		}
	}
	out := banner.String()
	for _, want := range []string{"Database       " + envDB, "Mode           strict", "Profile        thinglink", "Local URL      http://127.0.0.1:"} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "127.0.0.1:1/") || strings.Contains(out, "from-config.db") {
		t.Errorf("the config file won over the flag or the variable:\n%s", out)
	}
}
