//go:build linux || freebsd

package main

import (
	"io"
	"syscall"
	"time"
)

// socketPair returns the two ends of a connected Unix SOCK_SEQPACKET socket
// pair, both close-on-exec: every write is one message and every read
// returns exactly one, so the protocol needs no framing.
func socketPair() (a, b int, err error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, -1, err
	}
	return fds[0], fds[1], nil
}

// setReadTimeout makes a blocking read on sock fail with EAGAIN after d
// (SO_RCVTIMEO), so that neither side waits for ever on a peer that hangs.
func setReadTimeout(sock int, d time.Duration) error {
	tv := syscall.NsecToTimeval(d.Nanoseconds())
	return syscall.SetsockoptTimeval(sock, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
}

// send writes msg as one message.
func send(sock int, msg string) error {
	for {
		_, err := syscall.Write(sock, []byte(msg))
		if err != syscall.EINTR {
			return err
		}
	}
}

// receive reads one message into buf and returns it; io.EOF when the peer
// has closed its end, errTimeout when nothing came within the read timeout.
func receive(sock int, buf []byte) (string, error) {
	for {
		n, err := syscall.Read(sock, buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return "", errTimeout
		case err != nil:
			return "", err
		case n == 0:
			return "", io.EOF
		}
		return string(buf[:n]), nil
	}
}

func closeSocket(sock int) { syscall.Close(sock) }
