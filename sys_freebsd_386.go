package memfile

import "syscall"

// FreeBSD/386: ftruncate and lseek take the 64-bit offset as two words, low
// first; lseek returns it in two registers.

const sysFtruncateNr = _SYS_FTRUNCATE

func sysSeek(fd int, off int64, whence int) (int64, error) {
	if e := inject(_SYS_LSEEK); e != 0 {
		return 0, e
	}
	r0, r1, e := syscall.Syscall6(_SYS_LSEEK, uintptr(fd), uintptr(off), uintptr(off>>32), uintptr(whence), 0, 0)
	return int64(r1)<<32 | int64(r0), errnoErr(e)
}
