//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips || mipsle || mips64 || mips64le || ppc64 || ppc64le || riscv64)

// Command raw is the footprint floor for scripts/footprint.sh: the same
// steps as footprint/memfile (create a sealable memory file, write, seal,
// map, check and print what it reads back, close), written with bare
// syscall.Syscall calls and nothing else.
package main

import (
	"syscall"
	"unsafe"
)

// Linux UAPI values, the same on every architecture.
const (
	mfdCloexec      = 0x1
	mfdAllowSealing = 0x2
	mfdNoexecSeal   = 0x8 // Linux 6.3+
	fAddSeals       = 1033
	sealImmutable   = 0x1 | 0x2 | 0x4 | 0x8 // SEAL, SHRINK, GROW, WRITE
	protRead        = 0x1
	mapShared       = 0x1
)

var msg = []byte("hello from a sealed memfile\n")

var name = [...]byte{'f', 'o', 'o', 't', 'p', 'r', 'i', 'n', 't', 0}

func main() {
	fd, _, e := syscall.Syscall(sysMemfdCreate, uintptr(unsafe.Pointer(&name[0])), mfdCloexec|mfdAllowSealing|mfdNoexecSeal, 0)
	if e == syscall.EINVAL { // before Linux 6.3
		fd, _, e = syscall.Syscall(sysMemfdCreate, uintptr(unsafe.Pointer(&name[0])), mfdCloexec|mfdAllowSealing, 0)
	}
	check("memfd_create", e)
	n, _, e := syscall.Syscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)))
	check("write", e)
	if int(n) != len(msg) {
		die("short write")
	}
	_, _, e = syscall.Syscall(syscall.SYS_FCNTL, fd, fAddSeals, sealImmutable)
	check("fcntl(F_ADD_SEALS)", e)
	addr, e := mmap0(fd, uintptr(len(msg)), protRead, mapShared)
	check("mmap", e)
	got := unsafe.Slice((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&addr))), len(msg))
	for i := range msg {
		if got[i] != msg[i] {
			die("read back something else")
		}
	}
	syscall.Write(1, got)
	_, _, e = syscall.Syscall(syscall.SYS_MUNMAP, addr, uintptr(len(msg)), 0)
	check("munmap", e)
	_, _, e = syscall.Syscall(syscall.SYS_CLOSE, fd, 0, 0)
	check("close", e)
}

func check(op string, e syscall.Errno) {
	if e != 0 {
		die(op + ": " + e.Error())
	}
}

func die(s string) {
	syscall.Write(2, []byte("footprint: "+s+"\n"))
	syscall.Exit(1)
}
