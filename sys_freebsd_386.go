package memfile

import "syscall"

// FreeBSD/386: ftruncate, pread, pwrite and mmap take the 64-bit offset as
// two words, low first, with no padding (offArgs in offset_386.go); lseek
// takes it the same way and returns it in two registers (lseekArgs32 and
// lseekResult32 in shmflags.go, unit-tested on the host).

const sysFtruncateNr = _SYS_FTRUNCATE

func sysSeek(fd int, off int64, whence int) (int64, error) {
	if e := inject(_SYS_LSEEK); e != 0 {
		return 0, e
	}
	a := lseekArgs32(fd, off, whence, false)
	r0, r1, e := syscall.Syscall6(_SYS_LSEEK, uintptr(a[0]), uintptr(a[1]), uintptr(a[2]), uintptr(a[3]), uintptr(a[4]), 0)
	return lseekResult32(uint32(r0), uint32(r1)), errnoErr(e)
}
