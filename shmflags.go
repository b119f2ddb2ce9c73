//go:build linux || freebsd

package memfile

import "syscall"

// shmRequest is what FreeBSD's memfd_create (lib/libc/gen/memfd_create.c)
// asks of shm_open2(2) for a set of Options. It is a pure translation, built
// on every Unix so that it is unit-tested on the host.
type shmRequest struct {
	cloexec      bool   // O_CLOEXEC in the open flags
	allowSealing bool   // SHM_ALLOW_SEALING
	growOnWrite  bool   // SHM_GROW_ON_WRITE: write(2) past the end grows the object, as on Linux
	largePage    bool   // SHM_LARGEPAGE, then ioctl(FIOSSHMLPGCNF)
	pageSize     uint64 // with largePage: the page size that must be in hw.pagesizes
}

// freebsdShmRequest translates opts as FreeBSD's libc translates MFD_* flags:
// a huge-page file is SHM_LARGEPAGE (never SHM_GROW_ON_WRITE), any other file
// SHM_GROW_ON_WRITE. libc computes the page size as 1<<(flags>>MFD_HUGE_SHIFT),
// so MFD_HUGETLB without a size asks for a 1-byte page and fails with
// EOPNOTSUPP; so does HugeDefault here. The exec policy has no FreeBSD
// equivalent and is ignored.
func freebsdShmRequest(o *Options) (shmRequest, error) {
	r := shmRequest{cloexec: !o.InheritOnExec, allowSealing: o.AllowSealing}
	switch {
	case o.HugePages == NoHugePages:
		r.growOnWrite = true
	case o.HugePages == HugeDefault:
		return r, syscall.EOPNOTSUPP
	default:
		r.largePage = true
		r.pageSize = o.HugePages.Bytes()
	}
	return r, nil
}

// pageSizeIndex returns the index of size in sizes, the list that
// getpagesizes(3) reads from the hw.pagesizes sysctl (zero entries are
// unused slots); FreeBSD's libc passes that index as psind to
// FIOSSHMLPGCNF. A size the machine does not list is EOPNOTSUPP, as in libc.
func pageSizeIndex(sizes []uint64, size uint64) (int, error) {
	for i, s := range sizes {
		if s != 0 && s == size {
			return i, nil
		}
	}
	return -1, syscall.EOPNOTSUPP
}
