//go:build freebsd

package memfile

import (
	"syscall"
	"unsafe"
)

// Compile-time pins of the FreeBSD ABI facts the package relies on. Each
// line is an index into a one-element array: it compiles only when the
// index is exactly 0, so `GOOS=freebsd GOARCH=<each> go vet` fails if a
// layout or a value ever differs. The per-GOARCH offsets are in
// abi_freebsd_386_test.go and abi_freebsd_time64_test.go.

// struct stat (sys/sys/stat.h, the FreeBSD 12+ ino64 layout that Go's
// syscall.Stat_t has since Go 1.20): st_dev, st_ino, st_nlink (8 bytes
// each), then the 16-bit st_mode at 24. On i386 only, each timespec is
// preceded by an int32 st_*tim_ext (__STAT_TIME_T_EXT) and is 8 bytes, so
// st_size is at 96 and the struct is 208 bytes; elsewhere 112 and 224.
// st_blocks follows st_size. sysFstat reads Mode, Size and Blocks.
var (
	_ = [1]struct{}{}[unsafe.Offsetof(syscall.Stat_t{}.Mode)-24]
	_ = [1]struct{}{}[unsafe.Sizeof(syscall.Stat_t{}.Mode)-2]
	_ = [1]struct{}{}[unsafe.Offsetof(syscall.Stat_t{}.Size)-statSizeOff]
	_ = [1]struct{}{}[unsafe.Sizeof(syscall.Stat_t{}.Size)-8]
	_ = [1]struct{}{}[unsafe.Offsetof(syscall.Stat_t{}.Blocks)-(statSizeOff+8)]
	_ = [1]struct{}{}[unsafe.Sizeof(syscall.Stat_t{})-statSize]
)

// struct shm_largepage_conf {int psind; int alloc_policy; int pad[10];}
// (sys/sys/mman.h) is 48 bytes, and FIOSSHMLPGCNF is
// _IOW('f', 100, struct shm_largepage_conf) (sys/sys/filio.h), which
// sys/sys/ioccom.h defines as IOC_IN (0x80000000) | (len & IOCPARM_MASK
// (0x1fff)) << 16 | group << 8 | num.
var (
	_ = [1]struct{}{}[unsafe.Sizeof(shmLargepageConf{})-48]
	_ = [1]struct{}{}[unsafe.Offsetof(shmLargepageConf{}.allocPolicy)-4]
	_ = [1]struct{}{}[_FIOSSHMLPGCNF-(0x80000000|(unsafe.Sizeof(shmLargepageConf{})&0x1fff)<<16|'f'<<8|100)]
)

// struct cmsghdr {socklen_t cmsg_len; int cmsg_level; int cmsg_type;} is
// 12 bytes on every FreeBSD machine (sys/sys/socket.h), and MSG_NOSIGNAL is
// 0x00020000, MSG_CMSG_CLOEXEC 0x00040000 there; share_unix.go uses Go's
// syscall values under its own names.
var (
	_ = [1]struct{}{}[syscall.SizeofCmsghdr-12]
	_ = [1]struct{}{}[unsafe.Sizeof(syscall.Cmsghdr{})-12]
	_ = [1]struct{}{}[syscall.MSG_NOSIGNAL-0x20000]
	_ = [1]struct{}{}[msgNosignal-0x20000]
	_ = [1]struct{}{}[syscall.MSG_CMSG_CLOEXEC-0x40000]
	_ = [1]struct{}{}[msgCmsgCloexec-0x40000]
)

// ENOTSUP is EOPNOTSUPP, 45 (sys/sys/errno.h): shm_add_seals and
// shm_dotruncate_largepage return ENOTSUP, memfd_create(3) sets EOPNOTSUPP,
// and the code compares with syscall.EOPNOTSUPP.
var (
	_ = [1]struct{}{}[syscall.EOPNOTSUPP-45]
	_ = [1]struct{}{}[syscall.ENOTSUP-syscall.EOPNOTSUPP]
)

// The host copies of the shm_open2 flags (zconst_shmflags.go) equal the
// FreeBSD constants.
var _ = [1]struct{}{}[(_FREEBSD_O_RDWR^_O_RDWR)|(_FREEBSD_O_CLOEXEC^_O_CLOEXEC)|
	(_FREEBSD_SHM_ALLOW_SEALING^_SHM_ALLOW_SEALING)|(_FREEBSD_SHM_GROW_ON_WRITE^_SHM_GROW_ON_WRITE)|
	(_FREEBSD_SHM_LARGEPAGE^_SHM_LARGEPAGE)]
