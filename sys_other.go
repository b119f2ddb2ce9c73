//go:build !linux && !freebsd

package memfile

import (
	"errors"
)

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
	errBusy              = errors.New("device or resource busy")
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

func fcntlAgain(_ int, _, _ uintptr, e errnoStub) (int, errnoStub) { return 0, e }

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

// No Mapping can exist here (Map is not defined and MapSealed fails), so
// every control fails as for an unmapped Mapping, or says it is not
// supported.

func (mp *Mapping) Advise(offset, length int, advice Advice) error {
	return unsupportedError("madvise", "", ErrNotSupported, "")
}

func (mp *Mapping) Populate(write bool) (Populated, error) {
	return 0, unsupportedError("madvise", "", ErrNotSupported, "")
}

func (mp *Mapping) Lock(onFault bool) error {
	return unsupportedError("mlock", "", ErrNotSupported, "")
}

func (mp *Mapping) Unlock() error { return unsupportedError("munlock", "", ErrNotSupported, "") }

func (mp *Mapping) Protect(mode MapMode) error {
	return unsupportedError("mprotect", "", ErrNotSupported, "")
}

func (mp *Mapping) Remap(length int) error {
	return unsupportedError("mremap", "", ErrNotSupported, "")
}

const writeSeals = "write"

func (m *MemFile) checkFaultProof(have Seals) (bool, error) { return false, ErrNotSupported }

func (mp *Mapping) populateRead() error { return ErrNotSupported }

// Sharing on other operating systems: the exported functions in share.go
// and share_conn.go return errors matching ErrNotSupported before they
// reach any of these.

const (
	msgCtrunc    = 0
	msgTrunc     = 0
	controlExtra = 0
	fcntlGetfl   = 0
	oAccmode     = 0
	oRdonly      = 0
	oRdwr        = 0
	oPath        = 0
)

var (
	errPipe       = errors.New("broken pipe")
	errAgain      = errors.New("resource temporarily unavailable")
	errMsgSize    = errors.New("message too long")
	errFileTooBig = errors.New("file too large")
)

type recvResult struct {
	n, oobn, flags int
	eof            bool
}

func rightsSpace(int) int                                 { return 0 }
func unixRights([]int) []byte                             { return nil }
func hostCmsgLayout() *cmsgLayout                         { return &cmsgLayout{lenSize: 4, hdrLen: 12, dataOff: 12, align: 4} }
func sendmsgOnce(int, []byte, []byte) (int, error)        { return 0, ErrNotSupported }
func recvmsgOnce(int, []byte, []byte) (recvResult, error) { return recvResult{}, ErrNotSupported }
func checkAllocated(int, fileStat) (string, error)        { return "", ErrNotSupported }
