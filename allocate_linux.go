package memfile

import (
	"strconv"
	"syscall"
)

// Allocate reserves memory for length bytes of the file from offset with
// fallocate(2) (memory files since Linux 3.17; hugetlbfs since 4.3), so that later
// writes, and faults of mappings, within the range find the pages already
// there and cannot fail for lack of memory or huge pages. With keepSize the
// file's size stays as it is even if the range passes the end (the pages
// past the end count, but cannot be mapped or read until the file grows);
// without it the file grows to cover the range. On a hugetlbfs file the
// range is widened to whole huge pages. It does not change the contents:
// allocated pages read as zero. Allocated tells how much is allocated.
//
// Allocate on a write-sealed file works within its size (allocating changes
// no contents); growing a file sealed with SealGrow is refused.
//
// Errors: EINVAL for a negative offset or a length ≤ 0; EPERM when the
// range passes the end of a file sealed with SealGrow; ENOSPC when the
// memory or the huge-page pool (vm.nr_hugepages) is exhausted, or a
// size-limited tmpfs is full; EBADF for a read-only descriptor; EFBIG past
// the size limit; ErrClosed; an error matching ErrNotSupported on FreeBSD
// (its posix_fallocate on shared memory only grows the size:
// shm_fallocate in sys/kern/uipc_shm.c) and other systems, and where the
// file system lacks fallocate (EOPNOTSUPP).
func (m *MemFile) Allocate(offset, length int64, keepSize bool) error {
	const op = "fallocate"
	if offset < 0 || length <= 0 || offset+length < offset {
		return opError(op, m.name, errInvalid, "range "+strconv.FormatInt(offset, 10)+"+"+strconv.FormatInt(length, 10)+
			" is not valid: the offset must not be negative, the length must be positive")
	}
	mode := uintptr(0)
	if keepSize {
		mode = _FALLOC_FL_KEEP_SIZE
	}
	if err := m.incref(op); err != nil {
		return err
	}
	defer m.decref()
	e := sysFallocate(m.fd, mode, offset, length)
	switch e {
	case 0:
		return nil
	case syscall.EPERM:
		return opError(op, m.name, e, "the range passes the end of a file sealed against growing; allocate within its size")
	case syscall.ENOSPC:
		return opError(op, m.name, e, "out of memory to reserve: for a huge-page file the pool is exhausted (reserve more with vm.nr_hugepages), or a size-limited tmpfs is full")
	case syscall.EBADF:
		return opError(op, m.name, e, "the descriptor is not open for writing")
	case syscall.EOPNOTSUPP, syscall.ENOSYS:
		return unsupportedError(op, m.name, e, "the file system or kernel cannot allocate this file (hugetlbfs needs Linux 4.3)")
	}
	return opError(op, m.name, e, "")
}

// Allocated returns how many bytes of memory the file really uses: st_blocks
// from fstat(2) (statx(2) on loong64 and mips64) times 512. A sparse file
// uses less than its size; Allocate with keepSize can make it use more.
// hugetlbfs counts whole huge pages. Errors: ErrClosed; an error matching
// ErrNotSupported on FreeBSD, whose fstat of shared memory reports the size
// in pages whether or not they are allocated (shm_stat in
// sys/kern/uipc_shm.c), and on other systems.
func (m *MemFile) Allocated() (int64, error) {
	if err := m.incref(fstatOp); err != nil {
		return 0, err
	}
	defer m.decref()
	st, err := sysFstat(m.fd)
	if err != nil {
		return 0, opError(fstatOp, m.name, err, "")
	}
	return st.blocks * 512, nil
}
