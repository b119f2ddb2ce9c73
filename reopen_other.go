//go:build !linux

package memfile

// ReopenReadOnly is not available here: see reopen_linux.go. On FreeBSD a
// shm object has no path to open again, and fdescfs's /dev/fd/N duplicates
// the descriptor (the same offset and access mode) instead of opening the
// file anew, so nothing can give a read-only descriptor with its own offset.
func (m *MemFile) ReopenReadOnly() (*MemFile, error) {
	if err := m.incref("openat"); err != nil {
		return nil, err
	}
	m.decref()
	return nil, unsupportedError("openat", m.name, errNotSupportedErrno, "reopening read-only needs Linux's /proc/self/fd")
}
