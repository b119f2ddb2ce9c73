package memfile

import (
	"encoding/binary"
	"testing"
)

// The control-message parser on every layout the package is built for,
// from any host: Linux and FreeBSD, 32- and 64-bit, both byte orders.

// testLayouts: a seed corpus entry names its layout by index; append new
// layouts at the end.
var testLayouts = []struct {
	name string
	l    cmsgLayout
}{
	{"linux-64", cmsgLayout{lenSize: 8, hdrLen: 16, dataOff: 16, align: 8, cutsLen: true, solSocket: 1, scmRights: 1, scmPidfd: 4}},
	{"linux-32", cmsgLayout{lenSize: 4, hdrLen: 12, dataOff: 12, align: 4, cutsLen: true, solSocket: 1, scmRights: 1, scmPidfd: 4}},
	{"linux-64-be", cmsgLayout{lenSize: 8, hdrLen: 16, dataOff: 16, align: 8, bigEndian: true, cutsLen: true, solSocket: 1, scmRights: 1, scmPidfd: 4}},
	{"linux-32-be", cmsgLayout{lenSize: 4, hdrLen: 12, dataOff: 12, align: 4, bigEndian: true, cutsLen: true, solSocket: 1, scmRights: 1, scmPidfd: 4}},
	{"freebsd-64", cmsgLayout{lenSize: 4, hdrLen: 12, dataOff: 16, align: 8, solSocket: 0xffff, scmRights: 1}},
	{"freebsd-32", cmsgLayout{lenSize: 4, hdrLen: 12, dataOff: 12, align: 4, solSocket: 0xffff, scmRights: 1}},
	// MIPS Linux: SOL_SOCKET is 0xffff (arch/mips/include/uapi/asm/socket.h).
	{"linux-mips", cmsgLayout{lenSize: 4, hdrLen: 12, dataOff: 12, align: 4, bigEndian: true, cutsLen: true, solSocket: 0xffff, scmRights: 1, scmPidfd: 4}},
	{"linux-mipsle", cmsgLayout{lenSize: 4, hdrLen: 12, dataOff: 12, align: 4, cutsLen: true, solSocket: 0xffff, scmRights: 1, scmPidfd: 4}},
	{"linux-mips64", cmsgLayout{lenSize: 8, hdrLen: 16, dataOff: 16, align: 8, bigEndian: true, cutsLen: true, solSocket: 0xffff, scmRights: 1, scmPidfd: 4}},
	{"linux-mips64le", cmsgLayout{lenSize: 8, hdrLen: 16, dataOff: 16, align: 8, cutsLen: true, solSocket: 0xffff, scmRights: 1, scmPidfd: 4}},
}

// cmsgMsg is one control message to encode.
type cmsgMsg struct {
	level, typ uint32
	data       []byte
	length     int // cmsg_len to write; 0: the true CMSG_LEN
}

func (l *cmsgLayout) order() binary.ByteOrder {
	if l.bigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// encode lays out msgs as the kernel would (CMSG_SPACE each, the last one
// padded too).
func (l *cmsgLayout) encode(msgs ...cmsgMsg) []byte {
	var b []byte
	for _, m := range msgs {
		n := l.dataOff + len(m.data)
		space := (n + l.align - 1) &^ (l.align - 1)
		msg := make([]byte, space)
		length := m.length
		if length == 0 {
			length = n
		}
		if l.lenSize == 8 {
			l.order().PutUint64(msg, uint64(length))
		} else {
			l.order().PutUint32(msg, uint32(length))
		}
		l.order().PutUint32(msg[l.lenSize:], m.level)
		l.order().PutUint32(msg[l.lenSize+4:], m.typ)
		copy(msg[l.dataOff:], m.data)
		b = append(b, msg...)
	}
	return b
}

func (l *cmsgLayout) ints(fds ...int) []byte {
	b := make([]byte, 4*len(fds))
	for i, fd := range fds {
		l.order().PutUint32(b[4*i:], uint32(int32(fd)))
	}
	return b
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseControlLayouts(t *testing.T) {
	for _, tl := range testLayouts {
		l := tl.l
		t.Run(tl.name, func(t *testing.T) {
			creds := cmsgMsg{level: l.solSocket, typ: 2, data: make([]byte, 12)}
			for _, tc := range []struct {
				name      string
				oob       []byte
				truncated bool
				rights    []int
				other     []int
				malformed bool
			}{
				{"one", l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(7)}), false, []int{7}, nil, false},
				{"three", l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(7, 8, 9)}), false, []int{7, 8, 9}, nil, false},
				{"creds then rights", l.encode(creds, cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(5)}), false, []int{5}, nil, false},
				{"two rights messages", l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(5)}, cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(6, 7)}), false, []int{5, 6, 7}, nil, false},
				{"other level", l.encode(cmsgMsg{level: 41, typ: 1, data: l.ints(5)}), false, nil, nil, false},
				{"same number twice", l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(5, 5)}), false, []int{5}, nil, true},
				{"negative", l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(-1, 4)}), false, []int{4}, nil, true},
				{"not whole", l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: append(l.ints(3), 1)}), false, []int{3}, nil, true},
				{"short header", make([]byte, l.hdrLen-1), false, nil, nil, true},
				{"length below header", l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(3), length: l.hdrLen - 1}), false, nil, nil, true},
				{"past the end", l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(3), length: 64}), false, nil, nil, true},
				// Issue 9 item 8: with MSG_CTRUNC and a cmsg_len past the end,
				// the padding after the descriptor (zero) must not be taken as
				// descriptor 0 where the kernel cannot have written it.
				{"truncated past the end", l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(3), length: 64}), true,
					pick(l.cutsLen, nil, padded(l, 3)), nil, l.cutsLen},
				{"truncated creds past the end", l.encode(cmsgMsg{level: l.solSocket, typ: 2, data: make([]byte, 4), length: 64}), true, nil, nil, false},
				// FreeBSD/amd64: CMSG_LEN(0) is 16 with a 12-byte header: a
				// 12-15-byte truncated buffer must not be sliced [16:12].
				{"header only, truncated", l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(3), length: 20})[:l.hdrLen], true, nil, nil, l.cutsLen || l.hdrLen < l.dataOff},
				{"header+3, truncated", l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(3), length: 20})[:l.hdrLen+3], true, nil, nil, l.cutsLen || l.hdrLen+3 < l.dataOff},
			} {
				r := parseControl(tc.oob, tc.truncated, &l)
				if !sameInts(r.rights, tc.rights) || !sameInts(r.other, tc.other) || r.malformed != tc.malformed {
					t.Errorf("%s: rights %v other %v malformed %v; want %v %v %v", tc.name, r.rights, r.other, r.malformed, tc.rights, tc.other, tc.malformed)
				}
			}
			if l.scmPidfd != 0 {
				oob := l.encode(cmsgMsg{level: l.solSocket, typ: l.scmPidfd, data: l.ints(9)}, cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(10)})
				if r := parseControl(oob, false, &l); !sameInts(r.rights, []int{10}) || !sameInts(r.other, []int{9}) || r.malformed {
					t.Errorf("SCM_PIDFD then SCM_RIGHTS: %+v", r)
				}
				oob = l.encode(cmsgMsg{level: l.solSocket, typ: l.scmPidfd, data: l.ints(9, 11)})
				if r := parseControl(oob, false, &l); !r.malformed {
					t.Errorf("SCM_PIDFD with two descriptors is not what the kernel writes: %+v", r)
				}
			}
		})
	}
}

// padded returns the descriptors a FreeBSD reader takes from a truncated
// message of fd: fd and the padding word after it, when there is one.
func padded(l cmsgLayout, fd int) []int {
	if (l.dataOff+4)%l.align == 0 {
		return []int{fd}
	}
	return []int{fd, 0}
}

func pick(c bool, a, b []int) []int {
	if c {
		return a
	}
	return b
}

// The host layout is one of the tested ones.
func TestHostCmsgLayout(t *testing.T) {
	if !platformSupported {
		t.Skip("no control messages on this system")
	}
	h := *hostCmsgLayout()
	for _, tl := range testLayouts {
		if tl.l == h {
			t.Logf("host layout: %s", tl.name)
			return
		}
	}
	t.Errorf("host layout %+v is none of the tested ones", h)
}

// FuzzParseControl: no input panics or takes a number that is not there.
// Every descriptor returned is a whole 4-byte word of the input, at or past
// the first data offset, non-negative and returned once; no more words than
// the input holds.
func FuzzParseControl(f *testing.F) {
	for i, tl := range testLayouts {
		l := tl.l
		f.Add(uint8(i), false, l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(3, 4)}))
		f.Add(uint8(i), true, l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(3), length: 64}))
		f.Add(uint8(i), false, l.encode(cmsgMsg{level: l.solSocket, typ: 2, data: make([]byte, 12)}, cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(5)}))
		f.Add(uint8(i), true, l.encode(cmsgMsg{level: l.solSocket, typ: 1, data: l.ints(3), length: 20})[:l.hdrLen+2])
	}
	f.Fuzz(func(t *testing.T, which uint8, truncated bool, oob []byte) {
		l := testLayouts[int(which)%len(testLayouts)].l
		r := parseControl(oob, truncated, &l)
		all := append(append([]int(nil), r.rights...), r.other...)
		if 4*len(all) > len(oob) {
			t.Fatalf("%d descriptors from %d bytes", len(all), len(oob))
		}
		for i, fd := range all {
			if fd < 0 {
				t.Fatalf("negative descriptor %d", fd)
			}
			for _, g := range all[:i] {
				if g == fd {
					t.Fatalf("descriptor %d returned twice", fd)
				}
			}
			found := false
			for off := l.dataOff; off+4 <= len(oob); off += 4 {
				if int(int32(l.order().Uint32(oob[off:]))) == fd {
					found = true
					break
				}
			}
			if !found {
				t.Fatalf("descriptor %d is not a word of the input", fd)
			}
		}
		if !truncated && len(oob) > 0 && len(oob) < l.hdrLen && !r.malformed {
			t.Fatalf("%d bytes, less than a header, not malformed", len(oob))
		}
	})
}
