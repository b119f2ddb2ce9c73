//go:build linux && (386 || arm || mips || mipsle)

package main

import "syscall"

// mmap0 maps length bytes of fd from offset 0 with mmap2(2).
func mmap0(fd, length, prot, flags uintptr) (uintptr, syscall.Errno) {
	r, _, e := syscall.Syscall6(syscall.SYS_MMAP2, 0, length, prot, flags, fd, 0)
	return r, e
}
