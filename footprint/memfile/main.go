// Command memfile is the footprint probe for package memfile (see
// scripts/footprint.sh): it creates a sealable memory file, writes a
// message, seals it immutable, maps it, checks and prints what it reads back,
// and closes everything, using only the library and package syscall (not os,
// which would measure os), printing with syscall.Write.
package main

import (
	"syscall"

	"github.com/memfile-go/memfile"
)

var msg = []byte("hello from a sealed memfile\n")

func main() {
	m, err := memfile.Create("footprint", memfile.Options{AllowSealing: true})
	check(err)
	_, err = m.Write(msg)
	check(err)
	check(m.AddSeals(memfile.SealImmutable))
	mp, err := m.Map(0, len(msg), memfile.MapReadOnly)
	check(err)
	got := mp.Bytes()
	for i := range msg {
		if got[i] != msg[i] {
			die("read back something else")
		}
	}
	syscall.Write(syscall.Stdout, got)
	check(mp.Unmap())
	check(m.Close())
}

func check(err error) {
	if err != nil {
		die(err.Error())
	}
}

func die(s string) {
	syscall.Write(syscall.Stderr, []byte("footprint: "+s+"\n"))
	syscall.Exit(1)
}
