//go:build freebsd || (linux && !386 && !s390x)

package memfile

import (
	"syscall"
	"unsafe"
)

// sendmsg(2) and recvmsg(2) as system calls of their own: FreeBSD, and every
// Linux GOARCH except 386 and s390x (see share_socketcall.go), with the
// numbers from the generated tables.

const (
	sysSendmsgNr = _SYS_SENDMSG
	sysRecvmsgNr = _SYS_RECVMSG
)

func sysSendmsg(fd int, msg *syscall.Msghdr, flags int) (int, error) {
	if e := inject(sysSendmsgNr); e != 0 {
		return 0, e
	}
	r, _, e := syscall.Syscall(sysSendmsgNr, uintptr(fd), uintptr(unsafe.Pointer(msg)), uintptr(flags))
	return int(r), errnoErr(e)
}

func sysRecvmsg(fd int, msg *syscall.Msghdr, flags int) (int, error) {
	if e := inject(sysRecvmsgNr); e != 0 {
		return 0, e
	}
	r, _, e := syscall.Syscall(sysRecvmsgNr, uintptr(fd), uintptr(unsafe.Pointer(msg)), uintptr(flags))
	return int(r), errnoErr(e)
}
