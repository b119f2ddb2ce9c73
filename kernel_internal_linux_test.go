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
