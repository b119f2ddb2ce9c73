//go:build linux && !(android && cgo)

package memfile_test

import (
	"net"
	"os"
	"syscall"
)

// The net.UnixConn route, in a file of its own: on android with cgo enabled
// (how go vet has to run for android/386, amd64 and arm), package net needs
// the NDK's C compiler even to be type-checked. share_nonet_test.go stands in
// for this file there; no test binary is ever built in that configuration.

const haveNet = true

// unixConn returns a net.UnixConn for a close-on-exec duplicate of sock; the
// caller closes it and still owns sock. net.FileConn makes the descriptor
// non-blocking, which applies to sock too (they share the open file).
func unixConn(sock int) (*net.UnixConn, error) {
	fd, err := fcntl3(sock, syscall.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "sock")
	defer f.Close()
	c, err := net.FileConn(f) // makes a duplicate of its own
	if err != nil {
		return nil, err
	}
	return c.(*net.UnixConn), nil
}

// readMsgUnix receives one message on sock with (*net.UnixConn).ReadMsgUnix.
func readMsgUnix(sock int, buf, oob []byte) (n, oobn, flags int, err error) {
	c, err := unixConn(sock)
	if err != nil {
		return 0, 0, 0, err
	}
	defer c.Close()
	n, oobn, flags, _, err = c.ReadMsgUnix(buf, oob)
	return n, oobn, flags, err
}

// writeMsgUnix sends one message on sock with (*net.UnixConn).WriteMsgUnix.
func writeMsgUnix(sock int, b, oob []byte) (n, oobn int, err error) {
	c, err := unixConn(sock)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	return c.WriteMsgUnix(b, oob, nil)
}
