//go:build !linux && !freebsd

package memfile

import "errors"

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
