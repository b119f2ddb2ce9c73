package main

// memfd_create(2) (arch/x86/entry/syscalls/syscall_32.tbl).
const sysMemfdCreate = 356
