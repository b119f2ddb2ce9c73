package memfile

import "errors"

// ErrClosed is returned by every method of a MemFile that has been closed or
// released, and by a second Close.
var ErrClosed = errors.New("memfile: file already closed")

// ErrNotSupported is matched (with errors.Is) by every error that means "this
// platform or kernel cannot do that": memfd_create missing (ENOSYS, Linux
// before 3.17, FreeBSD before 13), a seal the platform lacks (FutureWrite or
// Exec on FreeBSD, Exec before Linux 6.3), or any constructor on an operating
// system other than Linux, Android and FreeBSD.
var ErrNotSupported = errors.New("memfile: not supported on this platform")

// ErrMissingSeals is matched by the error of FromFdWithSeals (and the
// receiving functions built on it) when the file lacks a seal the caller
// demanded; the message names the missing seals.
var ErrMissingSeals = errors.New("memfile: required seals missing")

// Error is the type of every error this package returns for a failed
// operation. It names the system call or step that failed (Op), the file name
// where there is one, and unwraps to the underlying error, usually a
// syscall.Errno, so errors.Is(err, syscall.EPERM) and
// errors.Is(err, fs.ErrPermission) work.
type Error struct {
	Op   string // the system call or step that failed, e.g. "memfd_create", "fcntl(F_ADD_SEALS)", "mmap"
	Name string // the file's name, if known
	Err  error  // the underlying error, usually a syscall.Errno

	hint        string // what to do about it, appended to the message
	unsupported bool   // matches ErrNotSupported
}

// Error returns "memfile: <op> "<name>": <err> (<hint>)".
func (e *Error) Error() string {
	s := "memfile: " + e.Op
	if e.Name != "" {
		s += " " + quoteName(e.Name)
	}
	s += ": " + e.Err.Error()
	if e.hint != "" {
		s += " (" + e.hint + ")"
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether the error means "not supported": it matches
// ErrNotSupported when the platform or kernel lacks the feature.
func (e *Error) Is(target error) bool {
	return target == ErrNotSupported && e.unsupported
}

// opError builds an *Error; hint may be empty.
func opError(op, name string, err error, hint string) error {
	return &Error{Op: op, Name: name, Err: err, hint: hint}
}

// unsupportedError builds an *Error that matches ErrNotSupported.
func unsupportedError(op, name string, err error, hint string) error {
	return &Error{Op: op, Name: name, Err: err, hint: hint, unsupported: true}
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
