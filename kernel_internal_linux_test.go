package memfile

import (
	"sync/atomic"
	"syscall"
	"testing"
)

// The pre-6.3 fallback for MFD_NOEXEC_SEAL/MFD_EXEC is taken only when the
// running kernel rejects the flags, and then remembered, so later calls make
// one memfd_create instead of two. The probe here asks the kernel directly.
func TestKernelExecFallbackRemembered(t *testing.T) {
	fd, e := memfdCreate(&[]byte("kernel-probe\x00")[0], _MFD_CLOEXEC|_MFD_NOEXEC_SEAL)
	if e == 0 {
		sysClose(fd)
	} else if e != syscall.EINVAL {
		t.Fatalf("memfd_create(MFD_NOEXEC_SEAL): %v", e)
	}
	rejects := e == syscall.EINVAL
	m, err := Create("kernel-fallback", Options{})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if got := atomic.LoadInt32(&execFlagsRejected) == 1; got != rejects {
		t.Errorf("after Create: fallback remembered = %v, want %v (the kernel rejects MFD_NOEXEC_SEAL: %v)", got, rejects, rejects)
	}
	if rejects {
		t.Logf("behaviour: memfd_create(MFD_NOEXEC_SEAL) = EINVAL: Create retried without it once and remembers (later calls: one memfd_create)")
	} else {
		t.Logf("behaviour: memfd_create(MFD_NOEXEC_SEAL) accepted: no fallback")
	}
}

// sysFileID (ReopenReadOnly's identity check) tells descriptors of one file
// from those of another, on every stat variant (statx's stx_dev_* sit at
// offset 136): a duplicate has the same device and inode, another memfd the
// same device (the internal shmem mount) but another inode, and a pipe
// another device.
func TestSysFileID(t *testing.T) {
	a, err := Create("id-a", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Create("id-b", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	d, err := a.Dup()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	id := func(fd int) [2]uint64 {
		dev, ino, err := sysFileID(fd)
		if err != nil {
			t.Fatalf("sysFileID(%d): %v", fd, err)
		}
		return [2]uint64{dev, ino}
	}
	ia, ib, id2, ip := id(a.fd), id(b.fd), id(d.fd), id(p[0])
	if ia != id2 {
		t.Errorf("a duplicate has another identity: %x vs %x", ia, id2)
	}
	if ia[0] != ib[0] || ia[1] == ib[1] {
		t.Errorf("two memfds: %x and %x; want the same device, other inodes", ia, ib)
	}
	if ip[0] == ia[0] || ip[0] == 0 && ip[1] == 0 {
		t.Errorf("a pipe %x shares the memfd's device %x", ip, ia)
	}
}
