//go:build linux && (arm64 || loong64 || mips64 || mips64le || riscv64)

package main

import "syscall"

// Package syscall knows memfd_create on these architectures.
const sysMemfdCreate = syscall.SYS_MEMFD_CREATE
