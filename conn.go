package memfile

import "syscall"

// SyscallConn returns a syscall.RawConn for the file's descriptor, so that
// code which works on descriptors (a library's own sendfile or splice, fd
// passing, ioctl) can use a MemFile as it uses an *os.File. It makes no
// system call. Control, Read and Write run their callback with the
// descriptor held (as every MemFile method holds it): a concurrent Close
// returns at once, but the descriptor is closed only when the callback has
// returned, so its number is never reused under it; on a closed file they
// return an error matching ErrClosed without running it. A memory file is
// always ready for reading and writing, so it has nothing to wait for: when a
// Read or Write callback returns false (asking to wait), the call returns an
// EINVAL error instead of spinning. The callback may call other methods of
// the same MemFile, Close included (then the descriptor stays valid until
// the callback returns). Works on Linux, Android and FreeBSD; elsewhere no
// MemFile exists.
func (m *MemFile) SyscallConn() (syscall.RawConn, error) {
	if err := m.incref("SyscallConn"); err != nil {
		return nil, err
	}
	m.decref()
	return rawConn{m}, nil
}

// rawConn is the syscall.RawConn of a MemFile.
type rawConn struct{ m *MemFile }

func (c rawConn) Control(f func(fd uintptr)) error {
	if err := c.m.incref("SyscallConn.Control"); err != nil {
		return err
	}
	defer c.m.decref()
	f(uintptr(c.m.fd))
	return nil
}

func (c rawConn) Read(f func(fd uintptr) bool) error  { return c.run("SyscallConn.Read", f) }
func (c rawConn) Write(f func(fd uintptr) bool) error { return c.run("SyscallConn.Write", f) }

func (c rawConn) run(op string, f func(fd uintptr) bool) error {
	if err := c.m.incref(op); err != nil {
		return err
	}
	defer c.m.decref()
	if !f(uintptr(c.m.fd)) {
		return opError(op, c.m.name, errInvalid, "the callback asked to wait, but a memory file is always ready: there is nothing to wait for")
	}
	return nil
}

// FromSyscallConn adopts the descriptor of any syscall.Conn (an *os.File, a
// MemFile, a descriptor-backed type of another library) in one call: it
// duplicates the descriptor with fcntl(F_DUPFD_CLOEXEC) inside the
// RawConn's Control and adopts the duplicate with FromFdWithSeals, with the
// same checks and seal demands (pass 0 to demand none). c keeps its own
// descriptor and stays usable; both share contents, seals and the file
// offset. On failure the duplicate is closed again: nothing leaks.
//
// Errors: EINVAL for a nil c; c's own error from SyscallConn or Control
// ("use of closed file" for a closed *os.File); EMFILE when out of descriptors; then
// every error of FromFdWithSeals (EINVAL for a pipe, socket or non-sealable
// file; ErrMissingSeals; EACCES from its access-mode check); an error matching
// ErrNotSupported on systems other than Linux, Android and FreeBSD 13+.
func FromSyscallConn(c syscall.Conn, required Seals) (*MemFile, error) {
	const op = "fcntl(F_DUPFD_CLOEXEC)"
	if !platformSupported {
		return nil, unsupportedError(op, "", ErrNotSupported, "")
	}
	if c == nil {
		return nil, opError("SyscallConn", "", errInvalid, "nil syscall.Conn")
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, opError("SyscallConn", "", err, "")
	}
	dup, derr := -1, error(nil)
	if err := rc.Control(func(fd uintptr) {
		dup, derr = sysFcntl(int(fd), fcntlDupfdCloexec, 0)
	}); err != nil {
		if derr == nil && dup >= 0 {
			sysClose(dup)
		}
		return nil, opError("SyscallConn.Control", "", err, "")
	}
	if derr != nil {
		return nil, opError(op, "", derr, "")
	}
	if dup < 0 {
		return nil, opError("SyscallConn.Control", "", errBadFd, "Control did not run its callback")
	}
	m, err := FromFdWithSeals(dup, required)
	if err != nil {
		sysClose(dup)
		return nil, err
	}
	return m, nil
}
