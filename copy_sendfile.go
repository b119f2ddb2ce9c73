//go:build linux && !(386 || arm || mips || mipsle)

package memfile

// 64-bit architectures have one sendfile(2), with 64-bit offsets; none of
// them defines sendfile64 (see the zsysnum files).
const sysSendfileNr = _SYS_SENDFILE
