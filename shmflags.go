//go:build linux || freebsd

package memfile

import "syscall"

// The pure parts of the FreeBSD port: what FreeBSD's memfd_create
// (lib/libc/gen/memfd_create.c) asks of shm_open2(2), how the page-size
// index for FIOSSHMLPGCNF is found, and how 32-bit FreeBSD passes and
// returns a 64-bit file offset. They are built on Linux as well so that the
// host unit-tests them (shmflags_test.go); Linux code never calls them, so
// the linker drops them from Linux binaries, and they hold no tables.

// shmRequest is what FreeBSD's memfd_create asks of shm_open2 for a set of
// Options.
type shmRequest struct {
	cloexec      bool   // O_CLOEXEC in the open flags
	allowSealing bool   // SHM_ALLOW_SEALING
	growOnWrite  bool   // SHM_GROW_ON_WRITE: write(2) past the end grows the object, as on Linux
	largePage    bool   // SHM_LARGEPAGE, then ioctl(FIOSSHMLPGCNF)
	pageSize     uint64 // with largePage: the page size that must be in hw.pagesizes
}

// freebsdShmRequest translates opts as FreeBSD's libc translates MFD_* flags:
// a huge-page file is SHM_LARGEPAGE (never SHM_GROW_ON_WRITE), any other file
// SHM_GROW_ON_WRITE. libc computes the page size as 1<<(flags>>MFD_HUGE_SHIFT),
// so MFD_HUGETLB without a size asks for a 1-byte page and fails with
// EOPNOTSUPP; so does HugeDefault here. The exec policy has no FreeBSD
// equivalent and is ignored.
func freebsdShmRequest(o *Options) (shmRequest, error) {
	r := shmRequest{cloexec: !o.InheritOnExec, allowSealing: o.AllowSealing}
	switch {
	case o.HugePages == NoHugePages:
		r.growOnWrite = true
	case o.HugePages == HugeDefault:
		return r, syscall.EOPNOTSUPP
	default:
		r.largePage = true
		r.pageSize = o.HugePages.Bytes()
	}
	return r, nil
}

// flags returns shm_open2's flags and shmflags arguments for r, with the
// values of sys/sys/fcntl.h and sys/sys/mman.h (zconst_shmflags.go). The
// object is always O_RDWR: kern_shm_open2 (sys/kern/uipc_shm.c) refuses a
// read-only anonymous object with EINVAL.
func (r shmRequest) flags() (oflags, shmflags uintptr) {
	oflags = _FREEBSD_O_RDWR
	if r.cloexec {
		oflags |= _FREEBSD_O_CLOEXEC
	}
	if r.allowSealing {
		shmflags |= _FREEBSD_SHM_ALLOW_SEALING
	}
	if r.growOnWrite {
		shmflags |= _FREEBSD_SHM_GROW_ON_WRITE
	}
	if r.largePage {
		shmflags |= _FREEBSD_SHM_LARGEPAGE
	}
	return oflags, shmflags
}

// pageSizeSlots is how many hw.pagesizes entries are read. The array has
// MAXPAGESIZES entries, a handful (pmap_init fills three on amd64 and
// arm64), and sysctl_hw_pagesizes (sys/kern/kern_mib.c) copies out no more
// than the buffer holds, so 8 leaves room for growth.
const pageSizeSlots = 8

// pageSizeCount returns how many whole entries of wordSize bytes (u_long:
// 4 on 386 and arm, 8 elsewhere) hw.pagesizes returned when it reported
// nbytes into a buffer of slots entries. sysctl_hw_pagesizes sends
// min(sizeof(pagesizes), buffer length) bytes, so a short answer is normal;
// a partial trailing entry is not counted.
func pageSizeCount(nbytes, wordSize uintptr, slots int) int {
	n := nbytes / wordSize
	if n > uintptr(slots) {
		n = uintptr(slots)
	}
	return int(n)
}

// pageSizeIndex returns the index of size in sizes, the hw.pagesizes list
// that getpagesizes(3) reads (lib/libc/gen/getpagesizes.c), which FreeBSD's
// libc passes as psind to FIOSSHMLPGCNF. Zero entries are unused slots (a
// 32-bit process on a 64-bit kernel also sees sizes above 4 GiB as zero,
// sysctl_hw_pagesizes) and keep their index. Index 0 is the base page,
// which shm_ioctl refuses (psind <= 0 is EINVAL). A size the machine does
// not list is EOPNOTSUPP, as memfd_create(3) answers.
func pageSizeIndex(sizes []uint64, size uint64) (int, error) {
	for i, s := range sizes {
		if i > 0 && s != 0 && s == size {
			return i, nil
		}
	}
	return -1, syscall.EOPNOTSUPP
}

// lseekArgs32 returns lseek(2)'s five argument words on 32-bit FreeBSD.
// The kernel copies the argument words verbatim into struct lseek_args, an
// array of register_t slots (on arm: r0-r3, then the user stack, in
// cpu_fetch_syscall_args, sys/arm/arm/syscall.c), and that struct lays the
// 64-bit off_t out as the C ABI does: on i386 right after fd, low word first
// (fd, lo, hi, whence); on arm at an 8-byte boundary, after a padding word
// (fd, 0, lo, hi, whence), which evenPair selects. Go's own syscall.Seek
// passes the same words (src/syscall/zsyscall_freebsd_386.go and
// zsyscall_freebsd_arm.go, func Seek).
func lseekArgs32(fd int, off int64, whence int, evenPair bool) [5]uint32 {
	lo, hi := uint32(off), uint32(uint64(off)>>32)
	if evenPair {
		return [5]uint32{uint32(fd), 0, lo, hi, uint32(whence)}
	}
	return [5]uint32{uint32(fd), lo, hi, uint32(whence), 0}
}

// lseekResult32 reassembles the 64-bit offset that 32-bit FreeBSD's lseek
// returns in two registers, low word first (td_retval[0] and [1]: eax and
// edx on i386, r0 and r1 on arm).
func lseekResult32(r0, r1 uint32) int64 { return int64(uint64(r1)<<32 | uint64(r0)) }

// Ops of the large-page setup steps that are not shm_open2 itself.
const (
	opPageSizes     = "sysctl(hw.pagesizes)"
	opLargePageConf = "ioctl(FIOSSHMLPGCNF)"
)

// freebsdHugeError builds the error of a failed large-page step op:
//   - EOPNOTSUPP, as memfd_create(3) sets it, means the machine has no such
//     page size (or, for HugeDefault, that FreeBSD has no default one): it
//     matches ErrNotSupported;
//   - EPERM from the hw.pagesizes sysctl means Capsicum capability mode:
//     sysctl_root (sys/kern/kern_sysctl.c) refuses to read a node without
//     CTLFLAG_CAPRD there, and hw.pagesizes (sys/kern/kern_mib.c) has none,
//     although shm_open2(SHM_ANON) itself is allowed (kern_shm_open2 only
//     refuses named objects, with ECAPMODE, in sys/kern/uipc_shm.c).
func freebsdHugeError(op, name string, err error) error {
	switch {
	case err == syscall.EOPNOTSUPP && op == "memfd_create":
		return unsupportedError(op, name, err, "FreeBSD offers only the huge page sizes that sysctl hw.pagesizes lists, and has no default size")
	case err == syscall.EPERM && op == opPageSizes:
		return opError(op, name, err, "in Capsicum capability mode hw.pagesizes cannot be read: create huge-page files before cap_enter(2)")
	}
	return opError(op, name, err, "")
}

// freebsdSealError explains an F_ADD_SEALS failure on FreeBSD, where
// shm_add_seals (sys/kern/uipc_shm.c) answers:
//   - EPERM once F_SEAL_SEAL is set (also on a file made without
//     SHM_ALLOW_SEALING, whose initial seal is F_SEAL_SEAL);
//   - EBUSY for a new F_SEAL_WRITE while the object has writemappings: any
//     MAP_SHARED mapping made from a writable descriptor counts, read-only
//     ones included, because mprotect(2) could make them writable (shm_mmap);
//   - ENOTSUP (= EOPNOTSUPP) for a new F_SEAL_WRITE on a large-page object.
func freebsdSealError(name string, err error) error {
	const op = "fcntl(F_ADD_SEALS)"
	switch err {
	case syscall.EBUSY:
		return opError(op, name, err, "a shared mapping made from a writable descriptor still exists (on FreeBSD read-only ones count too): unmap it before adding the write seal")
	case syscall.EPERM:
		return opError(op, name, err, "the file is sealed against new seals (created without AllowSealing, or SealSeal added)")
	case syscall.EOPNOTSUPP:
		return unsupportedError(op, name, err, "FreeBSD cannot write-seal a huge-page (SHM_LARGEPAGE) file; the other seals work")
	}
	return opError(op, name, err, "")
}
