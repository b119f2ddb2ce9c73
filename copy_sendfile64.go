//go:build linux && (386 || arm || mips || mipsle)

package memfile

// 32-bit architectures have sendfile (32-bit off_t) and sendfile64. With the
// NULL offset WriteTo passes, both run do_sendfile without the 2 GiB limit
// (fs/read_write.c), so the choice only matters for a seccomp filter; the
// LFS call is used, as glibc's and Go's syscall.Sendfile do.
const sysSendfileNr = _SYS_SENDFILE64
