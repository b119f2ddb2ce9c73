package memfile

import (
	"io"
	"syscall"
)

// Sending and receiving memory files over any syscall.Conn: a
// *net.UnixConn, or an *os.File that holds a Unix socket. The system calls
// run inside the connection's RawConn.Write and RawConn.Read, so the
// connection's descriptor cannot be closed under them, the runtime's network
// poller waits when a non-blocking socket is not ready (deadlines apply),
// and the files' descriptors are held for the whole call: no descriptor
// number can be reused, so no other file can be sent by mistake.

// SendConn sends data and the descriptors of files over the Unix socket
// conn, typically a *net.UnixConn, with sendmsg(2) and an SCM_RIGHTS
// control message (MSG_NOSIGNAL), and returns once all of data went:
//
//	err := memfile.SendConn(conn, []byte("x"), file)
//
// The descriptors travel with the first part of data; if the kernel takes
// only part of it (a full stream socket, or a signal), the rest follows
// without them. On a non-blocking socket (every net.UnixConn) the call
// waits with the runtime's poller until the socket is writable, and fails
// with the connection's deadline error (os.ErrDeadlineExceeded) when its
// write deadline passes; it returns the count of bytes that went only in
// the error's text. Each file stays open and owned by the caller, and
// cannot be closed under the call; the receiver gets descriptors of its
// own. On 32-bit x86 and s390x Linux the call goes through socketcall(2).
// The receiving side is ReceiveConn (or ReceiveFiles, FromUnixRights).
// Available on Linux 3.17+, Android and FreeBSD 13+.
//
// Errors: as for SendFilesN; the error of conn.SyscallConn or of the
// RawConn (a closed connection, a deadline), wrapped with Op "sendmsg".
func SendConn(conn syscall.Conn, data []byte, files ...*MemFile) error {
	const op = "sendmsg"
	fds, err := increfFiles(op, data, files)
	if err != nil {
		return err
	}
	defer decrefFiles(files)
	rc, err := conn.SyscallConn()
	if err != nil {
		return opError(op, "", err, "")
	}
	oob := unixRights(fds)
	sent := 0
	var serr error
	err = rc.Write(func(sock uintptr) bool {
		for sent < len(data) {
			var k int
			if sent == 0 {
				k, serr = sendmsgOnce(int(sock), data, oob)
			} else {
				k, serr = sendmsgOnce(int(sock), data[sent:], nil)
			}
			if serr == errAgain {
				serr = nil
				return false // wait until writable
			}
			if serr != nil {
				return true
			}
			if k <= 0 {
				serr = io.ErrShortWrite
				return true
			}
			sent += k
		}
		return true
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return sendError(err, sent, len(data))
	}
	return nil
}

// ReceiveConn receives one message from the Unix socket conn, typically a
// *net.UnixConn, with recvmsg(2) and MSG_CMSG_CLOEXEC, reads at most
// len(buf) bytes of data into buf and returns how many, and returns exactly
// want memory files, each adopted as FromFdWithOptions does with opts:
//
//	n, files, err := memfile.ReceiveConn(conn, buf, 1, memfile.AdoptOptions{
//		Seals: memfile.SealImmutable, MaxSize: 64 << 20, FullyAllocated: true})
//
// Either all the SCM_RIGHTS descriptors that arrived are returned, or all
// are closed and the error says why; any other descriptor (SCM_PIDFD) is
// always closed. On a non-blocking socket (every net.UnixConn) the call
// waits with the runtime's poller until a message arrives, and fails with
// the connection's deadline error (os.ErrDeadlineExceeded) when its read
// deadline passes. The control buffer is sized as for ReceiveFiles. On
// 32-bit x86 and s390x Linux the call goes through socketcall(2).
// Available on Linux 3.17+, Android and FreeBSD 13+.
//
// Errors: io.EOF if the peer closed a stream or seqpacket connection
// without sending anything; EMSGSIZE if a datagram was longer than buf;
// EINVAL if buf is empty or want is outside 1..253; the errors of
// ReceiveFiles and FromFdWithOptions; the error of conn.SyscallConn or of
// the RawConn, wrapped with Op "recvmsg".
func ReceiveConn(conn syscall.Conn, buf []byte, want int, opts AdoptOptions) (n int, files []*MemFile, err error) {
	const op = "recvmsg"
	oob, err := receiveBuffer(op, buf, want)
	if err != nil {
		return 0, nil, err
	}
	rc, err := conn.SyscallConn()
	if err != nil {
		return 0, nil, opError(op, "", err, "")
	}
	var r recvResult
	var rerr error
	err = rc.Read(func(sock uintptr) bool {
		r, rerr = recvmsgOnce(int(sock), buf, oob)
		return rerr != errAgain
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return 0, nil, opError(op, "", err, "")
	}
	return finishReceive(r, oob, want, opts)
}
