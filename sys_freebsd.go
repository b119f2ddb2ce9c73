package memfile

import (
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
	if e := inject(_SYS_FSTAT); e != 0 {
		return fileStat{}, e
	}
	var st syscall.Stat_t
	_, _, e := syscall.Syscall(_SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(&st)), 0)
	if e != 0 {
		return fileStat{}, e
	}
	return fileStat{mode: uint32(st.Mode), size: int64(st.Size), blocks: -1, blksize: int64(st.Blksize)}, nil
}

// sysMmap calls mmap(2). Syscall9 carries the offset words on every
// architecture: one on 64-bit, a low/high pair (padded on arm) on 32-bit.
func sysMmap(fd int, off int64, length uintptr, prot, flags uintptr) (uintptr, error) {
	if e := inject(_SYS_MMAP); e != 0 {
		return 0, e
	}
	a, b, c := offArgs(off)
	r, _, e := syscall.Syscall9(_SYS_MMAP, 0, length, prot, flags, uintptr(fd), a, b, c, 0)
	return r, errnoErr(e)
}
