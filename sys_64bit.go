//go:build (linux || freebsd) && (amd64 || arm64 || loong64 || mips64 || mips64le || ppc64 || ppc64le || riscv64 || s390x)

package memfile

import "syscall"

// 64-bit ABIs pass a 64-bit file offset in one register.

const sysFtruncateNr = _SYS_FTRUNCATE

// offArgs returns the argument words for a 64-bit offset that follows other
// word-sized arguments; unused words are zero and ignored by the kernel.
func offArgs(off int64) (a, b, c uintptr) { return uintptr(off), 0, 0 }

func sysSeek(fd int, off int64, whence int) (int64, error) {
	if e := inject(_SYS_LSEEK); e != 0 {
		return 0, e
	}
	r, _, e := syscall.Syscall(_SYS_LSEEK, uintptr(fd), uintptr(off), uintptr(whence))
	return int64(r), errnoErr(e)
}
