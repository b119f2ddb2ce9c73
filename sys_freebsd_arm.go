package memfile

import "syscall"

// FreeBSD/arm: ftruncate and lseek take the 64-bit offset in an even register
// pair after a padding word; lseek returns it in two registers.

const sysFtruncateNr = _SYS_FTRUNCATE

func sysSeek(fd int, off int64, whence int) (int64, error) {
	if e := inject(_SYS_LSEEK); e != 0 {
		return 0, e
	}
	r0, r1, e := syscall.Syscall6(_SYS_LSEEK, uintptr(fd), 0, uintptr(off), uintptr(off>>32), uintptr(whence), 0)
	return int64(r1)<<32 | int64(r0), errnoErr(e)
}
