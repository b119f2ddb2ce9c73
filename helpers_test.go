//go:build linux

package memfile_test

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/memfile-go/memfile"
)

// openFds returns this process's open descriptors and what each refers to.
func openFds(t testing.TB) map[string]string {
	t.Helper()
	dir := "/proc/self/fd"
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("listing descriptors: %v", err)
	}
	fds := make(map[string]string, len(ents))
	for _, e := range ents {
		target, _ := os.Readlink(dir + "/" + e.Name())
		fds[e.Name()] = target
	}
	// The descriptor ReadDir used is gone again by now.
	for fd, target := range fds {
		if target == "" {
			delete(fds, fd)
		}
	}
	return fds
}

// checkNoFdLeak records the open descriptors and fails the test if any was
// added by the time it ends.
func checkNoFdLeak(t *testing.T) {
	t.Helper()
	before := openFds(t)
	t.Cleanup(func() {
		after := openFds(t)
		for fd, target := range after {
			if _, ok := before[fd]; !ok {
				t.Errorf("descriptor leak: fd %s (%s) was opened and not closed", fd, target)
			}
		}
	})
}

// mustCreate creates a MemFile that is closed when the test ends.
func mustCreate(t testing.TB, name string, opts memfile.Options) *memfile.MemFile {
	t.Helper()
	m, err := memfile.Create(name, opts)
	if err != nil {
		t.Fatalf("Create(%q, %+v): %v", name, opts, err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// mustWrite writes p at offset 0.
func mustWrite(t testing.TB, m *memfile.MemFile, p []byte) {
	t.Helper()
	if _, err := m.WriteAt(p, 0); err != nil {
		t.Fatalf("WriteAt: %v", err)
	}
}

// wantErrno fails unless err matches errno with errors.Is.
func wantErrno(t testing.TB, what string, err error, errno syscall.Errno) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded, want %v", what, errno)
	}
	if !isErrno(err, errno) {
		t.Fatalf("%s: error %v (%T), want one matching %v", what, err, err, errno)
	}
}

func isErrno(err error, errno syscall.Errno) bool {
	for err != nil {
		if e, ok := err.(syscall.Errno); ok {
			return e == errno
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// helperCommand returns a command that re-runs this test binary in a child
// process that plays the role registered as childModes[mode]. Under qemu-user
// (no binfmt_misc), the environment variable MEMFILE_TEST_EXEC names the
// emulator to run it with.
func helperCommand(t testing.TB, mode string, env ...string) *exec.Cmd {
	t.Helper()
	if childModes[mode] == nil {
		t.Fatalf("no child mode %q", mode)
	}
	cmd := exampleChild(mode)
	// A race-enabled child sleeps a second at exit unless told not to.
	gorace := "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")
	cmd.Env = append(append(cmd.Env, gorace), env...)
	return cmd
}

// kernelAtLeast reports whether the running Linux kernel is at least
// major.minor (false if it cannot tell).
func kernelAtLeast(major, minor int) bool {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return false
	}
	var b []byte
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	var maj, min int
	parts := strings.SplitN(string(b), ".", 3)
	if len(parts) < 2 {
		return false
	}
	for _, c := range parts[0] {
		maj = maj*10 + int(c-'0')
	}
	for _, c := range parts[1] {
		if c < '0' || c > '9' {
			break
		}
		min = min*10 + int(c-'0')
	}
	return maj > major || maj == major && min >= minor
}

// exampleChild starts this test binary in one of its child roles (see
// main_test.go), through the emulator that MEMFILE_TEST_EXEC names under
// qemu-user. A real program would start its own child program here.
func exampleChild(mode string) *exec.Cmd {
	args := []string{os.Args[0]}
	if exe, err := os.Executable(); err == nil {
		args[0] = exe
	}
	if wrapper := os.Getenv("MEMFILE_TEST_EXEC"); wrapper != "" {
		args = append(strings.Fields(wrapper), args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "MEMFILE_TEST_CHILD="+mode)
	return cmd
}
