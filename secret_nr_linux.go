//go:build linux && !android && (386 || amd64 || arm64 || riscv64)

package memfile

import "syscall"

const secretMissing = "memfd_secret needs Linux 5.14 or later, enabled (the default since 6.5; before that boot with secretmem.enable=1) on a machine that can remove pages from the kernel's direct map"

func sysMemfdSecret(flags uintptr) (int, syscall.Errno) {
	if e := inject(_SYS_MEMFD_SECRET); e != 0 {
		return -1, e
	}
	r, _, e := syscall.Syscall(_SYS_MEMFD_SECRET, flags, 0, 0)
	return int(r), e
}
