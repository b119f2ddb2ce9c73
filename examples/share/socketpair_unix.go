//go:build linux || freebsd

package main

import (
	"os"
	"syscall"
)

// socketPair returns the two ends of a connected Unix stream socket pair,
// both close-on-exec.
func socketPair() (a, b *os.File, err error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	return os.NewFile(uintptr(fds[0]), "parent-end"), os.NewFile(uintptr(fds[1]), "child-end"), nil
}
