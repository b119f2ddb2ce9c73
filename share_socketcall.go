//go:build linux && (386 || s390x)

package memfile

import (
	"syscall"
	"unsafe"
)

// 32-bit x86 and s390x Linux reach sendmsg and recvmsg through the
// multiplexer socketcall(2), as Go's own syscall and net packages do on
// these two GOARCHes, although the generated tables also have the direct
// numbers (370/372 on both). The direct calls are not safe to use here:
//   - They were wired up only in Linux 4.3 on both architectures, while
//     memfd_create exists since 3.17: on 3.17 to 4.2 they fail with ENOSYS.
//   - Android's app seccomp filter is generated from bionic's SYSCALLS.TXT,
//     which on x86 routes every socket call through socketcall
//     ("__sendmsg:socketcall:16", "__recvmsg:socketcall:17"); a call outside
//     the filter kills the process with SIGSYS rather than failing.
//   - Any seccomp policy that lets Go's net package work allows socketcall,
//     since that is what the net package uses.

// Call numbers of socketcall, generated from linux/net.h (SYS_SENDMSG and
// SYS_RECVMSG there).
const (
	socketcallSendmsg = _SOCKETCALL_SENDMSG
	socketcallRecvmsg = _SOCKETCALL_RECVMSG
)

// Both go through the one system call (and one inject seam).
const (
	sysSendmsgNr = _SYS_SOCKETCALL
	sysRecvmsgNr = _SYS_SOCKETCALL
)

// socketcallArgs is socketcall's argument block, an array of unsigned longs.
// The msghdr pointer is kept as a pointer, not a uintptr, so the garbage
// collector and the stack copier see it: if msg lives on a stack that moves
// before the system call, the pointer in the block moves with it. The block
// itself is passed in the call expression, which keeps it in place.
type socketcallArgs struct {
	fd    uintptr
	msg   unsafe.Pointer
	flags uintptr
}

func socketcallMsg(call uintptr, fd int, msg *syscall.Msghdr, flags int) (int, error) {
	if e := inject(_SYS_SOCKETCALL); e != 0 {
		return 0, e
	}
	args := socketcallArgs{uintptr(fd), unsafe.Pointer(msg), uintptr(flags)}
	r, _, e := syscall.Syscall(_SYS_SOCKETCALL, call, uintptr(unsafe.Pointer(&args)), 0)
	return int(r), errnoErr(e)
}

func sysSendmsg(fd int, msg *syscall.Msghdr, flags int) (int, error) {
	return socketcallMsg(socketcallSendmsg, fd, msg, flags)
}

func sysRecvmsg(fd int, msg *syscall.Msghdr, flags int) (int, error) {
	return socketcallMsg(socketcallRecvmsg, fd, msg, flags)
}
