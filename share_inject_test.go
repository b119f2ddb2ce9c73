//go:build linux && memfile_inject

package memfile

// Errno injection for sending and receiving memory files: an interrupted
// sendmsg or recvmsg starts again, and other errors are reported naming the
// call. (A check that fails half-way through the received descriptors is
// tested with real processes: TestHostileSender/sealed-then-pipe.) Run with:
// go test -tags memfile_inject -run InjectShare .

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

func injSocketPair(t *testing.T) (a, b int) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fds[0]); syscall.Close(fds[1]) })
	return fds[0], fds[1]
}

func injSealed(t *testing.T) *MemFile {
	t.Helper()
	m, err := Create("inject-share", Options{AllowSealing: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if _, err := m.WriteAt([]byte("data"), 0); err != nil {
		t.Fatal(err)
	}
	if err := m.AddSeals(SealImmutable); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestInjectShareEINTR(t *testing.T) {
	before := injFds(t)
	m := injSealed(t)
	a, b := injSocketPair(t)

	stop := failSyscall(sysSendmsgNr, syscall.EINTR, 2)
	err := SendFiles(a, []byte("x"), m)
	if calls := stop(); err != nil || calls != 3 {
		t.Fatalf("SendFiles with two EINTRs: %v after %d calls; want success on the third", err, calls)
	}
	stop = failSyscall(sysRecvmsgNr, syscall.EINTR, 1)
	_, files, err := ReceiveFiles(b, make([]byte, 1), 1, SealImmutable)
	if calls := stop(); err != nil || calls != 2 {
		t.Fatalf("ReceiveFiles with one EINTR: %v after %d calls; want success on the second", err, calls)
	}
	files[0].Close()
	m.Close()
	syscall.Close(a)
	syscall.Close(b)
	if after := injFds(t); len(after) != len(before) {
		t.Errorf("descriptors before %v, after %v", before, after)
	}
}

func TestInjectShareErrors(t *testing.T) {
	m := injSealed(t)
	a, b := injSocketPair(t)

	stop := failSyscall(sysSendmsgNr, syscall.ENOBUFS, 1)
	err := SendFiles(a, []byte("x"), m)
	stop()
	if !errors.Is(err, syscall.ENOBUFS) || !strings.HasPrefix(err.Error(), "memfile: sendmsg: ") {
		t.Errorf("SendFiles with ENOBUFS: %v", err)
	}
	if err := SendFiles(a, []byte("x"), m); err != nil {
		t.Fatal(err)
	}
	stop = failSyscall(sysRecvmsgNr, syscall.ENOMEM, 1)
	_, _, err = ReceiveFiles(b, make([]byte, 1), 1, SealImmutable)
	stop()
	if !errors.Is(err, syscall.ENOMEM) || !strings.HasPrefix(err.Error(), "memfile: recvmsg: ") {
		t.Errorf("ReceiveFiles with ENOMEM: %v", err)
	}
	// The message is still queued: receive it for real.
	_, files, err := ReceiveFiles(b, make([]byte, 1), 1, SealImmutable)
	if err != nil {
		t.Fatal(err)
	}
	files[0].Close()
}

// SendConn and ReceiveConn start an interrupted call again too.
func TestInjectShareConnEINTR(t *testing.T) {
	before := injFds(t)
	m := injSealed(t)
	a, b := injSocketPair(t)
	// Files of their own (duplicates), closed here: the pair itself is
	// closed by injSocketPair's cleanup.
	dup := func(fd int) *os.File {
		d, err := syscall.Dup(fd)
		if err != nil {
			t.Fatal(err)
		}
		syscall.CloseOnExec(d)
		return os.NewFile(uintptr(d), "sock")
	}
	fa, fb := dup(a), dup(b)
	stop := failSyscall(sysSendmsgNr, syscall.EINTR, 2)
	err := SendConn(fa, []byte("x"), m)
	if calls := stop(); err != nil || calls != 3 {
		t.Fatalf("SendConn with two EINTRs: %v after %d calls; want success on the third", err, calls)
	}
	stop = failSyscall(sysRecvmsgNr, syscall.EINTR, 1)
	_, files, err := ReceiveConn(fb, make([]byte, 1), 1, AdoptOptions{Seals: SealImmutable})
	if calls := stop(); err != nil || calls != 2 {
		t.Fatalf("ReceiveConn with one EINTR: %v after %d calls; want success on the second", err, calls)
	}
	files[0].Close()
	m.Close()
	fa.Close()
	fb.Close()
	if after := injFds(t); len(after) != len(before)+2 { // a and b stay open until the cleanup
		t.Errorf("descriptors before %v, after %v", before, after)
	}
}
