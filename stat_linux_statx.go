//go:build linux && (mips64 || mips64le || loong64)

package memfile

import (
	"syscall"
	"unsafe"
)

const fstatOp = "statx"

// statxBuf covers struct statx (linux/stat.h) up to stx_blocks; the kernel
// writes the full 256 bytes.
type statxBuf struct {
	mask       uint32
	blksize    uint32
	attributes uint64
	nlink      uint32
	uid        uint32
	gid        uint32
	mode       uint16
	_          uint16
	ino        uint64
	size       uint64
	blocks     uint64
	_          [256 - 56]byte
}

var emptyPath = [1]byte{0}

// ptrStatx is statx(fd, "", AT_EMPTY_PATH, mask, st), retried on EINTR.
// Its pointer arguments become uintptrs only in the call expression.
func ptrStatx(fd int, st *statxBuf) (uintptr, syscall.Errno) {
	for {
		r, e := ^uintptr(0), inject(_SYS_STATX)
		if e == 0 {
			r, _, e = syscall.Syscall6(_SYS_STATX, uintptr(fd), uintptr(unsafe.Pointer(&emptyPath[0])), _AT_EMPTY_PATH,
				_STATX_TYPE|_STATX_MODE|_STATX_SIZE|_STATX_BLOCKS, uintptr(unsafe.Pointer(st)), 0)
		}
		if e != syscall.EINTR {
			return r, e
		}
	}
}

// sysFstat uses statx(2) (Linux 4.11+): loong64 had no fstat until 6.11 (and
// qemu 7.2 still answers ENOSYS), and mips64's kernel struct stat is not Go's
// syscall.Stat_t.
func sysFstat(fd int) (fileStat, error) {
	var st statxBuf
	if _, e := ptrStatx(fd, &st); e != 0 {
		return fileStat{}, e
	}
	return fileStat{mode: uint32(st.mode), size: int64(st.size), blocks: int64(st.blocks), blksize: int64(st.blksize)}, nil
}
