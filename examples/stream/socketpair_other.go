//go:build !linux && !freebsd

package main

import (
	"errors"
	"time"
)

// socketPair is not needed where memory files do not exist: the example
// stops before it, at memfile.CreateSealable.
func socketPair() (a, b int, err error) {
	return -1, -1, errors.New("this example needs Linux, Android or FreeBSD")
}

func setReadTimeout(sock int, d time.Duration) error {
	return errors.New("this example needs Linux, Android or FreeBSD")
}

func send(sock int, msg string) error { return errors.New("unsupported") }

func receive(sock int, buf []byte) (string, error) { return "", errors.New("unsupported") }

func closeSocket(sock int) {}
