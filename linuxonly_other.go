//go:build !linux

package memfile

import (
	"io"
)

// The capabilities only Linux has, on every other system: each answers
// ErrNotSupported.

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

// FreeBSD and every other system: WriteTo and ReadFrom take the plain loop.
// On FreeBSD a kernel route would exist only for WriteTo to a stream socket:
// its sendfile(2) (different arguments: an explicit offset it does not
// advance, optional headers, flags) sends only to stream sockets, though it
// accepts a shm object as the source; and its copy_file_range(2) (13.0+)
// copies between the vnodes of two files (kern_copy_file_range in
// sys/kern/vfs_syscalls.c), which a shm object does not have. Neither is
// used yet.

func (m *MemFile) writeToFd(io.Writer) (int64, bool, error)  { return 0, false, nil }
func (m *MemFile) readFromFd(io.Reader) (int64, bool, error) { return 0, false, nil }

// Exec is not available here: see exec_linux.go. FreeBSD's fexecve(2) runs
// only vnodes, and a shm object is not one.
func (m *MemFile) Exec(argv, envv []string) error {
	if err := m.incref("execveat"); err != nil {
		return err
	}
	m.decref()
	return unsupportedError("execveat", m.name, errNotSupportedErrno, "running a program from memory needs Linux 3.19+")
}

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

func newSecretMemory(size int) (*Mapping, error) {
	return nil, unsupportedError("memfd_secret", "", ErrNotSupported, "secret memory needs Linux 5.14 or later")
}

func newLockedMemory(size int) (*Mapping, error) {
	return nil, unsupportedError("mlock", "", ErrNotSupported, "locked secret memory is implemented on Linux only")
}
