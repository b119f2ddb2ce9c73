package memfile

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// writeSeals names the seals that forbid punching holes, for MapSealed's
// error.
const writeSeals = "write or future-write"

// checkFaultProof finishes MapSealed's check for a file whose seals include
// SealShrink and a write seal: it reads the file system type with fstatfs(2)
// and refuses a hugetlbfs file sealed only with SealFutureWrite on a kernel
// that ignores that seal there (before 5.13). It reports whether the
// mapping must be filled before it can be trusted (a size-limited tmpfs).
func (m *MemFile) checkFaultProof(have Seals) (populate bool, err error) {
	if err := m.incref("fstatfs"); err != nil {
		return false, err
	}
	defer m.decref()
	var st syscall.Statfs_t
	if e := inject(_SYS_FSTATFS); e != 0 {
		return false, opError("fstatfs", m.name, e, "")
	}
	if err := syscall.Fstatfs(m.fd, &st); err != nil {
		return false, opError("fstatfs", m.name, err, "")
	}
	switch uint32(st.Type) {
	case _HUGETLBFS_MAGIC:
		if have&SealWrite == 0 && !kernelAtLeast(5, 13) {
			return false, opError("fcntl(F_GET_SEALS)", m.name, ErrMissingSeals,
				"the file lacks write: it is a hugetlbfs file, and before Linux 5.13 hugetlbfs ignores the future-write seal, so a holder can punch a hole that faults with SIGBUS once the huge-page pool is empty")
		}
	case _TMPFS_MAGIC:
		// f_blocks is 0 on a tmpfs without a size limit, such as the
		// internal mount that memfd_create uses.
		populate = st.Blocks != 0
	}
	return populate, nil
}

// populateRead fills every page of a MapSealed mapping of a file on a
// size-limited tmpfs with madvise(MADV_POPULATE_READ) (Linux 5.14+), so that
// a hole the tmpfs cannot back is an error now rather than SIGBUS later.
func (mp *Mapping) populateRead() error {
	err := sysMadvise(mp.addr, mp.size(), _MADV_POPULATE_READ)
	switch err {
	case nil:
		return nil
	case errInvalid:
		return unsupportedError("madvise(MADV_POPULATE_READ)", mp.name(), err, "the file is on a size-limited tmpfs, where reading a hole can fault with SIGBUS when the tmpfs is full; MapSealed rules that out with MADV_POPULATE_READ, which needs Linux 5.14")
	case syscall.EFAULT:
		return opError("madvise(MADV_POPULATE_READ)", mp.name(), err, "a hole in the file could not be backed (its size-limited tmpfs is full): reading it would fault with SIGBUS")
	}
	return opError("madvise(MADV_POPULATE_READ)", mp.name(), err, "")
}

// kernelRelease caches kernelAtLeast's answers: bit 0 set once known, then
// major<<16 | minor<<8 in the rest.
var kernelRelease uint32

// kernelAtLeast reports whether the running kernel's release (uname(2)) is
// at least major.minor. An unreadable release counts as old.
func kernelAtLeast(major, minor uint32) bool {
	v := atomic.LoadUint32(&kernelRelease)
	if v == 0 {
		var u syscall.Utsname
		var maj, min uint32
		if syscall.Uname(&u) == nil {
			rel := (*[len(u.Release)]byte)(unsafe.Pointer(&u.Release))
			maj, min = parseRelease(rel[:])
		}
		v = maj<<16 | min<<8 | 1
		atomic.StoreUint32(&kernelRelease, v)
	}
	return v>>8 >= major<<8|minor
}

// parseRelease reads "major.minor" from the start of a release string such
// as "6.18.44-fc-v1045"; anything unreadable gives 0.0.
func parseRelease(b []byte) (major, minor uint32) {
	var n [2]uint32
	i := 0
	for part := 0; part < 2; part++ {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' && n[part] < 1<<8 {
			n[part] = n[part]*10 + uint32(b[i]-'0')
			i++
		}
		if i == start || n[part] >= 1<<8 {
			return 0, 0
		}
		if part == 0 {
			if i >= len(b) || b[i] != '.' {
				return 0, 0
			}
			i++
		}
	}
	return n[0], n[1]
}
