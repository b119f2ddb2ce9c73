package memfile

import (
	"io"
	"strconv"
)

// Sharing memory files between processes.
//
// A descriptor reaches another process in one of two ways: it is inherited by
// a child at exec (exec.Cmd.ExtraFiles, syscall.ProcAttr.Files; see
// docs/sharing.md), or it is sent over a Unix domain socket as an SCM_RIGHTS
// control message. For the socket route there are three pairs: SendConn and
// ReceiveConn over any syscall.Conn (share_conn.go; the one to use), SendFiles
// and ReceiveFiles for a raw socket descriptor, and UnixRights and
// FromUnixRights around net.UnixConn's WriteMsgUnix and ReadMsgUnix. The
// receiving functions take over every descriptor of every control message
// that arrived and either return the SCM_RIGHTS ones, each checked as
// FromFdWithOptions checks it, or close all of them and return an error;
// any other descriptor (SCM_PIDFD) is always closed. A receiver never ends
// up holding, or leaking, a descriptor it did not ask for.
//
// Close-on-exec: ReceiveFiles and ReceiveConn pass MSG_CMSG_CLOEXEC to
// recvmsg, so the descriptors are close-on-exec from the moment they exist
// and no concurrent fork+exec can inherit them. Go's own
// net.UnixConn.ReadMsgUnix passes MSG_CMSG_CLOEXEC on Linux (and Android)
// since Go 1.17 (net/unixsock_readmsg_cmsg_cloexec.go, the fix for
// golang/go#42765; the same in every release up to 1.26); on FreeBSD it sets
// FD_CLOEXEC with fcntl just after recvmsg returns, which leaves a short
// window. FromUnixRights, like FromFd, sets FD_CLOEXEC again in any case.

// ErrDescriptorCount is matched (with errors.Is) by the error of
// FromUnixRights and ReceiveFiles when a message carried more or fewer
// descriptors than the receiver expected, or when the kernel had to discard
// some because the control buffer was too small (MSG_CTRUNC). Every
// descriptor that did arrive has been closed.
var ErrDescriptorCount error = &sentinel{"unexpected number of descriptors"}

// ErrNotAllocated is matched by the error of FromFdWithOptions (and
// ReceiveConn) when AdoptOptions.FullyAllocated is demanded and the file has
// holes, or lacks the write seal that keeps holes from being punched later:
// reading it could allocate memory, charged to the reader.
var ErrNotAllocated error = &sentinel{"file is not fully allocated"}

// UnixRights returns the SCM_RIGHTS control message that carries the
// descriptors of files, for the oob argument of
// (*net.UnixConn).WriteMsgUnix:
//
//	oob, err := memfile.UnixRights(file)
//	...
//	_, _, err = conn.WriteMsgUnix([]byte("x"), oob, nil)
//	runtime.KeepAlive(file)
//
// The message holds descriptor numbers, not references, exactly as
// os.File.Fd returns one: it is valid only while every file stays open. If a
// file is closed, released, or becomes unreachable (its finalizer closes
// it) before WriteMsgUnix returns, the number may already name another
// descriptor, and the message then sends that one instead, silently. Keep
// each file reachable (runtime.KeepAlive) and open until the write has
// returned; SendConn does all of that for the call and cannot send the wrong
// file. Send at least one byte of data with it: on a stream socket the
// control message travels only together with data. It makes no system call;
// the receiving side is FromUnixRights (or ReceiveConn).
//
// Errors: EINVAL if files is empty, holds a nil file, or holds more than
// 253 files (the most one message can carry on Linux); ErrClosed if a file
// is closed; an error matching ErrNotSupported on systems other than Linux,
// Android and FreeBSD.
func UnixRights(files ...*MemFile) ([]byte, error) {
	if !platformSupported {
		return nil, unsupportedError("SCM_RIGHTS", "", ErrNotSupported, "")
	}
	if err := checkFiles("SCM_RIGHTS", files); err != nil {
		return nil, err
	}
	fds := make([]int, len(files))
	for i, f := range files {
		if err := f.incref("SCM_RIGHTS"); err != nil {
			return nil, err
		}
		fds[i] = f.fd
		f.decref()
	}
	return unixRights(fds), nil
}

// RightsSpace returns the size of a control buffer that can receive n
// descriptors in one SCM_RIGHTS message (CMSG_SPACE(n*sizeof(int))). Size the
// oob buffer of (*net.UnixConn).ReadMsgUnix with it; RightsSpace(n+1) lets
// FromUnixRights report a sender that sent one descriptor too many by count
// rather than as a truncated message. n is taken as 0 if negative and as 254
// (one more than the 253 a message can carry) if larger, so the result never
// wraps. A socket with SO_PASSCRED, SO_PASSPIDFD or SO_PASSSEC also receives
// other control messages before the descriptors: add room for them (or use
// ReceiveConn, which does). It makes no system call, and returns 0 on
// systems other than Linux, Android and FreeBSD.
func RightsSpace(n int) int {
	if n < 0 {
		n = 0
	}
	if n > maxRightsLinux+1 {
		n = maxRightsLinux + 1
	}
	return rightsSpace(n)
}

// FromUnixRights adopts the descriptors in the control messages that
// (*net.UnixConn).ReadMsgUnix returned, and returns exactly want memory files
// that each carry every seal in required:
//
//	buf, oob := make([]byte, 64), make([]byte, memfile.RightsSpace(2))
//	n, oobn, flags, _, err := conn.ReadMsgUnix(buf, oob)
//	...
//	files, err := memfile.FromUnixRights(oob[:oobn], flags, 1, memfile.SealImmutable)
//
// oob must be exactly the control data the kernel returned, and flags the
// recvmsg flags ReadMsgUnix returned with it, so that MSG_CTRUNC (control
// data truncated) and MSG_TRUNC (a datagram longer than buf) are seen. Every
// descriptor of every control message in oob is taken over: either the
// SCM_RIGHTS ones are all returned, each checked by FromFdWithSeals (fstat(2),
// fcntl(F_GETFL), fcntl(F_GET_SEALS), fcntl(F_SETFD, FD_CLOEXEC)), or all
// of them are closed with close(2) and an error says what was wrong; any
// other descriptor (the SCM_PIDFD of a socket with SO_PASSPIDFD, Linux 6.5+)
// is always closed. Control messages that carry no descriptors are skipped.
// ReceiveConn does the same with limits beyond seals (AdoptOptions).
// Available on Linux 3.17+, Android and FreeBSD 13+.
//
// Errors, after which no received descriptor remains open:
//   - ErrDescriptorCount: flags has MSG_CTRUNC (oob was too small for what
//     arrived, or this process is at its descriptor limit, RLIMIT_NOFILE,
//     and the kernel could not install a descriptor; either way the kernel
//     discarded the rest), or the message carried more or fewer than want
//     descriptors (none at all included);
//   - EMSGSIZE: flags has MSG_TRUNC: the datagram was cut;
//   - EINVAL: a descriptor is not a regular, sealable file (a pipe, a
//     socket, a plain file), want is outside 1..253, or oob is not control
//     data as the kernel writes it (then numbers that lie past a message's
//     stated length are not trusted, and not closed);
//   - EBADF: a descriptor is write-only or O_PATH (it cannot be read or
//     mapped), or oob holds a number that is not an open descriptor, which
//     means it did not come from the kernel;
//   - ErrMissingSeals: a file lacks a seal in required (the message names
//     them);
//   - an error matching ErrNotSupported on other systems.
func FromUnixRights(oob []byte, flags int, want int, required Seals) ([]*MemFile, error) {
	if !platformSupported {
		return nil, unsupportedError("SCM_RIGHTS", "", ErrNotSupported, "")
	}
	r := parseControl(oob, flags&msgCtrunc != 0, hostCmsgLayout())
	return adoptReceived(r, -1, flags, -1, want, AdoptOptions{Seals: required})
}

// SendFiles sends data and the descriptors of files over the connected Unix
// socket sock with sendmsg(2) and an SCM_RIGHTS control message
// (MSG_NOSIGNAL: a closed peer gives EPIPE, never SIGPIPE); it is
// SendFilesN without the count. On 32-bit x86 and s390x Linux the call goes
// through socketcall(2), as Go's own net package does there. Prefer
// SendConn, which also works with non-blocking sockets and deadlines.
// Available on Linux 3.17+, Android and FreeBSD 13+.
func SendFiles(sock int, data []byte, files ...*MemFile) error {
	_, err := SendFilesN(sock, data, files...)
	return err
}

// SendFilesN sends data and the descriptors of files over the connected
// Unix socket sock, as SendFiles does, and returns how many bytes of data
// went. The descriptors travel with the first sendmsg(2); if the kernel
// takes only part of data (a stream socket whose buffer fills, or a signal
// that interrupts a blocking send after some bytes went), the rest is sent
// with further sendmsg calls without descriptors, until all of data went or
// a call fails. data must not be empty: on a stream socket the descriptors
// travel only together with data. Each file stays open and owned by the
// caller, and cannot be closed under the call; the receiver gets
// descriptors of its own. sock may be a stream, datagram or seqpacket
// socket; if it is non-blocking, a full socket buffer gives EAGAIN with the
// count of what went (0: nothing, the descriptors did not go either; more:
// the descriptors went, send data[n:] without them). The receiving side is
// ReceiveFiles (or FromUnixRights, ReceiveConn).
//
// Errors: EINVAL if data or files is empty, a file is nil, or more than 253
// descriptors are sent at once; ErrClosed if a file is closed; EPIPE or
// ECONNRESET if the peer has gone; ENOTSOCK, EBADF for a bad sock; EAGAIN
// on a full non-blocking socket; EMSGSIZE for a datagram larger than the
// socket allows; ETOOMANYREFS when descriptors in flight exceed the sender's
// RLIMIT_NOFILE (Linux 4.5+); an error matching ErrNotSupported on other
// systems.
func SendFilesN(sock int, data []byte, files ...*MemFile) (int, error) {
	const op = "sendmsg"
	fds, err := increfFiles(op, data, files)
	if err != nil {
		return 0, err
	}
	defer decrefFiles(files)
	oob := unixRights(fds)
	sent := 0
	for sent < len(data) {
		var k int
		if sent == 0 {
			k, err = sendmsgOnce(sock, data, oob)
		} else {
			k, err = sendmsgOnce(sock, data[sent:], nil)
		}
		if err != nil {
			return sent, sendError(err, sent, len(data))
		}
		if k <= 0 {
			return sent, sendError(io.ErrShortWrite, sent, len(data))
		}
		sent += k
	}
	return sent, nil
}

// increfFiles checks the arguments of a send and marks each file's
// descriptor in use (each distinct file once), returning the descriptors.
func increfFiles(op string, data []byte, files []*MemFile) ([]int, error) {
	if !platformSupported {
		return nil, unsupportedError(op, "", ErrNotSupported, "")
	}
	if len(data) == 0 {
		return nil, opError(op, "", errInvalid, "data is empty: send at least one byte, a stream socket carries descriptors only together with data")
	}
	if err := checkFiles(op, files); err != nil {
		return nil, err
	}
	fds := make([]int, len(files))
	for i, f := range files {
		if !seenFile(files[:i], f) {
			if err := f.incref(op); err != nil {
				decrefFiles(files[:i])
				return nil, err
			}
		}
		fds[i] = f.fd
	}
	return fds, nil
}

// decrefFiles ends the use of each distinct file of files once.
func decrefFiles(files []*MemFile) {
	for i, f := range files {
		if !seenFile(files[:i], f) {
			f.decref()
		}
	}
}

func seenFile(files []*MemFile, f *MemFile) bool {
	for _, g := range files {
		if g == f {
			return true
		}
	}
	return false
}

// sendError explains a failed send, with what went before it failed.
func sendError(err error, sent, total int) error {
	var hint string
	switch {
	case sent > 0:
		hint = "sent " + strconv.Itoa(sent) + " of " + strconv.Itoa(total) + " bytes; the descriptors went with the first part: send the rest without them"
		if err == errAgain {
			hint += " once the socket is writable (SendConn waits for it)"
		}
	case err == errPipe:
		hint = "the receiving end of the socket is closed"
	case err == errAgain:
		hint = "the non-blocking socket is full; nothing was sent (SendConn waits until it is writable)"
	}
	return opError("sendmsg", "", err, hint)
}

// ReceiveFiles receives one message from the connected Unix socket sock with
// recvmsg(2) and MSG_CMSG_CLOEXEC (socketcall(2) on 32-bit x86 and s390x
// Linux), so the descriptors in it are close-on-exec from the start. It reads
// at most len(buf) bytes of data into buf and returns how many, and returns
// exactly want memory files that each carry every seal in required, checked
// as FromUnixRights does: either all the descriptors that arrived are
// returned, or all are closed and the error says why. sock should be
// blocking: a non-blocking socket with nothing to read gives EAGAIN
// (ReceiveConn waits with the runtime's poller instead). A signal that
// interrupts the call (EINTR) makes it start again. Available on Linux
// 3.17+, Android and FreeBSD 13+.
//
// The control buffer has room for want+1 descriptors, so a sender that sends
// one too many is reported by count, and 1 KiB more for the other control
// messages a socket may carry (SO_PASSCRED, SO_PASSPIDFD, SO_PASSSEC). If the
// kernel still sets MSG_CTRUNC, the error says whether the buffer was full
// (the sender sent too many) or not (this process is at RLIMIT_NOFILE).
//
// Errors: io.EOF if the peer closed a stream or seqpacket connection without
// sending anything; ErrDescriptorCount also for an empty datagram; EMSGSIZE
// if a datagram was longer than buf (MSG_TRUNC: the rest is lost); EINVAL if
// buf is empty or want is outside 1..253; ErrDescriptorCount, EINVAL,
// EBADF, ErrMissingSeals as for FromUnixRights; ENOTSOCK, EBADF for a bad
// sock; EAGAIN; an error matching ErrNotSupported on other systems.
func ReceiveFiles(sock int, buf []byte, want int, required Seals) (n int, files []*MemFile, err error) {
	const op = "recvmsg"
	oob, err := receiveBuffer(op, buf, want)
	if err != nil {
		return 0, nil, err
	}
	r, err := recvmsgOnce(sock, buf, oob)
	if err != nil {
		return 0, nil, opError(op, "", err, "")
	}
	return finishReceive(r, oob, want, AdoptOptions{Seals: required})
}

// receiveBuffer checks the arguments of a receive and returns its control
// buffer.
func receiveBuffer(op string, buf []byte, want int) ([]byte, error) {
	if !platformSupported {
		return nil, unsupportedError(op, "", ErrNotSupported, "")
	}
	if len(buf) == 0 {
		return nil, opError(op, "", errInvalid, "buf is empty: a stream socket delivers descriptors only together with data")
	}
	if err := checkWant(op, want); err != nil {
		return nil, err
	}
	return make([]byte, rightsSpace(want+1)+controlExtra), nil
}

// checkWant refuses a descriptor count no message can carry.
func checkWant(op string, want int) error {
	if want < 1 || want > maxRightsLinux {
		return opError(op, "", errInvalid, "want is "+strconv.Itoa(want)+"; at least one descriptor must be expected, and a message carries at most "+strconv.Itoa(maxRightsLinux)+" (SCM_MAX_FD)")
	}
	return nil
}

// finishReceive adopts what one recvmsg returned into oob.
func finishReceive(r recvResult, oob []byte, want int, opts AdoptOptions) (int, []*MemFile, error) {
	if r.eof {
		return 0, nil, io.EOF
	}
	rc := parseControl(oob[:r.oobn], r.flags&msgCtrunc != 0, hostCmsgLayout())
	files, err := adoptReceived(rc, r.n, r.flags, len(oob)-r.oobn, want, opts)
	if err != nil {
		return r.n, nil, err
	}
	return r.n, files, nil
}

// checkFiles rejects an empty list and nil files.
func checkFiles(op string, files []*MemFile) error {
	if len(files) == 0 {
		return opError(op, "", errInvalid, "no files to send")
	}
	if len(files) > maxRightsLinux {
		return opError(op, "", errInvalid, strconv.Itoa(len(files))+" descriptors in one message; at most "+strconv.Itoa(maxRightsLinux)+" travel together (Linux's SCM_MAX_FD)")
	}
	for i, f := range files {
		if f == nil {
			return opError(op, "", errInvalid, "file "+strconv.Itoa(i)+" is nil")
		}
	}
	return nil
}

// maxRightsLinux is SCM_MAX_FD, the most descriptors Linux accepts in one
// SCM_RIGHTS message; the package holds every system to it.
const maxRightsLinux = 253

// adoptReceived turns the received SCM_RIGHTS descriptors into MemFiles, or
// closes all of them; it closes every other received descriptor in any case.
// n is the number of data bytes received (-1: not known), flags the recvmsg
// flags, room the unused bytes of the control buffer (-1: not known).
func adoptReceived(r received, n, flags, room, want int, opts AdoptOptions) ([]*MemFile, error) {
	for _, fd := range r.other {
		sysClose(fd)
	}
	fds := r.rights
	got := len(fds)
	fail := func(err error, what string) ([]*MemFile, error) {
		for _, fd := range fds {
			sysClose(fd)
		}
		return nil, rightsError(err, what, got)
	}
	switch {
	case want < 1 || want > maxRightsLinux:
		return fail(checkWant("SCM_RIGHTS", want), "")
	case flags&msgTrunc != 0:
		return fail(opError("recvmsg", "", errMsgSize, ""), "the datagram was longer than the data buffer and was cut (MSG_TRUNC); the rest is lost")
	case flags&msgCtrunc != 0:
		return fail(opError("recvmsg", "", ErrDescriptorCount, ""), ctruncWhy(room, want, got))
	case r.malformed:
		return fail(opError("SCM_RIGHTS", "", errInvalid, ""), "the control data is malformed: pass exactly the bytes recvmsg returned")
	case got != want:
		what := "the message carried " + plural(got, "descriptor") + ", expected " + strconv.Itoa(want)
		if n == 0 {
			what += " (it was an empty datagram)"
		}
		return fail(opError("SCM_RIGHTS", "", ErrDescriptorCount, ""), what)
	}
	files := make([]*MemFile, 0, got)
	for i, fd := range fds {
		f, err := FromFdWithOptions(fd, opts)
		if err != nil {
			for _, g := range files {
				g.Close()
			}
			fds = fds[i:] // the adopted ones are closed above
			return fail(err, "received descriptor "+strconv.Itoa(i+1)+" of "+strconv.Itoa(got)+" was rejected")
		}
		files = append(files, f)
	}
	return files, nil
}

// ctruncWhy explains MSG_CTRUNC. The kernel sets it when the control buffer
// cannot hold everything, and also when it cannot install a descriptor
// because the receiver is at RLIMIT_NOFILE (scm_detach_fds); in both cases
// the descriptors it did not install are lost. With room in the buffer for
// one more message of one descriptor, space was not the reason.
func ctruncWhy(room, want, got int) string {
	counts := " (" + strconv.Itoa(want) + " expected, " + strconv.Itoa(got) + " arrived)"
	const full = "the control buffer was full: the sender sent more descriptors (or other control messages) than it could hold"
	const limit = "this process is at its descriptor limit (RLIMIT_NOFILE) and the kernel could not install a descriptor"
	switch {
	case room < 0:
		return "control data truncated (MSG_CTRUNC): either " + full + ", or " + limit + "; the kernel discarded the rest" + counts + "; size the buffer with RightsSpace"
	case room >= rightsSpace(1):
		return "control data truncated (MSG_CTRUNC) although the control buffer had room: " + limit + "; the kernel discarded the rest" + counts + "; close descriptors or raise the limit"
	}
	return "control data truncated (MSG_CTRUNC): " + full + "; the kernel discarded the rest" + counts
}

// rightsError adds to err what happened to the received descriptors.
func rightsError(err error, what string, got int) error {
	var closed string
	switch got {
	case 0: // nothing to close, nothing to say
	case 1:
		closed = "closed the received descriptor"
	default:
		closed = "closed all " + strconv.Itoa(got) + " received descriptors"
	}
	hint := what
	if closed != "" {
		if hint != "" {
			hint += "; "
		}
		hint += closed
	}
	e, ok := err.(*Error)
	if !ok {
		return opError("SCM_RIGHTS", "", err, hint)
	}
	if e.hint != "" {
		hint = e.hint + "; " + hint
	}
	return &Error{Op: e.Op, Name: e.Name, Err: e.Err, hint: hint, unsupported: e.unsupported}
}

// plural returns "1 descriptor" or "2 descriptors".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
