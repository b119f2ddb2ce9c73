//go:build linux && (386 || arm || mips || mipsle)

package memfile

import (
	"syscall"
	"unsafe"
)

// Baseline pieces for 32-bit Linux: fstat64, mmap2 and _llseek, as the
// library uses there (see bench_test.go and sys_linux.go).

func rawFstat(fd int) (mode uint32, size int64, e syscall.Errno) {
	var st syscall.Stat_t
	_, _, e = syscall.Syscall(sysFstatNr, uintptr(fd), uintptr(unsafe.Pointer(&st)), 0)
	return uint32(st.Mode), int64(st.Size), e
}

func rawMmap(fd int, length, prot, flags uintptr) (uintptr, syscall.Errno) {
	r, _, e := syscall.Syscall6(_SYS_MMAP2, 0, length, prot, flags, uintptr(fd), 0)
	return r, e
}

func rawSeek0(fd int) syscall.Errno {
	var result int64
	_, _, e := syscall.Syscall6(_SYS__LLSEEK, uintptr(fd), 0, 0, uintptr(unsafe.Pointer(&result)), 0, 0)
	return e
}
