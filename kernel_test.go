//go:build linux

package memfile_test

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/memfile-go/memfile"
)

// Tests that assert what the running kernel does, whichever it is: the host's,
// or one of the real kernels internal/kernels boots under qemu-system (Linux
// 5.10, 6.1 and 6.12 with 4, 16 and 64 KiB pages). Each logs what it found on
// a line starting with "behaviour:", which the runner prints per kernel.

// kernelRelease returns uname -r, e.g. "6.1.0-50-amd64".
func kernelRelease(t testing.TB) string {
	t.Helper()
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		t.Fatalf("uname: %v", err)
	}
	var b []byte
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

// MFD_NOEXEC_SEAL and MFD_EXEC (Linux 6.3): before 6.3 the kernel rejects
// them and Create falls back to a plain memfd_create (and, for NoExec, an
// fchmod that clears the execute bits); SealExec is refused with an error
// matching ErrNotSupported; Executable still works.
func TestKernelExecPolicies(t *testing.T) {
	checkNoFdLeak(t)
	rel := kernelRelease(t)
	modern := kernelAtLeast(6, 3)

	noexec := mustCreate(t, "kernel-noexec", memfile.Options{AllowSealing: true})
	if mode := fileMode(t, noexec); mode&0o111 != 0 {
		t.Errorf("NoExec on %s: mode %#o has execute bits", rel, mode)
	}
	seals, err := noexec.Seals()
	if err != nil {
		t.Fatal(err)
	}
	if got := seals.Has(memfile.SealExec); got != modern {
		t.Errorf("NoExec on %s: seals %v; exec seal present = %v, want %v (MFD_NOEXEC_SEAL is applied from Linux 6.3 on)", rel, seals, got, modern)
	}
	chmodErr := syscall.Fchmod(int(noexec.Fd()), 0o777)
	if modern && chmodErr == nil {
		t.Errorf("NoExec on %s: chmod +x succeeded despite the exec seal", rel)
	}
	if !modern && chmodErr != nil {
		t.Errorf("NoExec on %s (before 6.3, no exec seal): chmod +x: %v, want success", rel, chmodErr)
	}

	// SealExec on a sealable file.
	m := mustCreate(t, "kernel-seal-exec", memfile.Options{Exec: memfile.Executable, AllowSealing: true})
	if mode := fileMode(t, m); mode&0o111 != 0o111 {
		t.Errorf("Executable on %s: mode %#o lacks execute bits", rel, mode)
	}
	err = m.AddSeals(memfile.SealExec)
	switch {
	case modern && err != nil:
		t.Errorf("AddSeals(SealExec) on %s: %v, want success", rel, err)
	case !modern && !errors.Is(err, memfile.ErrNotSupported):
		t.Errorf("AddSeals(SealExec) on %s: %v, want an error matching ErrNotSupported", rel, err)
	case !modern && !errors.Is(err, syscall.EINVAL):
		t.Errorf("AddSeals(SealExec) on %s: %v, want it to wrap EINVAL", rel, err)
	case !modern && !strings.Contains(err.Error(), "6.3"):
		t.Errorf("AddSeals(SealExec) on %s: %q does not name Linux 6.3", rel, err)
	}
	if modern {
		t.Logf("behaviour: %s: MFD_NOEXEC_SEAL applied (NoExec files carry SealExec, chmod +x refused); SealExec accepted", rel)
	} else {
		t.Logf("behaviour: %s: MFD_NOEXEC_SEAL/MFD_EXEC rejected: NoExec falls back to fchmod 0666 (no exec seal, chmod +x allowed); SealExec gives %v", rel, err)
	}
}

// F_SEAL_FUTURE_WRITE exists from Linux 5.1, so on every kernel of the
// matrix: writes and new writable mappings are refused, the existing
// mapping keeps working.
func TestKernelFutureWrite(t *testing.T) {
	if !kernelAtLeast(5, 1) {
		t.Skipf("kernel %s is older than 5.1: no F_SEAL_FUTURE_WRITE", kernelRelease(t))
	}
	checkNoFdLeak(t)
	m := mustCreate(t, "kernel-future-write", memfile.Options{AllowSealing: true})
	if err := m.Truncate(int64(pageSize)); err != nil {
		t.Fatal(err)
	}
	mp, err := m.Map(0, pageSize, memfile.MapReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer mp.Unmap()
	if err := m.AddSeals(memfile.SealFutureWrite); err != nil {
		t.Fatalf("AddSeals(SealFutureWrite) on %s: %v", kernelRelease(t), err)
	}
	copy(mp.Bytes(), "old mapping")
	_, err = m.WriteAt([]byte("x"), 0)
	wantErrno(t, "pwrite after SealFutureWrite", err, syscall.EPERM)
	_, err = m.Map(0, pageSize, memfile.MapReadWrite)
	wantErrno(t, "new writable mapping after SealFutureWrite", err, syscall.EPERM)
	buf := make([]byte, 11)
	if _, err := m.ReadAt(buf, 0); err != nil || string(buf) != "old mapping" {
		t.Errorf("ReadAt after writing through the old mapping: %q, %v", buf, err)
	}
}

// The page size the runtime reports is the kernel's: a mapping of a memory
// file is made of pages of exactly that size (KernelPageSize in smaps), an
// offset that is a multiple of 4 KiB but not of a larger page is refused, and
// a one-byte mapping reaches the end of its page.
func TestKernelPageSize(t *testing.T) {
	checkNoFdLeak(t)
	ps := os.Getpagesize()
	if ps != syscall.Getpagesize() || ps < 4096 || ps&(ps-1) != 0 {
		t.Fatalf("page size %d (syscall: %d)", ps, syscall.Getpagesize())
	}
	m := mustCreate(t, "kernel-pagesize", memfile.Options{})
	if err := m.Truncate(int64(3 * ps)); err != nil {
		t.Fatal(err)
	}
	mp, err := m.Map(int64(ps), 1, memfile.MapReadWrite)
	if err != nil {
		t.Fatalf("Map(offset %d, 1 byte): %v", ps, err)
	}
	defer mp.Unmap()
	if mp.Len() != 1 {
		t.Errorf("Len() = %d, want 1", mp.Len())
	}
	mp.Bytes()[0] = 'p'
	// The rest of the page is mapped too (the kernel maps whole pages):
	// touching its last byte through the same address must not fault.
	last := (*byte)(unsafe.Pointer(uintptr(unsafe.Pointer(&mp.Bytes()[0])) + uintptr(ps-1)))
	*last = 'l'
	buf := make([]byte, 1)
	if _, err := m.ReadAt(buf, int64(2*ps-1)); err != nil || buf[0] != 'l' {
		t.Errorf("last byte of the mapped page reads back %q, %v", buf, err)
	}
	if kps := smapsKernelPageSize(t, uintptr(unsafe.Pointer(&mp.Bytes()[0]))); kps != ps {
		t.Errorf("smaps KernelPageSize of the mapping = %d, want the runtime's page size %d", kps, ps)
	}
	if ps > 4096 {
		_, err := m.Map(4096, 1, memfile.MapReadOnly)
		if err == nil || !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Map at offset 4096 with %d-byte pages: %v, want EINVAL", ps, err)
		}
	}
	t.Logf("behaviour: %s: page size %d", kernelRelease(t), ps)
}

// smapsKernelPageSize returns the KernelPageSize of the mapping containing
// addr, from /proc/self/smaps.
func smapsKernelPageSize(t *testing.T, addr uintptr) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if r := strings.SplitN(fields[0], "-", 2); len(r) == 2 && !strings.HasSuffix(fields[0], ":") {
			lo, err1 := strconv.ParseUint(r[0], 16, 64)
			hi, err2 := strconv.ParseUint(r[1], 16, 64)
			in = err1 == nil && err2 == nil && uint64(addr) >= lo && uint64(addr) < hi
			continue
		}
		if in && fields[0] == "KernelPageSize:" && len(fields) >= 2 {
			kb, _ := strconv.Atoi(fields[1])
			return kb << 10
		}
	}
	t.Fatalf("no smaps entry with KernelPageSize for address %#x", addr)
	return 0
}
