//go:build linux || freebsd

package memfile

import (
	"syscall"
	"unsafe"
)

// SCM_RIGHTS messages and raw sendmsg/recvmsg for Linux, Android and FreeBSD.
// The message layout (struct cmsghdr, its alignment) and the MSG_* flags
// come from package syscall, which defines them for every GOARCH of both
// systems; the system calls themselves are made here, through the per-arch
// sysSendmsg/sysRecvmsg (share_sendmsg.go, share_socketcall.go).

const (
	msgCtrunc      = syscall.MSG_CTRUNC
	msgCmsgCloexec = syscall.MSG_CMSG_CLOEXEC // Linux 2.6.23+, FreeBSD 10+
	msgNosignal    = syscall.MSG_NOSIGNAL
	sizeofFd       = 4 // a descriptor in SCM_RIGHTS data is a C int
)

var (
	errPipe        error = syscall.EPIPE
	errInterrupted error = syscall.EINTR
)

func rightsSpace(n int) int { return syscall.CmsgSpace(n * sizeofFd) }

func unixRights(fds []int) []byte { return syscall.UnixRights(fds...) }

// parseRights returns every descriptor in the SCM_RIGHTS messages of oob, in
// order, so that all of them can be adopted or closed. It copies each header
// out of oob instead of casting (oob need not be aligned) and reports
// malformed for anything the kernel would not have written: a length shorter
// than a header, trailing bytes that are not a header, a descriptor count
// that is not whole, a descriptor number seen twice (dropped, so nothing is
// closed twice), or a message whose length runs past the end of oob. Linux
// never writes the last one (with MSG_CTRUNC it shortens cmsg_len to the
// descriptors it installed), but FreeBSD copies a truncated message as it
// is: so when truncated (MSG_CTRUNC) is set, the whole descriptors of such a
// message that did arrive are taken too; otherwise none are, since numbers
// read past a message's stated end would be garbage, and closing garbage
// could close a descriptor this process uses for something else.
func parseRights(oob []byte, truncated bool) (fds []int, malformed bool) {
	hdrLen := syscall.CmsgLen(0)                       // the aligned header
	align := syscall.CmsgSpace(1) - syscall.CmsgLen(0) // cmsg alignment
	for len(oob) > 0 {
		if len(oob) < syscall.SizeofCmsghdr {
			return fds, true
		}
		var h syscall.Cmsghdr
		copy((*[syscall.SizeofCmsghdr]byte)(unsafe.Pointer(&h))[:], oob)
		msgLen := uint64(h.Len)
		if msgLen < uint64(hdrLen) {
			return fds, true
		}
		end := len(oob)
		if msgLen <= uint64(end) {
			end = int(msgLen)
		} else {
			malformed = true
			if !truncated {
				return fds, true
			}
		}
		if h.Level == syscall.SOL_SOCKET && h.Type == syscall.SCM_RIGHTS {
			data := oob[hdrLen:end]
			if len(data)%sizeofFd != 0 && end == int(msgLen) {
				malformed = true
			}
			for ; len(data) >= sizeofFd; data = data[sizeofFd:] {
				var fd int32
				copy((*[sizeofFd]byte)(unsafe.Pointer(&fd))[:], data)
				if containsFd(fds, int(fd)) {
					malformed = true
					continue
				}
				fds = append(fds, int(fd))
			}
		}
		next := (end + align - 1) &^ (align - 1)
		if next >= len(oob) {
			break
		}
		oob = oob[next:]
	}
	return fds, malformed
}

func containsFd(fds []int, fd int) bool {
	for _, f := range fds {
		if f == fd {
			return true
		}
	}
	return false
}

// sendRights sends data with the control message oob in one sendmsg call.
func sendRights(sock int, data, oob []byte) error {
	var iov syscall.Iovec
	iov.Base = &data[0]
	iov.SetLen(len(data))
	var msg syscall.Msghdr
	msg.Iov = &iov
	msg.Iovlen = 1
	msg.Control = &oob[0]
	msg.SetControllen(len(oob))
	for {
		_, err := sysSendmsg(sock, &msg, msgNosignal)
		if err != errInterrupted {
			return err
		}
	}
}

// recvRights receives one message into buf and oob with recvmsg and
// MSG_CMSG_CLOEXEC, starting again after EINTR, and returns the sizes of the
// data and control parts and the message flags.
func recvRights(sock int, buf, oob []byte) (n, oobn, flags int, err error) {
	var iov syscall.Iovec
	iov.Base = &buf[0]
	iov.SetLen(len(buf))
	var msg syscall.Msghdr
	msg.Iov = &iov
	msg.Iovlen = 1
	msg.Control = &oob[0]
	msg.SetControllen(len(oob))
	for {
		n, err = sysRecvmsg(sock, &msg, msgCmsgCloexec)
		if err != errInterrupted {
			break
		}
	}
	if err != nil {
		return 0, 0, 0, err
	}
	return n, int(msg.Controllen), int(msg.Flags), nil
}
