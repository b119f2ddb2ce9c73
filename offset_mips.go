//go:build linux

package memfile

// Big-endian MIPS o32 puts a 64-bit argument in an even register pair: a
// padding word, then the high and the low half.
func offArgs(off int64) (a, b, c uintptr) { return 0, uintptr(off >> 32), uintptr(off) }
