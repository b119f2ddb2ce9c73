package memfile

// A read-only view that cannot fault.
//
// A shared mapping of a file faults with SIGBUS when a page it covers lies
// beyond the end of the file, and the owner of a file can shrink it at any
// moment with ftruncate. Go's runtime turns that SIGBUS into a fatal error
// ("unexpected fault address"), which recover cannot catch, unless the
// faulting goroutine has called runtime/debug.SetPanicOnFault(true): then it
// becomes a panic whose value has an Addr() uintptr method (Go 1.16+). A
// receiver that maps a file it does not control must either demand
// SealShrink, after which no one can shrink the file and Map's own range
// check (the range lies within the current size) rules the fault out for the
// life of the mapping, or guard every access with SetPanicOnFault. MapSealed
// is the first way; docs/sharing.md shows the second.

// MapSealed maps length bytes of the file at offset read-only (MapReadOnly:
// PROT_READ, MAP_SHARED; a private read-only mapping of a write-sealed file
// where the kernel refuses a shared one), but only if the file carries
// SealShrink and every seal in required, read with fcntl(F_GET_SEALS) before
// the mapping is made. Because seals can never be removed and the range is
// checked against the file's size (fstat(2)) after the seals, no access
// within the returned mapping can fault with SIGBUS, whatever the file's
// other holders do. It uses mmap(2) as Map does (Linux 3.17+, Android,
// FreeBSD 13+).
//
// required says what else the receiver relies on. Pass 0 when the contents
// may change but must stay readable; pass SealWrite for data that can never
// change again (the kernel refuses SealWrite while any shared writable
// mapping exists, so it binds every holder). SealFutureWrite (Linux 5.1+)
// only stops writes that start after it was added: a holder that mapped the
// file writable before it, or mapped it read-only and later calls
// mprotect, can still change the contents, so demand SealWrite from
// untrusted peers.
//
// Errors: ErrMissingSeals (naming the missing seals) when a demanded seal is
// absent, and then nothing is mapped; ErrClosed; EINVAL for a bad range or
// one that passes the end of the file; ENOMEM; an error matching
// ErrNotSupported on systems other than Linux, Android and FreeBSD.
func (m *MemFile) MapSealed(offset int64, length int, required Seals) (*Mapping, error) {
	if !platformSupported {
		return nil, unsupportedError("mmap", m.name, ErrNotSupported, "")
	}
	have, err := m.Seals()
	if err != nil {
		return nil, err
	}
	need := required | SealShrink
	if missing := have.Missing(need); missing != 0 {
		hint := "the file lacks " + missing.String()
		if missing&SealShrink != 0 {
			hint += "; without the shrink seal a mapping can fault with SIGBUS: seal the file before sharing it, or use Map and guard every access with runtime/debug.SetPanicOnFault"
		}
		return nil, opError("mmap", m.name, ErrMissingSeals, hint)
	}
	return m.Map(offset, length, MapReadOnly)
}
