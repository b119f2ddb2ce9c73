package memfile

import (
	"syscall"
	"unsafe"
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
	var raw [8]uintptr
	rawLen := unsafe.Sizeof(raw)
	name := [...]byte{'h', 'w', '.', 'p', 'a', 'g', 'e', 's', 'i', 'z', 'e', 's', 0}
	_, _, e = syscall.Syscall6(_SYS___SYSCTLBYNAME, uintptr(unsafe.Pointer(&name[0])), uintptr(len(name)-1),
		uintptr(unsafe.Pointer(&raw[0])), uintptr(unsafe.Pointer(&rawLen)), 0, 0)
	if e != 0 {
		return 0, e
	}
	if conf.psind <= 0 || uintptr(conf.psind) >= rawLen/unsafe.Sizeof(raw[0]) {
		return 0, syscall.EINVAL
	}
	return validPage(int64(raw[conf.psind])), nil
}

// eaccesMaySeal says whether mmap's EACCES can mean a write seal: FreeBSD's shm_mmap (sys/kern/uipc_shm.c) answers EACCES for a shared writable
// mapping of a write-sealed object, as for a read-only descriptor.
const eaccesMaySeal = true
