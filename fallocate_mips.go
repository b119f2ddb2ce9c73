//go:build linux && mips

package memfile

// offLenArgs returns fallocate's offset and length words after fd and mode:
// big-endian MIPS o32 passes each 64-bit value as an even-aligned pair,
// high half first.
func offLenArgs(off, n int64) (a, b, c, d uintptr) {
	return uintptr(off >> 32), uintptr(off), uintptr(n >> 32), uintptr(n)
}
