//go:build linux

// Command xsys is the footprint comparison for scripts/footprint.sh: the same
// steps as footprint/memfile (create a sealable memory file, write, seal,
// map, check and print what it reads back, close), written the usual way
// with golang.org/x/sys/unix and package os. It is a module of its own so
// that the library's module never requires x/sys.
package main

import (
	"os"

	"golang.org/x/sys/unix"
)

var msg = []byte("hello from a sealed memfile\n")

func main() {
	fd, err := unix.MemfdCreate("footprint", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|unix.MFD_NOEXEC_SEAL)
	if err == unix.EINVAL { // before Linux 6.3
		fd, err = unix.MemfdCreate("footprint", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	check(err)
	f := os.NewFile(uintptr(fd), "footprint")
	_, err = f.Write(msg)
	check(err)
	_, err = unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE)
	check(err)
	got, err := unix.Mmap(int(f.Fd()), 0, len(msg), unix.PROT_READ, unix.MAP_SHARED)
	check(err)
	for i := range msg {
		if got[i] != msg[i] {
			die("read back something else")
		}
	}
	os.Stdout.Write(got)
	check(unix.Munmap(got))
	check(f.Close())
}

func check(err error) {
	if err != nil {
		die(err.Error())
	}
}

func die(s string) {
	os.Stderr.WriteString("footprint: " + s + "\n")
	os.Exit(1)
}
