//go:build linux || freebsd

package memfile

import (
	"syscall"
	"unsafe"
)

// Control messages and raw sendmsg/recvmsg for Linux, Android and FreeBSD.
// The message layout (struct cmsghdr, its alignment) and the MSG_* flags
// come from package syscall, which defines them for every GOARCH of both
// systems; the system calls themselves are sysSendmsg/sysRecvmsg
// (sys_linux.go, through socketcall where abiSocketcall says so, and
// sys_freebsd.go).

const (
	msgCtrunc      = syscall.MSG_CTRUNC
	msgTrunc       = syscall.MSG_TRUNC
	msgPeek        = syscall.MSG_PEEK
	msgDontwait    = syscall.MSG_DONTWAIT
	msgCmsgCloexec = syscall.MSG_CMSG_CLOEXEC // Linux 2.6.23+, FreeBSD 10+
	msgNosignal    = syscall.MSG_NOSIGNAL

	fcntlGetfl = _F_GETFL
	oAccmode   = _O_ACCMODE
	oRdonly    = _O_RDONLY
	oRdwr      = _O_RDWR
)

var (
	errPipe        error = syscall.EPIPE
	errInterrupted error = syscall.EINTR
	errAgain       error = syscall.EAGAIN
	errMsgSize     error = syscall.EMSGSIZE
	errFileTooBig  error = syscall.EFBIG
)

// rightsSpace is CMSG_SPACE(n*sizeof(int)); n is at most maxRightsLinux+1.
func rightsSpace(n int) int { return syscall.CmsgSpace(n * sizeofInt) }

// controlExtra is the room ReceiveFiles and ReceiveConn leave in the control
// buffer beyond the descriptors, for the other control messages a socket may
// carry: SCM_CREDENTIALS (SO_PASSCRED, 12 bytes of data), SCM_PIDFD
// (SO_PASSPIDFD, 4), SCM_SECURITY (SO_PASSSEC, a security label, usually
// well under 256 bytes) on Linux; SCM_CREDS (LOCAL_CREDS, 84) on FreeBSD.
// The kernel writes them before SCM_RIGHTS: without room for them the
// descriptors would be discarded.
const controlExtra = 1024

func unixRights(fds []int) []byte { return syscall.UnixRights(fds...) }

// hostCmsgLayout is the control-message layout of this build.
func hostCmsgLayout() *cmsgLayout {
	one := uint16(1)
	return &cmsgLayout{
		lenSize:   int(unsafe.Sizeof(syscall.Cmsghdr{}.Len)),
		hdrLen:    syscall.SizeofCmsghdr,
		dataOff:   syscall.CmsgLen(0),
		align:     syscall.CmsgSpace(1) - syscall.CmsgLen(0),
		bigEndian: *(*byte)(unsafe.Pointer(&one)) == 0,
		cutsLen:   cmsgCutsLen,
		solSocket: syscall.SOL_SOCKET,
		scmRights: syscall.SCM_RIGHTS,
		scmPidfd:  scmPidfd,
	}
}

// sendmsgOnce sends data, with the control message oob if it is not empty,
// in one sendmsg call (started again after EINTR), and returns how many
// bytes of data went.
func sendmsgOnce(sock int, data, oob []byte) (int, error) {
	var iov syscall.Iovec
	var msg syscall.Msghdr
	setMsghdr(&msg, &iov, data, oob)
	for {
		n, err := sysSendmsg(sock, &msg, msgNosignal)
		if err != errInterrupted {
			return n, err
		}
	}
}

// recvResult is what one recvmsg returned.
type recvResult struct {
	n, oobn, flags int
	eof            bool // the peer closed the connection
}

// recvmsgOnce receives one message into buf and oob with recvmsg and
// MSG_CMSG_CLOEXEC, starting again after EINTR. A message with no data and
// no control data is the end of the connection on a stream socket; on a
// datagram socket it is an empty datagram; on a seqpacket socket, whose
// recvmsg returns the same for both, a non-blocking peek tells them apart
// (nothing queued: an empty message; another message queued: an empty
// message; the end again: the end).
func recvmsgOnce(sock int, buf, oob []byte) (r recvResult, err error) {
	r.n, r.oobn, r.flags, err = recvmsgFlags(sock, buf, oob, msgCmsgCloexec)
	if err != nil || r.n != 0 || r.oobn != 0 || r.flags&(msgCtrunc|msgTrunc) != 0 {
		return r, err
	}
	typ, err := syscall.GetsockoptInt(sock, syscall.SOL_SOCKET, syscall.SO_TYPE)
	if err != nil {
		return r, err
	}
	switch typ {
	case syscall.SOCK_STREAM:
		r.eof = true
	case syscall.SOCK_SEQPACKET:
		var b [1]byte
		n, _, flags, perr := recvmsgFlags(sock, b[:], nil, msgPeek|msgDontwait)
		r.eof = perr == nil && n == 0 && flags&(msgCtrunc|msgTrunc) == 0
	}
	return r, nil
}

// recvmsgFlags is one recvmsg call with flags, started again after EINTR.
func recvmsgFlags(sock int, buf, oob []byte, flags int) (n, oobn, rflags int, err error) {
	var iov syscall.Iovec
	var msg syscall.Msghdr
	setMsghdr(&msg, &iov, buf, oob)
	for {
		n, err = sysRecvmsg(sock, &msg, flags)
		if err != errInterrupted {
			break
		}
	}
	if err != nil {
		return 0, 0, 0, err
	}
	return n, int(msg.Controllen), int(msg.Flags), nil
}

// setMsghdr points msg at one data buffer, p (not empty), through iov, and
// at the control buffer oob, if any.
func setMsghdr(msg *syscall.Msghdr, iov *syscall.Iovec, p, oob []byte) {
	iov.Base = &p[0]
	iov.SetLen(len(p))
	msg.Iov = iov
	msg.Iovlen = 1
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
}
