package memfile

import "strconv"

// Adopting a descriptor that was inherited or received.

// FromFd takes ownership of a descriptor that was inherited or received, after
// checking with fcntl(F_GETFL) that it can be read (not write-only, not
// O_PATH) and with fcntl(F_GET_SEALS) that it is a file on which the kernel
// enforces seals (a memfd, or on Linux any tmpfs or hugetlbfs file; FreeBSD:
// any POSIX shm object); fstat(2) tells what a refused one is. It sets
// close-on-exec (fcntl(F_SETFD)) so the descriptor does not leak into
// programs this process executes. A read-only descriptor is adopted: it can
// be read and mapped read-only, not written. On failure the descriptor is
// left open and still belongs to the caller.
//
// Errors: EBADF for a descriptor that is not open, is out of the range of a
// C int, is write-only or (Linux) O_PATH, with the reason; EINVAL (with the
// reason) for one that is not a regular, sealable file, such as a pipe, a
// socket or /dev/null; an error matching ErrNotSupported on other operating
// systems.
func FromFd(fd int) (*MemFile, error) {
	return FromFdWithSeals(fd, 0)
}

// FromFdWithSeals is FromFd for a receiver that demands seals: it also reads
// the file's seals (fcntl(F_GET_SEALS)) and fails unless every seal in
// required is present, with an error that matches ErrMissingSeals and names
// the missing ones. A receiver that demands SealShrink can map the file
// without any risk of SIGBUS; SealImmutable also guarantees that the
// contents never change. It is FromFdWithOptions with only Seals set.
func FromFdWithSeals(fd int, required Seals) (*MemFile, error) {
	return FromFdWithOptions(fd, AdoptOptions{Seals: required})
}

// AdoptOptions says what a receiver accepts, for FromFdWithOptions and
// ReceiveConn. The zero value accepts any memory file it can read.
type AdoptOptions struct {
	// Seals are the seals the file must carry (ErrMissingSeals otherwise).
	Seals Seals

	// MaxSize, if positive, is the largest file size accepted, in bytes: a
	// larger file is refused with EFBIG. The size is the one at adoption;
	// demand SealGrow for it to stay so.
	MaxSize int64

	// FullyAllocated refuses a file that reading could make allocate
	// memory: one with holes (pages never written or allocated, which the
	// first read fault of a mapping allocates, charged to the reader's
	// memory cgroup), or one whose pages a holder could free again by
	// punching holes (no SealWrite or SealFutureWrite). The error matches
	// ErrNotAllocated. The check uses st_blocks from fstat(2) and, on Linux,
	// lseek(SEEK_HOLE) for holes hidden by storage allocated past the end
	// (the file offset, which is shared with every holder of the open file,
	// is put back afterwards). Linux only: elsewhere an error matching
	// ErrNotSupported. A huge-page (hugetlbfs) file is checked by st_blocks
	// alone, since its SEEK_HOLE reports no holes.
	FullyAllocated bool
}

// FromFdWithOptions is FromFd for a receiver with demands: the seals in
// opts.Seals, a size limit, full allocation (see AdoptOptions). Each demand
// is checked, in that order, after the checks of FromFd; a refusal leaves
// the descriptor open and the caller's. The safe recipe for a file from a
// peer that may be hostile is in docs/sharing.md:
//
//	m, err := memfile.FromFdWithOptions(fd, memfile.AdoptOptions{
//		Seals:          memfile.SealImmutable,
//		MaxSize:        64 << 20,
//		FullyAllocated: true,
//	})
//	...
//	view, err := m.MapSealed(0, int(size), memfile.SealWrite)
//
// Errors: as for FromFd; ErrMissingSeals; EFBIG above MaxSize;
// ErrNotAllocated; EINVAL for a negative MaxSize.
func FromFdWithOptions(fd int, opts AdoptOptions) (*MemFile, error) {
	if !platformSupported {
		return nil, unsupportedError("fstat", "", ErrNotSupported, "")
	}
	if fd < 0 {
		return nil, opError("fstat", "", errBadFd, "negative descriptor "+strconv.Itoa(fd))
	}
	if fd != int(int32(fd)) {
		// The kernel takes descriptors as a C int and drops the high bits:
		// 1<<32+3 would name descriptor 3, which Close would then close.
		return nil, opError("fstat", "", errBadFd, "descriptor "+strconv.Itoa(fd)+" is out of range")
	}
	if opts.MaxSize < 0 {
		return nil, opError("fstat", "", errInvalid, "negative MaxSize "+strconv.FormatInt(opts.MaxSize, 10))
	}
	desc := "descriptor " + strconv.Itoa(fd)
	// fcntl(F_GET_SEALS) succeeds only on files that support seals (shmem,
	// hugetlbfs, FreeBSD shm), which are all regular files: fstat is needed
	// only to say what a refused descriptor is, and for the limits. So
	// plain adoption costs three system calls: F_GETFL, F_GET_SEALS,
	// F_SETFD.
	fl, err := sysFcntl(fd, fcntlGetfl, 0)
	if err != nil {
		return nil, opError("fcntl(F_GETFL)", "", err, desc)
	}
	if oPath != 0 && fl&oPath != 0 {
		return nil, opError("fcntl(F_GETFL)", "", errBadFd, desc+" was opened with O_PATH: it names the file but cannot read, map or seal it; send a descriptor opened for reading")
	}
	r, err := sysFcntl(fd, fcntlGetSeals, 0)
	if err == errInvalid {
		st, serr := sysFstat(fd)
		if serr != nil {
			return nil, opError(fstatOp, "", serr, desc)
		}
		if st.mode&modeTypeMask != modeRegular {
			return nil, opError("fstat", "", errInvalid, desc+" is a "+fileKind(st.mode)+", not a memory file")
		}
	}
	if err != nil {
		return nil, opError("fcntl(F_GET_SEALS)", "", err, desc+" is a regular file that does not support seals, not a memory file")
	}
	if acc := fl & oAccmode; acc != oRdwr && acc != oRdonly {
		return nil, opError("fcntl(F_GETFL)", "", errBadFd, desc+" is open write-only (O_WRONLY): it cannot be read or mapped; send a descriptor opened read-write or read-only")
	}
	seals := sealsFromOS(uintptr(r))
	if missing := seals.Missing(opts.Seals); missing != 0 {
		return nil, opError("fcntl(F_GET_SEALS)", "", ErrMissingSeals, desc+" lacks "+missing.String())
	}
	if opts.MaxSize > 0 || opts.FullyAllocated {
		st, err := sysFstat(fd)
		if err != nil {
			return nil, opError(fstatOp, "", err, desc)
		}
		if opts.MaxSize > 0 && st.size > opts.MaxSize {
			return nil, opError(fstatOp, "", errFileTooBig, desc+" holds "+strconv.FormatInt(st.size, 10)+" bytes, more than MaxSize "+strconv.FormatInt(opts.MaxSize, 10))
		}
		if opts.FullyAllocated {
			if seals&(SealWrite|SealFutureWrite) == 0 {
				return nil, opError("fcntl(F_GET_SEALS)", "", ErrNotAllocated, desc+" has no write seal (SealWrite or SealFutureWrite), so a holder can punch holes that reading would fill again")
			}
			why, err := checkAllocated(fd, st)
			if err != nil {
				return nil, err
			}
			if why != "" {
				return nil, opError(fstatOp, "", ErrNotAllocated, desc+" "+why)
			}
		}
	}
	if _, err := sysFcntl(fd, fcntlSetfd, fdCloexec); err != nil {
		return nil, opError("fcntl(F_SETFD)", "", err, "")
	}
	return newMemFile(fd, ""), nil
}
