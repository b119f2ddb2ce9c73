package memfile

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Linux and Android: memfd_create(2) and the fcntl seal commands.

const (
	sysPreadNr  = _SYS_PREAD64
	sysPwriteNr = _SYS_PWRITE64
)

// platformSeals are the seals Linux knows; the kernel answers EINVAL for the
// ones it is too old for (FutureWrite before 5.1, Exec before 6.3).
const platformSeals = SealAll

// The public Seals values are Linux's own F_SEAL_* bits; this fails to
// compile if the generated constants ever disagree.
var _ = [1]struct{}{}[(SealSeal^_F_SEAL_SEAL)|(SealShrink^_F_SEAL_SHRINK)|(SealGrow^_F_SEAL_GROW)|
	(SealWrite^_F_SEAL_WRITE)|(SealFutureWrite^_F_SEAL_FUTURE_WRITE)|(SealExec^_F_SEAL_EXEC)]

func sealsToOS(s Seals) uintptr   { return uintptr(s) }
func sealsFromOS(r uintptr) Seals { return Seals(r) }

// execFlagsRejected is set once the kernel has answered EINVAL to
// MFD_NOEXEC_SEAL or MFD_EXEC and accepted the same call without them
// (kernels before 6.3), so later calls skip the failing attempt.
var execFlagsRejected int32

// memfdCreate and sysFchmod are retried on EINTR (see sys_unix.go).
func memfdCreate(name *byte, flags uintptr) (int, syscall.Errno) {
	for {
		r, e := ^uintptr(0), inject(_SYS_MEMFD_CREATE)
		if e == 0 {
			r, _, e = syscall.Syscall(_SYS_MEMFD_CREATE, uintptr(unsafe.Pointer(name)), flags, 0)
		}
		if e != syscall.EINTR {
			return int(r), e
		}
	}
}

func sysFchmod(fd int, mode uintptr) syscall.Errno {
	_, e := syscallRetry(_SYS_FCHMOD, uintptr(fd), mode, 0)
	return e
}

// sysCreate runs memfd_create with the flags opts asks for, including the
// pre-6.3 fallback for the exec flags, and makes the result honour
// AllowSealing on every kernel.
func sysCreate(name string, o *Options) (int, error) {
	var buf [MaxNameLen + 8]byte
	cname := cName(&buf, "", name)

	flags := uintptr(_MFD_CLOEXEC)
	if o.InheritOnExec {
		flags = 0
	}
	if o.AllowSealing {
		flags |= _MFD_ALLOW_SEALING
	}
	if o.HugePages != NoHugePages {
		flags |= _MFD_HUGETLB
		if o.HugePages != HugeDefault {
			flags |= uintptr(o.HugePages) << _MFD_HUGE_SHIFT
		}
	}
	var execFlag uintptr
	switch o.Exec {
	case NoExec:
		execFlag = _MFD_NOEXEC_SEAL
	case Executable:
		execFlag = _MFD_EXEC
	}

	execApplied := false
	var fd int
	var e syscall.Errno
	if execFlag != 0 && atomic.LoadInt32(&execFlagsRejected) == 0 {
		fd, e = memfdCreate(cname, flags|execFlag)
		if e == 0 {
			execApplied = true
		} else if e == syscall.EINVAL {
			// Before 6.3 the flag is an unknown bit. Retry without it; only
			// if that works was the flag the cause, and worth remembering.
			fd, e = memfdCreate(cname, flags)
			if e == 0 {
				atomic.StoreInt32(&execFlagsRejected, 1)
			}
		}
	} else {
		fd, e = memfdCreate(cname, flags)
	}
	if e != 0 {
		return -1, createError(name, o, e)
	}

	// Make the outcome what the options asked for.
	switch {
	case o.Exec == NoExec && !execApplied:
		// Pre-6.3 kernel: new memfds are mode 0777; drop the execute bits.
		if e := sysFchmod(fd, 0666); e != 0 {
			sysClose(fd)
			return -1, opError("fchmod", name, e, "could not clear the execute bits of the new file")
		}
	case !o.AllowSealing && (o.Exec == NoExec || o.Exec == KernelDefault):
		// MFD_NOEXEC_SEAL (asked for, or applied by vm.memfd_noexec) leaves
		// sealing open; close it so the file is as unsealable as requested.
		// EPERM means it already was.
		if _, err := sysFcntl(fd, _F_ADD_SEALS, _F_SEAL_SEAL); err != nil && err != errPermission {
			sysClose(fd)
			return -1, opError("fcntl(F_ADD_SEALS)", name, err, "could not make the new file unsealable")
		}
	}
	return fd, nil
}

// createError turns a memfd_create errno into an *Error that says what to do.
func createError(name string, o *Options, e syscall.Errno) error {
	switch e {
	case syscall.ENOSYS:
		return unsupportedError("memfd_create", name, e, "memfd_create needs Linux 3.17 or later built with CONFIG_MEMFD_CREATE; a seccomp filter may also answer ENOSYS")
	case syscall.EPERM:
		if o.HugePages != NoHugePages {
			return opError("memfd_create", name, e, "huge pages need CAP_IPC_LOCK or membership of vm.hugetlb_shm_group, or a seccomp filter or container policy forbids memfd_create")
		}
		return opError("memfd_create", name, e, permissionHint)
	case syscall.EACCES:
		if o.Exec == Executable {
			return opError("memfd_create", name, e, "vm.memfd_noexec=2 forbids executable memory files; use NoExec")
		}
		return opError("memfd_create", name, e, permissionHint)
	case syscall.EINVAL, syscall.ENODEV:
		if o.HugePages != NoHugePages {
			// ENODEV: hugetlb_file_setup found no such page size.
			hint := "this machine has no " + o.HugePages.String() + " huge pages; /sys/kernel/mm/hugepages lists the sizes it has"
			if e == syscall.EINVAL {
				hint = "the kernel is older than 4.14 (huge-page memory files) or 4.16 (sealable ones), or " + hint
			}
			return opError("memfd_create", name, e, hint)
		}
		return opError("memfd_create", name, e, "")
	case syscall.EMFILE, syscall.ENFILE:
		return opError("memfd_create", name, e, "out of file descriptors: close some or raise RLIMIT_NOFILE")
	}
	return opError("memfd_create", name, e, "")
}

// sealError explains an F_ADD_SEALS failure.
func sealError(name string, s Seals, err error) error {
	const op = "fcntl(F_ADD_SEALS)"
	switch err {
	case syscall.EINVAL:
		if s&SealExec != 0 {
			return unsupportedError(op, name, err, "the exec seal needs Linux 6.3 or later")
		}
		if s&SealFutureWrite != 0 {
			return unsupportedError(op, name, err, "the future-write seal needs Linux 5.1 or later")
		}
		return opError(op, name, err, "")
	case syscall.EBUSY:
		if s&(SealWrite|SealFutureWrite) == 0 && s&SealExec != 0 {
			return opError(op, name, err, "the file has execute bits, so the kernel adds the write seals with the exec seal, and a shared writable mapping of the file still exists: unmap it first, or create the file NoExec")
		}
		return opError(op, name, err, "a shared mapping of the file still exists: unmap every shared mapping before adding the write seal (the kernel also answers EBUSY while it briefly holds an extra reference to a page; adding a seal again is harmless)")
	case syscall.EPERM:
		return opError(op, name, err, "the file is sealed against new seals (created without AllowSealing, or SealSeal added), or the descriptor is read-only")
	}
	return opError(op, name, err, "")
}
