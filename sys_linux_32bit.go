//go:build linux && (386 || arm || mips || mipsle)

package memfile

import (
	"syscall"
	"unsafe"
)

// 32-bit Linux: the 64-bit variants of ftruncate and fstat, _llseek for
// offsets past 2 GiB, and mmap2, whose offset is in 4096-byte units on every
// one of these ABIs (whatever the page size).

const (
	sysFtruncateNr = _SYS_FTRUNCATE64
	sysFstatNr     = _SYS_FSTAT64
	mmap2Unit      = 4096
)

func sysSeek(fd int, off int64, whence int) (int64, error) {
	if e := inject(_SYS__LLSEEK); e != 0 {
		return 0, e
	}
	var result int64
	_, _, e := syscall.Syscall6(_SYS__LLSEEK, uintptr(fd), uintptr(off>>32), uintptr(off), uintptr(unsafe.Pointer(&result)), uintptr(whence), 0)
	return result, errnoErr(e)
}

func sysMmap(fd int, off int64, length uintptr, prot, flags uintptr) (uintptr, error) {
	if e := inject(_SYS_MMAP2); e != 0 {
		return 0, e
	}
	if off%mmap2Unit != 0 {
		return 0, syscall.EINVAL
	}
	pgoff := off / mmap2Unit
	if int64(uintptr(pgoff)) != pgoff {
		// Past 16 TiB the unit count does not fit the argument word and
		// would wrap to the wrong part of the file. Native 32-bit kernels
		// cap files below that; 64-bit kernels running 32-bit programs
		// (arm64 with armv7 apps, x86-64 with 386) do not.
		return 0, syscall.EOVERFLOW
	}
	r, _, e := syscall.Syscall6(_SYS_MMAP2, 0, length, prot, flags, uintptr(fd), uintptr(pgoff))
	return r, errnoErr(e)
}
