//go:build linux

package memfile_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/memfile-go/memfile"
)

// Sending memory files over Unix sockets: the happy paths between two real
// processes over both routes (net.UnixConn and raw descriptors), and the
// argument and error handling of the sending and receiving functions.

func init() {
	childModes["share-receive"] = childShareReceive
}

// socketChild starts the test binary as a child playing mode, with one end
// of a fresh Unix stream socket pair as its descriptor 3, and returns the
// other end. wait waits for the child and returns everything it printed.
func socketChild(t *testing.T, mode string, env ...string) (sock int, wait func() (string, error)) {
	t.Helper()
	sock, wait, _ = socketChildPid(t, mode, env...)
	return sock, wait
}

// socketChildPid is socketChild that also returns the child's process id.
func socketChildPid(t *testing.T, mode string, env ...string) (sock int, wait func() (string, error), pid int) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	childEnd := os.NewFile(uintptr(fds[1]), "child-end")
	cmd := helperCommand(t, mode, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.ExtraFiles = []*os.File{childEnd} // descriptor 3 in the child
	err = cmd.Start()
	childEnd.Close() // the child has its own copy; EOF reaches us when it exits
	if err != nil {
		syscall.Close(fds[0])
		t.Fatalf("starting child %q: %v", mode, err)
	}
	done := false
	wait = func() (string, error) {
		if done {
			return out.String(), nil
		}
		done = true
		err := cmd.Wait()
		return out.String(), err
	}
	t.Cleanup(func() {
		syscall.Close(fds[0])
		if !done {
			cmd.Process.Kill()
			wait()
		}
	})
	return fds[0], wait, cmd.Process.Pid
}

const errNoNetText = "package net needs cgo on android: the net.UnixConn route is not tested in this build"

// sealedFile returns a sealed (SealImmutable) file holding payload.
func sealedFile(t testing.TB, name string, payload []byte) *memfile.MemFile {
	t.Helper()
	m := mustCreate(t, name, memfile.Options{AllowSealing: true})
	mustWrite(t, m, payload)
	if err := m.AddSeals(memfile.SealImmutable); err != nil {
		t.Fatalf("AddSeals: %v", err)
	}
	return m
}

// describe returns the line a receiver prints for a file: its seals, size
// and the SHA-256 of its contents read through a MapSealed view.
func describe(i int, m *memfile.MemFile) (string, error) {
	seals, err := m.Seals()
	if err != nil {
		return "", err
	}
	size, err := m.Size()
	if err != nil {
		return "", err
	}
	mp, err := m.MapSealed(0, int(size), memfile.SealWrite)
	if err != nil {
		return "", err
	}
	defer mp.Unmap()
	return fmt.Sprintf("file %d: seals=%v size=%d sha256=%x", i, seals, size, sha256.Sum256(mp.Bytes())), nil
}

// childShareReceive receives want files (MEMFILE_SHARE_WANT) on descriptor 3
// over the route MEMFILE_SHARE_ROUTE ("net" or "raw") and prints what it got.
func childShareReceive() int {
	want, _ := strconv.Atoi(os.Getenv("MEMFILE_SHARE_WANT"))
	buf := make([]byte, 64)
	var (
		n     int
		files []*memfile.MemFile
		err   error
	)
	switch route := os.Getenv("MEMFILE_SHARE_ROUTE"); route {
	case "net":
		oob := make([]byte, memfile.RightsSpace(want+1))
		var oobn, flags int
		n, oobn, flags, err = readMsgUnix(3, buf, oob)
		if err == nil {
			files, err = memfile.FromUnixRights(oob[:oobn], flags, want, memfile.SealImmutable)
		}
	case "raw":
		n, files, err = memfile.ReceiveFiles(3, buf, want, memfile.SealImmutable)
	default:
		fmt.Printf("child: unknown route %q\n", route)
		return 2
	}
	if err != nil {
		fmt.Println("child: receive:", err)
		return 2
	}
	fmt.Printf("child: message %q with %d files\n", buf[:n], len(files))
	for i, f := range files {
		line, err := describe(i, f)
		if err != nil {
			fmt.Printf("child: file %d: %v\n", i, err)
			return 2
		}
		fmt.Println("child:", line)
		flags, err := fcntl(int(f.Fd()), syscall.F_GETFD)
		_, werr := f.WriteAt([]byte("x"), 0)
		terr := f.Truncate(0)
		fmt.Printf("child: file %d: cloexec=%v write=%v truncate=%v\n", i,
			err == nil && flags&syscall.FD_CLOEXEC != 0, errnoName(werr), errnoName(terr))
		f.Close()
	}
	return 0
}

// errnoName returns "EPERM" for an error matching EPERM, "ok" for nil, and
// the error otherwise.
func errnoName(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, syscall.EPERM):
		return "EPERM"
	}
	return err.Error()
}

func fcntl(fd, cmd int) (int, error) { return fcntl3(fd, cmd, 0) }

func fcntl3(fd, cmd, arg int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), uintptr(arg))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// TestShareWithChild sends two sealed files to a child process in one
// message, over every combination of the two sending and the two receiving
// routes, and checks that the child sees the same seals and contents, that
// its descriptors are close-on-exec, and that it cannot write or truncate.
func TestShareWithChild(t *testing.T) {
	for _, tc := range []struct{ send, receive string }{
		{"net", "net"}, {"raw", "raw"}, {"net", "raw"}, {"raw", "net"},
	} {
		t.Run(tc.send+"-to-"+tc.receive, func(t *testing.T) {
			if !haveNet && (tc.send == "net" || tc.receive == "net") {
				t.Skip(errNoNetText)
			}
			checkNoFdLeak(t)
			files := []*memfile.MemFile{
				sealedFile(t, "first", []byte("the first payload")),
				sealedFile(t, "second", bytes.Repeat([]byte("0123456789abcdef"), 1000)),
			}
			sock, wait := socketChild(t, "share-receive", "MEMFILE_SHARE_ROUTE="+tc.receive, "MEMFILE_SHARE_WANT=2")
			switch tc.send {
			case "net":
				oob, err := memfile.UnixRights(files...)
				if err != nil {
					t.Fatal(err)
				}
				_, oobn, err := writeMsgUnix(sock, []byte("two files"), oob)
				if err != nil || oobn != len(oob) {
					t.Fatalf("WriteMsgUnix = %d, %v", oobn, err)
				}
			case "raw":
				if err := memfile.SendFiles(sock, []byte("two files"), files...); err != nil {
					t.Fatalf("SendFiles: %v", err)
				}
			}
			out, err := wait()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			want := []string{`child: message "two files" with 2 files`}
			for i, f := range files {
				line, err := describe(i, f)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, "child: "+line,
					fmt.Sprintf("child: file %d: cloexec=true write=EPERM truncate=EPERM", i))
			}
			for _, w := range want {
				if !strings.Contains(out, w+"\n") {
					t.Errorf("child output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// socketPair returns a connected Unix stream socket pair of this process,
// closed when the test ends.
func socketPair(t testing.TB) (a, b int) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fds[0]); syscall.Close(fds[1]) })
	return fds[0], fds[1]
}

// Go's net.UnixConn.ReadMsgUnix passes MSG_CMSG_CLOEXEC on Linux since Go
// 1.17, so a descriptor is close-on-exec before FromUnixRights sees it. This
// checks it for the Go release running the test; ReceiveFiles always does.
func TestReceivedDescriptorsCloseOnExec(t *testing.T) {
	if !haveNet {
		t.Skip(errNoNetText)
	}
	checkNoFdLeak(t)
	m := sealedFile(t, "cloexec", []byte("data"))
	a, b := socketPair(t)

	if err := memfile.SendFiles(a, []byte("x"), m); err != nil {
		t.Fatal(err)
	}
	buf, oob := make([]byte, 8), make([]byte, memfile.RightsSpace(1))
	_, oobn, flags, err := readMsgUnix(b, buf, oob)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("ParseSocketControlMessage: %d messages, %v", len(msgs), err)
	}
	raw, err := syscall.ParseUnixRights(&msgs[0])
	if err != nil || len(raw) != 1 {
		t.Fatalf("ParseUnixRights: %v, %v", raw, err)
	}
	fdflags, err := fcntl(raw[0], syscall.F_GETFD)
	if err != nil || fdflags&syscall.FD_CLOEXEC == 0 {
		t.Errorf("descriptor from ReadMsgUnix: F_GETFD = %#x, %v; want FD_CLOEXEC (MSG_CMSG_CLOEXEC, Go 1.17+)", fdflags, err)
	}
	files, err := memfile.FromUnixRights(oob[:oobn], flags, 1, memfile.SealImmutable)
	if err != nil {
		t.Fatal(err)
	}
	files[0].Close()

	if err := memfile.SendFiles(a, []byte("y"), m); err != nil {
		t.Fatal(err)
	}
	n, files, err := memfile.ReceiveFiles(b, buf, 1, memfile.SealImmutable)
	if err != nil || n != 1 || buf[0] != 'y' {
		t.Fatalf("ReceiveFiles = %d %q, %v", n, buf[:n], err)
	}
	defer files[0].Close()
	if fdflags, err := fcntl(int(files[0].Fd()), syscall.F_GETFD); err != nil || fdflags&syscall.FD_CLOEXEC == 0 {
		t.Errorf("descriptor from ReceiveFiles: F_GETFD = %#x, %v; want FD_CLOEXEC", fdflags, err)
	}
}

func TestSendFilesErrors(t *testing.T) {
	checkNoFdLeak(t)
	m := sealedFile(t, "errors", []byte("data"))
	a, b := socketPair(t)

	wantErrno(t, "SendFiles with no data", memfile.SendFiles(a, nil, m), syscall.EINVAL)
	wantErrno(t, "SendFiles with no files", memfile.SendFiles(a, []byte("x")), syscall.EINVAL)
	wantErrno(t, "SendFiles with a nil file", memfile.SendFiles(a, []byte("x"), m, nil), syscall.EINVAL)
	many := make([]*memfile.MemFile, 254)
	for i := range many {
		many[i] = m
	}
	if err := memfile.SendFiles(a, []byte("x"), many...); !isErrno(err, syscall.EINVAL) || !strings.Contains(err.Error(), "at most 253") {
		t.Errorf("SendFiles with 254 files: %v; want EINVAL naming 253", err)
	}
	if _, err := memfile.UnixRights(many...); !isErrno(err, syscall.EINVAL) {
		t.Errorf("UnixRights with 254 files: %v; want EINVAL", err)
	}
	if err := memfile.SendFiles(a, []byte("x"), many[:253]...); err != nil {
		t.Errorf("SendFiles with 253 files: %v", err)
	} else if _, files, err := memfile.ReceiveFiles(b, make([]byte, 1), 253, memfile.SealImmutable); err != nil {
		t.Errorf("ReceiveFiles of 253 files: %v", err)
	} else {
		for _, f := range files {
			f.Close()
		}
	}

	closed := mustCreate(t, "closed", memfile.Options{})
	closed.Close()
	if err := memfile.SendFiles(a, []byte("x"), m, closed); !errors.Is(err, memfile.ErrClosed) {
		t.Errorf("SendFiles with a closed file: %v, want ErrClosed", err)
	}
	if _, err := memfile.UnixRights(closed); !errors.Is(err, memfile.ErrClosed) {
		t.Errorf("UnixRights with a closed file: %v, want ErrClosed", err)
	}
	if _, err := memfile.UnixRights(); !isErrno(err, syscall.EINVAL) {
		t.Errorf("UnixRights(): %v, want EINVAL", err)
	}
	// The same file twice in one message is allowed, and both references are
	// released: Close afterwards must not block.
	if err := memfile.SendFiles(a, []byte("x"), m, m); err != nil {
		t.Fatalf("SendFiles(m, m): %v", err)
	}
	_, files, err := memfile.ReceiveFiles(b, make([]byte, 1), 2, memfile.SealImmutable)
	if err != nil {
		t.Fatalf("ReceiveFiles of m twice: %v", err)
	}
	for _, f := range files {
		f.Close()
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	err = memfile.SendFiles(int(w.Fd()), []byte("x"), m)
	wantErrno(t, "SendFiles on a pipe", err, syscall.ENOTSOCK)
	if !strings.Contains(err.Error(), "sendmsg") {
		t.Errorf("error %q does not name sendmsg", err)
	}

	syscall.Close(b)
	err = memfile.SendFiles(a, []byte("x"), m)
	wantErrno(t, "SendFiles to a closed peer", err, syscall.EPIPE)
	t.Logf("closed peer: %v", err)
}

func TestReceiveFilesErrors(t *testing.T) {
	checkNoFdLeak(t)
	a, b := socketPair(t)
	_, _, err := memfile.ReceiveFiles(b, nil, 1, 0)
	wantErrno(t, "ReceiveFiles with no buffer", err, syscall.EINVAL)
	_, _, err = memfile.ReceiveFiles(b, make([]byte, 1), 0, 0)
	wantErrno(t, "ReceiveFiles with want 0", err, syscall.EINVAL)

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	_, _, err = memfile.ReceiveFiles(int(r.Fd()), make([]byte, 1), 1, 0)
	wantErrno(t, "ReceiveFiles on a pipe", err, syscall.ENOTSOCK)

	syscall.Close(a)
	n, files, err := memfile.ReceiveFiles(b, make([]byte, 1), 1, 0)
	if n != 0 || files != nil || err != io.EOF {
		t.Errorf("ReceiveFiles after the peer closed = %d, %v, %v; want 0, nil, io.EOF", n, files, err)
	}
}

// FromUnixRights closes every descriptor it was given when it refuses them,
// including for its own argument errors and for control data that the
// kernel cannot have written.
func TestFromUnixRightsClosesOnEveryError(t *testing.T) {
	checkNoFdLeak(t)
	sealed := sealedFile(t, "sealed", []byte("data"))
	dupFd := func() int {
		d, err := sealed.Dup()
		if err != nil {
			t.Fatal(err)
		}
		fd, _ := d.Release()
		return int(fd)
	}
	isClosed := func(fd int) bool {
		_, err := fcntl(fd, syscall.F_GETFD)
		return errors.Is(err, syscall.EBADF)
	}
	cut := func(b []byte, n int) []byte { return b[:n] }
	for _, tc := range []struct {
		name   string
		oob    func(fd, other int) []byte
		flags  int
		want   int
		errIs  error
		text   string
		closes bool // fd is closed (other never is: it did not fully arrive)
	}{
		{"want zero", func(fd, _ int) []byte { return syscall.UnixRights(fd) }, 0, 0, syscall.EINVAL, "at least one", true},
		{"MSG_CTRUNC", func(fd, _ int) []byte { return syscall.UnixRights(fd) }, syscall.MSG_CTRUNC, 1, memfile.ErrDescriptorCount, "MSG_CTRUNC", true},
		// Linux never writes an SCM_RIGHTS message whose cmsg_len runs past
		// the end (it shortens cmsg_len to what it installed), so nothing in
		// such a message is trusted, or closed: the bytes could be padding,
		// which reads as descriptor 0 (TestCrafted...Stdin).
		{"MSG_CTRUNC inside a message", func(fd, other int) []byte { return cut(syscall.UnixRights(fd, other), syscall.CmsgLen(4)) },
			syscall.MSG_CTRUNC, 2, memfile.ErrDescriptorCount, "MSG_CTRUNC", false},
		{"same number twice", func(fd, _ int) []byte { return syscall.UnixRights(fd, fd) }, 0, 2, syscall.EINVAL, "malformed", true},
		{"length past the end", func(fd, other int) []byte { return cut(syscall.UnixRights(fd, other), syscall.CmsgLen(4)) },
			0, 2, syscall.EINVAL, "malformed", false},
		{"too few", func(fd, _ int) []byte { return syscall.UnixRights(fd) }, 0, 2, memfile.ErrDescriptorCount, "carried 1 descriptor, expected 2", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fd, other := dupFd(), dupFd()
			defer syscall.Close(other)
			files, err := memfile.FromUnixRights(tc.oob(fd, other), tc.flags, tc.want, memfile.SealImmutable)
			if err == nil {
				for _, f := range files {
					f.Close()
				}
				t.Fatalf("FromUnixRights succeeded")
			}
			t.Logf("%v", err)
			if !errors.Is(err, tc.errIs) || !strings.Contains(err.Error(), tc.text) || tc.closes && !strings.Contains(err.Error(), "closed") {
				t.Errorf("error %q; want one matching %v that says %q", err, tc.errIs, tc.text)
			}
			closed := isClosed(fd)
			if !closed {
				syscall.Close(fd)
			}
			if closed != tc.closes {
				t.Errorf("descriptor closed = %v, want %v", closed, tc.closes)
			}
			if isClosed(other) {
				t.Errorf("a descriptor that was not fully in the control data was closed")
			}
		})
	}
	// Control messages of other types are skipped.
	fd := dupFd()
	creds := syscall.UnixCredentials(&syscall.Ucred{Pid: int32(os.Getpid())})
	files, err := memfile.FromUnixRights(append(creds, syscall.UnixRights(fd)...), 0, 1, memfile.SealImmutable)
	if err != nil {
		syscall.Close(fd)
		t.Fatalf("SCM_CREDENTIALS before SCM_RIGHTS: %v", err)
	}
	files[0].Close()
}

// countFds returns how many of this process's descriptors point at target.
func countFds(t testing.TB, target string) int {
	n := 0
	for _, tg := range openFds(t) {
		if tg == target {
			n++
		}
	}
	return n
}

// Issue 9 item 8: MSG_CTRUNC and a cmsg_len past the end of the buffer. The
// word after the descriptor is alignment padding (zero): read as a
// descriptor it would close stdin. Linux never writes such a message, so
// nothing in it is closed.
func TestCraftedCtruncPastEndKeepsStdin(t *testing.T) {
	checkNoFdLeak(t)
	if _, err := fcntl(0, syscall.F_GETFD); err != nil {
		t.Skipf("descriptor 0 is not open in this test process: %v", err)
	}
	m := sealedFile(t, "stdin", []byte("data"))
	d, err := m.Dup()
	if err != nil {
		t.Fatal(err)
	}
	fd, _ := d.Release()
	defer syscall.Close(int(fd))
	oob := syscall.UnixRights(int(fd))
	if len(oob) == syscall.CmsgLen(4) {
		t.Skipf("no padding after the descriptor on %s (CMSG_SPACE(4) = CMSG_LEN(4) = %d)", runtime.GOARCH, len(oob))
	}
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.SetLen(len(oob) + 8) // past the end
	files, err := memfile.FromUnixRights(oob, syscall.MSG_CTRUNC, 1, memfile.SealImmutable)
	if err == nil {
		for _, f := range files {
			f.Close()
		}
		t.Fatal("FromUnixRights accepted a message that runs past the end of the buffer")
	}
	t.Logf("refused: %v", err)
	if _, err := fcntl(0, syscall.F_GETFD); err != nil {
		t.Fatalf("descriptor 0 (stdin) was closed: %v", err)
	}
	if _, err := fcntl(int(fd), syscall.F_GETFD); err != nil {
		t.Errorf("descriptor %d, not trusted, was closed anyway: %v", fd, err)
	}
}

// Issue 9 item 7: want outside 1..253 is refused with EINVAL (no
// makeslice panic), and RightsSpace never wraps.
func TestWantOutOfRange(t *testing.T) {
	checkNoFdLeak(t)
	_, b := socketPair(t)
	for _, want := range []int{0, -1, 254, math.MaxInt / 4, math.MaxInt, math.MinInt} {
		_, files, err := memfile.ReceiveFiles(b, make([]byte, 1), want, 0)
		if files != nil || !isErrno(err, syscall.EINVAL) || !strings.Contains(err.Error(), "at most 253") {
			t.Errorf("ReceiveFiles(want %d) = %v, %v; want EINVAL naming 253", want, files, err)
		}
	}
	m := sealedFile(t, "want", []byte("data"))
	d, err := m.Dup()
	if err != nil {
		t.Fatal(err)
	}
	fd, _ := d.Release()
	_, err = memfile.FromUnixRights(syscall.UnixRights(int(fd)), 0, 254, 0)
	if !isErrno(err, syscall.EINVAL) || !strings.Contains(err.Error(), "closed the received descriptor") {
		t.Errorf("FromUnixRights(want 254) = %v; want EINVAL, descriptor closed", err)
	}
	if _, err := fcntl(int(fd), syscall.F_GETFD); err == nil {
		syscall.Close(int(fd))
		t.Errorf("FromUnixRights(want 254) left the descriptor open")
	}
	for n, want := range map[int]int{
		-5: syscall.CmsgSpace(0), 0: syscall.CmsgSpace(0), 1: syscall.CmsgSpace(4), 253: syscall.CmsgSpace(253 * 4),
		254: syscall.CmsgSpace(254 * 4), 255: syscall.CmsgSpace(254 * 4), math.MaxInt: syscall.CmsgSpace(254 * 4),
	} {
		if got := memfile.RightsSpace(n); got != want {
			t.Errorf("RightsSpace(%d) = %d, want %d", n, got, want)
		}
	}
}

// Issue 9 item 15: on SOCK_DGRAM and SOCK_SEQPACKET, an empty message is not
// the end of the connection, and a datagram longer than buf is reported
// (EMSGSIZE) with its descriptors closed. On seqpacket, the real end is
// still io.EOF.
func TestDatagrams(t *testing.T) {
	for _, typ := range []struct {
		name string
		typ  int
	}{{"dgram", syscall.SOCK_DGRAM}, {"seqpacket", syscall.SOCK_SEQPACKET}} {
		t.Run(typ.name, func(t *testing.T) {
			checkNoFdLeak(t)
			fds, err := syscall.Socketpair(syscall.AF_UNIX, typ.typ|syscall.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			a, b := fds[0], fds[1]
			defer syscall.Close(b)
			if _, err := syscall.Write(a, nil); err != nil {
				t.Fatalf("sending an empty datagram: %v", err)
			}
			n, files, err := memfile.ReceiveFiles(b, make([]byte, 8), 1, 0)
			if err == io.EOF || !errors.Is(err, memfile.ErrDescriptorCount) || !strings.Contains(err.Error(), "empty datagram") {
				t.Errorf("empty datagram: %d, %v, %v; want ErrDescriptorCount saying it was empty", n, files, err)
			}
			m := sealedFile(t, "dgram", []byte("data"))
			if err := memfile.SendFiles(a, bytes.Repeat([]byte("long"), 100), m); err != nil {
				t.Fatal(err)
			}
			n, files, err = memfile.ReceiveFiles(b, make([]byte, 8), 1, 0)
			if files != nil || !errors.Is(err, syscall.EMSGSIZE) || !strings.Contains(err.Error(), "MSG_TRUNC") || !strings.Contains(err.Error(), "closed the received descriptor") {
				t.Errorf("long datagram: %d, %v, %v; want EMSGSIZE saying MSG_TRUNC, descriptor closed", n, files, err)
			}
			// A normal message still gets through.
			if err := memfile.SendFiles(a, []byte("ok"), m); err != nil {
				t.Fatal(err)
			}
			n, files, err = memfile.ReceiveFiles(b, make([]byte, 8), 1, memfile.SealImmutable)
			if err != nil || n != 2 {
				t.Fatalf("ReceiveFiles = %d, %v", n, err)
			}
			files[0].Close()
			syscall.Close(a)
			if typ.typ == syscall.SOCK_SEQPACKET {
				if n, files, err := memfile.ReceiveFiles(b, make([]byte, 8), 1, 0); err != io.EOF {
					t.Errorf("seqpacket after the peer closed: %d, %v, %v; want io.EOF", n, files, err)
				}
			}
		})
	}
}

// Issue 9 item 4: a non-blocking socket with a 4 KiB send buffer takes only
// part of 1 MiB. SendFilesN says how much went, with EAGAIN; the receiver
// gets exactly that many bytes, and the descriptor with the first part.
func TestSendFilesPartialNonblocking(t *testing.T) {
	checkNoFdLeak(t)
	m := sealedFile(t, "partial", []byte("data"))
	a, b := socketPair(t)
	if err := syscall.SetsockoptInt(a, syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096); err != nil {
		t.Fatal(err)
	}
	if err := syscall.SetNonblock(a, true); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	n, err := memfile.SendFilesN(a, data, m)
	t.Logf("SendFilesN = %d, %v", n, err)
	if n <= 0 || n >= len(data) || !errors.Is(err, syscall.EAGAIN) || !strings.Contains(err.Error(), "sent "+strconv.Itoa(n)+" of "+strconv.Itoa(len(data))) {
		t.Fatalf("SendFilesN on a full non-blocking socket = %d, %v; want 0 < n < %d and EAGAIN saying how much went", n, err, len(data))
	}
	if err := memfile.SendFiles(a, data, m); !errors.Is(err, syscall.EAGAIN) || !strings.Contains(err.Error(), "nothing was sent") {
		t.Errorf("SendFiles on a full socket = %v; want EAGAIN saying nothing was sent", err)
	}
	got, files := drain(t, b, n)
	if got != n || len(files) != 1 {
		t.Errorf("the receiver got %d bytes and %d files; want %d and 1", got, len(files), n)
	}
	for _, f := range files {
		f.Close()
	}
}

// drain reads exactly want bytes from the stream socket b, adopting the
// descriptors that arrive with them.
func drain(t *testing.T, b, want int) (int, []*memfile.MemFile) {
	t.Helper()
	var files []*memfile.MemFile
	got := 0
	buf := make([]byte, 64<<10)
	for got < want {
		chunk := buf
		if want-got < len(chunk) {
			chunk = chunk[:want-got]
		}
		n, fs, err := memfile.ReceiveFiles(b, chunk, 1, memfile.SealImmutable)
		if err != nil && !errors.Is(err, memfile.ErrDescriptorCount) {
			t.Fatalf("after %d bytes: %v", got, err)
		}
		if err == nil && got != 0 {
			t.Errorf("a descriptor arrived after %d bytes, not with the first part", got)
		}
		got += n
		files = append(files, fs...)
	}
	return got, files
}

// Issue 9 item 4: a blocking send interrupted by signals after part of the
// data went returns that part; SendFiles sends the rest.
func TestSendFilesSignalMidSend(t *testing.T) {
	checkNoFdLeak(t)
	m := sealedFile(t, "signal", []byte("data"))
	a, b := socketPair(t)
	if err := syscall.SetsockoptInt(a, syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096); err != nil {
		t.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	defer signal.Stop(sig)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
	tid := make(chan int, 1)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tid <- syscall.Gettid()
		done <- memfile.SendFiles(a, data, m)
	}()
	thread := <-tid
	stop := make(chan struct{})
	go func() { // interrupt the sending thread again and again
		for {
			select {
			case <-stop:
				return
			case <-sig:
			default:
			}
			syscall.Tgkill(os.Getpid(), thread, syscall.SIGUSR1)
			// 1 ms, not less: under qemu-system TCG (arm 6.1) a signal
			// every 200 µs starved the sender for 5 s.
			time.Sleep(time.Millisecond)
		}
	}()
	got, files := drainSlowly(t, b, len(data))
	close(stop)
	for _, f := range files {
		f.Close()
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("SendFiles: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SendFiles did not return")
	}
	if got != len(data) || len(files) != 1 {
		t.Errorf("the receiver got %d of %d bytes and %d files", got, len(data), len(files))
	}
}

// drainSlowly is drain with small reads, so the sender blocks often.
func drainSlowly(t *testing.T, b, want int) (int, []*memfile.MemFile) {
	t.Helper()
	if err := syscall.SetsockoptInt(b, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096); err != nil {
		t.Fatal(err)
	}
	tv := syscall.Timeval{Sec: 30} // generous: emulated kernels are slow
	if err := syscall.SetsockoptTimeval(b, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	return drain(t, b, want)
}

// Issue 9 item 13: a write-only reopen of a memory file, and an O_PATH one,
// are refused on adoption with what is wrong; a read-only one is adopted
// and can be read and mapped, and SealImmutable can be demanded of it.
func TestAdoptAccessMode(t *testing.T) {
	checkNoFdLeak(t)
	payload := []byte("read-only payload")
	m := sealedFile(t, "access", payload)
	reopen := func(mode int) int {
		fd, err := syscall.Open("/proc/self/fd/"+strconv.Itoa(int(m.Fd())), mode|syscall.O_CLOEXEC, 0)
		if err != nil {
			t.Skipf("reopening through /proc/self/fd: %v", err)
		}
		return fd
	}
	for _, tc := range []struct {
		name string
		mode int
		text string
	}{
		{"write-only", syscall.O_WRONLY, "is open write-only (O_WRONLY): it cannot be read or mapped"},
		{"O_PATH", 0x200000, "was opened with O_PATH"},
	} {
		fd := reopen(tc.mode)
		f, err := memfile.FromFdWithSeals(fd, memfile.SealImmutable)
		if err == nil {
			f.Close()
			t.Errorf("%s: adopted", tc.name)
			continue
		}
		syscall.Close(fd)
		t.Logf("%s: %v", tc.name, err)
		if !errors.Is(err, syscall.EBADF) || !strings.Contains(err.Error(), tc.text) || !strings.Contains(err.Error(), "fcntl(F_GETFL)") {
			t.Errorf("%s: %v; want EBADF from fcntl(F_GETFL) saying %q", tc.name, err, tc.text)
		}
	}
	fd := reopen(syscall.O_RDONLY)
	f, err := memfile.FromFdWithSeals(fd, memfile.SealImmutable)
	if err != nil {
		syscall.Close(fd)
		t.Fatalf("read-only descriptor refused: %v", err)
	}
	defer f.Close()
	buf := make([]byte, len(payload))
	if _, err := f.ReadAt(buf, 0); err != nil || !bytes.Equal(buf, payload) {
		t.Errorf("ReadAt of the read-only file = %q, %v", buf, err)
	}
	mp, err := f.MapSealed(0, len(payload), memfile.SealWrite)
	if err != nil {
		t.Fatalf("MapSealed of the read-only file: %v", err)
	}
	if !bytes.Equal(mp.Bytes(), payload) {
		t.Errorf("mapping holds %q", mp.Bytes())
	}
	mp.Unmap()
}

// Dup shares the file offset (issue 13): a child that reads its descriptor
// from the offset after the parent's Write reads nothing; after Seek(0) it
// reads everything (ExampleMemFile_Dup_child).
func init() {
	// cat3 copies descriptor 3 (an inherited file) to standard output.
	childModes["cat3"] = func() int {
		if _, err := io.Copy(os.Stdout, os.NewFile(3, "inherited")); err != nil {
			fmt.Fprintln(os.Stderr, "cat3:", err)
			return 1
		}
		return 0
	}
}

func TestDupSharesOffsetWithChild(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "offset", memfile.Options{})
	if _, err := m.Write([]byte("written by the parent")); err != nil { // moves the offset
		t.Fatal(err)
	}
	run := func() string {
		d, err := m.Dup()
		if err != nil {
			t.Fatal(err)
		}
		fd, _ := d.Release()
		f := os.NewFile(fd, "dup")
		cmd := helperCommand(t, "cat3") // copies descriptor 3 to stdout
		cmd.ExtraFiles = []*os.File{f}
		out, err := cmd.Output()
		f.Close()
		if err != nil {
			t.Fatalf("the cat3 child: %v", err)
		}
		return string(out)
	}
	if out := run(); out != "" {
		t.Errorf("the child read %q from the shared offset after Write; want nothing", out)
	}
	if _, err := m.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if out := run(); out != "written by the parent" {
		t.Errorf("after Seek(0) the child read %q", out)
	}
}
