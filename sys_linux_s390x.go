package memfile

import (
	"syscall"
	"unsafe"
)

// s390x: system call 90 is old_mmap, which takes a pointer to its six
// arguments (arch/s390/kernel/syscalls/syscall.tbl), on 64-bit too.
func sysMmap(fd int, off int64, length uintptr, prot, flags uintptr) (uintptr, error) {
	if e := inject(_SYS_MMAP); e != 0 {
		return 0, e
	}
	args := [6]uintptr{0, length, prot, flags, uintptr(fd), uintptr(off)}
	r, _, e := syscall.Syscall(_SYS_MMAP, uintptr(unsafe.Pointer(&args)), 0, 0)
	return r, errnoErr(e)
}
