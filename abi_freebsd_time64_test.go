//go:build freebsd && !386

package memfile

// FreeBSD struct stat on amd64, arm, arm64 and riscv64: 64-bit time_t, so
// each timespec is 16 bytes and there are no *_ext words (sys/sys/stat.h).
const (
	statSizeOff = 112
	statSize    = 224
)
