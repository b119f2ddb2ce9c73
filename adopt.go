package memfile

import "strconv"

// Adopting a descriptor that was inherited or received.

// FromFd takes ownership of a descriptor that was inherited or received, after
// checking with fstat(2) and fcntl(F_GET_SEALS) that it is a regular file on
// which the kernel enforces seals (a memfd, or on Linux any tmpfs or hugetlbfs
// file). It sets close-on-exec (fcntl(F_SETFD)) so the descriptor does not leak
// into programs this process executes. On failure the descriptor is left
// open and still belongs to the caller.
//
// Errors: EBADF for a descriptor that is not open; EINVAL (with the reason)
// for one that is not a regular, sealable file, such as a pipe, a socket or
// /dev/null; an error matching ErrNotSupported on other operating systems.
func FromFd(fd int) (*MemFile, error) {
	return FromFdWithSeals(fd, 0)
}

// FromFdWithSeals is FromFd for a receiver that demands seals: it also reads
// the file's seals (fcntl(F_GET_SEALS)) and fails unless every seal in
// required is present, with an error that matches ErrMissingSeals and names
// the missing ones. A receiver that demands SealShrink can map the file
// without any risk of SIGBUS; SealImmutable also guarantees that the
// contents never change.
func FromFdWithSeals(fd int, required Seals) (*MemFile, error) {
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
	st, err := sysFstat(fd)
	mode := st.mode
	if err != nil {
		return nil, opError(fstatOp, "", err, "descriptor "+strconv.Itoa(fd))
	}
	if mode&modeTypeMask != modeRegular {
		return nil, opError("fstat", "", errInvalid, "descriptor "+strconv.Itoa(fd)+" is a "+fileKind(mode)+", not a memory file")
	}
	r, err := sysFcntl(fd, fcntlGetSeals, 0)
	if err != nil {
		return nil, opError("fcntl(F_GET_SEALS)", "", err, "descriptor "+strconv.Itoa(fd)+" is a regular file that does not support seals, not a memory file")
	}
	if missing := sealsFromOS(uintptr(r)).Missing(required); missing != 0 {
		return nil, opError("fcntl(F_GET_SEALS)", "", ErrMissingSeals, "descriptor "+strconv.Itoa(fd)+" lacks "+missing.String())
	}
	if _, err := sysFcntl(fd, fcntlSetfd, fdCloexec); err != nil {
		return nil, opError("fcntl(F_SETFD)", "", err, "")
	}
	return newMemFile(fd, ""), nil
}
