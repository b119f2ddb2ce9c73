package memfile

import (
	"syscall"
	"unsafe"
)

// Baseline pieces for linux/s390x, whose mmap is old_mmap with an argument
// block (see bench_test.go and sysMmap in sys_linux.go).

func rawFstat(fd int) (mode uint32, size int64, e syscall.Errno) {
	var st syscall.Stat_t
	_, _, e = syscall.Syscall(sysFstatNr, uintptr(fd), uintptr(unsafe.Pointer(&st)), 0)
	return uint32(st.Mode), int64(st.Size), e
}

func rawMmap(fd int, length, prot, flags uintptr) (uintptr, syscall.Errno) {
	args := [6]uintptr{0, length, prot, flags, uintptr(fd), 0}
	r, _, e := syscall.Syscall(_SYS_MMAP, uintptr(unsafe.Pointer(&args)), 0, 0)
	return r, e
}

func rawSeek0(fd int) syscall.Errno {
	_, _, e := syscall.Syscall(_SYS_LSEEK, uintptr(fd), 0, 0)
	return e
}
