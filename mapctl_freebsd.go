package memfile

import "syscall"

// The mapping controls' system calls on FreeBSD. There is no mremap, no
// MADV_POPULATE_*, no mlock2 and no transparent-huge-page advice.

func sysMlock(addr, n uintptr, onFault bool) error {
	if onFault {
		return errNotSupportedErrno
	}
	if e := inject(_SYS_MLOCK); e != 0 {
		return e
	}
	_, _, e := syscall.Syscall(_SYS_MLOCK, addr, n, 0)
	return errnoErr(e)
}

func sysMremap(addr, old, n uintptr) (uintptr, error) { return 0, errNotSupportedErrno }

func sysPopulate(addr, n uintptr, write bool) error { return errNotSupportedErrno }

func populateHint(err error) string { return "" }

// FreeBSD has no transparent-huge-page advice (-1), and names the core
// dump advice MADV_NOCORE and MADV_CORE.
const (
	madvHugePage   = -1
	madvNoHugePage = -1
	madvDontDump   = _MADV_NOCORE
	madvDoDump     = _MADV_CORE
)
