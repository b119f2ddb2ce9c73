//go:build linux || freebsd

package memfile

import "syscall"

// The mapping controls' system calls that Linux and FreeBSD share.

func sysMadvise(addr, n, advice uintptr) error {
	if e := inject(_SYS_MADVISE); e != 0 {
		return e
	}
	_, _, e := syscall.Syscall(_SYS_MADVISE, addr, n, advice)
	return errnoErr(e)
}

func sysMprotect(addr, n, prot uintptr) error {
	if e := inject(_SYS_MPROTECT); e != 0 {
		return e
	}
	_, _, e := syscall.Syscall(_SYS_MPROTECT, addr, n, prot)
	return errnoErr(e)
}

func sysMunlock(addr, n uintptr) error {
	if e := inject(_SYS_MUNLOCK); e != 0 {
		return e
	}
	_, _, e := syscall.Syscall(_SYS_MUNLOCK, addr, n, 0)
	return errnoErr(e)
}

// adviceToOS returns the platform's MADV_* value for a.
func adviceToOS(a Advice) (uintptr, bool) {
	v := -1
	switch a {
	case AdviseNormal:
		v = _MADV_NORMAL
	case AdviseRandom:
		v = _MADV_RANDOM
	case AdviseSequential:
		v = _MADV_SEQUENTIAL
	case AdviseWillNeed:
		v = _MADV_WILLNEED
	case AdviseDontNeed:
		v = _MADV_DONTNEED
	case AdviseHugePage:
		v = madvHugePage
	case AdviseNoHugePage:
		v = madvNoHugePage
	case AdviseDontDump:
		v = madvDontDump
	case AdviseDoDump:
		v = madvDoDump
	}
	return uintptr(v), v >= 0
}
