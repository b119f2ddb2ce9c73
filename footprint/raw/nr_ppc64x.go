//go:build linux && (ppc64 || ppc64le)

package main

// memfd_create(2) (arch/powerpc/kernel/syscalls/syscall.tbl).
const sysMemfdCreate = 360
