//go:build linux && (amd64 || arm64 || ppc64 || ppc64le || riscv64)

package memfile

import (
	"syscall"
	"unsafe"
)

// Baseline pieces for 64-bit Linux with fstat and a plain mmap (see
// bench_test.go).

func rawFstat(fd int) (mode uint32, size int64, e syscall.Errno) {
	var st syscall.Stat_t
	_, _, e = syscall.Syscall(sysFstatNr, uintptr(fd), uintptr(unsafe.Pointer(&st)), 0)
	return uint32(st.Mode), int64(st.Size), e
}

func rawMmap(fd int, length, prot, flags uintptr) (uintptr, syscall.Errno) {
	r, _, e := syscall.Syscall6(_SYS_MMAP, 0, length, prot, flags, uintptr(fd), 0)
	return r, e
}

func rawSeek0(fd int) syscall.Errno {
	_, _, e := syscall.Syscall(_SYS_LSEEK, uintptr(fd), 0, 0)
	return e
}
