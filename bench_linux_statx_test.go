//go:build linux && (loong64 || mips64 || mips64le)

package memfile

import (
	"syscall"
	"unsafe"
)

// Baseline pieces for the 64-bit Linux ports whose size comes from statx
// (see bench_test.go and sysFstat in sys_linux.go).

func rawFstat(fd int) (mode uint32, size int64, e syscall.Errno) {
	var st statxBuf
	_, _, e = syscall.Syscall6(_SYS_STATX, uintptr(fd), uintptr(unsafe.Pointer(&emptyPath[0])), _AT_EMPTY_PATH,
		_STATX_TYPE|_STATX_MODE|_STATX_SIZE, uintptr(unsafe.Pointer(&st)), 0)
	return uint32(st.mode), int64(st.size), e
}

func rawMmap(fd int, length, prot, flags uintptr) (uintptr, syscall.Errno) {
	r, _, e := syscall.Syscall6(_SYS_MMAP, 0, length, prot, flags, uintptr(fd), 0)
	return r, e
}

func rawSeek0(fd int) syscall.Errno {
	_, _, e := syscall.Syscall(_SYS_LSEEK, uintptr(fd), 0, 0)
	return e
}
