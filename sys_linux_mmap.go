//go:build linux && (amd64 || arm64 || loong64 || mips64 || mips64le || ppc64 || ppc64le || riscv64)

package memfile

import "syscall"

// 64-bit Linux other than s390x: mmap(2) takes a byte offset in a register.
func sysMmap(fd int, off int64, length uintptr, prot, flags uintptr) (uintptr, error) {
	if e := inject(_SYS_MMAP); e != 0 {
		return 0, e
	}
	r, _, e := syscall.Syscall6(_SYS_MMAP, 0, length, prot, flags, uintptr(fd), uintptr(off))
	return r, errnoErr(e)
}
