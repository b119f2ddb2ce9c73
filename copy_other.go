//go:build !linux

package memfile

import "io"

// FreeBSD and every other system: WriteTo and ReadFrom take the plain loop.
// (FreeBSD's sendfile(2) sends only to stream sockets, with an explicit
// offset it does not advance, and its copy_file_range(2) copies only between
// vnodes, which a shm object is not.)

func (m *MemFile) writeToFd(io.Writer) (int64, bool, error)  { return 0, false, nil }
func (m *MemFile) readFromFd(io.Reader) (int64, bool, error) { return 0, false, nil }
