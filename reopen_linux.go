package memfile

import (
	"syscall"
)

// ReopenReadOnly returns a new MemFile for a new, read-only open file
// description of the same file: it shares the contents, size and seals, but
// has its own file offset (starting at 0) and its descriptor can only read
// and map read-only. Hand it to a process that must not change the file:
// through the descriptor it cannot write (EBADF), add seals (EPERM), change
// the size (EINVAL), or map the file writable and shared (EACCES). (Sealing
// with SealWrite does more: it stops every writer; this only restricts the
// receiver.) Both must be closed.
//
// Linux and Android: openat(AT_FDCWD, "/proc/self/fd/N", O_RDONLY|O_CLOEXEC),
// so /proc must be mounted (Linux 2.6.16+ for openat); the result is checked
// with fstat(2) to be the same file. FreeBSD and other systems: an error
// matching ErrNotSupported (FreeBSD's shm objects have no path to reopen, and
// fdescfs's /dev/fd/N duplicates the descriptor, with its offset and access).
//
// Errors: ErrClosed; ENOENT, with a hint saying so, when /proc is not mounted
// (or is not procfs); EACCES when a security module forbids the open; EMFILE
// when out of descriptors; EXDEV (with a hint) if /proc/self/fd/N turned out
// to be another file.
func (m *MemFile) ReopenReadOnly() (*MemFile, error) {
	const op = "openat"
	if err := m.incref(op); err != nil {
		return nil, err
	}
	defer m.decref()
	var buf [32]byte
	path := procFdPath(&buf, m.fd)
	fd, e := sysOpenat(path, _O_RDONLY|_O_CLOEXEC)
	if e != 0 {
		hint := ""
		switch e {
		case syscall.ENOENT:
			hint = string(buf[:cLen(&buf)]) + " does not exist: /proc is not mounted (reopening read-only needs procfs at /proc)"
		case syscall.EMFILE, syscall.ENFILE:
			hint = "out of file descriptors: close some or raise RLIMIT_NOFILE"
		}
		return nil, opError(op, m.name, e, hint)
	}
	if devA, inoA, err := sysFileID(m.fd); err == nil {
		if devB, inoB, err := sysFileID(int(fd)); err == nil && (devA != devB || inoA != inoB) {
			sysClose(int(fd))
			return nil, opError(op, m.name, syscall.EXDEV, "/proc/self/fd is not procfs: it opened another file")
		}
	}
	return newMemFile(int(fd), m.name), nil
}

// procFdPath writes "/proc/self/fd/<fd>" and a NUL into buf, without
// strconv or an allocation, and returns a pointer to it.
func procFdPath(buf *[32]byte, fd int) *byte {
	n := copy(buf[:], "/proc/self/fd/")
	var digits [20]byte
	i := len(digits)
	u := uint(fd)
	for {
		i--
		digits[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	n += copy(buf[n:len(buf)-1], digits[i:])
	buf[n] = 0
	return &buf[0]
}

// cLen is the length of the NUL-terminated string in buf.
func cLen(buf *[32]byte) int {
	for i, c := range buf {
		if c == 0 {
			return i
		}
	}
	return len(buf)
}
