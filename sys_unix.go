//go:build linux || freebsd

package memfile

import (
	"syscall"
	"unsafe"
)

// The raw system calls shared by Linux, Android and FreeBSD. Each returns the
// bare syscall.Errno; the exported methods wrap it in an *Error. The numbers
// come from the generated zsysnum_* files; calls whose arguments differ by
// architecture (64-bit offsets, mmap) live in the per-architecture files.

const platformSupported = true

var (
	errInvalid           error = syscall.EINVAL
	errPermission        error = syscall.EPERM
	errBadFd             error = syscall.EBADF
	errNotSupportedErrno error = syscall.ENOSYS
	errAccess            error = syscall.EACCES
	errNoMemory          error = syscall.ENOMEM
)

const (
	modeTypeMask = _S_IFMT
	modeRegular  = _S_IFREG

	fcntlGetSeals     = _F_GET_SEALS
	fcntlAddSeals     = _F_ADD_SEALS
	fcntlDupfdCloexec = _F_DUPFD_CLOEXEC
	fcntlSetfd        = _F_SETFD
	fcntlGetfd        = _F_GETFD
	fdCloexec         = _FD_CLOEXEC
)

// fileStat is what sysFstat reports: the file type and permission bits, the
// size in bytes, the allocated storage in 512-byte blocks (st_blocks), and
// st_blksize (on Linux the page size of a hugetlbfs file).
type fileStat struct {
	mode    uint32
	size    int64
	blocks  int64
	blksize int64
}

// errnoErr returns nil for 0 and the errno otherwise, without allocating for
// the common small values (the runtime boxes small integers for free).
func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func sysClose(fd int) error {
	if e := inject(_SYS_CLOSE); e != 0 {
		return e
	}
	_, _, e := syscall.Syscall(_SYS_CLOSE, uintptr(fd), 0, 0)
	return errnoErr(e)
}

func sysFcntl(fd int, cmd, arg uintptr) (int, error) {
	r, e := fcntlErrno(fd, cmd, arg)
	return r, errnoErr(e)
}

// fcntlErrno is sysFcntl with the bare errno. Unlike sysFcntl it is small
// enough to be inlined (under `if injecting` the injection guard costs no
// inlining budget), so Seals and AddSeals, whose system call is cheap, make
// it from their own frame: one call level less measured ~9 ns of a ~200 ns
// call on an AMD EPYC VM whose kernel mitigates SRSO (BenchmarkSeals).
func fcntlErrno(fd int, cmd, arg uintptr) (int, syscall.Errno) {
	if injecting {
		if e := inject(_SYS_FCNTL); e != 0 {
			return -1, e
		}
	}
	r, _, e := syscall.Syscall(_SYS_FCNTL, uintptr(fd), cmd, arg)
	return int(r), e
}

// bufPtr returns a pointer to p's first byte, or to a static byte for an
// empty p (the kernel never reads it for a zero length).
func bufPtr(p []byte) unsafe.Pointer {
	if len(p) == 0 {
		return unsafe.Pointer(&zeroByte)
	}
	return unsafe.Pointer(&p[0])
}

var zeroByte byte

func sysRead(fd int, p []byte) (int, error) {
	if e := inject(_SYS_READ); e != 0 {
		return 0, e
	}
	r, _, e := syscall.Syscall(_SYS_READ, uintptr(fd), uintptr(bufPtr(p)), uintptr(len(p)))
	return int(r), errnoErr(e)
}

func sysWrite(fd int, p []byte) (int, error) {
	if e := inject(_SYS_WRITE); e != 0 {
		return 0, e
	}
	r, _, e := syscall.Syscall(_SYS_WRITE, uintptr(fd), uintptr(bufPtr(p)), uintptr(len(p)))
	return int(r), errnoErr(e)
}

func sysPread(fd int, p []byte, off int64) (int, error) {
	if e := inject(sysPreadNr); e != 0 {
		return 0, e
	}
	a, b, c := offArgs(off)
	r, _, e := syscall.Syscall6(sysPreadNr, uintptr(fd), uintptr(bufPtr(p)), uintptr(len(p)), a, b, c)
	return int(r), errnoErr(e)
}

func sysPwrite(fd int, p []byte, off int64) (int, error) {
	if e := inject(sysPwriteNr); e != 0 {
		return 0, e
	}
	a, b, c := offArgs(off)
	r, _, e := syscall.Syscall6(sysPwriteNr, uintptr(fd), uintptr(bufPtr(p)), uintptr(len(p)), a, b, c)
	return int(r), errnoErr(e)
}

func sysFtruncate(fd int, size int64) error {
	if e := inject(sysFtruncateNr); e != 0 {
		return e
	}
	a, b, c := offArgs(size)
	_, _, e := syscall.Syscall6(sysFtruncateNr, uintptr(fd), a, b, c, 0, 0)
	return errnoErr(e)
}

func sysMunmap(addr, length uintptr) error {
	if e := inject(_SYS_MUNMAP); e != 0 {
		return e
	}
	_, _, e := syscall.Syscall(_SYS_MUNMAP, addr, length, 0)
	return errnoErr(e)
}

// fileKind names the file type in an fstat mode, for error messages.
func fileKind(mode uint32) string {
	switch mode & modeTypeMask {
	case syscall.S_IFIFO:
		return "pipe"
	case syscall.S_IFCHR:
		return "character device"
	case syscall.S_IFDIR:
		return "directory"
	case syscall.S_IFBLK:
		return "block device"
	case syscall.S_IFLNK:
		return "symbolic link"
	case syscall.S_IFSOCK:
		return "socket"
	}
	return "file of unknown type"
}
