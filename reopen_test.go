//go:build linux

package memfile_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/memfile-go/memfile"
)

func init() {
	childModes["reopen-no-proc"] = childReopenNoProc
	childModes["reopen-fake-proc"] = childReopenFakeProc
}

// A read-only reopening shares the contents but not the offset, and through
// it nothing can write, seal, resize or map the file writable.
func TestReopenReadOnly(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "reopen", memfile.Options{AllowSealing: true})
	mustWrite(t, m, []byte("read-only view"))
	m.Seek(5, io.SeekStart)
	ro, err := m.ReopenReadOnly()
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if ro.Fd() == m.Fd() {
		t.Fatal("same descriptor")
	}
	if off := offsetOf(t, ro); off != 0 {
		t.Fatalf("the new descriptor starts at offset %d, want its own 0", off)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(ro, buf); err != nil || string(buf) != "read" {
		t.Fatalf("Read: %q, %v", buf, err)
	}
	if off := offsetOf(t, m); off != 5 {
		t.Fatalf("reading the new descriptor moved the original's offset to %d", off)
	}
	m.WriteAt([]byte("R"), 0) // a change through m shows through ro
	if _, err := ro.ReadAt(buf[:1], 0); err != nil || buf[0] != 'R' {
		t.Fatalf("ro does not see m's write: %q, %v", buf[:1], err)
	}
	flags, _, e := syscall.Syscall(syscall.SYS_FCNTL, ro.Fd(), syscall.F_GETFD, 0)
	if e != 0 || flags&syscall.FD_CLOEXEC == 0 {
		t.Errorf("the new descriptor is not close-on-exec: flags %#x, %v", flags, e)
	}

	_, err = ro.Write([]byte("x"))
	wantErrno(t, "Write", err, syscall.EBADF)
	_, err = ro.WriteAt([]byte("x"), 0)
	wantErrno(t, "WriteAt", err, syscall.EBADF)
	_, err = ro.ReadFrom(strings.NewReader("x"))
	wantErrno(t, "ReadFrom", err, syscall.EBADF)
	wantErrno(t, "AddSeals", ro.AddSeals(memfile.SealWrite), syscall.EPERM)
	wantErrno(t, "Truncate", ro.Truncate(1), syscall.EINVAL)
	_, err = ro.Map(0, 14, memfile.MapReadWrite)
	wantErrno(t, "Map(ReadWrite)", err, syscall.EACCES)
	mp, err := ro.Map(0, 14, memfile.MapReadOnly)
	if err != nil {
		t.Fatalf("Map(ReadOnly): %v", err)
	}
	if mp.Bytes()[0] != 'R' {
		t.Errorf("read-only mapping starts %q", mp.Bytes()[:1])
	}
	mp.Unmap()
	// The raw descriptor refuses too: not just this package's methods.
	_, err = syscall.Pwrite(int(ro.Fd()), []byte("x"), 0)
	wantErrno(t, "pwrite(2) on the raw descriptor", err, syscall.EBADF)
	_, err = syscall.Mmap(int(ro.Fd()), 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	wantErrno(t, "mmap(2) PROT_WRITE MAP_SHARED on the raw descriptor", err, syscall.EACCES)

	// The seals still hold for everyone, and m can still seal.
	if err := m.AddSeals(memfile.SealWrite); err != nil {
		t.Fatal(err)
	}
	if s, _ := ro.Seals(); !s.Has(memfile.SealWrite) {
		t.Errorf("ro sees seals %v", s)
	}
	// The path is built on the stack: the MemFile is the only allocation.
	if n := testing.AllocsPerRun(20, func() {
		if r, err := m.ReopenReadOnly(); err == nil {
			r.Close()
		}
	}); n > 1 {
		t.Errorf("ReopenReadOnly allocates %v times, want 1 (the MemFile)", n)
	}
	m.Close()
	ro2, err := m.ReopenReadOnly()
	if !errors.Is(err, memfile.ErrClosed) || ro2 != nil {
		t.Fatalf("ReopenReadOnly on a closed file: %v", err)
	}
}

// Without /proc the error says so. The child runs in a mount namespace of its
// own (CLONE_NEWNS; os/exec makes its mounts private) and unmounts /proc
// there.
func TestReopenReadOnlyWithoutProc(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("unmounting /proc in a new mount namespace needs root")
	}
	cmd := helperCommand(t, "reopen-no-proc")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "ENOENT") || !strings.Contains(string(out), "/proc is not mounted") {
		t.Fatalf("child output:\n%s\nwant ENOENT and a hint that /proc is not mounted", out)
	}
}

func childReopenNoProc() int {
	if err := syscall.Unmount("/proc", syscall.MNT_DETACH); err != nil {
		fmt.Println("child: umount /proc:", err)
		return 2
	}
	if _, err := os.Stat("/proc/self"); err == nil {
		fmt.Println("child: /proc/self still exists")
		return 2
	}
	m, err := memfile.Create("no-proc", memfile.Options{})
	if err != nil {
		fmt.Println("child:", err)
		return 2
	}
	defer m.Close()
	ro, err := m.ReopenReadOnly()
	if err == nil {
		ro.Close()
		fmt.Println("child: ReopenReadOnly worked without /proc")
		return 1
	}
	if errors.Is(err, syscall.ENOENT) {
		fmt.Println("child: ENOENT:", err)
	} else {
		fmt.Println("child: unexpected error:", err)
	}
	return 0
}

// A /proc that is not procfs (a tmpfs with a file at /proc/self/fd/N) must
// not hand out another file: ReopenReadOnly checks the identity, refuses
// with EXDEV and closes what it opened.
func TestReopenReadOnlyFakeProc(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("mounting a tmpfs over /proc in a new mount namespace needs root")
	}
	cmd := helperCommand(t, "reopen-fake-proc")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "child: EXDEV, no leak") {
		t.Fatalf("child: %v\n%s\nwant EXDEV and no leaked descriptor", err, out)
	}
}

func childReopenFakeProc() int {
	m, err := memfile.Create("fake-proc", memfile.Options{})
	if err != nil {
		fmt.Println("child:", err)
		return 2
	}
	defer m.Close()
	if err := syscall.Mount("tmpfs", "/proc", "tmpfs", 0, ""); err != nil {
		fmt.Println("child: mount tmpfs on /proc:", err)
		return 2
	}
	dir := "/proc/self/fd"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Println("child:", err)
		return 2
	}
	if err := os.WriteFile(fmt.Sprintf("%s/%d", dir, m.Fd()), []byte("impostor"), 0o644); err != nil {
		fmt.Println("child:", err)
		return 2
	}
	// The lowest free descriptor: the one openat will use.
	next, err := syscall.Dup(0)
	if err != nil {
		fmt.Println("child:", err)
		return 2
	}
	syscall.Close(next)
	ro, err := m.ReopenReadOnly()
	if err == nil {
		b, _ := io.ReadAll(ro)
		fmt.Printf("child: ReopenReadOnly returned another file: %q\n", b)
		return 1
	}
	if !errors.Is(err, syscall.EXDEV) {
		fmt.Println("child: unexpected error:", err)
		return 1
	}
	if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(next), syscall.F_GETFD, 0); e != syscall.EBADF {
		fmt.Printf("child: descriptor %d is still open after the refusal\n", next)
		return 1
	}
	fmt.Println("child: EXDEV, no leak:", err)
	return 0
}
