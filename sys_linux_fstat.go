//go:build linux && (amd64 || arm64 || ppc64 || ppc64le || riscv64 || s390x)

package memfile

// 64-bit ABIs whose struct stat is Go's syscall.Stat_t.
const sysFstatNr = _SYS_FSTAT
