//go:build linux

package memfile_test

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/memfile-go/memfile"
)

func TestSealsString(t *testing.T) {
	for _, tc := range []struct {
		s    memfile.Seals
		want string
	}{
		{0, "none"},
		{memfile.SealShrink | memfile.SealGrow | memfile.SealWrite, "shrink|grow|write"},
		{memfile.SealAll, "seal|shrink|grow|write|future-write|exec"},
		{memfile.SealWrite | 0x400, "write|0x400"},
		{0x40, "0x40"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("Seals(%#x).String() = %q, want %q", uint32(tc.s), got, tc.want)
		}
	}
	s := memfile.SealShrink | memfile.SealWrite
	if !s.Has(memfile.SealShrink) || s.Has(memfile.SealShrink|memfile.SealGrow) {
		t.Errorf("Has is wrong for %v", s)
	}
	if got := s.Missing(memfile.SealImmutable); got != memfile.SealSeal|memfile.SealGrow {
		t.Errorf("Missing = %v, want seal|grow", got)
	}
}

// pageSize is the runtime page size; never assume 4096.
var pageSize = os.Getpagesize()

func TestEachSealEnforced(t *testing.T) {
	checkNoFdLeak(t)
	type check struct {
		what string
		do   func(m *memfile.MemFile) error
	}
	write := check{"write", func(m *memfile.MemFile) error { _, err := m.Write([]byte("x")); return err }}
	pwrite := check{"pwrite", func(m *memfile.MemFile) error { _, err := m.WriteAt([]byte("x"), 1); return err }}
	grow := check{"truncate up", func(m *memfile.MemFile) error { return m.Truncate(int64(4 * pageSize)) }}
	shrink := check{"truncate down", func(m *memfile.MemFile) error { return m.Truncate(1) }}
	mapRW := check{"shared writable mapping", func(m *memfile.MemFile) error {
		mp, err := m.Map(0, pageSize, memfile.MapReadWrite)
		if err == nil {
			mp.Unmap()
		}
		return err
	}}
	for _, tc := range []struct {
		seal    memfile.Seals
		refused []check
		allowed []check
	}{
		{memfile.SealShrink, []check{shrink}, []check{write, pwrite, grow, mapRW}},
		{memfile.SealGrow, []check{grow}, []check{shrink, pwrite, mapRW}},
		{memfile.SealWrite, []check{write, pwrite, mapRW}, []check{grow, shrink}},
	} {
		for _, c := range tc.refused {
			m := mustCreate(t, "sealed", memfile.Options{AllowSealing: true})
			if err := m.Truncate(int64(2 * pageSize)); err != nil {
				t.Fatal(err)
			}
			if err := m.AddSeals(tc.seal); err != nil {
				t.Fatalf("AddSeals(%v): %v", tc.seal, err)
			}
			wantErrno(t, tc.seal.String()+": "+c.what, c.do(m), syscall.EPERM)
		}
		for _, c := range tc.allowed {
			m := mustCreate(t, "sealed", memfile.Options{AllowSealing: true})
			if err := m.Truncate(int64(2 * pageSize)); err != nil {
				t.Fatal(err)
			}
			if err := m.AddSeals(tc.seal); err != nil {
				t.Fatalf("AddSeals(%v): %v", tc.seal, err)
			}
			if err := c.do(m); err != nil {
				t.Errorf("%v: %s refused: %v", tc.seal, c.what, err)
			}
		}
	}
	// SealSeal: no further seal can be added.
	m := mustCreate(t, "sealseal", memfile.Options{AllowSealing: true})
	if err := m.AddSeals(memfile.SealSeal); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, "AddSeals after SealSeal", m.AddSeals(memfile.SealGrow), syscall.EPERM)
}

func TestSealWriteWithLiveSharedMapping(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "busy", memfile.Options{AllowSealing: true})
	if err := m.Truncate(int64(pageSize)); err != nil {
		t.Fatal(err)
	}
	mp, err := m.Map(0, pageSize, memfile.MapReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	err = m.AddSeals(memfile.SealWrite)
	wantErrno(t, "AddSeals(write) with a shared writable mapping", err, syscall.EBUSY)
	if !strings.Contains(err.Error(), "unmap") {
		t.Errorf("EBUSY message %q does not say to unmap", err)
	}
	if err := mp.Unmap(); err != nil {
		t.Fatal(err)
	}
	if err := m.AddSeals(memfile.SealWrite); err != nil {
		t.Fatalf("AddSeals(write) after Unmap: %v", err)
	}
}

func TestFutureWriteKeepsExistingMapping(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "future", memfile.Options{AllowSealing: true})
	if err := m.Truncate(int64(pageSize)); err != nil {
		t.Fatal(err)
	}
	mp, err := m.Map(0, pageSize, memfile.MapReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer mp.Unmap()
	err = m.AddSeals(memfile.SealFutureWrite | memfile.SealShrink | memfile.SealGrow)
	if errors.Is(err, memfile.ErrNotSupported) {
		t.Skipf("kernel lacks F_SEAL_FUTURE_WRITE (Linux 5.1+): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	copy(mp.Bytes(), "via the old mapping")
	buf := make([]byte, 19)
	if _, err := m.ReadAt(buf, 0); err != nil || string(buf) != "via the old mapping" {
		t.Fatalf("write through the existing mapping not visible: %q, %v", buf, err)
	}
	_, err = m.WriteAt([]byte("x"), 0)
	wantErrno(t, "pwrite after future-write", err, syscall.EPERM)
	_, err = m.Map(0, pageSize, memfile.MapReadWrite)
	wantErrno(t, "new shared writable mapping after future-write", err, syscall.EPERM)
	ro, err := m.Map(0, pageSize, memfile.MapReadOnly)
	if err != nil {
		t.Fatalf("read-only mapping after future-write: %v", err)
	}
	if string(ro.Bytes()[:19]) != "via the old mapping" {
		t.Errorf("read-only mapping shows %q", ro.Bytes()[:19])
	}
	ro.Unmap()
}

func TestNotSealableUnlessAsked(t *testing.T) {
	checkNoFdLeak(t)
	for _, policy := range []memfile.ExecPolicy{memfile.NoExec, memfile.Executable, memfile.KernelDefault} {
		m := mustCreate(t, "unsealable", memfile.Options{Exec: policy})
		seals, err := m.Seals()
		if err != nil {
			t.Fatal(err)
		}
		if !seals.Has(memfile.SealSeal) {
			t.Errorf("%v: seals = %v, want seal set (not sealable)", policy, seals)
		}
		wantErrno(t, policy.String()+": AddSeals on an unsealable file", m.AddSeals(memfile.SealGrow), syscall.EPERM)
	}
	m := mustCreate(t, "sealable", memfile.Options{AllowSealing: true})
	seals, _ := m.Seals()
	if seals.Has(memfile.SealSeal) {
		t.Errorf("sealable file starts with %v", seals)
	}
}

func fileMode(t *testing.T, m *memfile.MemFile) uint32 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(m.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	return uint32(st.Mode) & 0777
}

func TestExecPolicies(t *testing.T) {
	checkNoFdLeak(t)
	noexec := mustCreate(t, "noexec", memfile.Options{Exec: memfile.NoExec, AllowSealing: true})
	if mode := fileMode(t, noexec); mode&0111 != 0 {
		t.Errorf("NoExec: mode %o has execute bits", mode)
	}
	seals, _ := noexec.Seals()
	if kernelAtLeast(6, 3) {
		if !seals.Has(memfile.SealExec) {
			t.Errorf("NoExec on Linux 6.3+: seals %v lack exec", seals)
		}
		if err := syscall.Fchmod(int(noexec.Fd()), 0777); err == nil {
			t.Errorf("NoExec on Linux 6.3+: chmod +x succeeded despite the exec seal")
		}
	}
	if seals.Has(memfile.SealSeal) {
		t.Errorf("NoExec with AllowSealing: seals %v include seal", seals)
	}

	exe, err := memfile.Create("exec", memfile.Options{Exec: memfile.Executable})
	if err != nil {
		if errors.Is(err, syscall.EACCES) && strings.Contains(err.Error(), "vm.memfd_noexec=2") {
			t.Skipf("Executable refused as documented: %v", err)
		}
		t.Fatalf("Executable: %v", err)
	}
	defer exe.Close()
	if mode := fileMode(t, exe); mode&0111 != 0111 {
		t.Errorf("Executable: mode %o lacks execute bits", mode)
	}
	if seals, _ := exe.Seals(); seals.Has(memfile.SealExec) {
		t.Errorf("Executable: seals %v include exec", seals)
	}

	if kernelAtLeast(6, 3) {
		m := mustCreate(t, "exec-seal", memfile.Options{Exec: memfile.Executable, AllowSealing: true})
		if err := m.AddSeals(memfile.SealExec); err != nil {
			t.Fatalf("AddSeals(exec): %v", err)
		}
		if err := syscall.Fchmod(int(m.Fd()), 0666); err == nil {
			t.Errorf("chmod succeeded on a file with the exec seal")
		}
	}
}
