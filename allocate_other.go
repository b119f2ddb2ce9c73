//go:build !linux

package memfile

// Allocate is not supported here: see allocate_linux.go. FreeBSD's
// posix_fallocate on shared memory only grows the size (shm_fallocate in
// sys/kern/uipc_shm.c), and its fstat does not report the allocation.
func (m *MemFile) Allocate(offset, length int64, keepSize bool) error {
	return unsupportedError("fallocate", m.name, ErrNotSupported, "only Linux can reserve a memory file's pages")
}

// Allocated is not supported here: see allocate_linux.go.
func (m *MemFile) Allocated() (int64, error) {
	return 0, unsupportedError("fstat", m.name, ErrNotSupported, "only Linux reports a memory file's allocated pages")
}
