//go:build linux && !(android && cgo)

package memfile_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memfile-go/memfile"
)

// SendConn and ReceiveConn over net.UnixConn (non-blocking, with the
// runtime's poller) and over *os.File.

// unixConnPair returns a connected pair of net.UnixConns, closed when the
// test ends.
func unixConnPair(t *testing.T, typ int) (a, b *net.UnixConn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, typ|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conn := func(fd int) *net.UnixConn {
		f := os.NewFile(uintptr(fd), "sock")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c.(*net.UnixConn)
	}
	return conn(fds[0]), conn(fds[1])
}

func TestSendConnReceiveConn(t *testing.T) {
	checkNoFdLeak(t)
	payload := []byte("over a net.UnixConn")
	m := sealedFile(t, "conn", payload)
	a, b := unixConnPair(t, syscall.SOCK_STREAM)
	if err := memfile.SendConn(a, []byte("hello"), m, m); err != nil {
		t.Fatalf("SendConn: %v", err)
	}
	buf := make([]byte, 16)
	n, files, err := memfile.ReceiveConn(b, buf, 2, memfile.AdoptOptions{Seals: memfile.SealImmutable, MaxSize: 1 << 20, FullyAllocated: true})
	if err != nil || n != 5 || string(buf[:n]) != "hello" || len(files) != 2 {
		t.Fatalf("ReceiveConn = %d %q, %d files, %v", n, buf[:n], len(files), err)
	}
	for _, f := range files {
		got := make([]byte, len(payload))
		if _, err := f.ReadAt(got, 0); err != nil || !bytes.Equal(got, payload) {
			t.Errorf("received file holds %q, %v", got, err)
		}
		f.Close()
	}
	// Over *os.File (a blocking socket: RawConn calls once).
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	fa, fb := os.NewFile(uintptr(fds[0]), "a"), os.NewFile(uintptr(fds[1]), "b")
	defer fa.Close()
	defer fb.Close()
	if err := memfile.SendConn(fa, []byte("f"), m); err != nil {
		t.Fatalf("SendConn over *os.File: %v", err)
	}
	_, files, err = memfile.ReceiveConn(fb, buf, 1, memfile.AdoptOptions{Seals: memfile.SealImmutable})
	if err != nil {
		t.Fatalf("ReceiveConn over *os.File: %v", err)
	}
	files[0].Close()
	fa.Close()
	if _, _, err := memfile.ReceiveConn(fb, buf, 1, memfile.AdoptOptions{}); err != io.EOF {
		t.Errorf("ReceiveConn after the peer closed: %v, want io.EOF", err)
	}
}

// The read deadline of a net.UnixConn applies: ReceiveConn waits in the
// poller, not in a blocking recvmsg, and fails with os.ErrDeadlineExceeded.
func TestReceiveConnDeadline(t *testing.T) {
	checkNoFdLeak(t)
	_, b := unixConnPair(t, syscall.SOCK_STREAM)
	b.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	done := make(chan error, 1)
	go func() {
		_, _, err := memfile.ReceiveConn(b, make([]byte, 8), 1, memfile.AdoptOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.HasPrefix(err.Error(), "memfile: recvmsg: ") {
			t.Errorf("ReceiveConn past its deadline: %v; want os.ErrDeadlineExceeded from recvmsg", err)
		}
	case <-time.After(10 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("ReceiveConn ignored its deadline\n%s", buf[:runtime.Stack(buf, true)])
	}
}

// Issue 9 item 4 over SendConn: a non-blocking socket with a 4 KiB send
// buffer; SendConn waits in the poller until the reader has taken
// everything, and the descriptor travels with the first part.
func TestSendConnWholeMessageNonblocking(t *testing.T) {
	checkNoFdLeak(t)
	m := sealedFile(t, "whole", []byte("data"))
	a, b := unixConnPair(t, syscall.SOCK_STREAM)
	rc, _ := a.SyscallConn()
	rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096) })
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	done := make(chan error, 1)
	go func() { done <- memfile.SendConn(a, data, m) }()
	got, nfiles := 0, 0
	buf := make([]byte, 64<<10)
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	for got < len(data) {
		n, files, err := memfile.ReceiveConn(b, buf, 1, memfile.AdoptOptions{Seals: memfile.SealImmutable})
		if err != nil && !errors.Is(err, memfile.ErrDescriptorCount) {
			t.Fatalf("after %d bytes: %v", got, err)
		}
		if err == nil {
			if got != 0 {
				t.Errorf("the descriptor arrived after %d bytes", got)
			}
			nfiles++
			files[0].Close()
		}
		got += n
	}
	if err := <-done; err != nil {
		t.Fatalf("SendConn: %v", err)
	}
	if got != len(data) || nfiles != 1 {
		t.Errorf("received %d of %d bytes, %d files", got, len(data), nfiles)
	}
}

// Issue 9 item 10: SendConn holds the file for the call. While it waits on
// a full socket, the file is closed and a new socket pair is made (it would
// get the file's descriptor number if that were free); the receiver still
// gets the memory file, never a socket.
func TestSendConnSendsTheRightFile(t *testing.T) {
	checkNoFdLeak(t)
	payload := []byte("the right file")
	m := sealedFile(t, "right", payload)
	a, b := unixConnPair(t, syscall.SOCK_STREAM)
	rc, _ := a.SyscallConn()
	rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096) })
	// Fill the socket so that SendConn has to wait.
	filler := bytes.Repeat([]byte("f"), 1<<20)
	a.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	nfill, _ := a.Write(filler)
	a.SetWriteDeadline(time.Time{})
	done := make(chan error, 1)
	go func() { done <- memfile.SendConn(a, []byte("m"), m) }()
	time.Sleep(50 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }() // returns at once or after the send, by the lifecycle's design
	time.Sleep(20 * time.Millisecond)
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(pair[0])
	defer syscall.Close(pair[1])
	// Drain the filler, then take the message.
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(b, make([]byte, nfill)); err != nil {
		t.Fatalf("draining: %v", err)
	}
	n, files, err := memfile.ReceiveConn(b, make([]byte, 8), 1, memfile.AdoptOptions{Seals: memfile.SealImmutable})
	if err != nil || n != 1 {
		t.Fatalf("ReceiveConn = %d, %v (a socket sent instead of the file is refused as EINVAL)", n, err)
	}
	got := make([]byte, len(payload))
	if _, err := files[0].ReadAt(got, 0); err != nil || !bytes.Equal(got, payload) {
		t.Errorf("received %q, %v", got, err)
	}
	files[0].Close()
	if err := <-done; err != nil {
		t.Errorf("SendConn: %v", err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close during SendConn: %v", err)
	}
}

// ReceiveConn on SO_PASSCRED and SO_PASSPIDFD sockets: room for the other
// control messages, and no pidfd left open.
func TestReceiveConnOtherControlMessages(t *testing.T) {
	checkNoFdLeak(t)
	m := sealedFile(t, "cmsgs", []byte("data"))
	a, b := unixConnPair(t, syscall.SOCK_SEQPACKET)
	rc, _ := b.SyscallConn()
	rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_PASSCRED, 1)
		passPidfdIfAny(int(fd))
	})
	before := countFds(t, pidfdTarget)
	for i := 0; i < 10; i++ {
		if err := memfile.SendConn(a, []byte("x"), m); err != nil {
			t.Fatal(err)
		}
		_, files, err := memfile.ReceiveConn(b, make([]byte, 8), 1, memfile.AdoptOptions{Seals: memfile.SealImmutable})
		if err != nil {
			t.Fatalf("ReceiveConn on an SO_PASSCRED socket: %v", err)
		}
		files[0].Close()
	}
	if n := countFds(t, pidfdTarget) - before; n != 0 {
		t.Errorf("%d pidfds left open", n)
	}
}

// A closed connection: the RawConn's error, naming the call; nothing is
// sent, and the file stays open.
func TestConnClosed(t *testing.T) {
	checkNoFdLeak(t)
	m := sealedFile(t, "closed-conn", []byte("data"))
	a, b := unixConnPair(t, syscall.SOCK_STREAM)
	a.Close()
	b.Close()
	if err := memfile.SendConn(a, []byte("x"), m); err == nil || !strings.HasPrefix(err.Error(), "memfile: sendmsg: ") || !errors.Is(err, net.ErrClosed) {
		t.Errorf("SendConn on a closed conn: %v; want net.ErrClosed from sendmsg", err)
	}
	if _, _, err := memfile.ReceiveConn(b, make([]byte, 8), 1, memfile.AdoptOptions{}); err == nil || !strings.HasPrefix(err.Error(), "memfile: recvmsg: ") || !errors.Is(err, net.ErrClosed) {
		t.Errorf("ReceiveConn on a closed conn: %v; want net.ErrClosed from recvmsg", err)
	}
	if _, err := m.Size(); err != nil {
		t.Errorf("the file after a failed SendConn: %v", err)
	}
}
