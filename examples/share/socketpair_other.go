//go:build !linux && !freebsd

package main

import (
	"errors"
	"os"
)

// socketPair is not needed where memory files do not exist: the example
// stops before it, at memfile.CreateSealable.
func socketPair() (a, b *os.File, err error) {
	return nil, nil, errors.New("this example needs Linux, Android or FreeBSD")
}
