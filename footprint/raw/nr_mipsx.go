//go:build linux && (mips || mipsle)

package main

// memfd_create(2): o32 numbers start at 4000 (arch/mips/kernel/syscalls/syscall_o32.tbl).
const sysMemfdCreate = 4354
