// Package memfile creates anonymous memory files, seals them and maps them,
// using nothing but the standard library's syscall package.
//
// A MemFile is a file that lives only in memory and has no path: on Linux and
// Android it comes from memfd_create(2), on FreeBSD 13+ from shm_open2(2)
// with SHM_ANON, as FreeBSD's libc builds memfd_create. Its descriptor can be
// handed to a child process or sent over a Unix socket and mapped there as
// shared memory. File seals (AddSeals) make guarantees that the receiver can
// check (Seals): with SealShrink no mapping can fault with SIGBUS, with
// SealWrite the contents can never change again.
//
// Every system call is made directly through syscall.Syscall with numbers
// generated from the kernel's own tables (see gen/), so the package can be
// copied into minimal or bootstrap environments. On operating systems other
// than Linux, Android and FreeBSD the package compiles, and every constructor
// returns an error that matches ErrNotSupported.
package memfile

import (
	"io"
	"runtime"
	"strconv"
	"sync"
)

// MemFile is an anonymous memory file. It implements io.Reader, io.Writer,
// io.Seeker, io.ReaderAt, io.WriterAt and io.Closer. A MemFile is safe for
// concurrent use: Close waits for calls in flight on other goroutines, so the
// descriptor number is never reused under them. A MemFile that becomes
// unreachable without Close is closed by a finalizer.
type MemFile struct {
	geom   geomCache    // what Map learned about the file (geom.go); first, for 64-bit atomics on 32-bit platforms
	mu     sync.RWMutex // held for reading by every call that uses fd; for writing by Close and Release
	fd     int
	closed bool
	name   string
}

// newMemFile wraps an owned descriptor and arms the finalizer.
func newMemFile(fd int, name string) *MemFile {
	m := &MemFile{fd: fd, name: name}
	runtime.SetFinalizer(m, (*MemFile).Close)
	return m
}

// incref marks a call that uses m.fd as in flight, or fails with ErrClosed
// on a closed file; every successful incref is paired with one decref. op
// names the system call about to be made, for the error.
func (m *MemFile) incref(op string) error {
	m.mu.RLock()
	if m.closed {
		m.mu.RUnlock()
		return ErrClosed
	}
	return nil
}

// decref ends a call that incref began.
func (m *MemFile) decref() { m.mu.RUnlock() }

// Name returns the name the file was created with, without the "memfd:"
// prefix the kernel shows in /proc/self/fd. For a file adopted with FromFd it
// is the name given there.
func (m *MemFile) Name() string { return m.name }

// Fd returns the file descriptor, or ^uintptr(0) if the file is closed. The
// MemFile still owns it: it must not be closed by the caller, and it is valid
// only until Close. Use Release or Dup to get a descriptor of your own.
func (m *MemFile) Fd() uintptr {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ^uintptr(0)
	}
	return uintptr(m.fd)
}

// Close closes the file descriptor with close(2). Mappings made with Map stay
// valid. A second Close returns ErrClosed.
func (m *MemFile) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.closed = true
	runtime.SetFinalizer(m, nil)
	if err := sysClose(m.fd); err != nil {
		return opError("close", m.name, err, "")
	}
	return nil
}

// Release gives up ownership of the descriptor and returns it, leaving the
// MemFile closed (its methods return ErrClosed, and no finalizer will close
// the descriptor). Use it to hand the file to os.NewFile or to a child
// process. It makes no system call. Errors: ErrClosed.
func (m *MemFile) Release() (uintptr, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ^uintptr(0), ErrClosed
	}
	m.closed = true
	runtime.SetFinalizer(m, nil)
	return uintptr(m.fd), nil
}

// Dup returns a new MemFile for a duplicate of the descriptor, made with
// fcntl(F_DUPFD_CLOEXEC). Both share the contents, size, seals and file
// offset; each must be closed. Errors: ErrClosed; EMFILE when the process
// has no free descriptor.
func (m *MemFile) Dup() (*MemFile, error) {
	if err := m.incref(""); err != nil {
		return nil, err
	}
	defer m.decref()
	fd, err := sysFcntl(m.fd, fcntlDupfdCloexec, 0)
	if err != nil {
		return nil, opError("fcntl(F_DUPFD_CLOEXEC)", m.name, err, "")
	}
	return newMemFile(fd, m.name), nil
}

// Read reads up to len(p) bytes at the file offset with read(2) and returns
// io.EOF at the end of the file.
func (m *MemFile) Read(p []byte) (int, error) {
	if err := m.incref(""); err != nil {
		return 0, err
	}
	defer m.decref()
	n, err := sysRead(m.fd, p)
	if err != nil {
		return 0, opError("read", m.name, err, "")
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// ReadAt reads len(p) bytes at offset off with pread(2), without moving the
// file offset. Like io.ReaderAt it returns io.EOF when fewer than len(p)
// bytes were read because the file ends. Errors: EINVAL for a negative off.
func (m *MemFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, opError("pread", m.name, errInvalid, "negative offset")
	}
	if err := m.incref(""); err != nil {
		return 0, err
	}
	defer m.decref()
	n := 0
	for n < len(p) {
		k, err := sysPread(m.fd, p[n:], off+int64(n))
		if err != nil {
			return n, opError("pread", m.name, err, "")
		}
		if k == 0 {
			return n, io.EOF
		}
		n += k
	}
	return n, nil
}

// Write writes p at the file offset with write(2), growing the file as
// needed. Errors: EPERM once SealWrite or SealFutureWrite is set (or
// SealGrow, for a write past the end).
func (m *MemFile) Write(p []byte) (int, error) {
	if err := m.incref(""); err != nil {
		return 0, err
	}
	defer m.decref()
	n := 0
	for n < len(p) {
		k, err := sysWrite(m.fd, p[n:])
		if err != nil {
			return n, opError("write", m.name, err, writeHint(err))
		}
		if k == 0 {
			return n, opError("write", m.name, io.ErrShortWrite, "")
		}
		n += k
	}
	return n, nil
}

// WriteAt writes p at offset off with pwrite(2), without moving the file
// offset. Errors: as for Write; EINVAL for a negative off.
func (m *MemFile) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, opError("pwrite", m.name, errInvalid, "negative offset")
	}
	if err := m.incref(""); err != nil {
		return 0, err
	}
	defer m.decref()
	n := 0
	for n < len(p) {
		k, err := sysPwrite(m.fd, p[n:], off+int64(n))
		if err != nil {
			return n, opError("pwrite", m.name, err, writeHint(err))
		}
		if k == 0 {
			return n, opError("pwrite", m.name, io.ErrShortWrite, "")
		}
		n += k
	}
	return n, nil
}

// Seek sets the file offset with lseek(2) (_llseek on 32-bit Linux) and
// returns the new offset. Errors: EINVAL for a negative result or a bad
// whence.
func (m *MemFile) Seek(offset int64, whence int) (int64, error) {
	if err := m.incref(""); err != nil {
		return 0, err
	}
	defer m.decref()
	off, err := sysSeek(m.fd, offset, whence)
	if err != nil {
		return 0, opError("lseek", m.name, err, "")
	}
	return off, nil
}

// Size returns the file's size in bytes, from fstat(2) (statx(2) on
// loong64 and mips64). Errors: ErrClosed.
func (m *MemFile) Size() (int64, error) {
	if err := m.incref(""); err != nil {
		return 0, err
	}
	defer m.decref()
	st, err := sysFstat(m.fd)
	size := st.size
	if err != nil {
		return 0, opError(fstatOp, m.name, err, "")
	}
	return size, nil
}

// Truncate sets the file's size with ftruncate(2) (ftruncate64 on 32-bit
// Linux); new bytes read as zero and take no memory until written. It does
// not move the file offset. Errors: EINVAL for a negative size; EPERM when
// SealShrink or SealGrow forbids the change; EFBIG above the kernel's limit.
func (m *MemFile) Truncate(size int64) error {
	if size < 0 {
		return opError("ftruncate", m.name, errInvalid, "negative size")
	}
	if err := m.incref(""); err != nil {
		return err
	}
	defer m.decref()
	if err := sysFtruncate(m.fd, size); err != nil {
		return opError("ftruncate", m.name, err, truncateHint(err))
	}
	return nil
}

// writeHint explains EPERM from a write.
func writeHint(err error) string {
	if err == errPermission {
		return "the file is sealed against writing or growing"
	}
	return ""
}

// truncateHint explains EPERM from ftruncate.
func truncateHint(err error) string {
	if err == errPermission {
		return "the file is sealed against shrinking or growing"
	}
	return ""
}

// FromFd takes ownership of a descriptor that was inherited or received, after
// checking with fstat(2) and fcntl(F_GET_SEALS) that it is a regular file on
// which the kernel enforces seals (a memfd, or on Linux any tmpfs or hugetlbfs
// file). It sets close-on-exec (fcntl(F_SETFD)) so the descriptor does not leak
// into programs this process executes. On failure the descriptor is left
// open and still belongs to the caller.
//
// Errors: EBADF for a descriptor that is not open; EINVAL (with the reason)
// for one that is not a regular, sealable file, such as a pipe, a socket or
// /dev/null; an error matching ErrNotSupported on other operating systems.
func FromFd(fd int) (*MemFile, error) {
	return FromFdWithSeals(fd, 0)
}

// FromFdWithSeals is FromFd for a receiver that demands seals: it also reads
// the file's seals (fcntl(F_GET_SEALS)) and fails unless every seal in
// required is present, with an error that matches ErrMissingSeals and names
// the missing ones. A receiver that demands SealShrink can map the file
// without any risk of SIGBUS; SealImmutable also guarantees that the
// contents never change.
func FromFdWithSeals(fd int, required Seals) (*MemFile, error) {
	if !platformSupported {
		return nil, unsupportedError("fstat", "", ErrNotSupported, "")
	}
	if fd < 0 {
		return nil, opError("fstat", "", errBadFd, "negative descriptor "+strconv.Itoa(fd))
	}
	if fd != int(int32(fd)) {
		// The kernel takes descriptors as a C int and drops the high bits:
		// 1<<32+3 would name descriptor 3, which Close would then close.
		return nil, opError("fstat", "", errBadFd, "descriptor "+strconv.Itoa(fd)+" is out of range")
	}
	st, err := sysFstat(fd)
	mode := st.mode
	if err != nil {
		return nil, opError(fstatOp, "", err, "descriptor "+strconv.Itoa(fd))
	}
	if mode&modeTypeMask != modeRegular {
		return nil, opError("fstat", "", errInvalid, "descriptor "+strconv.Itoa(fd)+" is a "+fileKind(mode)+", not a memory file")
	}
	r, err := sysFcntl(fd, fcntlGetSeals, 0)
	if err != nil {
		return nil, opError("fcntl(F_GET_SEALS)", "", err, "descriptor "+strconv.Itoa(fd)+" is a regular file that does not support seals, not a memory file")
	}
	if missing := sealsFromOS(uintptr(r)).Missing(required); missing != 0 {
		return nil, opError("fcntl(F_GET_SEALS)", "", ErrMissingSeals, "descriptor "+strconv.Itoa(fd)+" lacks "+missing.String())
	}
	if _, err := sysFcntl(fd, fcntlSetfd, fdCloexec); err != nil {
		return nil, opError("fcntl(F_SETFD)", "", err, "")
	}
	return newMemFile(fd, ""), nil
}
