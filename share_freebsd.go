//go:build freebsd

package memfile

// FreeBSD's control messages: no descriptor travels in any message but
// SCM_RIGHTS, and with MSG_CTRUNC the kernel copies as much of a message as
// fits without changing its cmsg_len (kern_recvit in sys/kern/uipc_syscalls.c).
// O_PATH (FreeBSD 14) is not told apart: such a descriptor fails the seal
// check.
const (
	scmPidfd    = 0
	cmsgCutsLen = false
	oPath       = 0
)

// checkAllocated: FreeBSD's fstat of a shm object has not been checked to
// report the allocated storage in st_blocks, so the demand is refused.
func checkAllocated(int, fileStat) (string, error) {
	return "", unsupportedError("fstat", "", ErrNotSupported, "AdoptOptions.FullyAllocated is checked on Linux only")
}
