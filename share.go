package memfile

import (
	"errors"
	"io"
	"strconv"
)

// Sharing memory files between processes.
//
// A descriptor reaches another process in one of two ways: it is inherited by
// a child at exec (exec.Cmd.ExtraFiles, syscall.ProcAttr.Files; see
// docs/sharing.md), or it is sent over a Unix domain socket as an SCM_RIGHTS
// control message. For the socket route this file has the sending side
// (UnixRights for a net.UnixConn, SendFiles for a raw socket descriptor) and
// the receiving side (FromUnixRights after net.UnixConn.ReadMsgUnix,
// ReceiveFiles for a raw socket descriptor). The receiving functions adopt
// every descriptor that arrived and either return all of them, each checked
// with FromFdWithSeals, or close all of them and return an error: a receiver
// never ends up holding, or leaking, a descriptor it did not ask for.
//
// Close-on-exec: ReceiveFiles passes MSG_CMSG_CLOEXEC to recvmsg, so the
// descriptors are close-on-exec from the moment they exist and no concurrent
// fork+exec can inherit them. Go's own net.UnixConn.ReadMsgUnix passes
// MSG_CMSG_CLOEXEC on Linux (and Android) since Go 1.17
// (net/unixsock_readmsg_cmsg_cloexec.go, the fix for golang/go#42765; the
// same in every release up to 1.26); on FreeBSD it sets FD_CLOEXEC with
// fcntl just after recvmsg returns, which leaves a short window.
// FromUnixRights, like FromFd, sets FD_CLOEXEC again in any case.

// ErrDescriptorCount is matched (with errors.Is) by the error of
// FromUnixRights and ReceiveFiles when a message carried more or fewer
// descriptors than the receiver expected, or when the kernel had to discard
// some because the control buffer was too small (MSG_CTRUNC). Every
// descriptor that did arrive has been closed.
var ErrDescriptorCount = errors.New("memfile: unexpected number of descriptors")

// UnixRights returns the SCM_RIGHTS control message that carries the
// descriptors of files, for the oob argument of
// (*net.UnixConn).WriteMsgUnix:
//
//	oob, err := memfile.UnixRights(file)
//	...
//	_, _, err = conn.WriteMsgUnix([]byte("x"), oob, nil)
//
// The message holds descriptor numbers, not references: every file must stay
// open (not Closed or Released) until WriteMsgUnix has returned, and the
// kernel then gives the receiver its own descriptor for each file. Send at
// least one byte of data with it: on a stream socket the control message
// travels only together with data. It makes no system call; the
// receiving side is FromUnixRights.
//
// Errors: EINVAL if files is empty or holds a nil file; ErrClosed if a file
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
		if err := f.incref(""); err != nil {
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
// rather than as a truncated message. It makes no system call, and returns
// 0 on systems other than Linux, Android and FreeBSD.
func RightsSpace(n int) int {
	if n < 0 {
		n = 0
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
// data truncated because oob was too small) is seen. Every descriptor of
// every SCM_RIGHTS message in oob is taken over: either all of them are
// returned, each checked by FromFdWithSeals (fstat(2), fcntl(F_GET_SEALS),
// fcntl(F_SETFD, FD_CLOEXEC)), or all of them are closed with close(2) and an
// error says what was wrong. Control messages of other types are ignored.
// Available on Linux 3.17+, Android and FreeBSD 13+.
//
// Errors, after which no received descriptor remains open:
//   - ErrDescriptorCount: flags has MSG_CTRUNC (oob was too small, or the
//     sender sent more than oob could hold; the kernel discarded the rest),
//     or the message carried more or fewer than want descriptors (none at
//     all included);
//   - EINVAL: a descriptor is not a regular, sealable file (a pipe, a
//     socket, a plain file), want is less than 1, or oob is not control
//     data as the kernel writes it (then numbers that lie past a message's
//     stated length are not trusted, and not closed);
//   - ErrMissingSeals: a file lacks a seal in required (the message names
//     them);
//   - EBADF: oob holds a number that is not an open descriptor, which means
//     it did not come from the kernel;
//   - an error matching ErrNotSupported on other systems.
func FromUnixRights(oob []byte, flags int, want int, required Seals) ([]*MemFile, error) {
	if !platformSupported {
		return nil, unsupportedError("SCM_RIGHTS", "", ErrNotSupported, "")
	}
	truncated := flags&msgCtrunc != 0
	fds, malformed := parseRights(oob, truncated)
	return adoptRights(fds, truncated, malformed, want, required)
}

// SendFiles sends data and the descriptors of files over the connected Unix
// socket sock in one sendmsg(2) call with an SCM_RIGHTS control message
// (MSG_NOSIGNAL: a closed peer gives EPIPE, never SIGPIPE). On 32-bit x86
// and s390x Linux the call goes through socketcall(2), as Go's own net
// package does there. data must not be empty: on a stream socket the
// descriptors travel only together with data. Each file stays open and
// owned by the caller; the receiver gets descriptors of its own. The files
// are read-locked for the call, so a concurrent Close waits for it. sock may
// be a stream, datagram or seqpacket socket; if it is non-blocking a full
// socket buffer gives EAGAIN. The receiving side is ReceiveFiles (or
// FromUnixRights). Available on Linux 3.17+, Android and FreeBSD 13+.
//
// Errors: EINVAL if data or files is empty, a file is nil, or (Linux) more
// than 253 descriptors are sent at once; ErrClosed if a file is closed;
// EPIPE or ECONNRESET if the peer has gone; ENOTSOCK, EBADF for a bad sock;
// EAGAIN on a full non-blocking socket; ETOOMANYREFS when descriptors in
// flight exceed the sender's RLIMIT_NOFILE (Linux 4.5+); an error matching
// ErrNotSupported on other systems.
func SendFiles(sock int, data []byte, files ...*MemFile) error {
	const op = "sendmsg"
	if !platformSupported {
		return unsupportedError(op, "", ErrNotSupported, "")
	}
	if len(data) == 0 {
		return opError(op, "", errInvalid, "data is empty: send at least one byte, a stream socket carries descriptors only together with data")
	}
	if err := checkFiles(op, files); err != nil {
		return err
	}
	// Read-lock each distinct file once (a file may be listed twice, and a
	// second RLock could wait behind a pending Close).
	fds := make([]int, len(files))
	for i, f := range files {
		locked := false
		for _, g := range files[:i] {
			if g == f {
				locked = true
				break
			}
		}
		if !locked {
			if err := f.incref(""); err != nil {
				unlockFiles(files[:i])
				return err
			}
		}
		fds[i] = f.fd
	}
	defer unlockFiles(files)
	if err := sendRights(sock, data, unixRights(fds)); err != nil {
		return opError(op, "", err, sendHint(err, len(fds)))
	}
	return nil
}

// unlockFiles read-unlocks each distinct file of files once.
func unlockFiles(files []*MemFile) {
	for i, f := range files {
		dup := false
		for _, g := range files[:i] {
			if g == f {
				dup = true
				break
			}
		}
		if !dup {
			f.decref()
		}
	}
}

// ReceiveFiles receives one message from the connected Unix socket sock with
// recvmsg(2) and MSG_CMSG_CLOEXEC (socketcall(2) on 32-bit x86 and s390x
// Linux), so the descriptors in it are close-on-exec from the start. It reads
// at most len(buf) bytes of data into buf and returns how many, and returns
// exactly want memory files that each carry every seal in required, checked
// as FromUnixRights does: either all the descriptors that arrived are
// returned, or all are closed and the error says why. sock should be
// blocking: a non-blocking socket with nothing to read gives EAGAIN. A
// signal that interrupts the call (EINTR) makes it start again. Available on
// Linux 3.17+, Android and FreeBSD 13+.
//
// The control buffer has room for want+1 descriptors, so a sender that sends
// one too many is reported by count; if it sends even more, the kernel
// discards the rest (MSG_CTRUNC) and the error says so.
//
// Errors: io.EOF if the peer closed the connection without sending anything;
// EINVAL if buf is empty or want is less than 1; ErrDescriptorCount,
// EINVAL, ErrMissingSeals as for FromUnixRights; ENOTSOCK, EBADF for a bad
// sock; EAGAIN; an error matching ErrNotSupported on other systems.
func ReceiveFiles(sock int, buf []byte, want int, required Seals) (n int, files []*MemFile, err error) {
	const op = "recvmsg"
	if !platformSupported {
		return 0, nil, unsupportedError(op, "", ErrNotSupported, "")
	}
	if len(buf) == 0 {
		return 0, nil, opError(op, "", errInvalid, "buf is empty: a stream socket delivers descriptors only together with data")
	}
	if want < 1 {
		return 0, nil, opError(op, "", errInvalid, "want is "+strconv.Itoa(want)+"; at least one descriptor must be expected")
	}
	oob := make([]byte, rightsSpace(want+1))
	n, oobn, rflags, err := recvRights(sock, buf, oob)
	if err != nil {
		return 0, nil, opError(op, "", err, "")
	}
	if n == 0 && oobn == 0 && rflags&msgCtrunc == 0 {
		return 0, nil, io.EOF
	}
	truncated := rflags&msgCtrunc != 0
	fds, malformed := parseRights(oob[:oobn], truncated)
	files, err = adoptRights(fds, truncated, malformed, want, required)
	if err != nil {
		return n, nil, err
	}
	return n, files, nil
}

// checkFiles rejects an empty list and nil files.
func checkFiles(op string, files []*MemFile) error {
	if len(files) == 0 {
		return opError(op, "", errInvalid, "no files to send")
	}
	for i, f := range files {
		if f == nil {
			return opError(op, "", errInvalid, "file "+strconv.Itoa(i)+" is nil")
		}
	}
	return nil
}

// sendHint explains a sendmsg failure.
func sendHint(err error, n int) string {
	switch {
	case err == errInvalid && n > maxRightsLinux:
		return strconv.Itoa(n) + " descriptors in one message; Linux allows at most " + strconv.Itoa(maxRightsLinux)
	case err == errPipe:
		return "the receiving end of the socket is closed"
	}
	return ""
}

// maxRightsLinux is SCM_MAX_FD, the most descriptors Linux accepts in one
// SCM_RIGHTS message.
const maxRightsLinux = 253

// adoptRights turns the received descriptors into MemFiles, or closes all of
// them. truncated reports MSG_CTRUNC, malformed a control buffer that does
// not parse as the kernel writes it.
func adoptRights(fds []int, truncated, malformed bool, want int, required Seals) ([]*MemFile, error) {
	got := len(fds)
	fail := func(err error, what string) ([]*MemFile, error) {
		for _, fd := range fds {
			sysClose(fd)
		}
		return nil, rightsError(err, what, got)
	}
	switch {
	case want < 1:
		return fail(opError("SCM_RIGHTS", "", errInvalid, ""), "want is "+strconv.Itoa(want)+"; at least one descriptor must be expected")
	case truncated:
		return fail(opError("recvmsg", "", ErrDescriptorCount, ""),
			"control data truncated (MSG_CTRUNC): the sender sent more descriptors than the control buffer could hold and the kernel discarded the rest ("+
				strconv.Itoa(want)+" expected, "+strconv.Itoa(got)+" arrived); size the buffer with RightsSpace")
	case malformed:
		return fail(opError("SCM_RIGHTS", "", errInvalid, ""), "the control data is malformed: pass exactly the bytes recvmsg returned")
	case got != want:
		return fail(opError("SCM_RIGHTS", "", ErrDescriptorCount, ""),
			"the message carried "+plural(got, "descriptor")+", expected "+strconv.Itoa(want))
	}
	files := make([]*MemFile, 0, got)
	for i, fd := range fds {
		f, err := FromFdWithSeals(fd, required)
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
		hint += "; " + closed
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
