package memfile

import "strconv"

// Seals is a set of file seals. Once added to a MemFile, a seal can never be
// removed. The bit values are those of Linux's F_SEAL_* constants (FreeBSD
// uses the same values for the four seals it has); a test checks them against
// the generated constants for each platform.
type Seals uint32

const (
	// SealSeal prevents adding any further seal (F_SEAL_SEAL). A file
	// created without AllowSealing starts with it.
	SealSeal Seals = 1 << iota
	// SealShrink prevents reducing the file's size (F_SEAL_SHRINK). With it
	// in place a mapping can never fault with SIGBUS.
	SealShrink
	// SealGrow prevents increasing the file's size (F_SEAL_GROW).
	SealGrow
	// SealWrite prevents all writes: write(2), pwrite(2) and new shared
	// writable mappings (F_SEAL_WRITE). Adding it fails with EBUSY while a
	// shared mapping of the file exists (on FreeBSD read-only shared
	// mappings of a writable descriptor block it too).
	SealWrite
	// SealFutureWrite prevents new writes and new shared writable mappings,
	// but leaves existing writable mappings working (F_SEAL_FUTURE_WRITE,
	// Linux 5.1+; not on FreeBSD).
	SealFutureWrite
	// SealExec prevents changing the file's execute permission bits
	// (F_SEAL_EXEC, Linux 6.3+; not on FreeBSD). Added to a file that has
	// execute bits (Executable), it also adds SealShrink, SealGrow,
	// SealWrite and SealFutureWrite: the kernel makes an executable file
	// immutable when it fixes its mode.
	SealExec
)

// SealAll is every seal this package knows.
const SealAll = SealSeal | SealShrink | SealGrow | SealWrite | SealFutureWrite | SealExec

// SealImmutable is the set that makes a file's contents and size fixed for
// good: no writes, no resizing, no further seals. A receiver that demands it
// can map the file without any risk of SIGBUS or of the data changing.
const SealImmutable = SealSeal | SealShrink | SealGrow | SealWrite

var sealNames = [...]string{"seal", "shrink", "grow", "write", "future-write", "exec"}

// Has reports whether every seal in want is in s.
func (s Seals) Has(want Seals) bool { return s&want == want }

// Missing returns the seals of want that s lacks.
func (s Seals) Missing(want Seals) Seals { return want &^ s }

// String returns the seals joined by "|" in bit order, for example
// "shrink|grow|write"; bits this package does not know are shown in hex
// ("write|0x400") rather than dropped. The empty set is "none".
func (s Seals) String() string {
	if s == 0 {
		return "none"
	}
	var buf [96]byte
	b := buf[:0]
	for i, name := range sealNames {
		if s&(1<<uint(i)) != 0 {
			if len(b) > 0 {
				b = append(b, '|')
			}
			b = append(b, name...)
		}
	}
	if rest := s &^ SealAll; rest != 0 {
		if len(b) > 0 {
			b = append(b, '|')
		}
		b = append(b, "0x"...)
		b = strconv.AppendUint(b, uint64(rest), 16)
	}
	return string(b)
}

// Seals returns the file's current seals. It uses fcntl(F_GET_SEALS) (Linux
// 3.17+, FreeBSD 13+). A file created without AllowSealing reports SealSeal.
// Errors: ErrClosed; EINVAL if the kernel does not support sealing.
func (m *MemFile) Seals() (Seals, error) {
	if err := m.incref("fcntl(F_GET_SEALS)"); err != nil {
		return 0, err
	}
	r, e := fcntlErrno(m.fd, fcntlGetSeals, 0) // inlined; cannot panic, so no defer
	if e != 0 {
		r, e = fcntlAgain(m.fd, fcntlGetSeals, 0, e)
	}
	m.decref()
	if e != 0 {
		return 0, opError("fcntl(F_GET_SEALS)", m.name, e, "")
	}
	s := sealsFromOS(uintptr(r))
	m.geom.noteSeals(s)
	return s, nil
}

// AddSeals adds seals to the file in one fcntl(F_ADD_SEALS) call (Linux
// 3.17+, FreeBSD 13+). Adding a seal the file already has is not an error.
//
// Errors: ErrClosed; EPERM if the file has SealSeal (it was created without
// AllowSealing, or sealed against further seals) or the descriptor is not
// open for writing; EBUSY if seals includes SealWrite while a shared mapping
// of the file exists, or SealExec on a file with execute bits (which also
// adds the write seals) while a shared writable mapping exists — unmap it
// first; EINVAL for bits this package does not know; an error matching
// ErrNotSupported for SealFutureWrite or SealExec where the platform or kernel
// lacks them (FreeBSD; Linux before 5.1 or 6.3).
//
// On FreeBSD the descriptor need not be open for writing; SealWrite fails
// with EBUSY while any shared mapping made from a writable descriptor
// exists, read-only ones included, and on a huge-page file it returns an
// error matching ErrNotSupported (shm_add_seals; docs/freebsd.md).
func (m *MemFile) AddSeals(seals Seals) error {
	const op = "fcntl(F_ADD_SEALS)"
	if seals&^SealAll != 0 {
		return opError(op, m.Name(), errInvalid, "unknown seal bits "+strconv.FormatUint(uint64(seals&^SealAll), 16))
	}
	if lacking := seals &^ platformSeals; lacking != 0 {
		return unsupportedError(op, m.Name(), errNotSupportedErrno, "this platform has no "+lacking.String()+" seal")
	}
	if err := m.incref(op); err != nil {
		return err
	}
	_, e := fcntlErrno(m.fd, fcntlAddSeals, sealsToOS(seals)) // inlined; cannot panic, so no defer
	if e != 0 {
		_, e = fcntlAgain(m.fd, fcntlAddSeals, sealsToOS(seals), e)
	}
	m.decref()
	if e != 0 {
		return sealError(m.name, seals, e)
	}
	m.geom.noteSeals(seals)
	return nil
}
