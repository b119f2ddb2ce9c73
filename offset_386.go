//go:build linux || freebsd

package memfile

// 386 passes a 64-bit argument as two words, low first, with no padding.
func offArgs(off int64) (a, b, c uintptr) { return uintptr(off), uintptr(off >> 32), 0 }
