//go:build linux

package memfile

import "strconv"

// Linux's control messages: SCM_PIDFD is 0x04 in include/linux/socket.h
// (Linux 6.5+, the same on every architecture; a socket with SO_PASSPIDFD
// gets one with every message), and with MSG_CTRUNC the kernel shortens an
// SCM_RIGHTS message's cmsg_len to the descriptors it installed
// (scm_detach_fds in net/core/scm.c), and writes SCM_PIDFD whole or not at
// all (scm_pidfd_recv).
const (
	scmPidfd    = 0x04
	cmsgCutsLen = true
	oPath       = _O_PATH
	seekSet     = 0 // SEEK_SET and SEEK_CUR, the same on every system
	seekCur     = 1
)

// checkAllocated reports why the file fd (with fstat result st) is not fully
// allocated, or "" if it is: st_blocks (512-byte units) must cover the size,
// and lseek(SEEK_HOLE) from 0 must find the first hole at the end, for
// storage allocated past the end (fallocate with FALLOC_FL_KEEP_SIZE) counts
// in st_blocks too. The file offset is restored afterwards.
func checkAllocated(fd int, st fileStat) (string, error) {
	if st.blocks*512 < st.size {
		return "is sparse: " + strconv.FormatInt(st.blocks*512, 10) + " of its " + strconv.FormatInt(st.size, 10) + " bytes are allocated", nil
	}
	if st.size == 0 {
		return "", nil
	}
	cur, err := sysSeek(fd, 0, seekCur)
	if err != nil {
		return "", opError("lseek", "", err, "")
	}
	hole, err := sysSeek(fd, 0, _SEEK_HOLE)
	if _, rerr := sysSeek(fd, cur, seekSet); err == nil && rerr != nil {
		err = rerr
	}
	if err != nil {
		return "", opError("lseek(SEEK_HOLE)", "", err, "")
	}
	if hole < st.size {
		return "has a hole at offset " + strconv.FormatInt(hole, 10) + " of " + strconv.FormatInt(st.size, 10) + " bytes (its storage lies past the end)", nil
	}
	return "", nil
}
