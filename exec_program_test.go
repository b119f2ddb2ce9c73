//go:build linux

package memfile_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/memfile-go/memfile"
)

// Running a program from a memory file: MemFile.Exec replaces a child
// process (never the test process) with a static Go program, and the recipe
// for starting a child from a memory file with os/exec works.

func init() {
	childModes["exec-memfile"] = childExecMemfile
}

// helloProgram builds testdata/hello as a static binary into a directory
// removed when t ends (the build cache makes every build after the first a
// link).
func helloProgram(t *testing.T) string {
	t.Helper()
	if os.Getenv("MEMFILE_TEST_EXEC") != "" {
		t.Skip("under an emulator the kernel cannot run the program from memory (no binfmt_misc)")
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Skipf("no go command to build testdata/hello: %v", err)
		}
	}
	path := filepath.Join(t.TempDir(), "hello")
	cmd := exec.Command(goTool, "build", "-o", path, "./testdata/hello")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./testdata/hello: %v\n%s", err, out)
	}
	return path
}

// childExecMemfile loads the program named by MEMFILE_EXEC_PROGRAM into a
// memory file made as MEMFILE_EXEC_MODE says and calls Exec on it; it prints
// the error if Exec returns.
func childExecMemfile() int {
	mode := os.Getenv("MEMFILE_EXEC_MODE")
	opts := memfile.Options{Exec: memfile.Executable, AllowSealing: true}
	switch mode {
	case "noexec":
		opts.Exec = memfile.NoExec
	case "script":
		opts.InheritOnExec = true
	}
	if os.Getenv("MEMFILE_EXEC_NOPROC") != "" {
		if err := syscall.Unmount("/proc", syscall.MNT_DETACH); err != nil {
			fmt.Println("child: umount /proc:", err)
			return 2
		}
	}
	m, err := memfile.Create("program", opts)
	if err != nil {
		fmt.Println("child:", err)
		return 2
	}
	if mode == "script" || mode == "script-cloexec" {
		m.WriteString("#!/bin/sh\necho script ran as $0 with $1\n")
	} else {
		f, err := os.Open(os.Getenv("MEMFILE_EXEC_PROGRAM"))
		if err != nil {
			fmt.Println("child:", err)
			return 2
		}
		_, err = io.Copy(m, f)
		f.Close()
		if err != nil {
			fmt.Println("child:", err)
			return 2
		}
	}
	if mode == "sealed" {
		if err := m.AddSeals(memfile.SealImmutable | memfile.SealExec); err != nil {
			fmt.Println("child:", err)
			return 2
		}
		s, _ := m.Seals()
		fmt.Println("child: seals", s)
	}
	err = m.Exec([]string{"hello", "from", "memory"}, os.Environ())
	fmt.Println("child: Exec returned:", err)
	if errors.Is(err, syscall.EACCES) {
		fmt.Println("child: EACCES")
	}
	if errors.Is(err, syscall.ENOENT) {
		fmt.Println("child: ENOENT")
	}
	return 1
}

func runExecChild(t *testing.T, prog, mode string, env ...string) (string, error) {
	t.Helper()
	cmd := helperCommand(t, "exec-memfile", append(env, "MEMFILE_EXEC_MODE="+mode, "MEMFILE_EXEC_PROGRAM="+prog)...)
	for _, e := range env {
		if e == "MEMFILE_EXEC_NOPROC=1" {
			cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
		}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestExecFromMemory(t *testing.T) {
	const want = "hello: hello from memory (fd 3 open: false)\n"
	prog := helloProgram(t)
	t.Run("executable", func(t *testing.T) {
		out, err := runExecChild(t, prog, "plain")
		if err != nil || out != want {
			t.Fatalf("child: %v\n%s\nwant %q", err, out, want)
		}
	})
	t.Run("SealImmutable|SealExec", func(t *testing.T) {
		if !kernelAtLeast(6, 3) {
			t.Skip("SealExec needs Linux 6.3")
		}
		out, err := runExecChild(t, prog, "sealed")
		// SealExec on an executable file adds every write seal: the kernel
		// reports future-write too.
		seals := "child: seals seal|shrink|grow|write|future-write|exec\n"
		if err != nil || out != seals+want {
			t.Fatalf("child: %v\n%s\nwant %q", err, out, seals+want)
		}
	})
	t.Run("no-proc", func(t *testing.T) {
		if os.Getuid() != 0 {
			t.Skip("unmounting /proc in a new mount namespace needs root")
		}
		out, err := runExecChild(t, prog, "plain", "MEMFILE_EXEC_NOPROC=1")
		if err != nil || out != want {
			t.Fatalf("child without /proc: %v\n%s\nwant %q", err, out, want)
		}
	})
	t.Run("execveat-ENOSYS", func(t *testing.T) {
		if !memfile.InjectBuild {
			t.Skip("needs -tags memfile_inject to make execveat answer ENOSYS")
		}
		out, err := runExecChild(t, prog, "plain", "MEMFILE_INJECT_EXECVEAT=ENOSYS")
		if err != nil || out != want {
			t.Fatalf("child whose execveat answers ENOSYS: %v\n%s\nwant %q (through /proc/self/fd)", err, out, want)
		}
	})
	t.Run("execveat-ENOSYS/no-proc", func(t *testing.T) {
		if !memfile.InjectBuild {
			t.Skip("needs -tags memfile_inject to make execveat answer ENOSYS")
		}
		if os.Getuid() != 0 {
			t.Skip("unmounting /proc in a new mount namespace needs root")
		}
		out, err := runExecChild(t, prog, "plain", "MEMFILE_INJECT_EXECVEAT=ENOSYS", "MEMFILE_EXEC_NOPROC=1")
		if err == nil || !strings.Contains(out, "child: ENOENT") || !strings.Contains(out, "no execveat") || !strings.Contains(out, "/proc is not mounted") {
			t.Fatalf("child with neither execveat nor /proc: %v\n%s\nwant ENOENT saying both", err, out)
		}
	})
	t.Run("noexec", func(t *testing.T) {
		out, err := runExecChild(t, prog, "noexec")
		if err == nil || !strings.Contains(out, "child: EACCES") || !strings.Contains(out, "Options{Exec: memfile.Executable}") {
			t.Fatalf("child: %v\n%s\nwant EACCES with the hint", err, out)
		}
	})
	t.Run("script", func(t *testing.T) {
		if _, err := os.Stat("/bin/sh"); err != nil {
			t.Skip("no /bin/sh")
		}
		out, err := runExecChild(t, prog, "script")
		if err != nil || !strings.HasPrefix(out, "script ran as /dev/fd/") || !strings.HasSuffix(out, " with from\n") {
			t.Fatalf("child: %v\n%s\nwant the script's line", err, out)
		}
	})
	t.Run("script-cloexec", func(t *testing.T) {
		if _, err := os.Stat("/bin/sh"); err != nil {
			t.Skip("no /bin/sh")
		}
		out, err := runExecChild(t, prog, "script-cloexec")
		if err == nil || !strings.Contains(out, "child: ENOENT") || !strings.Contains(out, "InheritOnExec") {
			t.Fatalf("child: %v\n%s\nwant ENOENT with the InheritOnExec hint", err, out)
		}
	})
}

// Bad input is refused before any system call could replace this process.
func TestExecBadInput(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "exec-bad", memfile.Options{Exec: memfile.Executable})
	m.WriteString("not run")
	err := m.Exec(nil, nil)
	wantErrno(t, "Exec with an empty argv", err, syscall.EINVAL)
	if !strings.Contains(err.Error(), "empty argv") {
		t.Errorf("error %q does not name the empty argv", err)
	}
	wantErrno(t, "Exec with a NUL in argv", m.Exec([]string{"a\x00b"}, nil), syscall.EINVAL)
	n := mustCreate(t, "exec-noexec", memfile.Options{})
	err = n.Exec([]string{"x"}, nil)
	wantErrno(t, "Exec of a NoExec file", err, syscall.EACCES)
	if !strings.Contains(err.Error(), "Options{Exec: memfile.Executable}") {
		t.Errorf("error %q lacks the hint", err)
	}
	m.Close()
	if err := m.Exec([]string{"x"}, nil); !errors.Is(err, memfile.ErrClosed) {
		t.Errorf("Exec on a closed file: %v", err)
	}
}

// The recipe for a child process: the memory file as ExtraFiles[0], run as
// /proc/self/fd/3, which the child resolves after os/exec has arranged its
// descriptors (golang/go#61751).
func TestExecChildRecipe(t *testing.T) {
	checkNoFdLeak(t)
	prog := helloProgram(t)
	m := mustCreate(t, "child-program", memfile.Options{Exec: memfile.Executable})
	f, err := os.Open(prog)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.ReadFrom(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	d, err := m.Dup()
	if err != nil {
		t.Fatal(err)
	}
	fd, _ := d.Release()
	file := os.NewFile(fd, "child-program")
	defer file.Close()
	cmd := exec.Command("/proc/self/fd/3", "child")
	cmd.Args[0] = "hello"
	cmd.ExtraFiles = []*os.File{file}
	out, err := cmd.CombinedOutput()
	if want := "hello: hello child (fd 3 open: true)\n"; err != nil || string(out) != want {
		t.Fatalf("child: %v\n%s\nwant %q", err, out, want)
	}
}
