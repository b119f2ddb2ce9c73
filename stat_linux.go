//go:build linux && !mips64 && !mips64le && !loong64

package memfile

import (
	"syscall"
	"unsafe"
)

const fstatOp = "fstat"

// sysFstat returns the file's mode, size and allocation with fstat(2)
// (fstat64 on 32-bit), whose result layout is Go's syscall.Stat_t on these
// ABIs. Unlike statx it exists on every kernel and is on Android's seccomp
// allowlist.
func sysFstat(fd int) (fileStat, error) {
	var st syscall.Stat_t
	if _, e := ptrSyscallRetry(sysFstatNr, uintptr(fd), unsafe.Pointer(&st), 0); e != 0 {
		return fileStat{}, e
	}
	return fileStat{mode: uint32(st.Mode), size: int64(st.Size), blocks: int64(st.Blocks), blksize: int64(st.Blksize)}, nil
}
