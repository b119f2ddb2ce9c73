//go:build linux

package memfile_test

// The handoff memfd exists for: giving N bytes to another process. A child
// process (this test binary, re-executed) receives the payload either as a
// sealed MemFile sent over a Unix socket with SCM_RIGHTS, which it adopts
// with FromFdWithSeals(SealImmutable) and maps, or as bytes copied through a
// pipe, which it reads into a buffer. One child of each kind serves every
// iteration, so process start-up is not measured.
//
// BenchmarkHandoff measures the whole handoff, with the same work on both
// sides:
//
//	memfd: Create, WriteAt(payload), AddSeals(SealImmutable), sendmsg;
//	       child: recvmsg, FromFdWithSeals, Size, Map, CRC-32C of the
//	       mapping, Unmap, Close (which frees the pages), reply.
//	pipe:  write(header+payload) into the pipe;
//	       child: read all of it into its buffer, CRC-32C, reply.
//
// Each memfd message gets fresh pages (allocated by the write, faulted in
// by the child's mapping, freed by its Close), while the pipe streams through
// a cache-hot buffer into a buffer the child reuses: where page faults are
// dear (virtual machines) the pipe can win this one.
//
// BenchmarkHandoffTransfer leaves out producing and consuming the bytes:
// the memfd side sends one already sealed file again and again and the
// child maps it without reading it, which is flat in N; the pipe side still
// has to copy every byte through the kernel and the child reads it all.
//
// The pipe gets the best case: blocking descriptors (no poller), a 1 MiB
// pipe buffer (F_SETPIPE_SZ) and a child buffer reused across iterations.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/memfile-go/memfile"
)

func init() {
	childModes["handoff-memfd"] = childHandoffMemfd
	childModes["handoff-pipe"] = childHandoffPipe
}

var handoffSizes = []int{1 << 20, 16 << 20, 256 << 20}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Message kinds: the child checksums the payload, or only maps/reads it.
const (
	handoffChecksum = 'c'
	handoffReceive  = 'r'
)

const fSetpipeSz = 1031 // F_SETPIPE_SZ, Linux 2.6.35+

// childHandoffMemfd serves on the SOCK_SEQPACKET socket at descriptor 3: each
// message carries one descriptor; the reply is the CRC-32C (0 when only
// mapped).
func childHandoffMemfd() int {
	const sock = 3
	var msg [1]byte
	oob := make([]byte, syscall.CmsgSpace(4))
	for {
		n, oobn, _, _, err := syscall.Recvmsg(sock, msg[:], oob, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "child: recvmsg: %v\n", err)
			return 2
		}
		if n == 0 {
			return 0 // the parent closed its end
		}
		cmsgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
		if err != nil || len(cmsgs) != 1 {
			fmt.Fprintf(os.Stderr, "child: control message: %v\n", err)
			return 2
		}
		fds, err := syscall.ParseUnixRights(&cmsgs[0])
		if err != nil || len(fds) != 1 {
			fmt.Fprintf(os.Stderr, "child: rights: %v\n", err)
			return 2
		}
		sum, err := mapAndSum(fds[0], msg[0] == handoffChecksum)
		if err != nil {
			fmt.Fprintf(os.Stderr, "child: %v\n", err)
			return 2
		}
		var reply [4]byte
		binary.LittleEndian.PutUint32(reply[:], sum)
		if _, err := syscall.Write(sock, reply[:]); err != nil {
			fmt.Fprintf(os.Stderr, "child: reply: %v\n", err)
			return 2
		}
	}
}

func mapAndSum(fd int, checksum bool) (uint32, error) {
	m, err := memfile.FromFdWithSeals(fd, memfile.SealImmutable)
	if err != nil {
		syscall.Close(fd)
		return 0, err
	}
	defer m.Close()
	size, err := m.Size()
	if err != nil {
		return 0, err
	}
	mp, err := m.Map(0, int(size), memfile.MapReadOnly)
	if err != nil {
		return 0, err
	}
	defer mp.Unmap()
	if !checksum {
		return 0, nil
	}
	return crc32.Checksum(mp.Bytes(), castagnoli), nil
}

// childHandoffPipe reads messages from the pipe at descriptor 3 (a kind byte
// and a little-endian uint64 length, then the payload) and answers each on
// the pipe at descriptor 4.
func childHandoffPipe() int {
	const in, out = 3, 4
	var buf []byte
	var hdr [9]byte
	for {
		if err := readFull(in, hdr[:]); err != nil {
			if err == errEOF {
				return 0
			}
			fmt.Fprintf(os.Stderr, "child: header: %v\n", err)
			return 2
		}
		n := int(binary.LittleEndian.Uint64(hdr[1:]))
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if err := readFull(in, buf); err != nil {
			fmt.Fprintf(os.Stderr, "child: payload: %v\n", err)
			return 2
		}
		var sum uint32
		if hdr[0] == handoffChecksum {
			sum = crc32.Checksum(buf, castagnoli)
		}
		var reply [4]byte
		binary.LittleEndian.PutUint32(reply[:], sum)
		if err := writeAll(out, reply[:]); err != nil {
			fmt.Fprintf(os.Stderr, "child: reply: %v\n", err)
			return 2
		}
	}
}

var errEOF = errors.New("EOF")

// readFull and writeAll loop over blocking read(2)/write(2) calls.
func readFull(fd int, p []byte) error {
	for len(p) > 0 {
		n, err := syscall.Read(fd, p)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return errEOF
		}
		p = p[n:]
	}
	return nil
}

func writeAll(fd int, p []byte) error {
	for len(p) > 0 {
		n, err := syscall.Write(fd, p)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// handoffChildren are the two serving children and the parent's ends.
type handoffChildren struct {
	sock              int // SOCK_SEQPACKET to the memfd child
	data, reply       int // pipes to and from the pipe child
	memfdCmd, pipeCmd *exec.Cmd
}

func startHandoffChildren(b *testing.B) *handoffChildren {
	b.Helper()
	h := &handoffChildren{sock: -1, data: -1, reply: -1}
	b.Cleanup(h.stop)

	sp, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatalf("socketpair: %v", err)
	}
	h.sock = sp[0]
	childSock := os.NewFile(uintptr(sp[1]), "handoff-sock")
	h.memfdCmd = helperCommand(b, "handoff-memfd")
	h.memfdCmd.ExtraFiles = []*os.File{childSock}
	h.memfdCmd.Stderr = os.Stderr
	err = h.memfdCmd.Start()
	childSock.Close()
	if err != nil {
		b.Fatalf("starting the memfd child: %v", err)
	}

	var data, reply [2]int
	if err := syscall.Pipe2(data[:], syscall.O_CLOEXEC); err != nil {
		b.Fatalf("pipe2: %v", err)
	}
	if err := syscall.Pipe2(reply[:], syscall.O_CLOEXEC); err != nil {
		syscall.Close(data[0])
		syscall.Close(data[1])
		b.Fatalf("pipe2: %v", err)
	}
	// The largest pipe buffer an unprivileged process may ask for (the
	// default fs.pipe-max-size); the default is 64 KiB.
	syscall.Syscall(syscall.SYS_FCNTL, uintptr(data[1]), fSetpipeSz, 1<<20)
	h.data, h.reply = data[1], reply[0]
	childIn, childOut := os.NewFile(uintptr(data[0]), "handoff-in"), os.NewFile(uintptr(reply[1]), "handoff-out")
	h.pipeCmd = helperCommand(b, "handoff-pipe")
	h.pipeCmd.ExtraFiles = []*os.File{childIn, childOut}
	h.pipeCmd.Stderr = os.Stderr
	err = h.pipeCmd.Start()
	childIn.Close()
	childOut.Close()
	if err != nil {
		b.Fatalf("starting the pipe child: %v", err)
	}
	return h
}

// stop closes the parent's ends, so that both children see end-of-file and
// exit, and waits for them.
func (h *handoffChildren) stop() {
	for _, fd := range []*int{&h.sock, &h.data, &h.reply} {
		if *fd >= 0 {
			syscall.Close(*fd)
			*fd = -1
		}
	}
	for _, c := range []*exec.Cmd{h.memfdCmd, h.pipeCmd} {
		if c != nil && c.Process != nil {
			c.Wait()
		}
	}
}

// viaMemfd sends fd to the memfd child and returns its answer.
func (h *handoffChildren) viaMemfd(fd int, kind byte) (uint32, error) {
	if err := syscall.Sendmsg(h.sock, []byte{kind}, syscall.UnixRights(fd), nil, 0); err != nil {
		return 0, fmt.Errorf("sendmsg: %v", err)
	}
	return readReply(h.sock)
}

// viaPipe copies payload to the pipe child and returns its answer.
func (h *handoffChildren) viaPipe(payload []byte, kind byte) (uint32, error) {
	var hdr [9]byte
	hdr[0] = kind
	binary.LittleEndian.PutUint64(hdr[1:], uint64(len(payload)))
	if err := writeAll(h.data, hdr[:]); err != nil {
		return 0, err
	}
	if err := writeAll(h.data, payload); err != nil {
		return 0, err
	}
	return readReply(h.reply)
}

func readReply(fd int) (uint32, error) {
	var reply [4]byte
	if err := readFull(fd, reply[:]); err != nil {
		return 0, fmt.Errorf("reading the child's reply: %v", err)
	}
	return binary.LittleEndian.Uint32(reply[:]), nil
}

// handoffPayload returns n bytes of a fixed pattern and their CRC-32C.
func handoffPayload(n int) ([]byte, uint32) {
	p := make([]byte, n)
	x := uint32(2463534242)
	for i := 0; i+4 <= n; i += 4 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		binary.LittleEndian.PutUint32(p[i:], x)
	}
	return p, crc32.Checksum(p, castagnoli)
}

// sealImmutable adds SealImmutable, retrying a few times on EBUSY. Besides
// a shared mapping (there is none here) the kernel refuses the write seal
// when a page of the file still has an extra reference after it has waited
// a while for it to go (mm/memfd.c, memfd_wait_for_pins): seen once in a
// six-run scripts/bench.sh on a loaded 2-CPU VM whose kernel runs DAMON's
// physical-page monitor.
func sealImmutable(m *memfile.MemFile) error {
	var err error
	for try := 0; try < 5; try++ {
		if err = m.AddSeals(memfile.SealImmutable); !errors.Is(err, syscall.EBUSY) {
			return err
		}
	}
	return err
}

func mibName(n int) string { return fmt.Sprintf("%dMiB", n>>20) }

func BenchmarkHandoff(b *testing.B) {
	h := startHandoffChildren(b)
	for _, n := range handoffSizes {
		payload, want := handoffPayload(n)
		b.Run(mibName(n), func(b *testing.B) {
			b.Run("memfd", func(b *testing.B) {
				b.SetBytes(int64(n))
				for i := 0; i < b.N; i++ {
					m, err := memfile.Create("handoff", memfile.Options{AllowSealing: true})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := m.WriteAt(payload, 0); err != nil {
						b.Fatal(err)
					}
					if err := sealImmutable(m); err != nil {
						b.Fatal(err)
					}
					got, err := h.viaMemfd(int(m.Fd()), handoffChecksum)
					m.Close() // the child has its own descriptor
					if err != nil || got != want {
						b.Fatalf("child's checksum %#x, %v; want %#x", got, err, want)
					}
				}
			})
			b.Run("pipe", func(b *testing.B) {
				b.SetBytes(int64(n))
				for i := 0; i < b.N; i++ {
					got, err := h.viaPipe(payload, handoffChecksum)
					if err != nil || got != want {
						b.Fatalf("child's checksum %#x, %v; want %#x", got, err, want)
					}
				}
			})
		})
	}
}

func BenchmarkHandoffTransfer(b *testing.B) {
	h := startHandoffChildren(b)
	for _, n := range handoffSizes {
		payload, _ := handoffPayload(n)
		b.Run(mibName(n), func(b *testing.B) {
			b.Run("memfd", func(b *testing.B) {
				m, err := memfile.Create("handoff", memfile.Options{AllowSealing: true})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := m.WriteAt(payload, 0); err != nil {
					b.Fatal(err)
				}
				if err := sealImmutable(m); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(n))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := h.viaMemfd(int(m.Fd()), handoffReceive); err != nil {
						b.Fatal(err)
					}
				}
				// Freeing the pages is not part of the transfer.
				b.StopTimer()
				m.Close()
			})
			b.Run("pipe", func(b *testing.B) {
				b.SetBytes(int64(n))
				for i := 0; i < b.N; i++ {
					if _, err := h.viaPipe(payload, handoffReceive); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
