package memfile

import (
	"errors"
	"unsafe"
)

// ErrClosed is matched (with errors.Is) by the error of every method of a
// MemFile that has been closed or released, of a second Close, and of any
// method of a zero MemFile or a nil *MemFile. That error is an *Error that
// names the call. Like the error of a closed *os.File, it also matches
// io/fs.ErrClosed (os.ErrClosed).
var ErrClosed error = &sentinel{"file already closed"}

// ErrNotSupported is matched (with errors.Is) by every error that means "this
// platform or kernel cannot do that": memfd_create missing (ENOSYS, Linux
// before 3.17, FreeBSD before 13), a seal the platform lacks (FutureWrite or
// Exec on FreeBSD, Exec before Linux 6.3), or any constructor on an operating
// system other than Linux, Android and FreeBSD. Built with Go 1.21 or later,
// ErrNotSupported and those errors also match errors.ErrUnsupported.
var ErrNotSupported error = &sentinel{"not supported on this platform"}

// ErrMissingSeals is matched by the error of FromFdWithSeals (and the
// receiving functions built on it) when the file lacks a seal the caller
// demanded; the message names the missing seals.
var ErrMissingSeals error = &sentinel{"required seals missing"}

// sentinel is the type of the package's sentinel errors. Alone its text is
// "memfile: " and msg; inside an *Error, whose text has that prefix already,
// it is msg alone.
type sentinel struct{ msg string }

func (s *sentinel) Error() string { return "memfile: " + s.msg }

// Is lets ErrClosed match io/fs.ErrClosed, and ErrNotSupported match
// errors.ErrUnsupported (Go 1.21+): this package imports neither io/fs nor,
// below Go 1.21, has errors.ErrUnsupported.
func (s *sentinel) Is(target error) bool {
	switch s {
	case ErrClosed:
		return isFsErrClosed(target)
	case ErrNotSupported:
		return isErrUnsupported(target)
	}
	return false
}

// ifaceType returns the first word of an interface value, which identifies
// its dynamic type (the runtime's iface.tab): the same for every error made
// by errors.New, different for any other type.
func ifaceType(err error) unsafe.Pointer { return (*[2]unsafe.Pointer)(unsafe.Pointer(&err))[0] }

// isFsErrClosed reports whether target is io/fs.ErrClosed (the same value as
// os.ErrClosed and internal/oserror.ErrClosed, defined there as
// errors.New("file already closed")). Without importing io/fs, which would
// add to every program, its identity cannot be compared, so it is recognized
// by what defines it: its type, checked first so that Error is never called
// on an arbitrary target, and its text.
func isFsErrClosed(target error) bool {
	return target != nil && ifaceType(target) == ifaceType(errors.New("")) && target.Error() == "file already closed"
}

// Error is the type of every error this package returns for a failed
// operation. It names the system call or step that failed (Op), the file name
// where there is one, and unwraps to the underlying error, usually a
// syscall.Errno, so errors.Is(err, syscall.EPERM) and
// errors.Is(err, fs.ErrPermission) work; on a closed file it unwraps to
// ErrClosed.
type Error struct {
	Op   string // the system call or step that failed, e.g. "memfd_create", "fcntl(F_ADD_SEALS)", "mmap"
	Name string // the file's name, if known
	Err  error  // the underlying error, usually a syscall.Errno

	hint        string // what to do about it, appended to the message
	unsupported bool   // matches ErrNotSupported
}

// Error returns "memfile: <op> "<name>": <err> (<hint>)". One of this
// package's sentinel errors as err is shown without its own "memfile: "
// prefix.
func (e *Error) Error() string {
	s := "memfile: " + e.Op
	if e.Name != "" {
		if e.Op != "" {
			s += " "
		}
		s += quoteName(e.Name)
	}
	if e.Op != "" || e.Name != "" {
		s += ": "
	}
	if st, ok := e.Err.(*sentinel); ok {
		s += st.msg
	} else if e.Err != nil {
		s += e.Err.Error()
	}
	if e.hint != "" {
		s += " (" + e.hint + ")"
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether the error means "not supported": it matches
// ErrNotSupported (and on Go 1.21+ errors.ErrUnsupported) when the platform
// or kernel lacks the feature.
func (e *Error) Is(target error) bool {
	return e.unsupported && (target == ErrNotSupported || isErrUnsupported(target))
}

// The constructors below run only on failure and are not inlined: a copy
// at each of their many call sites would add to every program
// (scripts/footprint.sh). The three wrappers are smaller than newError's
// allocation and stores would be in each of them.

// opError builds an *Error; hint may be empty.
//
//go:noinline
func opError(op, name string, err error, hint string) error {
	return newError(op, name, err, hint, false)
}

// unsupportedError builds an *Error that matches ErrNotSupported.
//
//go:noinline
func unsupportedError(op, name string, err error, hint string) error {
	return newError(op, name, err, hint, true)
}

// closedError is the error of the call op on a closed file.
//
//go:noinline
func closedError(op, name string) error {
	return newError(op, name, ErrClosed, "", false)
}

//go:noinline
func newError(op, name string, err error, hint string, unsupported bool) error {
	return &Error{Op: op, Name: name, Err: err, hint: hint, unsupported: unsupported}
}

// quoteName quotes a name for Error exactly as strconv.QuoteToASCII does:
// printable ASCII as is, everything else escaped (\n, \x01, \u00e9, \U0001f600;
// an invalid UTF-8 byte as \xff), so no name can forge or hide text in a log.
// It needs none of strconv's Unicode tables, which strconv.Quote would add to
// every program (12 KiB; scripts/footprint.sh).
func quoteName(s string) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 4*len(s)+2) // no escape is longer than 4 bytes per input byte
	b[0] = '"'
	n := 1
	for i, r := range s {
		var esc byte // the letter after the backslash
		digits := 0  // hex digits of r after it
		switch {
		case r == 0xfffd && (len(s)-i < 3 || s[i:i+3] != "\xef\xbf\xbd"):
			esc, digits, r = 'x', 2, rune(s[i]) // an invalid UTF-8 byte
		case r == '"' || r == '\\':
			esc = byte(r)
		case r >= ' ' && r < 0x7f:
			b[n] = byte(r)
			n++
			continue
		case r >= '\a' && r <= '\r':
			esc = "abtnvfr"[r-'\a']
		case r < 0x80:
			esc, digits = 'x', 2
		case r < 0x10000:
			esc, digits = 'u', 4
		default:
			esc, digits = 'U', 8
		}
		b[n], b[n+1] = '\\', esc
		n += 2
		for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
			b[n] = hex[r>>uint(shift)&15]
			n++
		}
	}
	b[n] = '"'
	return string(b[:n+1])
}
