package memfile

import (
	"syscall"
	"unsafe"
)

// FreeBSD 13+: memfd as FreeBSD's libc builds it (lib/libc/gen/memfd_create.c):
// shm_open2(SHM_ANON, O_RDWR|O_CLOEXEC, 0, shmflags, "memfd:"+name), then for
// huge pages ioctl(FIOSSHMLPGCNF) with the index of the page size in
// hw.pagesizes. FreeBSD 12 and older answer ENOSYS: Go's runtime ignores
// SIGSYS on FreeBSD, so the unknown system call just fails.

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

const permissionHint = "a Capsicum sandbox or MAC policy forbids shm_open2"

// shmLargepageConf is struct shm_largepage_conf (sys/sys/mman.h).
type shmLargepageConf struct {
	psind       int32
	allocPolicy int32
	pad         [10]int32
}

func sysCreate(name string, o *Options) (int, error) {
	req, err := freebsdShmRequest(o)
	if err != nil {
		return -1, opError("memfd_create", name, err, "FreeBSD needs an explicit huge page size that hw.pagesizes lists")
	}
	var buf [MaxNameLen + 8]byte
	cname := cName(&buf, "memfd:", name)

	oflags := uintptr(_O_RDWR)
	if req.cloexec {
		oflags |= _O_CLOEXEC
	}
	var shmflags uintptr
	if req.allowSealing {
		shmflags |= _SHM_ALLOW_SEALING
	}
	if req.growOnWrite {
		shmflags |= _SHM_GROW_ON_WRITE
	}
	if req.largePage {
		shmflags |= _SHM_LARGEPAGE
	}
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
		if err := setLargePage(fd, req.pageSize); err != nil {
			sysClose(fd)
			return -1, opError("ioctl(FIOSSHMLPGCNF)", name, err, "the machine does not offer "+o.HugePages.String()+" pages (see sysctl hw.pagesizes)")
		}
	}
	return fd, nil
}

// setLargePage selects the page size of a SHM_LARGEPAGE object: the index of
// size in the hw.pagesizes sysctl (u_long[MAXPAGESIZES], read with
// __sysctlbyname, FreeBSD 13+) goes to ioctl(FIOSSHMLPGCNF).
func setLargePage(fd int, size uint64) error {
	if e := inject(_SYS_IOCTL); e != 0 {
		return e
	}
	var raw [8]uintptr
	rawLen := unsafe.Sizeof(raw)
	name := [...]byte{'h', 'w', '.', 'p', 'a', 'g', 'e', 's', 'i', 'z', 'e', 's', 0}
	_, _, e := syscall.Syscall6(_SYS___SYSCTLBYNAME, uintptr(unsafe.Pointer(&name[0])), uintptr(len(name)-1),
		uintptr(unsafe.Pointer(&raw[0])), uintptr(unsafe.Pointer(&rawLen)), 0, 0)
	if e != 0 {
		return e
	}
	var sizes [len(raw)]uint64
	count := int(rawLen / unsafe.Sizeof(raw[0]))
	if count > len(raw) {
		count = len(raw)
	}
	for i := 0; i < count; i++ {
		sizes[i] = uint64(raw[i])
	}
	idx, err := pageSizeIndex(sizes[:count], size)
	if err != nil {
		return err
	}
	conf := shmLargepageConf{psind: int32(idx), allocPolicy: _SHM_LARGEPAGE_ALLOC_DEFAULT}
	_, _, e = syscall.Syscall(_SYS_IOCTL, uintptr(fd), _FIOSSHMLPGCNF, uintptr(unsafe.Pointer(&conf)))
	return errnoErr(e)
}

// sealError explains an F_ADD_SEALS failure.
func sealError(name string, s Seals, err error) error {
	const op = "fcntl(F_ADD_SEALS)"
	switch err {
	case syscall.EBUSY:
		return opError(op, name, err, "a writable mapping of the file still exists: unmap it before adding the write seal")
	case syscall.EPERM:
		return opError(op, name, err, "the file is sealed against new seals (created without AllowSealing, or SealSeal added)")
	}
	return opError(op, name, err, "")
}

// sysFstat returns the file's mode, size and allocation with fstat(2) (the
// FreeBSD 12+ ino64 layout, which is Go's syscall.Stat_t).
func sysFstat(fd int) (fileStat, error) {
	if e := inject(_SYS_FSTAT); e != 0 {
		return fileStat{}, e
	}
	var st syscall.Stat_t
	_, _, e := syscall.Syscall(_SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(&st)), 0)
	if e != 0 {
		return fileStat{}, e
	}
	return fileStat{mode: uint32(st.Mode), size: int64(st.Size), blocks: int64(st.Blocks), blksize: int64(st.Blksize)}, nil
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
