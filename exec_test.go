//go:build linux

package memfile_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/memfile-go/memfile"
)

// Handing a MemFile to a child process at exec: every
// route (os/exec with a released or a duplicated descriptor, and
// syscall.ForkExec) must give the child the same seals and contents, and a
// file that is not handed over explicitly must not reach the child at all.

func init() {
	childModes["exec-describe-fd3"] = childDescribeFd3
	childModes["exec-list-memfds"] = childListMemfds
}

// childDescribeFd3 adopts descriptor 3, demanding only SealShrink (so that
// MapSealed can map it), and prints the line describe gives for it.
func childDescribeFd3() int {
	m, err := memfile.FromFdWithSeals(3, memfile.SealShrink)
	if err != nil {
		fmt.Println("child:", err)
		return 2
	}
	defer m.Close()
	line, err := describe(0, m)
	if err != nil {
		fmt.Println("child:", err)
		return 2
	}
	fmt.Println("child:", line)
	return 0
}

// childListMemfds prints the name of every memory file open in the child.
func childListMemfds() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		fmt.Println("child:", err)
		return 2
	}
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err == nil && strings.HasPrefix(target, "/memfd:") {
			fmt.Printf("child: fd %s is %s\n", e.Name(), target)
		}
	}
	return 0
}

func TestChildSeesSameSealsAndContents(t *testing.T) {
	newFile := func(t *testing.T) (*memfile.MemFile, string) {
		m := mustCreate(t, "to-child", memfile.Options{AllowSealing: true})
		mustWrite(t, m, bytes.Repeat([]byte("shared with a child "), 500))
		if err := m.AddSeals(memfile.SealShrink | memfile.SealGrow | memfile.SealWrite); err != nil {
			t.Fatal(err)
		}
		line, err := describe(0, m)
		if err != nil {
			t.Fatal(err)
		}
		return m, "child: " + line + "\n"
	}
	t.Run("exec.Cmd/Release", func(t *testing.T) {
		checkNoFdLeak(t)
		m, want := newFile(t)
		// Hand the descriptor itself to an *os.File: m is closed from here
		// on, and the *os.File owns (and closes) the descriptor.
		fd, err := m.Release()
		if err != nil {
			t.Fatal(err)
		}
		f := os.NewFile(fd, "to-child")
		defer f.Close()
		cmd := helperCommand(t, "exec-describe-fd3")
		cmd.ExtraFiles = []*os.File{f}
		out, err := cmd.CombinedOutput()
		if err != nil || string(out) != want {
			t.Fatalf("child: %v\n%s\nwant %q", err, out, want)
		}
	})
	t.Run("exec.Cmd/Dup", func(t *testing.T) {
		checkNoFdLeak(t)
		m, want := newFile(t)
		// Keep m, and give the child a duplicate.
		d, err := m.Dup()
		if err != nil {
			t.Fatal(err)
		}
		fd, _ := d.Release()
		f := os.NewFile(fd, "to-child")
		cmd := helperCommand(t, "exec-describe-fd3")
		cmd.ExtraFiles = []*os.File{f}
		out, err := cmd.CombinedOutput()
		f.Close() // the child has its own copy now
		if err != nil || string(out) != want {
			t.Fatalf("child: %v\n%s\nwant %q", err, out, want)
		}
		if _, err := m.Size(); err != nil {
			t.Errorf("m after the child ran: %v", err)
		}
	})
	t.Run("syscall.ForkExec", func(t *testing.T) {
		checkNoFdLeak(t)
		m, want := newFile(t)
		cmd := helperCommand(t, "exec-describe-fd3")
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		// Files[i] becomes descriptor i in the child; m keeps its own.
		pid, err := syscall.ForkExec(cmd.Path, cmd.Args, &syscall.ProcAttr{
			Env:   cmd.Env,
			Files: []uintptr{0, w.Fd(), w.Fd(), m.Fd()},
		})
		w.Close()
		if err != nil {
			t.Fatalf("ForkExec: %v", err)
		}
		var out bytes.Buffer
		out.ReadFrom(r)
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
			t.Fatal(err)
		}
		if ws.ExitStatus() != 0 || out.String() != want {
			t.Fatalf("child exited %d:\n%s\nwant %q", ws.ExitStatus(), out.String(), want)
		}
	})
}

// A MemFile is close-on-exec unless created with InheritOnExec: a child
// started without it in ExtraFiles never sees it. With InheritOnExec every
// child inherits it, at the same descriptor number, whether it wants it or
// not, which is why the default is close-on-exec.
func TestChildInheritsOnlyWhatItIsGiven(t *testing.T) {
	for _, inherit := range []bool{false, true} {
		t.Run(fmt.Sprintf("InheritOnExec=%v", inherit), func(t *testing.T) {
			checkNoFdLeak(t)
			name := fmt.Sprintf("inherit-%v-%d", inherit, os.Getpid())
			m := mustCreate(t, name, memfile.Options{InheritOnExec: inherit})
			out, err := helperCommand(t, "exec-list-memfds").CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			line := fmt.Sprintf("child: fd %d is /memfd:%s (deleted)\n", m.Fd(), name)
			if got := strings.Contains(string(out), line); got != inherit {
				t.Errorf("child lists %q: %v, want %v; child output:\n%s", line, got, inherit, out)
			}
		})
	}
}
