//go:build linux && (386 || arm || mips || mipsle)

package memfile

// On 32-bit architectures sendfile(2) stops at a 2 GiB file offset
// (MAX_NON_LFS); sendfile64 takes a 64-bit one.
const sysSendfileNr = _SYS_SENDFILE64
