//go:build linux

package memfile_test

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/memfile-go/memfile"
)

func TestSyscallConn(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "conn", memfile.Options{})
	mustWrite(t, m, []byte("raw access"))
	var sc syscall.Conn = m
	rc, err := sc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var got uintptr
	if err := rc.Control(func(fd uintptr) { got = fd }); err != nil || got != m.Fd() {
		t.Fatalf("Control: fd %d, %v; want %d", got, err, m.Fd())
	}
	buf := make([]byte, 3)
	var n int
	if err := rc.Read(func(fd uintptr) bool {
		n, err = syscall.Pread(int(fd), buf, 4)
		return true
	}); err != nil || n != 3 || string(buf) != "acc" {
		t.Fatalf("Read: %q, %v", buf[:n], err)
	}
	if err := rc.Write(func(fd uintptr) bool {
		n, err = syscall.Pwrite(int(fd), []byte("RAW"), 0)
		return true
	}); err != nil || n != 3 {
		t.Fatalf("Write: %d, %v", n, err)
	}
	k, _ := m.ReadAt(buf, 0)
	if string(buf[:k]) != "RAW" {
		t.Fatalf("after Write the file starts %q", buf[:k])
	}
	// Asking to wait on a file that is always ready is an error, not a spin.
	calls := 0
	err = rc.Read(func(uintptr) bool { calls++; return false })
	wantErrno(t, "Read with a callback that waits", err, syscall.EINVAL)
	if calls != 1 {
		t.Errorf("the callback ran %d times, want 1", calls)
	}
}

// Close does not wait for a callback in flight, but the descriptor the
// callback uses stays valid until it returns (the last call in flight closes
// it); afterwards the RawConn refuses with ErrClosed.
func TestSyscallConnKeepsFdAlive(t *testing.T) {
	checkNoFdLeak(t)
	m, err := memfile.Create("alive", memfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := m.SyscallConn()
	inside, release := make(chan struct{}), make(chan struct{})
	var fstatErr error
	var callbackFd uintptr
	done := make(chan error)
	go func() {
		done <- rc.Control(func(fd uintptr) {
			callbackFd = fd
			close(inside)
			<-release
			var st syscall.Stat_t
			fstatErr = syscall.Fstat(int(fd), &st)
		})
	}()
	<-inside
	closed := make(chan error)
	go func() { closed <- m.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close while a Control callback was running: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for a Control callback in flight")
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(callbackFd), &st); err != nil {
		t.Fatalf("the descriptor was closed under a running callback: %v", err)
	}
	close(release)
	if err := <-done; err != nil || fstatErr != nil {
		t.Fatalf("Control: %v; fstat inside it: %v", err, fstatErr)
	}
	if err := syscall.Fstat(int(callbackFd), &st); err != syscall.EBADF {
		t.Fatalf("after the last call in flight returned, fstat of its descriptor: %v, want EBADF", err)
	}
	ran := false
	if err := rc.Control(func(uintptr) { ran = true }); !errors.Is(err, memfile.ErrClosed) || ran {
		t.Fatalf("Control after Close: %v, ran %v", err, ran)
	}
	if _, err := m.SyscallConn(); !errors.Is(err, memfile.ErrClosed) {
		t.Fatalf("SyscallConn after Close: %v", err)
	}
}

func TestFromSyscallConn(t *testing.T) {
	t.Run("os.File", func(t *testing.T) {
		checkNoFdLeak(t)
		m := mustCreate(t, "adopt", memfile.Options{AllowSealing: true})
		mustWrite(t, m, []byte("adopted"))
		m.AddSeals(memfile.SealShrink | memfile.SealGrow)
		d, _ := m.Dup()
		fd, _ := d.Release()
		f := os.NewFile(fd, "memfd")
		defer f.Close()
		a, err := memfile.FromSyscallConn(f, memfile.SealShrink)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if a.Fd() == fd {
			t.Fatal("FromSyscallConn did not duplicate the descriptor")
		}
		buf := make([]byte, 7)
		if k, _ := a.ReadAt(buf, 0); string(buf[:k]) != "adopted" {
			t.Fatalf("adopted file holds %q", buf[:k])
		}
		if _, err := f.Stat(); err != nil {
			t.Fatalf("the *os.File is unusable after FromSyscallConn: %v", err)
		}
	})
	t.Run("MemFile", func(t *testing.T) {
		checkNoFdLeak(t)
		m := mustCreate(t, "adopt-memfile", memfile.Options{})
		a, err := memfile.FromSyscallConn(m, 0)
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
	})
	t.Run("missing-seals", func(t *testing.T) {
		checkNoFdLeak(t)
		m := mustCreate(t, "unsealed", memfile.Options{AllowSealing: true})
		_, err := memfile.FromSyscallConn(m, memfile.SealWrite)
		if !errors.Is(err, memfile.ErrMissingSeals) {
			t.Fatalf("FromSyscallConn demanding SealWrite of an unsealed file: %v", err)
		}
	})
	t.Run("pipe", func(t *testing.T) {
		checkNoFdLeak(t)
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		_, err = memfile.FromSyscallConn(r, 0)
		wantErrno(t, "FromSyscallConn(pipe)", err, syscall.EINVAL)
	})
	t.Run("closed", func(t *testing.T) {
		checkNoFdLeak(t)
		f, err := os.Open("/dev/null")
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		_, err = memfile.FromSyscallConn(f, 0)
		var e *memfile.Error
		if !errors.As(err, &e) || e.Op != "SyscallConn.Control" {
			t.Fatalf("FromSyscallConn(closed file): %v; want an *Error naming SyscallConn.Control", err)
		}
		if _, err := memfile.FromSyscallConn(nil, 0); !errors.Is(err, syscall.EINVAL) {
			t.Fatalf("FromSyscallConn(nil): %v", err)
		}
	})
}

// A callback may Close its own file: the Close returns at once and the
// descriptor stays valid until the callback returns (no self-deadlock).
func TestSyscallConnCloseInsideCallback(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "self-close", memfile.Options{})
	rc, err := m.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var closeErr, fstatErr error
	var fd0 uintptr
	done := make(chan error, 1)
	go func() {
		done <- rc.Control(func(fd uintptr) {
			fd0 = fd
			closeErr = m.Close()
			var st syscall.Stat_t
			fstatErr = syscall.Fstat(int(fd), &st)
		})
	}()
	select {
	case err := <-done:
		if err != nil || closeErr != nil || fstatErr != nil {
			t.Fatalf("Control: %v; Close inside: %v; fstat after that Close: %v", err, closeErr, fstatErr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close inside a Control callback hung")
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(fd0), &st); err != syscall.EBADF {
		t.Fatalf("after the callback returned, fstat: %v, want EBADF", err)
	}
}
