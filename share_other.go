//go:build !linux && !freebsd

package memfile

import "errors"

// Sharing on other operating systems: the exported functions in share.go
// return errors matching ErrNotSupported before they reach any of these.

const msgCtrunc = 0

var errPipe = errors.New("broken pipe")

func rightsSpace(int) int                                   { return 0 }
func unixRights([]int) []byte                               { return nil }
func parseRights([]byte, bool) ([]int, bool)                { return nil, false }
func sendRights(int, []byte, []byte) error                  { return ErrNotSupported }
func recvRights(int, []byte, []byte) (int, int, int, error) { return 0, 0, 0, ErrNotSupported }
