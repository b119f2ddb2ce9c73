//go:build (linux || freebsd) && (arm || mipsle)

package memfile

// ARM EABI and little-endian MIPS o32 put a 64-bit argument in an even
// register pair: a padding word, then the low and the high half.
func offArgs(off int64) (a, b, c uintptr) { return 0, uintptr(off), uintptr(off >> 32) }
