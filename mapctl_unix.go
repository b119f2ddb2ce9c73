//go:build linux || freebsd

package memfile

import (
	"strconv"
	"sync/atomic"
	"unsafe"
)

// Advise gives the kernel advice about length bytes of the mapping from
// offset, with madvise(2). offset must be a multiple of the file's page size
// and offset+length must not pass Len; the range is rounded up to whole
// pages. AdviseHugePage and AdviseNoHugePage need a kernel built with
// transparent huge pages (Linux 2.6.38+; shared memory files only with
// /sys/kernel/mm/transparent_hugepage/shmem_enabled set to advise or
// always).
//
// Errors: EINVAL for a bad range, an unknown advice, or an unmapped (zero,
// nil) Mapping; an error matching ErrNotSupported for advice the kernel or
// platform lacks (EINVAL from the kernel for a known advice; AdviseHugePage
// on FreeBSD); ENOMEM when the range is not mapped.
func (mp *Mapping) Advise(offset, length int, advice Advice) error {
	const op = "madvise"
	if err := mp.lockMapped(op); err != nil {
		return err
	}
	defer mp.mu.Unlock()
	addr, n, err := mp.subrange(op, offset, length)
	if err != nil {
		return err
	}
	a, ok := adviceToOS(advice)
	if !ok {
		if int(advice) < len(adviceNames) {
			return unsupportedError(op, mp.name(), errNotSupportedErrno, "this platform has no "+advice.String()+" advice")
		}
		return opError(op, mp.name(), errInvalid, "unknown advice "+advice.String())
	}
	if err := sysMadvise(addr, n, a); err != nil {
		if err == errInvalid {
			return unsupportedError(op, mp.name(), err, "the kernel does not know the "+advice.String()+" advice here (too old, built without it, or, for huge-page advice, not enabled for this kind of memory)")
		}
		return opError(op, mp.name(), err, "")
	}
	return nil
}

// subrange checks offset and length against the mapping and returns the
// address and page-rounded length; mp.mu must be held.
func (mp *Mapping) subrange(op string, offset, length int) (addr, n uintptr, err error) {
	switch {
	case length <= 0:
		return 0, 0, opError(op, mp.name(), errInvalid, "length "+strconv.Itoa(length)+" must be positive")
	case offset < 0 || offset > len(mp.data) || length > len(mp.data)-offset:
		return 0, 0, opError(op, mp.name(), errInvalid, "range "+strconv.Itoa(offset)+"+"+strconv.Itoa(length)+
			" passes the end of the mapping ("+strconv.Itoa(len(mp.data))+" bytes)")
	case uintptr(offset)%mp.page != 0:
		return 0, 0, opError(op, mp.name(), errInvalid, "offset "+strconv.Itoa(offset)+
			" is not a multiple of the file's page size "+strconv.FormatUint(uint64(mp.page), 10))
	}
	n = roundUp(uintptr(length), mp.page)
	return mp.addr + uintptr(offset), n, nil
}

// Populate faults in every page of the mapping now, so that later accesses
// find the memory there: for reading, or with write for writing (which, for
// a MapCopyOnWrite mapping, makes the private copies). It uses
// madvise(MADV_POPULATE_READ or MADV_POPULATE_WRITE) (Linux 5.14+), which
// reports a page that cannot be filled (out of memory or huge pages, a hole
// a full tmpfs cannot back, a page past the end of a file that shrank) as an
// error instead of a signal. Without it (older Linux, FreeBSD) Populate
// touches one word of every page itself, but only where touching cannot
// fault: the file has SealShrink and a write seal (see MapSealed); otherwise
// it returns an error matching ErrNotSupported and touches nothing. It
// returns which way it used.
//
// Errors: EINVAL for write on a read-only mapping and for an unmapped
// Mapping; ENOMEM; EFAULT when a page could not be filled; ErrNotSupported
// as above; ErrClosed when touching must check the seals of a closed file.
func (mp *Mapping) Populate(write bool) (Populated, error) {
	op := "madvise(MADV_POPULATE_READ)"
	if write {
		op = "madvise(MADV_POPULATE_WRITE)"
	}
	if err := mp.lockMapped(op); err != nil {
		return 0, err
	}
	defer mp.mu.Unlock()
	if write && mp.prot&_PROT_WRITE == 0 {
		return 0, opError(op, mp.name(), errInvalid, "the mapping is read-only: populate it for reading, or Protect it writable first")
	}
	err := sysPopulate(mp.addr, mp.size(), write)
	if err == nil {
		return PopulatedByKernel, nil
	}
	if err != errInvalid && err != errNotSupportedErrno {
		return 0, opError(op, mp.name(), err, populateHint(err))
	}
	// No MADV_POPULATE_*: touch the pages, if that cannot fault.
	if mp.file == nil {
		return 0, unsupportedError(op, "", err, "the kernel lacks MADV_POPULATE_* (Linux 5.14)")
	}
	have, serr := mp.file.Seals()
	if serr != nil {
		return 0, serr
	}
	if !have.Has(SealShrink) || have&(SealWrite|SealFutureWrite) == 0 {
		return 0, unsupportedError(op, mp.name(), err, "the kernel lacks MADV_POPULATE_* (Linux 5.14), and touching the pages instead could fault with SIGBUS: the file lacks SealShrink or a write seal")
	}
	if populate, ferr := mp.file.checkFaultProof(have); ferr != nil || populate {
		return 0, unsupportedError(op, mp.name(), err, "the kernel lacks MADV_POPULATE_* (Linux 5.14), and touching the pages of this file could fault with SIGBUS (a hugetlbfs file without SealWrite on a kernel before 5.13, or a file on a size-limited tmpfs)")
	}
	touchPages(mp.addr, mp.size(), mp.page, write)
	return PopulatedByTouching, nil
}

// touchPages reads (or atomically adds zero to, which writes without
// changing anything even while other processes write) the first word of
// every page from addr.
func touchPages(addr, n, page uintptr, write bool) {
	for off := uintptr(0); off < n; off += page {
		p := addr + off
		w := *(**uint32)(unsafe.Pointer(&p))
		if write {
			atomic.AddUint32(w, 0)
		} else {
			atomic.LoadUint32(w)
		}
	}
}

// Lock locks the mapping's pages into memory so they are never swapped out:
// mlock(2), which also faults every page in, or with onFault mlock2(2) with
// MLOCK_ONFAULT (Linux 4.4+), which locks each page when it is first
// touched. Locked memory counts against RLIMIT_MEMLOCK unless the process
// has CAP_IPC_LOCK. Unlock or Unmap undoes it.
//
// Errors: ENOMEM or EPERM (with a hint naming RLIMIT_MEMLOCK) past the
// limit (on FreeBSD EPERM also when security.bsd.unprivileged_mlock is 0); EAGAIN when some pages could not be locked; an error matching
// ErrNotSupported for onFault before Linux 4.4 or on FreeBSD; EINVAL for an
// unmapped Mapping.
func (mp *Mapping) Lock(onFault bool) error {
	op := "mlock"
	if onFault {
		op = "mlock2(MLOCK_ONFAULT)"
	}
	if err := mp.lockMapped(op); err != nil {
		return err
	}
	defer mp.mu.Unlock()
	if err := sysMlock(mp.addr, mp.size(), onFault); err != nil {
		if onFault && (err == errNotSupportedErrno || err == errInvalid) {
			return unsupportedError(op, mp.name(), err, "MLOCK_ONFAULT needs Linux 4.4 or later")
		}
		return opError(op, mp.name(), err, lockHint(err))
	}
	return nil
}

// lockHint explains an mlock failure.
func lockHint(err error) string {
	switch err {
	case errNoMemory, errPermission:
		return "locking would pass RLIMIT_MEMLOCK (ulimit -l; a limit of 0 gives EPERM): raise the limit, lock less, or run with CAP_IPC_LOCK"
	case errAgain:
		return "some of the pages could not be locked"
	}
	return ""
}

// Unlock undoes Lock with munlock(2). Unlocking a mapping that is not locked
// is not an error. Errors: EINVAL for an unmapped Mapping.
func (mp *Mapping) Unlock() error {
	if err := mp.lockMapped("munlock"); err != nil {
		return err
	}
	defer mp.mu.Unlock()
	if err := sysMunlock(mp.addr, mp.size()); err != nil {
		return opError("munlock", mp.name(), err, "")
	}
	return nil
}

// Protect changes what the mapping allows with mprotect(2): MapReadOnly
// makes any mapping read-only (for example once it is filled), after which
// a write through Bytes crashes the program with SIGSEGV; MapReadWrite makes
// a shared mapping writable again and MapCopyOnWrite a private one. A
// mapping cannot change between shared and private.
//
// Making a shared mapping writable is refused when the file has SealWrite
// or SealFutureWrite (the kernel would allow it for a mapping made before
// SealFutureWrite; Protect does not), and when the file is closed, because
// its seals cannot then be checked.
//
// Errors: EPERM (with the seal hint) for a write-sealed file; EACCES when
// the descriptor the mapping was made from was read-only, or the mapping
// was made read-only from a write-sealed file; EINVAL for a mode that does
// not fit the mapping, an unknown mode, or an unmapped Mapping; ErrClosed.
func (mp *Mapping) Protect(mode MapMode) error {
	const op = "mprotect"
	if err := mp.lockMapped(op); err != nil {
		return err
	}
	defer mp.mu.Unlock()
	prot := uintptr(_PROT_READ)
	switch mode {
	case MapReadOnly:
	case MapReadWrite, MapCopyOnWrite:
		if (mode == MapReadWrite) != mp.shared {
			kind := "private"
			if mp.shared {
				kind = "shared"
			}
			return opError(op, mp.name(), errInvalid, "the mapping is "+kind+"; it cannot become "+mode.String())
		}
		prot |= _PROT_WRITE
		if mp.shared && mp.file != nil {
			have, err := mp.file.Seals()
			if err != nil {
				return err
			}
			if have&(SealWrite|SealFutureWrite) != 0 {
				return opError(op, mp.name(), errPermission, "the file is sealed against writing ("+(have&(SealWrite|SealFutureWrite)).String()+"): its shared mappings stay read-only")
			}
		}
	default:
		return opError(op, mp.name(), errInvalid, "unknown MapMode "+mode.String())
	}
	if err := sysMprotect(mp.addr, mp.size(), prot); err != nil {
		hint := ""
		if err == errAccess {
			hint = "the mapping cannot become writable: the descriptor it was made from is read-only, or the file was write-sealed when it was made"
		}
		return opError(op, mp.name(), err, hint)
	}
	mp.prot = prot
	return nil
}

// Remap changes the length of the mapping, typically after the file has
// grown: on Linux with mremap(2) and MREMAP_MAYMOVE, which keeps the pages,
// the protection and any lock, and may move the mapping to a new address;
// where mremap is missing or refuses (FreeBSD; huge-page files on kernels
// without hugetlb mremap) a shared mapping is resized by mapping the new range with mmap(2) first and only then unmapping
// the old one, so that a failure leaves the old mapping as it was (a lock is
// not carried over then); a MapCopyOnWrite mapping is not, since its private
// changes would be lost (ErrNotSupported). After Remap, Bytes returns the new memory; slices
// from before must not be used.
//
// The new range must lie within the file's size (fstat(2)), so the file
// must have grown first (Truncate); growth past the end of a file sealed
// with SealGrow is refused with a hint saying so. Shrinking is allowed.
//
// Errors: EINVAL for a length ≤ 0, a range past the end of the file, or an
// unmapped Mapping; ErrClosed when the MemFile is closed; ENOMEM.
func (mp *Mapping) Remap(length int) error {
	const op = "mremap"
	if err := mp.lockMapped(op); err != nil {
		return err
	}
	defer mp.mu.Unlock()
	if length <= 0 {
		return opError(op, mp.name(), errInvalid, "length "+strconv.Itoa(length)+" must be positive")
	}
	m := mp.file
	if m == nil {
		return opError(op, "", errInvalid, "this mapping belongs to no MemFile")
	}
	if err := m.incref(op); err != nil {
		return err
	}
	defer m.decref()
	end := mp.offset + int64(length)
	st, err := sysFstat(m.fd)
	if err != nil {
		return opError(fstatOp, m.name, err, "")
	}
	if end > st.size || end < mp.offset {
		hint := "range " + strconv.FormatInt(mp.offset, 10) + "+" + strconv.Itoa(length) +
			" passes the end of the file (" + strconv.FormatInt(st.size, 10) + " bytes); Truncate first"
		if r, e := fcntlErrno(m.fd, fcntlGetSeals, 0); e == 0 && sealsFromOS(uintptr(r))&SealGrow != 0 {
			hint = "range " + strconv.FormatInt(mp.offset, 10) + "+" + strconv.Itoa(length) +
				" passes the end of the file (" + strconv.FormatInt(st.size, 10) + " bytes), which is sealed against growing"
		}
		return opError(op, m.name, errInvalid, hint)
	}
	extent := roundUp(uintptr(length), mp.page)
	if extent == mp.size() {
		mp.setData(mp.addr, length)
		return nil
	}
	addr, err := sysMremap(mp.addr, mp.size(), extent)
	if err != nil {
		// Map the new range, then drop the old one. A private mapping
		// would lose its changes that way.
		if !mp.shared {
			return unsupportedError(op, m.name, err, "a MapCopyOnWrite mapping can only be resized by mremap, which refused; its private changes would be lost")
		}
		addr, err = sysMmap(m.fd, mp.offset, extent, mp.prot, _MAP_SHARED)
		if err != nil {
			return opError("mmap", m.name, err, m.mapHint(err, MapReadOnly))
		}
		if err := sysMunmap(mp.addr, mp.size()); err != nil {
			sysMunmap(addr, extent)
			return opError("munmap", m.name, err, "the old mapping is still in place")
		}
	}
	mp.setData(addr, length)
	return nil
}

// adviceToOS returns the platform's MADV_* value for a.
func adviceToOS(a Advice) (uintptr, bool) {
	v := -1
	switch a {
	case AdviseNormal:
		v = _MADV_NORMAL
	case AdviseRandom:
		v = _MADV_RANDOM
	case AdviseSequential:
		v = _MADV_SEQUENTIAL
	case AdviseWillNeed:
		v = _MADV_WILLNEED
	case AdviseDontNeed:
		v = _MADV_DONTNEED
	case AdviseHugePage:
		v = madvHugePage
	case AdviseNoHugePage:
		v = madvNoHugePage
	case AdviseDontDump:
		v = madvDontDump
	case AdviseDoDump:
		v = madvDoDump
	}
	return uintptr(v), v >= 0
}
