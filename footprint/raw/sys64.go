//go:build linux && (amd64 || arm64 || loong64 || mips64 || mips64le || ppc64 || ppc64le || riscv64)

package main

import "syscall"

// mmap0 maps length bytes of fd from offset 0 with mmap(2).
func mmap0(fd, length, prot, flags uintptr) (uintptr, syscall.Errno) {
	r, _, e := syscall.Syscall6(syscall.SYS_MMAP, 0, length, prot, flags, fd, 0)
	return r, e
}
