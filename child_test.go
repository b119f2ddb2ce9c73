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

func init() { childModes["read-fd3"] = childReadFd3 }

// childReadFd3 runs in a child process started by the tests below: it adopts
// descriptor 3, demands the immutable seals, and prints what it reads.
func childReadFd3() int {
	m, err := memfile.FromFdWithSeals(3, memfile.SealImmutable)
	if err != nil {
		fmt.Printf("child: FromFdWithSeals: %v\n", err)
		return 2
	}
	size, err := m.Size()
	if err != nil {
		fmt.Printf("child: Size: %v\n", err)
		return 2
	}
	mp, err := m.Map(0, int(size), memfile.MapReadOnly)
	if err != nil {
		fmt.Printf("child: Map: %v\n", err)
		return 2
	}
	seals, _ := m.Seals()
	_, werr := m.WriteAt([]byte("x"), 0)
	fmt.Printf("child: immutable=%v contents=%q write refused=%v\n", seals.Has(memfile.SealImmutable), mp.Bytes(), werr != nil)
	mp.Unmap()
	m.Close()
	return 0
}

func sealedPayload(t *testing.T) *memfile.MemFile {
	m := mustCreate(t, "to-child", memfile.Options{AllowSealing: true})
	mustWrite(t, m, []byte("hello, child"))
	if err := m.AddSeals(memfile.SealImmutable); err != nil {
		t.Fatal(err)
	}
	return m
}

const wantChild = `child: immutable=true contents="hello, child" write refused=true`

func TestChildProcessExecCmd(t *testing.T) {
	checkNoFdLeak(t)
	m := sealedPayload(t)
	d, err := m.Dup()
	if err != nil {
		t.Fatal(err)
	}
	fd, _ := d.Release()
	f := os.NewFile(fd, "to-child")
	defer f.Close()
	cmd := helperCommand(t, "read-fd3")
	cmd.ExtraFiles = []*os.File{f} // becomes descriptor 3 in the child
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), wantChild) {
		t.Fatalf("child: %v\n%s\nwant a line %q", err, out, wantChild)
	}
}

func TestChildProcessForkExec(t *testing.T) {
	checkNoFdLeak(t)
	m := sealedPayload(t)
	cmd := helperCommand(t, "read-fd3")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	attr := &syscall.ProcAttr{
		Env:   cmd.Env,
		Files: []uintptr{0, w.Fd(), w.Fd(), m.Fd()}, // m.Fd() becomes descriptor 3
	}
	pid, err := syscall.ForkExec(cmd.Path, cmd.Args, attr)
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
	if ws.ExitStatus() != 0 || !strings.Contains(out.String(), wantChild) {
		t.Fatalf("child exited %d:\n%s\nwant a line %q", ws.ExitStatus(), out.String(), wantChild)
	}
}
