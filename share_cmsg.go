package memfile

// Parsing the control data of a received message. The layout of struct
// cmsghdr and the CMSG_* alignment are parameters, so that one host-run fuzz
// target (fuzz_cmsg_test.go) covers every layout the package is built for;
// the real one comes from package syscall (hostCmsgLayout, share_unix.go).

// cmsgLayout describes struct cmsghdr and CMSG_ALIGN on one system and word
// size:
//
//	Linux, 64-bit:   cmsg_len 8 bytes, header 16, CMSG_LEN(0) 16, align 8
//	Linux, 32-bit:   cmsg_len 4 bytes, header 12, CMSG_LEN(0) 12, align 4
//	FreeBSD, 64-bit: cmsg_len 4 bytes, header 12, CMSG_LEN(0) 16, align 8
//	FreeBSD, 32-bit: cmsg_len 4 bytes, header 12, CMSG_LEN(0) 12, align 4
type cmsgLayout struct {
	lenSize   int  // sizeof(cmsg_len)
	hdrLen    int  // sizeof(struct cmsghdr): cmsg_len, cmsg_level, cmsg_type
	dataOff   int  // CMSG_LEN(0): where the data starts
	align     int  // CMSG_ALIGN's unit, a power of two
	bigEndian bool // byte order of the fields and descriptors
	// cutsLen: the kernel never writes a descriptor-carrying message whose
	// cmsg_len runs past the end of the buffer (Linux shortens cmsg_len to
	// the descriptors it installed). FreeBSD copies a truncated message as
	// it is, so there the whole descriptors before the end did arrive.
	cutsLen   bool
	solSocket uint32 // SOL_SOCKET
	scmRights uint32 // SCM_RIGHTS
	scmPidfd  uint32 // SCM_PIDFD (Linux 6.5+, with SO_PASSPIDFD); 0 where there is none
}

// maxParsedFds bounds the descriptors taken from one control buffer: the
// kernel writes at most 253 per SCM_RIGHTS message (Linux's SCM_MAX_FD) and
// one message per recvmsg on Linux. Past it the data cannot be the kernel's,
// and parsing stops (malformed) instead of spending quadratic time on the
// duplicate check.
const maxParsedFds = 4 * maxRightsLinux

// received is what parseControl found in the control data.
type received struct {
	rights    []int // SCM_RIGHTS descriptors, in order: returned or closed
	other     []int // descriptors of other messages (SCM_PIDFD): always closed
	malformed bool  // something the kernel would not have written
}

// word reads an unsigned n-byte field (n is 4 or 8) at the start of b, which
// holds at least n bytes.
func (l *cmsgLayout) word(b []byte, n int) uint64 {
	var v uint64
	for i := 0; i < n; i++ {
		if l.bigEndian {
			v = v<<8 | uint64(b[i])
		} else {
			v |= uint64(b[i]) << (8 * uint(i))
		}
	}
	return v
}

// parseControl returns every descriptor in the control messages of oob, so
// that all of them can be adopted or closed, and reports as malformed
// anything the kernel would not have written: a buffer too short for a
// header, a cmsg_len shorter than a header, a descriptor count that is not
// whole, a negative or repeated descriptor number (dropped, so nothing is
// closed twice), a message whose cmsg_len runs past the end of oob without
// truncated (MSG_CTRUNC). Every slice is bounded by the bytes that are
// really there. Numbers that lie past a message's stated end, or in a
// descriptor-carrying message that the kernel cannot have cut (cutsLen), are
// never taken: they would be padding or garbage, and closing them could
// close a descriptor this process uses for something else (stdin, for a
// zero padding word).
func parseControl(oob []byte, truncated bool, l *cmsgLayout) (r received) {
	for len(oob) > 0 {
		if len(oob) < l.hdrLen {
			r.malformed = true
			return r
		}
		msgLen := l.word(oob, l.lenSize)
		level := uint32(l.word(oob[l.lenSize:], 4))
		typ := uint32(l.word(oob[l.lenSize+4:], 4))
		if msgLen < uint64(l.dataOff) {
			r.malformed = true
			return r
		}
		end, past := len(oob), false
		if msgLen <= uint64(len(oob)) {
			end = int(msgLen)
		} else {
			past = true
			if !truncated {
				r.malformed = true
				return r
			}
		}
		pidfd := l.scmPidfd != 0 && typ == l.scmPidfd
		if level == l.solSocket && (typ == l.scmRights || pidfd) {
			if past && l.cutsLen || end < l.dataOff {
				r.malformed = true
				return r
			}
			data := oob[l.dataOff:end]
			if !past && (len(data)%sizeofInt != 0 || pidfd && len(data) != sizeofInt) {
				r.malformed = true
			}
			for ; len(data) >= sizeofInt; data = data[sizeofInt:] {
				fd := int(int32(uint32(l.word(data, sizeofInt))))
				if len(r.rights)+len(r.other) >= maxParsedFds {
					r.malformed = true
					return r
				}
				if fd < 0 || containsFd(r.rights, fd) || containsFd(r.other, fd) {
					r.malformed = true
					continue
				}
				if pidfd {
					r.other = append(r.other, fd)
				} else {
					r.rights = append(r.rights, fd)
				}
			}
		}
		if past {
			break // the last message: the buffer ends inside it
		}
		next := (end + l.align - 1) &^ (l.align - 1)
		if next >= len(oob) {
			break
		}
		oob = oob[next:]
	}
	return r
}

// sizeofInt is the size of a descriptor in control data: a C int.
const sizeofInt = 4

func containsFd(fds []int, fd int) bool {
	for _, f := range fds {
		if f == fd {
			return true
		}
	}
	return false
}
