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

// The zsysnum_*.go, zconst_*.go and zsysnum_*_test.go files are written by
// ./gen from the kernel headers and gen/freebsd.txt; see gen/README.md.
//go:generate go run ./gen

import (
	"io"
	"runtime"
	"strconv"
	"sync/atomic"
)

// MemFile is an anonymous memory file. It implements io.Reader, io.Writer,
// io.Seeker, io.ReaderAt, io.WriterAt and io.Closer.
//
// A MemFile is safe for concurrent use, and no order of calls on any set of
// files can deadlock: no method waits for another. Close marks the file
// closed at once, and every call that starts after it fails at once with an
// error matching ErrClosed; calls already in flight on other goroutines run
// to their end, and the descriptor is closed by the last of them to return,
// so its number is never reused under a running call. A MemFile that becomes
// unreachable without Close is closed by a finalizer. The zero MemFile and a
// nil *MemFile behave as closed files (their Fd is ^uintptr(0)); they never
// touch descriptor 0.
type MemFile struct {
	// geom is what Map learned about the file (geomCache in mapping.go). It
	// comes first: it holds 64-bit atomics, and on 32-bit platforms only the
	// first word of an allocated struct is 64-bit aligned.
	geom geomCache

	// A MemFile is never compared or copied; being not comparable spares
	// every program the equality function the compiler would generate.
	_ [0]func()

	// state is the file's lifecycle, in one atomic word as in the standard
	// library's internal/poll fdMutex: stateOpen while the file is open, plus
	// the number of calls in flight that use fd. The zero value is closed.
	state uint32
	fd    int
	name  string
}

// fileStat is what sysFstat reports: the file type and permission bits, the
// size in bytes, and the allocated storage in 512-byte blocks (st_blocks).
type fileStat struct {
	mode    uint32
	size    int64
	blocks  int64 // -1 where unknown (FreeBSD's shm_stat reports the size in pages)
	blksize int64 // st_blksize: on Linux the page size of a hugetlbfs file
}

const (
	stateOpen = 1 << 31       // Close or Release has not run
	stateRefs = stateOpen - 1 // calls in flight
)

// newMemFile wraps an owned descriptor and arms the finalizer.
func newMemFile(fd int, name string) *MemFile {
	m := &MemFile{state: stateOpen, fd: fd, name: name}
	runtime.SetFinalizer(m, (*MemFile).Close)
	return m
}

// incref marks a call that uses m.fd as in flight, or fails with an *Error
// naming op that matches ErrClosed on a closed (or zero, or nil) file. It
// never blocks. Every successful incref is paired with one decref, made
// after the last use of m.fd; that use of m also keeps m reachable, so the
// finalizer cannot close the descriptor during the call (what os does with
// runtime.KeepAlive).
//
// It is not inlined: its copies would add to every program (see
// scripts/footprint.sh), for no measurable gain.
//
//go:noinline
func (m *MemFile) incref(op string) error {
	for m != nil {
		old := atomic.LoadUint32(&m.state)
		if old&stateOpen == 0 {
			break
		}
		if old&stateRefs == stateRefs {
			panic("memfile: too many concurrent calls on one MemFile")
		}
		if atomic.CompareAndSwapUint32(&m.state, old, old+1) {
			return nil
		}
	}
	return closedError(op, m.Name())
}

// decref ends a call that incref began. The last call to end on a closed
// file closes the descriptor.
func (m *MemFile) decref() {
	if atomic.AddUint32(&m.state, ^uint32(0)) == 0 {
		// Close has returned already (nil); the error of this close(2)
		// has no one to go to. On a memory file it cannot fail.
		sysClose(m.fd)
	}
}

// Name returns the name the file was created with (Create), without the
// "memfd:" prefix the kernel shows in /proc/self/fd. A file adopted with
// FromFd or received from a socket has no name: Name returns "". So do the
// zero MemFile and a nil *MemFile. On FreeBSD the kernel discards the name
// (kern_shm_open2): Name still returns it, but no tool shows it and a
// receiver cannot learn it.
func (m *MemFile) Name() string {
	if m == nil {
		return ""
	}
	return m.name
}

// Fd returns the file descriptor, or ^uintptr(0) if the file is closed. The
// MemFile still owns it: it must not be closed by the caller, and it is valid
// only until Close. It makes no system call.
//
// As with os.File.Fd, the descriptor is closed by the finalizer once the
// MemFile becomes unreachable, and the number can then be reused by an
// unrelated file: keep the MemFile alive (for example with
// runtime.KeepAlive(m)) until the last use of the number, or use Release or
// Dup to get a descriptor of your own.
func (m *MemFile) Fd() uintptr {
	if m == nil || atomic.LoadUint32(&m.state)&stateOpen == 0 {
		return ^uintptr(0)
	}
	return uintptr(m.fd)
}

// Close closes the file. Mappings made with Map stay valid. It never waits:
// when no other call is in flight it closes the descriptor with close(2) and
// returns that call's error; otherwise it returns nil at once, every later
// call fails with ErrClosed, and the descriptor is closed when the last call
// in flight returns (one may block for as long as its system call does, for
// example SendFiles on a blocking socket whose peer does not read). A second
// Close returns an error matching ErrClosed, as does Close on the zero
// MemFile or a nil *MemFile.
func (m *MemFile) Close() error {
	for m != nil {
		old := atomic.LoadUint32(&m.state)
		if old&stateOpen == 0 {
			break
		}
		if atomic.CompareAndSwapUint32(&m.state, old, old&^stateOpen) {
			runtime.SetFinalizer(m, nil)
			if old != stateOpen {
				return nil // the last call in flight closes the descriptor
			}
			if err := sysClose(m.fd); err != nil {
				return opError("close", m.name, err, "")
			}
			return nil
		}
	}
	return closedError("close", m.Name())
}

// Release gives up ownership of the descriptor and returns it, leaving the
// MemFile closed (its methods return ErrClosed, and no finalizer will close
// the descriptor). Use it to hand the file to os.NewFile or to a child
// process. It makes no system call and never waits.
//
// Errors: ErrClosed; EBUSY, with the file left open and unchanged, while
// another goroutine's call on the file is in flight: the descriptor it uses
// cannot be handed out (the new owner could close it, and its number be
// reused, under that call). Release after those calls have returned.
func (m *MemFile) Release() (uintptr, error) {
	for m != nil {
		old := atomic.LoadUint32(&m.state)
		if old&stateOpen == 0 {
			break
		}
		if old != stateOpen {
			return ^uintptr(0), opError("release", m.name, errBusy, strconv.Itoa(int(old&stateRefs))+" other call(s) on the file are in flight; release it after they return")
		}
		if atomic.CompareAndSwapUint32(&m.state, stateOpen, 0) {
			runtime.SetFinalizer(m, nil)
			return uintptr(m.fd), nil
		}
	}
	return ^uintptr(0), closedError("release", m.Name())
}

// Dup returns a new MemFile for a duplicate of the descriptor, made with
// fcntl(F_DUPFD_CLOEXEC). Both share the contents, size, seals and file
// offset; each must be closed. Errors: ErrClosed; EMFILE when the process
// has no free descriptor.
func (m *MemFile) Dup() (*MemFile, error) {
	if err := m.incref("fcntl(F_DUPFD_CLOEXEC)"); err != nil {
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
	if err := m.incref("read"); err != nil {
		return 0, err
	}
	n, err := sysRead(m.fd, p)
	m.decref() // no defer on the hot paths: nothing here can panic, and a deferred call costs a call level
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
// bytes were read because the file ends. Errors: ErrClosed; EINVAL for a
// negative off.
func (m *MemFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, opError("pread", m.Name(), errInvalid, "negative offset")
	}
	if err := m.incref("pread"); err != nil {
		return 0, err
	}
	n := 0
	var err error
	for n < len(p) {
		k, e := sysPread(m.fd, p[n:], off+int64(n))
		if e != nil {
			err = opError("pread", m.name, e, "")
			break
		}
		if k == 0 {
			err = io.EOF
			break
		}
		n += k
	}
	m.decref()
	return n, err
}

// Write writes p at the file offset with write(2), growing the file as
// needed. Errors: ErrClosed; EPERM once SealWrite or SealFutureWrite is set
// (or SealGrow, for a write past the end); EINVAL on Linux for a huge-page
// file, which write(2) cannot write (hugetlbfs has no write): Map it. On
// FreeBSD a huge-page file never grows on write: size it with Truncate first
// (writing at the end gives io.ErrShortWrite).
func (m *MemFile) Write(p []byte) (int, error) {
	if err := m.incref("write"); err != nil {
		return 0, err
	}
	n := 0
	var err error
	for n < len(p) {
		k, e := sysWrite(m.fd, p[n:])
		if e != nil {
			err = opError("write", m.name, e, writeHint(e))
			break
		}
		if k == 0 {
			err = opError("write", m.name, io.ErrShortWrite, "")
			break
		}
		n += k
	}
	m.decref() // nothing above can panic, so no defer (smaller code)
	return n, err
}

// WriteAt writes p at offset off with pwrite(2), without moving the file
// offset. Errors: as for Write; EINVAL for a negative off.
func (m *MemFile) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, opError("pwrite", m.Name(), errInvalid, "negative offset")
	}
	if err := m.incref("pwrite"); err != nil {
		return 0, err
	}
	// Write's loop again, on purpose: one loop shared by both, with a branch
	// for the call, measured 1-3 % slower for 4 KiB writes
	// (TestPairedOverhead), whether Write and WriteAt were inlined around it
	// or not.
	n := 0
	var err error
	for n < len(p) {
		k, e := sysPwrite(m.fd, p[n:], off+int64(n))
		if e != nil {
			err = opError("pwrite", m.name, e, writeHint(e))
			break
		}
		if k == 0 {
			err = opError("pwrite", m.name, io.ErrShortWrite, "")
			break
		}
		n += k
	}
	m.decref()
	return n, err
}

// Seek sets the file offset with lseek(2) (_llseek on 32-bit Linux) and
// returns the new offset. Errors: ErrClosed; EINVAL for a negative result or
// a bad whence, and on FreeBSD for an offset past the end of the file
// (shm_seek).
func (m *MemFile) Seek(offset int64, whence int) (int64, error) {
	if err := m.incref("lseek"); err != nil {
		return 0, err
	}
	off, err := sysSeek(m.fd, offset, whence)
	m.decref()
	if err != nil {
		return 0, opError("lseek", m.name, err, "")
	}
	return off, nil
}

// Size returns the file's size in bytes, from fstat(2) (statx(2) on
// loong64 and mips64). Errors: ErrClosed.
func (m *MemFile) Size() (int64, error) {
	if err := m.incref(fstatOp); err != nil {
		return 0, err
	}
	st, err := sysFstat(m.fd)
	m.decref()
	size := st.size
	if err != nil {
		return 0, opError(fstatOp, m.name, err, "")
	}
	return size, nil
}

// Truncate sets the file's size with ftruncate(2) (ftruncate64 on 32-bit
// Linux); new bytes read as zero and take no memory until written. It does
// not move the file offset. Errors: ErrClosed; EINVAL for a negative size;
// EPERM when SealShrink or SealGrow forbids the change; EFBIG above the
// kernel's limit. On FreeBSD growing beyond what swap can back fails with
// ENOMEM, not EFBIG; a huge-page file accepts only multiples of its page
// size (EINVAL) and cannot shrink (EOPNOTSUPP).
func (m *MemFile) Truncate(size int64) error {
	if size < 0 {
		return opError("ftruncate", m.Name(), errInvalid, "negative size")
	}
	if err := m.incref("ftruncate"); err != nil {
		return err
	}
	err := sysFtruncate(m.fd, size)
	m.decref()
	if err != nil {
		return opError("ftruncate", m.name, err, truncateHint(err))
	}
	return nil
}

// writeHint explains EPERM and EINVAL from a write.
func writeHint(err error) string {
	switch err {
	case errPermission:
		return "the file is sealed against writing or growing"
	case errInvalid:
		return "a huge-page file cannot be written with write(2) on Linux: Truncate it to a multiple of the page size and copy into a mapping from Map"
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
