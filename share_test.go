//go:build linux

package memfile_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

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
	return fds[0], wait
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
	// The same file twice in one message is allowed, and the read locks are
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
