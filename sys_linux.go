package memfile

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Linux and Android: every raw system call that only Linux has, and the ones
// whose arguments differ by architecture. The numbers and the ABI facts
// (abiWord64, abiPairPad, abiMmap, abiStat, abiSocketcall, abiMemfdSecret,
// sys*Nr) come from the generated zsysnum_linux_<GOARCH>.go; every condition
// on them is a constant, so each build keeps only its own arm.

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

// The values of the generated abiMmap and abiStat.
const (
	abiMmapPlain = iota // mmap: six registers, the offset in bytes
	abiMmap2            // mmap2: the offset in 4096-byte units
	abiMmapOld          // old_mmap (s390x): one pointer to the six arguments
)

const (
	abiFstat   = iota // fstat into syscall.Stat_t
	abiFstat64        // fstat64 into syscall.Stat_t (struct stat64)
	abiStatx          // statx into statxBuf
)

// noSyscall stands for a call the GOARCH does not have; the code that
// would make it is behind a false constant.
const noSyscall = ^uintptr(0)

// mmap2Unit is the unit of mmap2's offset on every architecture that has
// it (mmap2(2)); not the page size.
const mmap2Unit = 4096

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
		return opError("memfd_create", name, e, permissionHint())
	case syscall.EACCES:
		if o.Exec == Executable {
			return opError("memfd_create", name, e, "vm.memfd_noexec=2 forbids executable memory files; use NoExec")
		}
		return opError("memfd_create", name, e, permissionHint())
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

// permissionHint says what usually answers EPERM or EACCES to memfd_create.
func permissionHint() string {
	if runtime.GOOS == "android" {
		return "an SELinux policy or the app seccomp filter forbids memfd_create on this device"
	}
	return "a seccomp filter or container policy forbids memfd_create"
}

// sysSeek is lseek(2), or _llseek where a long is 32 bits (the offset in
// two registers, high word first, the result through a pointer).
func sysSeek(fd int, off int64, whence int) (int64, error) {
	if e := inject(sysSeekNr); e != 0 {
		return 0, e
	}
	if abiWord64 {
		r, _, e := syscall.Syscall(sysSeekNr, uintptr(fd), uintptr(off), uintptr(whence))
		return int64(r), errnoErr(e)
	} else {
		var result int64
		_, _, e := syscall.Syscall6(sysSeekNr, uintptr(fd), uintptr(off>>32), uintptr(off), uintptr(unsafe.Pointer(&result)), uintptr(whence), 0)
		return result, errnoErr(e)
	}
}

// sysMmap is mmap(2) as the GOARCH has it: mmap, mmap2 (the offset in
// 4096-byte units) or s390x's old_mmap (one pointer to the six arguments).
func sysMmap(fd int, off int64, length uintptr, prot, flags uintptr) (uintptr, error) {
	if e := inject(sysMmapNr); e != 0 {
		return 0, e
	}
	if abiMmap == abiMmapOld {
		args := [6]uintptr{0, length, prot, flags, uintptr(fd), uintptr(off)}
		r, _, e := syscall.Syscall(sysMmapNr, uintptr(unsafe.Pointer(&args)), 0, 0)
		return r, errnoErr(e)
	} else if abiMmap == abiMmap2 {
		if off%mmap2Unit != 0 {
			return 0, syscall.EINVAL
		}
		pgoff := off / mmap2Unit
		if int64(uintptr(pgoff)) != pgoff {
			return 0, syscall.EOVERFLOW
		}
		r, _, e := syscall.Syscall6(sysMmapNr, 0, length, prot, flags, uintptr(fd), uintptr(pgoff))
		return r, errnoErr(e)
	} else {
		r, _, e := syscall.Syscall6(sysMmapNr, 0, length, prot, flags, uintptr(fd), uintptr(off))
		return r, errnoErr(e)
	}
}

// sysFstat is fstat(2), fstat64 or statx (abiStat).
func sysFstat(fd int) (fileStat, error) {
	if abiStat == abiStatx {
		var st statxBuf
		if _, e := ptrStatxMask(fd, &st, 0); e != 0 {
			return fileStat{}, e
		}
		return fileStat{mode: uint32(st.mode), size: int64(st.size), blocks: int64(st.blocks), blksize: int64(st.blksize)}, nil
	} else {
		return fstatStat(fd)
	}
}

// statxBuf is struct statx (linux/stat.h): the fields up to stx_blocks, and
// stx_dev_major/minor at offset 136; the kernel writes all 256 bytes.
type statxBuf struct {
	mask       uint32
	blksize    uint32
	attributes uint64
	nlink      uint32
	uid        uint32
	gid        uint32
	mode       uint16
	_          uint16
	ino        uint64
	size       uint64
	blocks     uint64
	_          [136 - 56]byte // attributes_mask, the four timestamps, rdev
	devMajor   uint32
	devMinor   uint32
	_          [256 - 144]byte
}

// sysFileID returns the device and inode numbers of the file open at fd,
// with the same call as sysFstat (statx asks for STATX_INO too); only
// ReopenReadOnly needs them, so sysFstat's result stays small.
func sysFileID(fd int) (dev, ino uint64, err error) {
	if abiStat == abiStatx {
		var st statxBuf
		if _, e := ptrStatxMask(fd, &st, _STATX_INO); e != 0 {
			return 0, 0, e
		}
		return uint64(st.devMajor)<<32 | uint64(st.devMinor), st.ino, nil
	} else {
		var st syscall.Stat_t
		if _, e := ptrSyscallRetry(sysFstatNr, uintptr(fd), unsafe.Pointer(&st), 0); e != 0 {
			return 0, 0, e
		}
		return uint64(st.Dev), uint64(st.Ino), nil
	}
}

var emptyPath = [1]byte{0}

// ptrStatxMask is statx(fd, "", AT_EMPTY_PATH, type|mode|size|blocks|mask,
// st), retried on EINTR.
func ptrStatxMask(fd int, st *statxBuf, mask uintptr) (uintptr, syscall.Errno) {
	for {
		r, e := ^uintptr(0), inject(_SYS_STATX)
		if e == 0 {
			r, _, e = syscall.Syscall6(_SYS_STATX, uintptr(fd), uintptr(unsafe.Pointer(&emptyPath[0])), _AT_EMPTY_PATH,
				_STATX_TYPE|_STATX_MODE|_STATX_SIZE|_STATX_BLOCKS|mask, uintptr(unsafe.Pointer(st)), 0)
		}
		if e != syscall.EINTR {
			return r, e
		}
	}
}

// pageSizeOp names the step that finds a file's page size: on Linux it
// comes with fstat (st_blksize is the huge page size of a hugetlbfs file).
const pageSizeOp = fstatOp

// sysPageSize returns the page size mappings of the file must follow.
func sysPageSize(fd int, st fileStat) (int64, error) { return validPage(st.blksize), nil }

// eaccesMaySeal says whether mmap's EACCES can mean a write seal: Linux
// answers EPERM for a write-sealed file, EACCES only for a read-only
// descriptor.
const eaccesMaySeal = false

// sysSendmsg and sysRecvmsg are sendmsg(2) and recvmsg(2), through
// socketcall(2) where the direct calls are younger than memfd_create
// (abiSocketcall: 386 and s390x, direct only since Linux 4.3).
func sysSendmsg(fd int, msg *syscall.Msghdr, flags int) (int, error) {
	if abiSocketcall {
		return socketcallMsg(_SOCKETCALL_SENDMSG, fd, msg, flags)
	}
	return msgCall(sysSendmsgNr, fd, msg, flags)
}

func sysRecvmsg(fd int, msg *syscall.Msghdr, flags int) (int, error) {
	if abiSocketcall {
		return socketcallMsg(_SOCKETCALL_RECVMSG, fd, msg, flags)
	}
	return msgCall(sysRecvmsgNr, fd, msg, flags)
}

// socketcallArgs is the argument block socketcall(2) reads for sendmsg and
// recvmsg: fd, msg and flags as unsigned longs (net/socket.c).
type socketcallArgs struct {
	fd    uintptr
	msg   unsafe.Pointer
	flags uintptr
}

// socketcallMsg makes socketcall(call, &{fd, msg, flags}); sysSendmsgNr is
// __NR_socketcall where abiSocketcall is true.
func socketcallMsg(call uintptr, fd int, msg *syscall.Msghdr, flags int) (int, error) {
	if e := inject(sysSendmsgNr); e != 0 {
		return 0, e
	}
	args := socketcallArgs{uintptr(fd), unsafe.Pointer(msg), uintptr(flags)}
	r, _, e := syscall.Syscall(sysSendmsgNr, call, uintptr(unsafe.Pointer(&args)), 0)
	return int(r), errnoErr(e)
}

// offLenArgs splits fallocate's offset and length as the ABI passes two
// 64-bit arguments from an even slot: one register each on 64-bit
// systems, else a pair each in the order of abiPairHighFirst.
func offLenArgs(off, n int64) (a, b, c, d uintptr) {
	if abiWord64 {
		return uintptr(off), uintptr(n), 0, 0
	} else if abiPairHighFirst {
		return uintptr(off >> 32), uintptr(off), uintptr(n >> 32), uintptr(n)
	} else {
		return uintptr(off), uintptr(off >> 32), uintptr(n), uintptr(n >> 32)
	}
}

// haveMemfdSecret: the GOARCH defines memfd_secret, and this is not Android
// (whose app seccomp filter does not allow it).
const haveMemfdSecret = abiMemfdSecret && runtime.GOOS != "android"

// secretMissing is the hint for memfd_secret's ENOSYS.
func secretMissing() string {
	if !haveMemfdSecret {
		return "memfd_secret is not available on this architecture or on Android"
	}
	return "memfd_secret needs Linux 5.14 or later, enabled (the default since 6.5; before that boot with secretmem.enable=1) on a machine that can remove pages from the kernel's direct map"
}

// sysMemfdSecret is memfd_secret(2), or ENOSYS without it.
func sysMemfdSecret(flags uintptr) (int, syscall.Errno) {
	if !haveMemfdSecret {
		return -1, syscall.ENOSYS
	}
	if e := inject(sysMemfdSecretNr); e != 0 {
		return -1, e
	}
	r, _, e := syscall.Syscall(sysMemfdSecretNr, flags, 0, 0)
	return int(r), e
}

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

// Linux's control messages: SCM_PIDFD is 0x04 in include/linux/socket.h
// (Linux 6.5+, the same on every architecture; a socket with SO_PASSPIDFD
// gets one with every message), and with MSG_CTRUNC the kernel shortens an
// SCM_RIGHTS message's cmsg_len to the descriptors it installed
// (scm_detach_fds in net/core/scm.c), and writes SCM_PIDFD whole or not at
// all (scm_pidfd_recv).
const (
	scmPidfd    = 0x04
	cmsgCutsLen = true
	oPath       = _O_PATH
	seekSet     = 0 // SEEK_SET and SEEK_CUR, the same on every system
	seekCur     = 1
)

// checkAllocated reports why the file fd (with fstat result st) is not fully
// allocated, or "" if it is: st_blocks (512-byte units) must cover the size,
// and lseek(SEEK_HOLE) from 0 must find the first hole at the end, for
// storage allocated past the end (fallocate with FALLOC_FL_KEEP_SIZE) counts
// in st_blocks too. The file offset is restored afterwards.
func checkAllocated(fd int, st fileStat) (string, error) {
	if st.blocks*512 < st.size {
		return "is sparse: " + strconv.FormatInt(st.blocks*512, 10) + " of its " + strconv.FormatInt(st.size, 10) + " bytes are allocated", nil
	}
	if st.size == 0 {
		return "", nil
	}
	cur, err := sysSeek(fd, 0, seekCur)
	if err != nil {
		return "", opError("lseek", "", err, "")
	}
	hole, err := sysSeek(fd, 0, _SEEK_HOLE)
	if _, rerr := sysSeek(fd, cur, seekSet); err == nil && rerr != nil {
		err = rerr
	}
	if err != nil {
		return "", opError("lseek(SEEK_HOLE)", "", err, "")
	}
	if hole < st.size {
		return "has a hole at offset " + strconv.FormatInt(hole, 10) + " of " + strconv.FormatInt(st.size, 10) + " bytes (its storage lies past the end)", nil
	}
	return "", nil
}

// sysFallocate is fallocate(2), retried on EINTR; offLenArgs packs the
// offset and the length as the ABI takes them.
func sysFallocate(fd int, mode uintptr, off, n int64) syscall.Errno {
	a, b, c, d := offLenArgs(off, n)
	_, e := syscall6Retry(_SYS_FALLOCATE, uintptr(fd), mode, a, b, c, d)
	return e
}

// sysCopy makes one call of method from in to out, moving at most n bytes.
func sysCopy(method copyMethod, out, in, n int) (int, syscall.Errno) {
	var nr uintptr
	var r uintptr
	var e syscall.Errno
	switch method {
	case viaSendfile:
		nr = sysSendfileNr
		if e = inject(nr); e == 0 {
			r, _, e = syscall.Syscall6(nr, uintptr(out), uintptr(in), 0, uintptr(n), 0, 0)
		}
	case viaSplice:
		nr = _SYS_SPLICE
		if e = inject(nr); e == 0 {
			r, _, e = syscall.Syscall6(nr, uintptr(in), 0, uintptr(out), 0, uintptr(n), 0)
		}
	default:
		nr = _SYS_COPY_FILE_RANGE
		if e = inject(nr); e == 0 {
			r, _, e = syscall.Syscall6(nr, uintptr(in), 0, uintptr(out), 0, uintptr(n), 0)
		}
	}
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}

// sysExecveat is execveat(fd, "", argv, envv, AT_EMPTY_PATH), retried on
// EINTR; it returns only on failure. On Android it answers ENOSYS without
// the call (the app seccomp filter kills the process for execveat).
func sysExecveat(fd int, argv, envv []*byte) syscall.Errno {
	empty := [1]byte{0}
	e := syscall.ENOSYS
	for runtime.GOOS != "android" {
		if e = inject(_SYS_EXECVEAT); e == 0 {
			_, _, e = syscall.RawSyscall6(_SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(&empty[0])),
				uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&envv[0])), _AT_EMPTY_PATH, 0)
		}
		if e != syscall.EINTR {
			break
		}
	}
	runtime.KeepAlive(argv)
	runtime.KeepAlive(envv)
	return e
}

// sysOpenat is openat(AT_FDCWD, path, flags), retried on EINTR.
func sysOpenat(path *byte, flags uintptr) (uintptr, syscall.Errno) {
	dirfd := _AT_FDCWD // a variable: the negative constant does not convert to uintptr
	return ptrSyscallRetry(_SYS_OPENAT, uintptr(dirfd), unsafe.Pointer(path), flags)
}
