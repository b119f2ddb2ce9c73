//go:build linux && (amd64 || arm64 || loong64 || mips64 || mips64le || ppc64 || ppc64le || riscv64 || s390x)

package memfile

// offLenArgs returns fallocate's offset and length words after fd and mode:
// one register each on 64-bit ABIs.
func offLenArgs(off, n int64) (a, b, c, d uintptr) { return uintptr(off), uintptr(n), 0, 0 }
