//go:build linux && (android || !(386 || amd64 || arm64 || riscv64))

package memfile

import "syscall"

// The Linux 6.1 UAPI headers the generator reads give memfd_secret a number
// only on 386, amd64, arm64 and riscv64 (s390x and loong64 gained it later);
// on Android the app seccomp filter would kill the process for it (SIGSYS).
const secretMissing = "memfd_secret is not available on this architecture or on Android"

func sysMemfdSecret(flags uintptr) (int, syscall.Errno) { return -1, syscall.ENOSYS }
