//go:build linux && memfile_inject

package memfile

// EINTR (issue 9 item 12): one interrupted system call must not become an
// error. Every call but close is retried, as the standard library does
// (internal/poll's ignoringEINTR and ignoringEINTRIO); close never is
// (TestInjectCloseFails/interrupted_system_call).
// Run with: go test -tags memfile_inject -run InjectEINTR .

import (
	"io"
	"syscall"
	"testing"
)

func TestInjectEINTRRetried(t *testing.T) {
	fstatNr := injFstatNr(t)
	for _, tc := range []struct {
		name string
		nr   uintptr
		nth  int // the n-th call of nr is interrupted (once)
		call func(t *testing.T, m *MemFile) error
	}{
		{"Write", _SYS_WRITE, 1, func(t *testing.T, m *MemFile) error {
			n, err := m.Write([]byte("hello"))
			if err == nil && n != 5 {
				t.Errorf("Write = %d, want 5", n)
			}
			return err
		}},
		{"WriteAt", sysPwriteNr, 1, func(t *testing.T, m *MemFile) error {
			_, err := m.WriteAt([]byte("hello"), 100)
			return err
		}},
		{"Read", _SYS_READ, 1, func(t *testing.T, m *MemFile) error {
			buf := make([]byte, 4)
			n, err := m.Read(buf)
			if err == nil && string(buf[:n]) != "data" {
				t.Errorf("Read = %q, want \"data\"", buf[:n])
			}
			return err
		}},
		{"ReadAt", sysPreadNr, 1, func(t *testing.T, m *MemFile) error {
			buf := make([]byte, 4)
			_, err := m.ReadAt(buf, 0)
			if err == nil && string(buf) != "data" {
				t.Errorf("ReadAt = %q, want \"data\"", buf)
			}
			if err == io.EOF {
				err = nil
			}
			return err
		}},
		{"Truncate", sysFtruncateNr, 1, func(t *testing.T, m *MemFile) error {
			return m.Truncate(1 << 20)
		}},
		{"Size", fstatNr, 1, func(t *testing.T, m *MemFile) error {
			size, err := m.Size()
			if err == nil && size != 4 {
				t.Errorf("Size = %d, want 4", size)
			}
			return err
		}},
		{"Seals", _SYS_FCNTL, 1, func(t *testing.T, m *MemFile) error {
			_, err := m.Seals()
			return err
		}},
		{"AddSeals", _SYS_FCNTL, 1, func(t *testing.T, m *MemFile) error {
			if err := m.AddSeals(SealGrow); err != nil {
				return err
			}
			s, err := m.Seals()
			if err == nil && !s.Has(SealGrow) {
				t.Errorf("seals after AddSeals(SealGrow) = %v", s)
			}
			return err
		}},
		{"Dup", _SYS_FCNTL, 1, func(t *testing.T, m *MemFile) error {
			d, err := m.Dup()
			if err == nil {
				d.Close()
			}
			return err
		}},
		{"FromFd/fstat", fstatNr, 1, func(t *testing.T, m *MemFile) error {
			return injFromFdDup(t, m, AdoptOptions{MaxSize: 1 << 20}) // MaxSize needs the size
		}},
		{"FromFd/F_GETFL", _SYS_FCNTL, 2, func(t *testing.T, m *MemFile) error {
			return injFromFdDup(t, m, AdoptOptions{})
		}},
		{"FromFd/F_GET_SEALS", _SYS_FCNTL, 3, func(t *testing.T, m *MemFile) error {
			return injFromFdDup(t, m, AdoptOptions{})
		}},
		{"FromFd/F_SETFD", _SYS_FCNTL, 4, func(t *testing.T, m *MemFile) error {
			return injFromFdDup(t, m, AdoptOptions{})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			injSetup(t)
			m, err := Create("inj-eintr", Options{AllowSealing: true})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if _, err := m.WriteAt([]byte("data"), 0); err != nil {
				t.Fatal(err)
			}
			stop := failSyscallNth(tc.nr, syscall.EINTR, tc.nth, 1)
			err = tc.call(t, m)
			calls := stop()
			if err != nil {
				t.Fatalf("one EINTR made it fail: %v", err)
			}
			if calls < tc.nth+1 {
				t.Errorf("system call attempted %d times, want at least %d (interrupted, then retried)", calls, tc.nth+1)
			}
		})
	}
}

// injFromFdDup adopts a duplicate of m's descriptor with FromFdWithOptions.
// The duplicate is made with sysFcntl, so it is the case's first fcntl call;
// adoption's F_GETFL is the second, F_GET_SEALS the third and F_SETFD the
// fourth.
func injFromFdDup(t *testing.T, m *MemFile, opts AdoptOptions) error {
	fd, err := sysFcntl(m.fd, fcntlDupfdCloexec, 0)
	if err != nil {
		return err
	}
	a, err := FromFdWithOptions(fd, opts)
	if err != nil {
		syscall.Close(fd)
		return err
	}
	return a.Close()
}

// TestInjectEINTRCreate: memfd_create and the fchmod of the pre-6.3 fallback
// are retried.
func TestInjectEINTRCreate(t *testing.T) {
	t.Run("memfd_create", func(t *testing.T) {
		injSetup(t)
		stop := failSyscall(_SYS_MEMFD_CREATE, syscall.EINTR, 1)
		m, err := Create("inj-eintr", Options{})
		calls := stop()
		if err != nil {
			t.Fatalf("one EINTR made Create fail: %v", err)
		}
		m.Close()
		if calls != 2 {
			t.Errorf("memfd_create attempted %d times, want 2", calls)
		}
	})
	t.Run("fchmod", func(t *testing.T) {
		injSetup(t)
		stopCreate := failSyscall(_SYS_MEMFD_CREATE, syscall.EINVAL, 1) // as a pre-6.3 kernel answers
		stop := failSyscall(_SYS_FCHMOD, syscall.EINTR, 1)
		m, err := Create("inj-eintr", Options{})
		calls := stop()
		stopCreate()
		if err != nil {
			t.Fatalf("one EINTR from fchmod made Create fail: %v", err)
		}
		if mode := injMode(t, m.Fd()); mode&0111 != 0 {
			t.Errorf("mode %o after the fallback, want no execute bits", mode)
		}
		m.Close()
		if calls != 2 {
			t.Errorf("fchmod attempted %d times, want 2", calls)
		}
	})
}
