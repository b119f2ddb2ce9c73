//go:build linux || freebsd

package memfile

import (
	"strconv"
	"sync/atomic"
	"syscall"
)

// Map maps length bytes of the file starting at offset into memory with
// mmap(2) (mmap2 on 32-bit Linux, old_mmap's argument block on s390x).
//
// offset must be a multiple of the file's page size: the system page size
// (syscall.Getpagesize(): 4 KiB on most machines, 16 KiB on loong64 and some
// arm64, 64 KiB on some ppc64 and arm64 kernels), or for a huge-page file its
// huge page size (st_blksize on Linux; the large page size of a FreeBSD
// SHM_LARGEPAGE object, read with ioctl(FIOGSHMLPGCNF)). length must be
// positive and need not be a multiple of the page size: the kernel maps whole
// pages and Unmap removes all of them. offset+length must not pass the file's
// current size, because touching a page beyond the end of the file raises
// SIGBUS and crashes the program. Even so, a file that shrinks after Map can
// cause exactly that: add SealShrink first, or use MapSealed.
//
// Map checks the range against the size from fstat(2). On a file known to be
// sealed against shrinking (this MemFile has seen SealShrink through Seals,
// AddSeals or MapSealed) the size can only grow, so a range within a size
// seen after the seal needs no fstat.
//
// Errors: EINVAL (with the rule broken) for a bad range or mode and for an
// empty file; ErrClosed; for MapReadWrite on a write-sealed file EPERM on
// Linux and EACCES on FreeBSD (both with the seal hint); EACCES for
// MapReadWrite on a read-only descriptor; ENOMEM when out of address space
// or, for huge-page files, out of reserved huge pages.
func (m *MemFile) Map(offset int64, length int, mode MapMode) (*Mapping, error) {
	prot, flags, ok := modeProt(mode)
	if !ok || length <= 0 || offset < 0 {
		return nil, m.mapRangeError(offset, length, mode, -1, 0)
	}
	if err := m.incref("mmap"); err != nil {
		return nil, err
	}
	// No defer: nothing below can panic (page is never 0 where it divides:
	// an end that overflows takes the fstat path), and every return
	// decrefs.
	end := offset + int64(length)
	// The size and page size, from the cache (geomCache in mapping.go) if they tell enough:
	// on a file seen with SealShrink, a size read after that is a lower
	// bound for ever.
	var err error
	info := atomic.LoadInt64(&m.geom.info)
	page := info &^ geomShrink
	size := int64(-1)
	if info&geomShrink != 0 && page != 0 {
		size = atomic.LoadInt64(&m.geom.size)
	}
	if size < end || end < offset {
		var st fileStat
		if st, err = sysFstat(m.fd); err != nil {
			err = opError(fstatOp, m.name, err, "")
		} else if page == 0 {
			if page, err = sysPageSize(m.fd, st); err != nil {
				err = opError(pageSizeOp, m.name, err, "")
			} else {
				for old := info; !atomic.CompareAndSwapInt64(&m.geom.info, old, old|page); {
					old = atomic.LoadInt64(&m.geom.info)
				}
			}
		}
		// The seal was seen before this fstat (info was loaded first):
		// its size is a lower bound.
		if err == nil && info&geomShrink != 0 && st.size > size {
			atomic.StoreInt64(&m.geom.size, st.size)
		}
		size = st.size
	}
	if err == nil && (offset%page != 0 || end > size || end < offset) {
		err = m.mapRangeError(offset, length, mode, size, page)
	}
	if err != nil {
		m.decref()
		return nil, err
	}
	extent := roundUp(uintptr(length), uintptr(page))
	addr, err := sysMmap(m.fd, offset, extent, prot, flags)
	if err == errPermission && mode == MapReadOnly {
		// A write-sealed file on a kernel that refuses shared read-only
		// mappings of it: its contents cannot change, so a private
		// mapping shows exactly the same bytes.
		flags = _MAP_PRIVATE
		addr, err = sysMmap(m.fd, offset, extent, prot, flags)
	}
	if err != nil {
		err = opError("mmap", m.name, err, m.mapHint(err, mode))
		m.decref()
		return nil, err
	}
	m.decref()
	mp := &Mapping{page: uintptr(page), file: m, offset: offset, prot: prot, shared: flags == _MAP_SHARED}
	mp.setData(addr, length)
	return mp, nil
}

// MapAll maps the whole file, as Map(0, size, mode) with the size from
// fstat(2), so the caller need not convert Size's int64. Errors: as for Map;
// EINVAL for an empty file; EFBIG for a file larger than the address space
// (a 32-bit program and a file of 2 GiB or more).
func (m *MemFile) MapAll(mode MapMode) (*Mapping, error) {
	size, err := m.Size()
	if err != nil {
		return nil, err
	}
	if int64(int(size)) != size {
		return nil, opError("mmap", m.name, syscall.EFBIG, "the file's "+strconv.FormatInt(size, 10)+" bytes do not fit this process's address space; Map a part of it")
	}
	if size == 0 {
		return nil, opError("mmap", m.name, errInvalid, emptyHint)
	}
	return m.Map(0, int(size), mode)
}

// modeProt returns mmap's protection and flags for mode.
func modeProt(mode MapMode) (prot, flags uintptr, ok bool) {
	switch mode {
	case MapReadOnly:
		return _PROT_READ, _MAP_SHARED, true
	case MapReadWrite:
		return _PROT_READ | _PROT_WRITE, _MAP_SHARED, true
	case MapCopyOnWrite:
		return _PROT_READ | _PROT_WRITE, _MAP_PRIVATE, true
	}
	return 0, 0, false
}

const emptyHint = "the file is empty: there is nothing to map"

// validPage returns blksize if it is a plausible page size (a power of two
// at least the system page size), else the system page size.
func validPage(blksize int64) int64 {
	if ps := int64(syscall.Getpagesize()); blksize&(blksize-1) != 0 || blksize < ps {
		return ps
	}
	return blksize
}

// mapRangeError explains why Map refused its arguments; size is -1 when the
// file's size was not read.
func (m *MemFile) mapRangeError(offset int64, length int, mode MapMode, size, page int64) error {
	var hint string
	switch {
	case mode > MapCopyOnWrite:
		hint = "unknown MapMode " + mode.String()
	case length <= 0:
		hint = "length " + strconv.Itoa(length) + " must be positive"
	case offset < 0:
		hint = "offset " + strconv.FormatInt(offset, 10) + " is negative"
	case offset%page != 0:
		hint = "offset " + strconv.FormatInt(offset, 10) + " is not a multiple of the file's page size " + strconv.FormatInt(page, 10)
	default:
		hint = "range " + strconv.FormatInt(offset, 10) + "+" + strconv.Itoa(length) +
			" passes the end of the file (" + strconv.FormatInt(size, 10) + " bytes); Truncate first"
	}
	return opError("mmap", m.name, errInvalid, hint)
}

// mapHint explains an mmap failure. Linux refuses a shared writable mapping
// of a write-sealed file with EPERM, and answers EACCES only for a
// read-only descriptor. FreeBSD's shm_mmap answers EACCES for both, so there
// (eaccesMaySeal) the seals decide which hint is true. m must be incref'd.
func (m *MemFile) mapHint(err error, mode MapMode) string {
	const sealed = "the file is sealed against writing; map it MapReadOnly or MapCopyOnWrite"
	switch {
	case err == errNoMemory:
		return "out of address space, or for a huge-page file out of reserved huge pages (vm.nr_hugepages)"
	case mode != MapReadWrite:
	case eaccesMaySeal && (err == errAccess || err == errPermission):
		if r, e := fcntlErrno(m.fd, fcntlGetSeals, 0); e == 0 && sealsFromOS(uintptr(r))&SealWrite != 0 {
			return sealed
		}
	case err == errPermission:
		return sealed
	}
	if err == errAccess {
		return "the descriptor is not open for writing; map it MapReadOnly or MapCopyOnWrite"
	}
	return ""
}
