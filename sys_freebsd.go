package memfile

import (
	"runtime"
	"syscall"
	"unsafe"
)

// FreeBSD 13+: memfd as FreeBSD's libc builds it (lib/libc/gen/memfd_create.c):
// shm_open2(SHM_ANON, O_RDWR|O_CLOEXEC, 0, shmflags, "memfd:"+name), then for
// huge pages ioctl(FIOSSHMLPGCNF) with the index of the page size in
// hw.pagesizes. FreeBSD 12 and older answer ENOSYS: Go's runtime ignores
// SIGSYS on FreeBSD, so the unknown system call just fails. Every way
// FreeBSD behaves differently from Linux is in docs/freebsd.md.

const (
	sysPreadNr  = _SYS_PREAD
	sysPwriteNr = _SYS_PWRITE
	fstatOp     = "fstat"
)

// platformSeals are the seals FreeBSD has: no FutureWrite, no Exec.
// How FreeBSD passes a 64-bit offset (offArgs in sys_unix.go): one
// register on 64-bit systems; two words, low first, on i386; a pad word and
// an even register pair, low word first, on arm (EABI). lseek takes it the
// same way on 32-bit systems and returns it in two registers (lseekArgs32
// and lseekResult32 in shmflags.go, unit-tested on the host).
const (
	abiWord64        = unsafe.Sizeof(uintptr(0)) == 8
	abiPairPad       = runtime.GOARCH == "arm"
	abiPairHighFirst = false
	sysFtruncateNr   = _SYS_FTRUNCATE
	sysFstatNr       = _SYS_FSTAT
)

func sysSeek(fd int, off int64, whence int) (int64, error) {
	if e := inject(_SYS_LSEEK); e != 0 {
		return 0, e
	}
	if abiWord64 {
		r, _, e := syscall.Syscall(_SYS_LSEEK, uintptr(fd), uintptr(off), uintptr(whence))
		return int64(r), errnoErr(e)
	} else {
		a := lseekArgs32(fd, off, whence, abiPairPad)
		r0, r1, e := syscall.Syscall6(_SYS_LSEEK, uintptr(a[0]), uintptr(a[1]), uintptr(a[2]), uintptr(a[3]), uintptr(a[4]), 0)
		return lseekResult32(uint32(r0), uint32(r1)), errnoErr(e)
	}
}

func sysSendmsg(fd int, msg *syscall.Msghdr, flags int) (int, error) {
	return msgCall(_SYS_SENDMSG, fd, msg, flags)
}

func sysRecvmsg(fd int, msg *syscall.Msghdr, flags int) (int, error) {
	return msgCall(_SYS_RECVMSG, fd, msg, flags)
}

const platformSeals = SealSeal | SealShrink | SealGrow | SealWrite

// FreeBSD's F_SEAL_* bits equal the public Seals values; this fails to
// compile if the generated constants ever disagree.
var _ = [1]struct{}{}[(SealSeal^_F_SEAL_SEAL)|(SealShrink^_F_SEAL_SHRINK)|(SealGrow^_F_SEAL_GROW)|(SealWrite^_F_SEAL_WRITE)]

func sealsToOS(s Seals) uintptr   { return uintptr(s) }
func sealsFromOS(r uintptr) Seals { return Seals(r) & platformSeals }

// shmLargepageConf is struct shm_largepage_conf (sys/sys/mman.h): 48 bytes,
// pinned in abi_freebsd_test.go.
type shmLargepageConf struct {
	psind       int32
	allocPolicy int32
	pad         [10]int32
}

func sysCreate(name string, o *Options) (int, error) {
	req, err := freebsdShmRequest(o)
	if err != nil {
		return -1, freebsdHugeError("memfd_create", name, err)
	}
	var buf [MaxNameLen + 8]byte
	cname := cName(&buf, "memfd:", name)
	oflags, shmflags := req.flags()
	r, _, e := uintptr(0), uintptr(0), inject(_SYS_SHM_OPEN2)
	if e == 0 {
		r, _, e = syscall.Syscall6(_SYS_SHM_OPEN2, _SHM_ANON, oflags, 0, shmflags, uintptr(unsafe.Pointer(cname)), 0)
	}
	if e != 0 {
		switch e {
		case syscall.ENOSYS:
			return -1, unsupportedError("shm_open2", name, e, "memory files need FreeBSD 13 or later")
		case syscall.ENOTTY:
			return -1, unsupportedError("shm_open2", name, e, "this machine has no large-page support")
		case syscall.EMFILE, syscall.ENFILE:
			return -1, opError("shm_open2", name, e, "out of file descriptors: close some or raise RLIMIT_NOFILE")
		}
		return -1, opError("shm_open2", name, e, "")
	}
	fd := int(r)
	if req.largePage {
		if err := setLargePage(fd, name, req.pageSize); err != nil {
			sysClose(fd)
			return -1, err
		}
	}
	return fd, nil
}

// setLargePage selects the page size of a SHM_LARGEPAGE object as
// memfd_create(3) does: the index of size in hw.pagesizes goes to
// ioctl(FIOSSHMLPGCNF). Each step fails with its own op (see
// freebsdHugeError): the sysctl, the choice of the size, and the ioctl.
func setLargePage(fd int, name string, size uint64) error {
	var sizes [pageSizeSlots]uint64
	n, e := sysPageSizes(&sizes)
	if e != 0 {
		return freebsdHugeError(opPageSizes, name, e)
	}
	idx, err := pageSizeIndex(sizes[:n], size)
	if err != nil {
		return freebsdHugeError("memfd_create", name, err)
	}
	if e := inject(_SYS_IOCTL); e != 0 {
		return freebsdHugeError(opLargePageConf, name, e)
	}
	conf := shmLargepageConf{psind: int32(idx), allocPolicy: _SHM_LARGEPAGE_ALLOC_DEFAULT}
	_, _, e = syscall.Syscall(_SYS_IOCTL, uintptr(fd), _FIOSSHMLPGCNF, uintptr(unsafe.Pointer(&conf)))
	if e != 0 {
		return freebsdHugeError(opLargePageConf, name, e)
	}
	return nil
}

// sysPageSizes reads the hw.pagesizes sysctl (u_long[MAXPAGESIZES]) with
// __sysctlbyname (FreeBSD 13+) into sizes and returns how many entries it
// holds; zero entries are unused slots.
func sysPageSizes(sizes *[pageSizeSlots]uint64) (int, syscall.Errno) {
	if e := inject(_SYS___SYSCTLBYNAME); e != 0 {
		return 0, e
	}
	var raw [pageSizeSlots]uintptr
	rawLen := unsafe.Sizeof(raw)
	name := [...]byte{'h', 'w', '.', 'p', 'a', 'g', 'e', 's', 'i', 'z', 'e', 's', 0}
	_, _, e := syscall.Syscall6(_SYS___SYSCTLBYNAME, uintptr(unsafe.Pointer(&name[0])), uintptr(len(name)-1),
		uintptr(unsafe.Pointer(&raw[0])), uintptr(unsafe.Pointer(&rawLen)), 0, 0)
	if e != 0 {
		return 0, e
	}
	n := pageSizeCount(rawLen, unsafe.Sizeof(raw[0]), len(raw))
	for i := 0; i < n; i++ {
		sizes[i] = uint64(raw[i])
	}
	return n, 0
}

// sealError explains an F_ADD_SEALS failure (freebsdSealError).
func sealError(name string, s Seals, err error) error { return freebsdSealError(name, err) }

// sysFstat returns the file's mode and size with fstat(2) (the FreeBSD 12+
// ino64 layout, which is Go's syscall.Stat_t; pinned in abi_freebsd_test.go).
// The allocation is unknown (blocks -1): for a shm object, and every MemFile
// on FreeBSD is one (FromFd demands F_GET_SEALS, which only shm_get_seals
// answers), shm_stat (sys/kern/uipc_shm.c) sets st_blocks to the object's
// size in pages of its page size, not to the storage it holds.
func sysFstat(fd int) (fileStat, error) {
	st, err := fstatStat(fd)
	st.blocks = -1
	return st, err
}

func sysMmap(fd int, off int64, length uintptr, prot, flags uintptr) (uintptr, error) {
	if e := inject(_SYS_MMAP); e != 0 {
		return 0, e
	}
	a, b, c := offArgs(off)
	r, _, e := syscall.Syscall9(_SYS_MMAP, 0, length, prot, flags, uintptr(fd), a, b, c, 0)
	return r, errnoErr(e)
}

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

// pageSizeOp names the step that finds a file's page size on FreeBSD.
const pageSizeOp = "ioctl(FIOGSHMLPGCNF)"

// sysPageSize returns the page size mappings of the file must follow.
// FreeBSD's fstat reports PAGE_SIZE as st_blksize even for a SHM_LARGEPAGE
// object, whose mappings must start and end on large-page boundaries
// (shm_mmap_large in sys/kern/uipc_shm.c): ioctl(FIOGSHMLPGCNF) gives such an
// object's page-size index into hw.pagesizes, and answers ENOTTY for any
// other object.
func sysPageSize(fd int, st fileStat) (int64, error) {
	if e := inject(_SYS_IOCTL); e != 0 {
		return 0, e
	}
	var conf shmLargepageConf
	_, _, e := syscall.Syscall(_SYS_IOCTL, uintptr(fd), _FIOGSHMLPGCNF, uintptr(unsafe.Pointer(&conf)))
	if e == syscall.ENOTTY {
		return validPage(st.blksize), nil
	}
	if e != 0 {
		return 0, e
	}
	var sizes [pageSizeSlots]uint64
	n, e := sysPageSizes(&sizes)
	if e != 0 {
		return 0, e
	}
	if conf.psind <= 0 || int(conf.psind) >= n {
		return 0, syscall.EINVAL
	}
	return validPage(int64(sizes[conf.psind])), nil
}

// eaccesMaySeal says whether mmap's EACCES can mean a write seal: FreeBSD's shm_mmap (sys/kern/uipc_shm.c) answers EACCES for a shared writable
// mapping of a write-sealed object, as for a read-only descriptor.
const eaccesMaySeal = true

// writeSeals names the seal that forbids deallocating pages (fspacectl's
// SPACECTL_DEALLOC, refused with EPERM by shm_fspacectl in
// sys/kern/uipc_shm.c), for MapSealed's error. FreeBSD has no future-write
// seal.
const writeSeals = "write"

// checkFaultProof has nothing to add on FreeBSD: an object with SealShrink
// and SealWrite can neither shrink nor lose pages, and a large-page object
// allocates all its pages when it is sized.
func (m *MemFile) checkFaultProof(have Seals) (populate bool, err error) { return false, nil }

func (mp *Mapping) populateRead() error { return nil }

// FreeBSD's control messages: no descriptor travels in any message but
// SCM_RIGHTS, and with MSG_CTRUNC the kernel copies as much of a message as
// fits without changing its cmsg_len (kern_recvit in sys/kern/uipc_syscalls.c).
// O_PATH (FreeBSD 14) is not told apart: such a descriptor fails the seal
// check.
const (
	scmPidfd    = 0
	cmsgCutsLen = false
	oPath       = 0
)

// checkAllocated: FreeBSD's fstat of a shm object has not been checked to
// report the allocated storage in st_blocks, so the demand is refused.
func checkAllocated(int, fileStat) (string, error) {
	return "", unsupportedError("fstat", "", ErrNotSupported, "AdoptOptions.FullyAllocated is checked on Linux only")
}
