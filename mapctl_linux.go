package memfile

import "syscall"

// The mapping controls' system calls on Linux and Android.

// sysMlock uses mlock(2), or for onFault mlock2(2) with MLOCK_ONFAULT.
func sysMlock(addr, n uintptr, onFault bool) error {
	nr, flags := uintptr(_SYS_MLOCK), uintptr(0)
	if onFault {
		nr, flags = _SYS_MLOCK2, _MLOCK_ONFAULT
	}
	if e := inject(nr); e != 0 {
		return e
	}
	_, _, e := syscall.Syscall(nr, addr, n, flags)
	return errnoErr(e)
}

// sysMremap resizes a mapping with mremap(2) and MREMAP_MAYMOVE.
func sysMremap(addr, old, n uintptr) (uintptr, error) {
	if e := inject(_SYS_MREMAP); e != 0 {
		return 0, e
	}
	r, _, e := syscall.Syscall6(_SYS_MREMAP, addr, old, n, _MREMAP_MAYMOVE, 0, 0)
	return r, errnoErr(e)
}

// sysPopulate uses madvise(MADV_POPULATE_READ/WRITE), Linux 5.14+; older
// kernels answer EINVAL.
func sysPopulate(addr, n uintptr, write bool) error {
	advice := uintptr(_MADV_POPULATE_READ)
	if write {
		advice = _MADV_POPULATE_WRITE
	}
	return sysMadvise(addr, n, advice)
}

// populateHint explains an MADV_POPULATE_* failure.
func populateHint(err error) string {
	switch err {
	case syscall.EFAULT:
		return "a page could not be filled, so touching it would fault with SIGBUS (a hole that a full tmpfs or an empty huge-page pool cannot back, or a page past the end of a file that shrank)"
	case errNoMemory:
		return "out of memory, or for a huge-page file out of huge pages"
	}
	return ""
}

// Linux's values for the advice that FreeBSD lacks or names differently.
const (
	madvHugePage   = _MADV_HUGEPAGE
	madvNoHugePage = _MADV_NOHUGEPAGE
	madvDontDump   = _MADV_DONTDUMP
	madvDoDump     = _MADV_DODUMP
)
