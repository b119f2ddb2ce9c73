//go:build linux && (386 || arm || mipsle)

package memfile

// offLenArgs returns fallocate's offset and length words after fd and mode:
// two words each, low half first. fd and mode fill two words, so on ARM
// EABI and MIPS o32 each pair already starts on an even register (or stack
// slot) and needs no padding.
func offLenArgs(off, n int64) (a, b, c, d uintptr) {
	return uintptr(off), uintptr(off >> 32), uintptr(n), uintptr(n >> 32)
}
