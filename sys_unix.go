//go:build linux || freebsd

package memfile

import (
	"syscall"
	"unsafe"
)

// The raw system calls shared by Linux, Android and FreeBSD. Each returns the
// bare syscall.Errno; the exported methods wrap it in an *Error. The numbers
// come from the generated zsysnum_* files; the calls only one OS has, and
// those whose arguments differ by architecture (mmap, lseek, fstat), are in
// sys_linux.go and sys_freebsd.go.

const platformSupported = true

var (
	errInvalid           error = syscall.EINVAL
	errPermission        error = syscall.EPERM
	errBadFd             error = syscall.EBADF
	errNotSupportedErrno error = syscall.ENOSYS
	errAccess            error = syscall.EACCES
	errNoMemory          error = syscall.ENOMEM
	errBusy              error = syscall.EBUSY
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

// Every call but close is retried on EINTR, as the standard library does
// (internal/poll's ignoringEINTR and ignoringEINTRIO): a signal that arrives
// during a call the kernel does not restart must not become an error. close
// is never retried: on Linux the descriptor is gone even when close reports
// EINTR, and its number may already belong to another file.

func sysFcntl(fd int, cmd, arg uintptr) (int, error) {
	r, e := fcntlAgain(fd, cmd, arg, syscall.EINTR) // makes the first call too
	return r, errnoErr(e)
}

// fcntlErrno is one fcntl call with the bare errno, not retried. Unlike
// sysFcntl it is small enough to be inlined (under `if injecting` the
// injection guard costs no inlining budget), so Seals and AddSeals, whose
// system call is cheap, make it from their own frame: one call level less
// measured ~9 ns of a ~200 ns call on an AMD EPYC VM whose kernel mitigates
// SRSO (BenchmarkSeals). On an error they call fcntlAgain.
func fcntlErrno(fd int, cmd, arg uintptr) (int, syscall.Errno) {
	if injecting {
		if e := inject(_SYS_FCNTL); e != 0 {
			return -1, e
		}
	}
	r, _, e := syscall.Syscall(_SYS_FCNTL, uintptr(fd), cmd, arg)
	return int(r), e
}

// fcntlAgain takes the errno e of a failed fcntlErrno and, while it is EINTR,
// makes the call again; it returns the first answer that is not EINTR.
func fcntlAgain(fd int, cmd, arg uintptr, e syscall.Errno) (int, syscall.Errno) {
	r := -1
	for e == syscall.EINTR {
		r, e = fcntlErrno(fd, cmd, arg)
	}
	return r, e
}

// rawCall makes the system call nr with three integer arguments, once
// (madvise, mprotect, munlock: none blocks, so none sees EINTR).
func rawCall(nr, a1, a2, a3 uintptr) error {
	if e := inject(nr); e != 0 {
		return e
	}
	_, _, e := syscall.Syscall(nr, a1, a2, a3)
	return errnoErr(e)
}

// offArgs splits a 64-bit offset into the registers the ABI takes it in
// (abiWord64, abiPairPad and abiPairHighFirst are constants: generated for
// Linux, in sys_freebsd.go for FreeBSD): one register; two, low word first
// (i386); or a pad word and the pair from an even slot (ARM EABI and MIPS
// o32), low word first or, on big-endian MIPS, high word first.
func offArgs(off int64) (a, b, c uintptr) {
	if abiWord64 {
		return uintptr(off), 0, 0
	} else if !abiPairPad {
		return uintptr(off), uintptr(off >> 32), 0
	} else if abiPairHighFirst {
		return 0, uintptr(off >> 32), uintptr(off)
	} else {
		return 0, uintptr(off), uintptr(off >> 32)
	}
}

// msgCall makes sendmsg(2) or recvmsg(2) (nr) directly.
func msgCall(nr uintptr, fd int, msg *syscall.Msghdr, flags int) (int, error) {
	if e := inject(nr); e != 0 {
		return 0, e
	}
	r, _, e := syscall.Syscall(nr, uintptr(fd), uintptr(unsafe.Pointer(msg)), uintptr(flags))
	return int(r), errnoErr(e)
}

// fstatStat is fstat(2) (sysFstatNr: fstat, or fstat64 on 32-bit Linux)
// into syscall.Stat_t.
func fstatStat(fd int) (fileStat, error) {
	var st syscall.Stat_t
	if _, e := ptrSyscallRetry(sysFstatNr, uintptr(fd), unsafe.Pointer(&st), 0); e != 0 {
		return fileStat{}, e
	}
	return fileStat{mode: uint32(st.Mode), size: int64(st.Size), blocks: int64(st.Blocks), blksize: int64(st.Blksize)}, nil
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

// syscallRetry makes the system call nr, whose arguments are all integers,
// until it is not interrupted; an errno injected by a test counts as the
// call's answer.
func syscallRetry(nr, a1, a2, a3 uintptr) (uintptr, syscall.Errno) {
	for {
		r, e := ^uintptr(0), inject(nr)
		if e == 0 {
			r, _, e = syscall.Syscall(nr, a1, a2, a3)
		}
		if e != syscall.EINTR {
			return r, e
		}
	}
}

// syscall6Retry is syscallRetry for six integer arguments.
func syscall6Retry(nr, a1, a2, a3, a4, a5, a6 uintptr) (uintptr, syscall.Errno) {
	for {
		r, e := ^uintptr(0), inject(nr)
		if e == 0 {
			r, _, e = syscall.Syscall6(nr, a1, a2, a3, a4, a5, a6)
		}
		if e != syscall.EINTR {
			return r, e
		}
	}
}

// ptrSyscallRetry is syscallRetry for a call whose second argument is a
// pointer. It travels as an unsafe.Pointer and becomes a uintptr only in
// the syscall.Syscall call expression: a uintptr passed through a Go
// function is not a reference, so the memory could move (a stack that
// grows) or be freed before the kernel writes to it.
func ptrSyscallRetry(nr, a1 uintptr, p unsafe.Pointer, a3 uintptr) (uintptr, syscall.Errno) {
	for {
		r, e := ^uintptr(0), inject(nr)
		if e == 0 {
			r, _, e = syscall.Syscall(nr, a1, uintptr(p), a3)
		}
		if e != syscall.EINTR {
			return r, e
		}
	}
}

// ptrSyscall6Retry is ptrSyscallRetry for six arguments.
func ptrSyscall6Retry(nr, a1 uintptr, p unsafe.Pointer, a3, a4, a5, a6 uintptr) (uintptr, syscall.Errno) {
	for {
		r, e := ^uintptr(0), inject(nr)
		if e == 0 {
			r, _, e = syscall.Syscall6(nr, a1, uintptr(p), a3, a4, a5, a6)
		}
		if e != syscall.EINTR {
			return r, e
		}
	}
}

// sysRead, sysWrite, sysPread and sysPwrite make their system call directly
// and take the retry loop only on EINTR, so that the common path has no call
// level more than it needs (each costs several ns on kernels that mitigate
// SRSO; see fcntlErrno). With the injection seam built in, every call goes
// through the loop, which consults it.

func sysRead(fd int, p []byte) (int, error) {
	if !injecting {
		r, _, e := syscall.Syscall(_SYS_READ, uintptr(fd), uintptr(bufPtr(p)), uintptr(len(p)))
		if e != syscall.EINTR {
			return int(r), errnoErr(e)
		}
	}
	r, e := ptrSyscallRetry(_SYS_READ, uintptr(fd), bufPtr(p), uintptr(len(p)))
	return int(r), errnoErr(e)
}

func sysWrite(fd int, p []byte) (int, error) {
	if !injecting {
		r, _, e := syscall.Syscall(_SYS_WRITE, uintptr(fd), uintptr(bufPtr(p)), uintptr(len(p)))
		if e != syscall.EINTR {
			return int(r), errnoErr(e)
		}
	}
	r, e := ptrSyscallRetry(_SYS_WRITE, uintptr(fd), bufPtr(p), uintptr(len(p)))
	return int(r), errnoErr(e)
}

func sysPread(fd int, p []byte, off int64) (int, error) {
	a, b, c := offArgs(off)
	if !injecting {
		r, _, e := syscall.Syscall6(sysPreadNr, uintptr(fd), uintptr(bufPtr(p)), uintptr(len(p)), a, b, c)
		if e != syscall.EINTR {
			return int(r), errnoErr(e)
		}
	}
	r, e := ptrSyscall6Retry(sysPreadNr, uintptr(fd), bufPtr(p), uintptr(len(p)), a, b, c)
	return int(r), errnoErr(e)
}

func sysPwrite(fd int, p []byte, off int64) (int, error) {
	a, b, c := offArgs(off)
	if !injecting {
		r, _, e := syscall.Syscall6(sysPwriteNr, uintptr(fd), uintptr(bufPtr(p)), uintptr(len(p)), a, b, c)
		if e != syscall.EINTR {
			return int(r), errnoErr(e)
		}
	}
	r, e := ptrSyscall6Retry(sysPwriteNr, uintptr(fd), bufPtr(p), uintptr(len(p)), a, b, c)
	return int(r), errnoErr(e)
}

func sysFtruncate(fd int, size int64) error {
	a, b, c := offArgs(size)
	_, e := syscall6Retry(sysFtruncateNr, uintptr(fd), a, b, c, 0, 0)
	return errnoErr(e)
}

// sysMunmap has rawCall's body rather than calling it: Unmap, which inlines
// it, then passes two arguments, not four (Map + Unmap is a hot path, and
// the footprint program's code stays the same size).
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

// The mapping controls' system calls that Linux and FreeBSD share.

func sysMadvise(addr, n, advice uintptr) error { return rawCall(_SYS_MADVISE, addr, n, advice) }

func sysMprotect(addr, n, prot uintptr) error { return rawCall(_SYS_MPROTECT, addr, n, prot) }

func sysMunlock(addr, n uintptr) error { return rawCall(_SYS_MUNLOCK, addr, n, 0) }
