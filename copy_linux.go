package memfile

import (
	"io"
	"sync/atomic"
	"syscall"
)

// The zero-copy routes of WriteTo and ReadFrom on Linux and Android. Every
// call passes NULL offsets, so the kernel reads and advances the file offsets
// itself (the MemFile's, and the other file's where it has one), which is
// what io.Copy means, and no 64-bit offset crosses the 32-bit ABIs.

// copyChunk is how much one call moves at most: as internal/poll's
// sendfile, so a call between two deadline checks stays short.
const copyChunk = 4 << 20

// copyMethod is one kernel route; each is tried until the kernel refuses it.
type copyMethod uint8

const (
	viaSendfile copyMethod = iota
	viaSplice
	viaCopyFileRange
)

func (c copyMethod) op() string {
	switch c {
	case viaSendfile:
		return "sendfile"
	case viaSplice:
		return "splice"
	}
	return "copy_file_range"
}

// refused reports whether errno means "this route does not work for these
// descriptors" (so the next one is tried, and in the end the plain loop,
// which reports a real failure again), not a failure of the copy. As
// internal/poll: EIO from copy_file_range on CIFS, EPERM from it inside some
// containers; EBADF for a descriptor not open for the direction (the plain
// loop then names the call that cannot work).
func refused(method copyMethod, e syscall.Errno) bool {
	switch e {
	case syscall.EINVAL, syscall.ENOSYS, syscall.EOPNOTSUPP, syscall.EXDEV, syscall.ESPIPE, syscall.EBADF:
		return true
	case syscall.EIO, syscall.EPERM, syscall.EFBIG:
		return method == viaCopyFileRange
	}
	return false
}

// copyFileRangeOK is 1 when the kernel is 5.3 or later, 2 when older, 0
// before the first ReadFrom asks: as internal/poll, copy_file_range is not
// used before 5.3, where it is broken in several ways (golang/go#42400).
var copyFileRangeOK int32

func useCopyFileRange() bool {
	v := atomic.LoadInt32(&copyFileRangeOK)
	if v == 0 {
		v = 2
		var u syscall.Utsname
		if syscall.Uname(&u) == nil {
			major, minor, i := 0, 0, 0
			for ; i < len(u.Release) && u.Release[i] >= '0' && u.Release[i] <= '9'; i++ {
				major = major*10 + int(u.Release[i]-'0')
			}
			for i++; i < len(u.Release) && u.Release[i] >= '0' && u.Release[i] <= '9'; i++ {
				minor = minor*10 + int(u.Release[i]-'0')
			}
			if major > 5 || major == 5 && minor >= 3 {
				v = 1
			}
		}
		atomic.StoreInt32(&copyFileRangeOK, v)
	}
	return v == 1
}

// kernelCopy runs the routes in methods in turn, each on the descriptor that
// conn gives its callback (through run: the RawConn's Read or Write), until
// done (EOF, or remain bytes moved), an error, or every route refused. The
// MemFile's own descriptor is taken with incref for each callback, so Close
// can proceed while the copy waits in the poller. handled is false when no
// route could start: the caller then runs the plain loop for the rest.
func (m *MemFile) kernelCopy(run func(func(uintptr) bool) error, toMemFile bool, remain int64, methods []copyMethod) (written int64, handled bool, err error) {
	for _, method := range methods {
		var (
			ran    bool
			done   bool
			failed syscall.Errno
			ourErr error
		)
		rerr := run(func(fd uintptr) bool {
			ran = true
			if err := m.incref(method.op()); err != nil {
				ourErr = err
				return true
			}
			defer m.decref()
			out, in := int(fd), m.fd
			if toMemFile {
				out, in = m.fd, int(fd)
			}
			for remain > 0 {
				n := copyChunk
				if remain < int64(n) {
					n = int(remain)
				}
				k, e := sysCopy(method, out, in, n)
				switch {
				case e == syscall.EINTR:
					continue
				case e == syscall.EAGAIN:
					return false // wait in the poller, then come back
				case e != 0:
					failed = e
					return true
				case k == 0 && method == viaCopyFileRange && written == 0:
					// Before 5.19 copy_file_range reports 0 bytes for files
					// it cannot copy (procfs, sysfs): let sendfile decide.
					failed = syscall.EINVAL
					return true
				case k == 0:
					done = true
					return true
				}
				written += int64(k)
				remain -= int64(k)
			}
			done = true
			return true
		})
		switch {
		case ourErr != nil:
			return written, true, ourErr
		case !ran:
			// The RawConn would not run the callback (closed, or not a
			// real descriptor): leave it to the plain loop.
			if written == 0 {
				return 0, false, nil
			}
			return written, true, rerr
		case rerr != nil:
			return written, true, rerr
		case done:
			return written, true, nil
		case refused(method, failed):
			continue
		}
		return written, true, opError(method.op(), m.name, failed, copyHint(failed, toMemFile))
	}
	return written, false, nil
}

func copyHint(e syscall.Errno, toMemFile bool) string {
	if toMemFile && e == syscall.EPERM {
		return writeHint(errPermission)
	}
	return ""
}

// rawConnOf returns the RawConn of x, or nil if it has none.
func rawConnOf(x interface{}) syscall.RawConn {
	sc, ok := x.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// writeToFd is WriteTo's kernel route: sendfile, then splice.
func (m *MemFile) writeToFd(w io.Writer) (int64, bool, error) {
	rc := rawConnOf(w)
	if rc == nil {
		return 0, false, nil
	}
	return m.kernelCopy(rc.Write, false, 1<<63-1, []copyMethod{viaSendfile, viaSplice})
}

// readFromFd is ReadFrom's kernel route: copy_file_range then sendfile from
// a regular file, splice from a pipe; nothing from anything else.
func (m *MemFile) readFromFd(r io.Reader) (int64, bool, error) {
	remain := int64(1<<63 - 1)
	lr, limited := r.(*io.LimitedReader)
	if limited {
		if lr.N <= 0 {
			return 0, true, nil
		}
		r, remain = lr.R, lr.N
	}
	rc := rawConnOf(r)
	if rc == nil {
		return 0, false, nil
	}
	var mode uint32
	if rc.Control(func(fd uintptr) {
		st, err := sysFstat(int(fd))
		if err == nil {
			mode = st.mode & modeTypeMask
		}
	}) != nil {
		return 0, false, nil
	}
	var methods []copyMethod
	switch mode {
	case modeRegular:
		methods = []copyMethod{viaSendfile}
		if useCopyFileRange() {
			methods = []copyMethod{viaCopyFileRange, viaSendfile}
		}
	case syscall.S_IFIFO:
		methods = []copyMethod{viaSplice}
	default:
		return 0, false, nil
	}
	n, handled, err := m.kernelCopy(rc.Read, true, remain, methods)
	if limited {
		lr.N -= n
	}
	return n, handled, err
}
