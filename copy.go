package memfile

import (
	"io"
	"unsafe"
)

// Copying in and out of a MemFile: io.WriterTo, io.ReaderFrom and
// io.StringWriter, so that io.Copy can move the bytes inside the kernel. The
// zero-copy routes are per operating system (copy_linux.go); everything that
// has no such route, or whose kernel refuses it, takes the plain 32 KiB
// read/write loop of io.Copy.

// WriteTo writes the file's contents from the file offset to the end into w,
// advancing the offset by what it wrote, as io.Copy(w, m) expects. It returns
// the number of bytes written and the first error; after an error on a
// kernel route the offset stands just after the last byte w accepted (the
// plain loop may have read up to 32 KiB more than w took).
//
// On Linux and Android, when w is fd-backed (it implements syscall.Conn, as
// *os.File, *net.TCPConn, *net.UnixConn and pipes do), the bytes move inside
// the kernel with sendfile(2) (sendfile64 on 32-bit architectures that have
// it; any destination since Linux 2.6.33), falling back to
// splice(2) (Linux 2.6.17+; a pipe destination) and then to the plain loop
// wherever the kernel answers EINVAL, ENOSYS or EOPNOTSUPP (an O_APPEND file,
// a terminal, a seccomp filter). The calls go through the destination's
// RawConn.Write, so a non-blocking socket or pipe waits in the runtime's
// network poller, and honours its write deadline. Any other writer, and every
// writer on FreeBSD and other systems, gets the plain read/write loop.
//
// Errors: ErrClosed; the destination's write error (EPIPE, ECONNRESET, a
// deadline) as an *Error naming "sendfile" or "splice", or as the
// destination's Write or RawConn returned it.
func (m *MemFile) WriteTo(w io.Writer) (int64, error) {
	if err := m.incref("WriteTo"); err != nil {
		return 0, err
	}
	m.decref()
	n, handled, err := m.writeToFd(w)
	if handled || err != nil {
		return n, err
	}
	k, err := io.Copy(w, readerOnly{m})
	return n + k, err
}

// ReadFrom writes what r yields, until io.EOF, at the file offset, growing
// the file as needed and advancing the offset, as io.Copy(m, r) expects. It
// returns the number of bytes written and the first error other than io.EOF;
// after an error, the bytes written so far stay written.
//
// On Linux and Android, when r (or the R of an *io.LimitedReader, as io.CopyN
// passes) implements syscall.Conn, a regular-file source is copied inside the
// kernel with copy_file_range(2) (Linux 4.5+; across file systems 5.3–5.18
// only), then sendfile(2) where that answers EXDEV, EINVAL, ENOSYS or
// EOPNOTSUPP; a pipe source with splice(2). The source's offset advances as
// a read would. Sockets and every other reader, and every reader on FreeBSD
// and other systems, take the plain loop. The calls go through the source's
// RawConn.Read, so an empty non-blocking pipe waits in the network poller.
//
// Errors: ErrClosed; EPERM (with a hint) before anything is read when the
// file has SealWrite or SealFutureWrite, and from the first write past the
// end under SealGrow; EBADF for a read-only MemFile (ReopenReadOnly); the
// source's read error.
func (m *MemFile) ReadFrom(r io.Reader) (int64, error) {
	if err := m.incref("ReadFrom"); err != nil {
		return 0, err
	}
	if s, e := fcntlErrno(m.fd, fcntlGetSeals, 0); e == 0 && sealsFromOS(uintptr(s))&(SealWrite|SealFutureWrite) != 0 {
		m.decref()
		return 0, opError("write", m.name, errPermission, writeHint(errPermission))
	}
	m.decref()
	n, handled, err := m.readFromFd(r)
	if handled || err != nil {
		return n, err
	}
	k, err := io.Copy(writerOnly{m}, r)
	return n + k, err
}

// WriteString is Write for a string (write(2) at the file offset), without
// copying it; io.WriteString uses it. Errors: as for Write.
func (m *MemFile) WriteString(s string) (int, error) {
	if len(s) == 0 {
		return m.Write(nil)
	}
	// The bytes are only read (by write(2)), never kept or changed.
	b := *(*[]byte)(unsafe.Pointer(&struct {
		string
		cap int
	}{s, len(s)}))
	return m.Write(b)
}

// readerOnly and writerOnly hide WriteTo and ReadFrom from io.Copy, so the
// plain loop does not call back into them.
type readerOnly struct{ m *MemFile }

func (r readerOnly) Read(p []byte) (int, error) { return r.m.Read(p) }

type writerOnly struct{ m *MemFile }

func (w writerOnly) Write(p []byte) (int, error) { return w.m.Write(p) }
