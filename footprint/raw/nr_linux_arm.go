package main

// memfd_create(2) (arch/arm/tools/syscall.tbl).
const sysMemfdCreate = 385
