package memfile

import (
	"errors"
	"strconv"
)

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
		s += " " + strconv.Quote(e.Name)
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
