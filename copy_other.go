//go:build !linux

package memfile

import "io"

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
