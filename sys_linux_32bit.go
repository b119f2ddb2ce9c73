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
	r, _, e := syscall.Syscall6(_SYS_MMAP2, 0, length, prot, flags, uintptr(fd), uintptr(off/mmap2Unit))
	return r, errnoErr(e)
}
