package memfile

// A read-only view that cannot fault.
//
// A shared mapping of a file faults with SIGBUS when a page it covers lies
// beyond the end of the file, and when the kernel cannot find memory for a
// page it must allocate on the fault and has no other way to say so: a hole
// in a hugetlbfs file once the huge-page pool is empty, a hole in a file on a
// full, size-limited tmpfs. Go's runtime turns that SIGBUS into a fatal error
// ("unexpected fault address"), which recover cannot catch, unless the
// faulting goroutine has called runtime/debug.SetPanicOnFault(true): then it
// becomes a panic whose value has an Addr() uintptr method (Go 1.16+).
//
// So a receiver that maps a file it does not control needs two seals: one
// against shrinking (ftruncate) and one against writing, because a write
// seal is also what forbids punching holes (fallocate(FALLOC_FL_PUNCH_HOLE),
// madvise(MADV_REMOVE)); with both, the pages present or reserved when the
// mapping was made stay there. MapSealed demands them; docs/sharing.md shows
// the other way, guarding every access with SetPanicOnFault.

// MapSealed maps length bytes of the file at offset read-only (MapReadOnly:
// PROT_READ, MAP_SHARED; a private read-only mapping of a write-sealed file
// where the kernel refuses a shared one), but only if the file's seals, read
// with fcntl(F_GET_SEALS) before the mapping is made, rule out SIGBUS: it
// demands SealShrink, a write seal (SealWrite, or on Linux SealFutureWrite),
// and every seal in required. Seals can never be removed, and the range is
// checked against the size (fstat(2)) after the seals, so no access within
// the returned mapping can fault with SIGBUS, whatever the file's other
// holders do. It uses mmap(2) as Map does (Linux 3.17+, Android, FreeBSD
// 13+).
//
// Why a write seal: without one, a holder can punch a hole into the file
// (fallocate with FALLOC_FL_PUNCH_HOLE; FreeBSD's fspacectl), and reading the
// hole must allocate a page. On a hugetlbfs file that allocation fails once
// the huge-page pool is empty, and the reader gets SIGBUS (shrink, grow and
// seal seals do not stop it). On Linux both F_SEAL_WRITE and
// F_SEAL_FUTURE_WRITE forbid the punch (EPERM), on shmem since 5.1; hugetlbfs
// ignored F_SEAL_FUTURE_WRITE before Linux 5.13 (commit 22247efd822e; some
// distribution kernels, such as Debian's 5.10, carry the fix, which a
// program cannot detect), so on a hugetlbfs file MapSealed accepts
// SealFutureWrite in place of SealWrite only on Linux 5.13 and later
// (uname(2)). FreeBSD has only SealWrite, which also forbids fspacectl.
//
// A file on a size-limited tmpfs (FromFd of a file in /dev/shm, found with
// fstatfs(2)) can still fault on a hole that was never written, even with
// every seal: the tmpfs may be full when the page is first touched. For such
// a file MapSealed fills every page of the range with
// madvise(MADV_POPULATE_READ) (Linux 5.14+), which reports the failure as an
// error instead of a signal; once filled, the write seal keeps the pages in
// place. Before 5.14 it refuses such a file (ErrNotSupported).
//
// required says what else the receiver relies on. Pass 0 when the contents
// may change but must stay readable (the producer keeps a writable mapping
// made before it added SealFutureWrite); pass SealWrite for data that can
// never change again (the kernel refuses SealWrite while any shared
// writable mapping exists, so it binds every holder). SealFutureWrite only
// stops writes that start after it was added: a holder that mapped the file
// writable before it, or mapped it read-only and later calls mprotect, can
// still change the contents, so demand SealWrite from untrusted peers.
//
// Errors: ErrMissingSeals (Op "fcntl(F_GET_SEALS)", naming the missing
// seals) when a demanded seal is absent, and then nothing is mapped;
// ErrClosed; EINVAL for a bad range or one that passes the end of the file;
// ENOMEM; EFAULT or ENOSPC when a size-limited tmpfs cannot back a hole; an
// error matching ErrNotSupported on systems other than Linux, Android and
// FreeBSD.
func (m *MemFile) MapSealed(offset int64, length int, required Seals) (*Mapping, error) {
	if !platformSupported {
		return nil, unsupportedError("mmap", m.name, ErrNotSupported, "")
	}
	have, err := m.Seals()
	if err != nil {
		return nil, err
	}
	const op = "fcntl(F_GET_SEALS)"
	missing := have.Missing(required | SealShrink)
	noWriteSeal := have&(SealWrite|SealFutureWrite) == 0
	if missing != 0 || noWriteSeal {
		hint := "the file lacks "
		switch {
		case missing != 0 && noWriteSeal:
			hint += missing.String() + " and a write seal (" + writeSeals + ")"
		case missing != 0:
			hint += missing.String()
		default:
			hint += "a write seal (" + writeSeals + ")"
		}
		if missing&SealShrink != 0 || noWriteSeal {
			hint += "; without the shrink seal and a write seal a mapping can fault with SIGBUS (the file can shrink, or lose pages to a punched hole): seal the file before sharing it, or use Map and guard every access with runtime/debug.SetPanicOnFault"
		}
		return nil, opError(op, m.name, ErrMissingSeals, hint)
	}
	populate, err := m.checkFaultProof(have)
	if err != nil {
		return nil, err
	}
	mp, err := m.Map(offset, length, MapReadOnly)
	if err != nil || !populate {
		return mp, err
	}
	if err := mp.populateRead(); err != nil {
		mp.Unmap()
		return nil, err
	}
	return mp, nil
}
