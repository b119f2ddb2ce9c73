//go:build linux && android && cgo

package memfile_test

import "errors"

// Stand-ins for share_net_test.go where package net would need cgo (see
// there). Tests of the net.UnixConn route skip themselves.

const haveNet = false

var errNoNet = errors.New(errNoNetText)

func readMsgUnix(int, []byte, []byte) (int, int, int, error) { return 0, 0, 0, errNoNet }
func writeMsgUnix(int, []byte, []byte) (int, int, error)     { return 0, 0, errNoNet }
