package main

// memfd_create(2), which package syscall does not list on amd64
// (arch/x86/entry/syscalls/syscall_64.tbl).
const sysMemfdCreate = 319
