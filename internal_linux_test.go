package memfile

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

// The public HugePageSize values must be the kernel's MFD_HUGE_* codes.
func TestHugePageSizesMatchKernel(t *testing.T) {
	for _, tc := range []struct {
		h    HugePageSize
		flag uint64
	}{
		{Huge64KB, _MFD_HUGE_64KB}, {Huge512KB, _MFD_HUGE_512KB}, {Huge1MB, _MFD_HUGE_1MB},
		{Huge2MB, _MFD_HUGE_2MB}, {Huge8MB, _MFD_HUGE_8MB}, {Huge16MB, _MFD_HUGE_16MB},
		{Huge32MB, _MFD_HUGE_32MB}, {Huge256MB, _MFD_HUGE_256MB}, {Huge512MB, _MFD_HUGE_512MB},
		{Huge1GB, _MFD_HUGE_1GB}, {Huge2GB, _MFD_HUGE_2GB}, {Huge16GB, _MFD_HUGE_16GB},
	} {
		if got := uint64(tc.h) << _MFD_HUGE_SHIFT; got != tc.flag {
			t.Errorf("%v: %#x << MFD_HUGE_SHIFT = %#x, want MFD_HUGE_%v = %#x", tc.h, uint8(tc.h), got, tc.h, tc.flag)
		}
		if uint64(tc.h) > _MFD_HUGE_MASK {
			t.Errorf("%v does not fit MFD_HUGE_MASK", tc.h)
		}
	}
}

func TestCreateErrorsExplain(t *testing.T) {
	opts := &Options{}
	err := createError("n", opts, syscall.ENOSYS)
	if !errors.Is(err, ErrNotSupported) || !errors.Is(err, syscall.ENOSYS) || !strings.Contains(err.Error(), "3.17") {
		t.Errorf("ENOSYS: %v; want ErrNotSupported, ENOSYS and the minimum version", err)
	}
	err = createError("n", opts, syscall.EPERM)
	if errors.Is(err, ErrNotSupported) || !errors.Is(err, syscall.EPERM) || !strings.Contains(err.Error(), "seccomp") {
		t.Errorf("EPERM: %v; want EPERM naming seccomp", err)
	}
	err = createError("n", &Options{Exec: Executable}, syscall.EACCES)
	if !errors.Is(err, syscall.EACCES) || !strings.Contains(err.Error(), "vm.memfd_noexec=2") {
		t.Errorf("EACCES for Executable: %v; want it to name vm.memfd_noexec=2", err)
	}
	err = sealError("n", SealExec, syscall.EINVAL)
	if !errors.Is(err, ErrNotSupported) || !strings.Contains(err.Error(), "6.3") {
		t.Errorf("EINVAL adding the exec seal: %v; want ErrNotSupported and 6.3", err)
	}
	err = sealError("n", SealWrite, syscall.EINVAL)
	if errors.Is(err, ErrNotSupported) {
		t.Errorf("EINVAL adding the write seal must not claim ErrNotSupported: %v", err)
	}
}
