//go:build linux || freebsd

package memfile

import (
	"strconv"
	"syscall"
	"unsafe"
)

// Map maps length bytes of the file starting at offset into memory with
// mmap(2) (mmap2 on 32-bit Linux, old_mmap's argument block on s390x).
//
// offset must be a multiple of the page size (syscall.Getpagesize(): 4 KiB on
// most machines, 16 KiB on loong64 and some arm64, 64 KiB on some ppc64 and
// arm64 kernels); length must be positive, and offset+length must not pass the
// file's current size, because touching a page beyond the end of the file
// raises SIGBUS and crashes the program. Even so, a file that shrinks after
// Map can cause exactly that: add SealShrink first, or accept only files that
// have it (FromFdWithSeals).
//
// Errors: EINVAL (with the rule broken) for a bad range or mode; ErrClosed;
// EPERM for MapReadWrite on a write-sealed file; EACCES for MapReadWrite on a
// read-only descriptor; ENOMEM when out of address space or, for huge-page
// files, out of reserved huge pages.
func (m *MemFile) Map(offset int64, length int, mode MapMode) (*Mapping, error) {
	var prot, flags uintptr
	switch mode {
	case MapReadOnly:
		prot, flags = _PROT_READ, _MAP_SHARED
	case MapReadWrite:
		prot, flags = _PROT_READ|_PROT_WRITE, _MAP_SHARED
	case MapCopyOnWrite:
		prot, flags = _PROT_READ|_PROT_WRITE, _MAP_PRIVATE
	default:
		return nil, opError("mmap", m.name, errInvalid, "unknown MapMode "+mode.String())
	}
	if err := checkRange(offset, length); err != nil {
		return nil, opError("mmap", m.name, errInvalid, err.Error())
	}
	if err := m.incref(""); err != nil {
		return nil, err
	}
	defer m.decref()
	st, err := sysFstat(m.fd)
	size := st.size
	if err != nil {
		return nil, opError(fstatOp, m.name, err, "")
	}
	if end := offset + int64(length); end > size || end < offset {
		return nil, opError("mmap", m.name, errInvalid, "range "+strconv.FormatInt(offset, 10)+"+"+strconv.Itoa(length)+
			" passes the end of the file ("+strconv.FormatInt(size, 10)+" bytes); Truncate first")
	}
	addr, err := sysMmap(m.fd, offset, uintptr(length), prot, flags)
	if err == errPermission && mode == MapReadOnly {
		// A write-sealed file on a kernel that refuses shared read-only
		// mappings of it: its contents cannot change, so a private
		// mapping shows exactly the same bytes.
		addr, err = sysMmap(m.fd, offset, uintptr(length), prot, _MAP_PRIVATE)
	}
	if err != nil {
		return nil, opError("mmap", m.name, err, mapHint(err, mode))
	}
	// The memory is outside the Go heap, so turning the address into a
	// pointer is safe; reading it through *unsafe.Pointer says so to vet.
	base := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return &Mapping{data: unsafe.Slice((*byte)(base), length)}, nil
}

// checkRange applies Map's rules that need no system call.
func checkRange(offset int64, length int) error {
	if length <= 0 {
		return rangeError("length " + strconv.Itoa(length) + " must be positive")
	}
	if offset < 0 {
		return rangeError("offset " + strconv.FormatInt(offset, 10) + " is negative")
	}
	if ps := int64(syscall.Getpagesize()); offset%ps != 0 {
		return rangeError("offset " + strconv.FormatInt(offset, 10) + " is not a multiple of the page size " + strconv.FormatInt(ps, 10))
	}
	return nil
}

type rangeError string

func (e rangeError) Error() string { return string(e) }

// mapHint explains an mmap failure.
func mapHint(err error, mode MapMode) string {
	switch {
	case err == errPermission && mode == MapReadWrite:
		return "the file is sealed against writing; map it MapReadOnly or MapCopyOnWrite"
	case err == errAccess:
		return "the descriptor is not open for writing; map it MapReadOnly or MapCopyOnWrite"
	case err == errNoMemory:
		return "out of address space, or for a huge-page file out of reserved huge pages (vm.nr_hugepages)"
	}
	return ""
}
