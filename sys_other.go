//go:build !linux && !freebsd

package memfile

import "errors"

// Every other operating system: the package compiles so that portable
// programs can import it without build tags, and every constructor returns an
// error that matches ErrNotSupported. No MemFile can exist here, so the
// functions below are never reached through one.

const platformSupported = false

var (
	errInvalid           = errors.New("invalid argument")
	errPermission        = errors.New("permission denied")
	errBadFd             = errors.New("bad file descriptor")
	errNotSupportedErrno = ErrNotSupported
)

const (
	fstatOp           = "fstat"
	platformSeals     = Seals(0)
	fcntlGetSeals     = 0
	fcntlAddSeals     = 0
	fcntlDupfdCloexec = 0
	fcntlSetfd        = 0
	fdCloexec         = 0
	modeTypeMask      = 0
	modeRegular       = 0
)

func sysCreate(string, *Options) (int, error)     { return -1, ErrNotSupported }
func sysClose(int) error                          { return ErrNotSupported }
func sysFcntl(int, uintptr, uintptr) (int, error) { return 0, ErrNotSupported }
func sysRead(int, []byte) (int, error)            { return 0, ErrNotSupported }
func sysWrite(int, []byte) (int, error)           { return 0, ErrNotSupported }
func sysPread(int, []byte, int64) (int, error)    { return 0, ErrNotSupported }
func sysPwrite(int, []byte, int64) (int, error)   { return 0, ErrNotSupported }
func sysSeek(int, int64, int) (int64, error)      { return 0, ErrNotSupported }
func sysFtruncate(int, int64) error               { return ErrNotSupported }
func sysFstat(int) (fileStat, error)              { return fileStat{}, ErrNotSupported }
func sysMunmap(uintptr, uintptr) error            { return ErrNotSupported }
func sealsToOS(s Seals) uintptr                   { return uintptr(s) }
func sealsFromOS(r uintptr) Seals                 { return Seals(r) }
func sealError(name string, _ Seals, err error) error {
	return opError("fcntl(F_ADD_SEALS)", name, err, "")
}
func fileKind(uint32) string { return "file" }

// fileStat is sysFstat's result, as in sys_unix.go.
type fileStat struct {
	mode    uint32
	size    int64
	blocks  int64
	blksize int64
}

// Map is not available: no MemFile can be created on this system.
func (m *MemFile) Map(offset int64, length int, mode MapMode) (*Mapping, error) {
	return nil, unsupportedError("mmap", m.name, ErrNotSupported, "")
}

// fcntlErrno: see sys_unix.go. Its errno here is errnoStub, as plan9 has no
// syscall.Errno; it matches ErrNotSupported.
func fcntlErrno(int, uintptr, uintptr) (int, errnoStub) { return 0, 1 }

type errnoStub uintptr

func (errnoStub) Error() string { return ErrNotSupported.Error() }
func (errnoStub) Unwrap() error { return ErrNotSupported }
