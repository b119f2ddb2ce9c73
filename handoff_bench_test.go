//go:build linux

package memfile_test

// The handoff memfd exists for: giving N bytes to another process. A child
// process (this test binary, re-executed) is the consumer; one child serves
// every iteration of each kind, so process start-up is not measured.
//
// BenchmarkHandoff/<N>MiB/<way> measures the handoff end to end, from the
// producer's bytes in a buffer of its own until the consumer has read every
// byte (CRC-32C) and said so, six ways in one interleaved run:
//
//	pipe:       write(2) the payload into a pipe; the child reads it all into
//	            a buffer it reuses, checksums it and replies.
//	memfd:      a fresh file per message, 4 KiB pages: Create,
//	            WriteAt(payload), AddSeals(SealImmutable), sendmsg (SCM_RIGHTS);
//	            the child adopts it with FromFdWithSeals(SealImmutable), maps
//	            it, checksums it, unmaps and closes it (freeing the pages),
//	            replies; then the producer closes it.
//	memfd-huge: the same with 2 MiB pages (MFD_HUGETLB): Truncate, Map,
//	            copy, Unmap, then seal (a hugetlb file has no write(2)). Needs
//	            enough free huge pages and skips otherwise.
//	reused:     one file, mapped writable by the producer and read-only by the
//	            child, sealed SealShrink|SealGrow|SealFutureWrite|SealSeal and
//	            sent once, before the timer: per message the producer copies
//	            the payload into its mapping and sends a 9-byte message; the
//	            child checksums its mapping and replies (examples/stream).
//	reused-pieces: the same, but the producer says after each of up to 16
//	            pieces (of at least 256 KiB) that it is ready, so the child
//	            reads one piece while the producer writes the next; the
//	            child replies after the last.
//	floor:      in-process, no second process: copy the payload into the
//	            reused file's pages, through the producer's mapping, and
//	            checksum them there: the reused way minus the second
//	            process and the messages, the least a handoff of a finished
//	            message costs (reused-pieces, which overlaps the writing and
//	            the reading on two CPUs, can take less).
//	            The reused and floor copies go in 64 KiB pieces (copyCached).
//
// Fresh files get fresh pages per message (allocated and zeroed by the
// write, faulted in by the child's mapping, freed by the Close), while the
// pipe streams through a cache-hot buffer into a buffer the child reuses.
// The reused file pays for its pages once.
//
// BenchmarkHandoffTransfer leaves out producing and consuming the bytes:
// the memfd side sends one already sealed file again and again and the
// child maps it without reading it, which is flat in N; the pipe side still
// has to copy every byte through the kernel and the child reads it all.
//
// The pipe gets the best case: blocking descriptors (no poller), a 1 MiB
// pipe buffer (F_SETPIPE_SZ) and a child buffer reused across iterations.
//
// Sizes: 1, 16 and 256 MiB, or the sizes in MiB listed in the environment
// variable MEMFILE_HANDOFF_MIB ("1 16 256"; scripts/handoff.sh sets it from
// SIZES).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/memfile-go/memfile"
)

func init() {
	childModes["handoff-memfd"] = childHandoffMemfd
	childModes["handoff-pipe"] = childHandoffPipe
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Message kinds for the memfd child. The first three carry a descriptor.
const (
	handoffChecksum = 'c' // map the file, checksum len bytes, unmap, close
	handoffReceive  = 'r' // map the file and unmap it, no reading
	handoffAdopt    = 'f' // keep the file mapped as the reused file
	handoffUse      = 'u' // checksum len bytes of the reused file
	handoffPiece    = 'p' // the reused file's bytes up to len are ready; no reply
	handoffLast     = 'P' // the same, and they are all: reply with the checksum
	handoffDrop     = 'x' // unmap and close the reused file
)

// reusedSeals are what the reused file carries at least; the producer adds
// SealFutureWrite where the kernel has it (Linux 5.1+), after mapping it
// writable.
const reusedSeals = memfile.SealSeal | memfile.SealShrink | memfile.SealGrow

const fSetpipeSz = 1031 // F_SETPIPE_SZ, Linux 2.6.35+

// handoffSizes returns the payload sizes in bytes.
func handoffSizes(b *testing.B) []int {
	list := os.Getenv("MEMFILE_HANDOFF_MIB")
	if list == "" {
		return []int{1 << 20, 16 << 20, 256 << 20}
	}
	var sizes []int
	for _, f := range strings.Fields(list) {
		mib, err := strconv.Atoi(f)
		if err != nil || mib < 1 || mib > 1<<10 {
			b.Fatalf("MEMFILE_HANDOFF_MIB=%q: %q is not a size in MiB between 1 and 1024", list, f)
		}
		sizes = append(sizes, mib<<20)
	}
	return sizes
}

// childHandoffMemfd serves on the SOCK_SEQPACKET socket at descriptor 3: each
// message is a kind byte and a little-endian uint64 length, with one
// descriptor for the kinds that carry one; the reply is the CRC-32C (0 when
// nothing was read).
func childHandoffMemfd() int {
	const sock = 3
	var msg [9]byte
	oob := make([]byte, syscall.CmsgSpace(4))
	var reused *memfile.MemFile
	var view *memfile.Mapping
	// The message that arrives in pieces: bytes [0, got) checksummed so far.
	var got int
	var running uint32
	drop := func() {
		if view != nil {
			view.Unmap()
			reused.Close()
			view, reused = nil, nil
		}
	}
	defer drop()
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
		if n != len(msg) {
			fmt.Fprintf(os.Stderr, "child: a message of %d bytes\n", n)
			return 2
		}
		length := int(binary.LittleEndian.Uint64(msg[1:]))
		fd := -1
		if oobn > 0 {
			if fd, err = oneRight(oob[:oobn]); err != nil {
				fmt.Fprintf(os.Stderr, "child: %v\n", err)
				return 2
			}
		}
		var sum uint32
		switch kind := msg[0]; {
		case (kind == handoffChecksum || kind == handoffReceive) && fd >= 0:
			sum, err = mapAndSum(fd, length, kind == handoffChecksum)
		case kind == handoffAdopt && fd >= 0:
			drop()
			reused, view, err = adoptReused(fd)
		case kind == handoffUse && fd < 0 && view != nil && length <= view.Len():
			sum = crc32.Checksum(view.Bytes()[:length], castagnoli)
		case (kind == handoffPiece || kind == handoffLast) && fd < 0 && view != nil && got <= length && length <= view.Len():
			running = crc32.Update(running, castagnoli, view.Bytes()[got:length])
			got = length
			if kind == handoffPiece {
				continue // no reply: the producer goes on writing
			}
			sum, got, running = running, 0, 0
		case kind == handoffDrop && fd < 0:
			drop()
		default:
			if fd >= 0 {
				syscall.Close(fd)
			}
			err = fmt.Errorf("unexpected message %q, descriptor %d", msg[:], fd)
		}
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

// oneRight returns the one descriptor of an SCM_RIGHTS control message.
func oneRight(oob []byte) (int, error) {
	cmsgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil || len(cmsgs) != 1 {
		return -1, fmt.Errorf("control message: %v", err)
	}
	fds, err := syscall.ParseUnixRights(&cmsgs[0])
	if err != nil || len(fds) != 1 {
		for _, fd := range fds {
			syscall.Close(fd)
		}
		return -1, fmt.Errorf("rights: %d descriptors, %v", len(fds), err)
	}
	return fds[0], nil
}

// mapAndSum adopts a fresh sealed file, maps all of it (a huge-page file is
// longer than the message) and checksums its first length bytes.
func mapAndSum(fd, length int, checksum bool) (uint32, error) {
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
	if int64(length) > size {
		return 0, fmt.Errorf("message of %d bytes in a file of %d", length, size)
	}
	mp, err := m.Map(0, int(size), memfile.MapReadOnly)
	if err != nil {
		return 0, err
	}
	defer mp.Unmap()
	if !checksum {
		return 0, nil
	}
	return crc32.Checksum(mp.Bytes()[:length], castagnoli), nil
}

// adoptReused maps the reused file read-only for good: with MapSealed where
// it carries SealFutureWrite (no one can punch a hole into it), else with
// Map, relying on SealShrink.
func adoptReused(fd int) (*memfile.MemFile, *memfile.Mapping, error) {
	m, err := memfile.FromFdWithSeals(fd, reusedSeals)
	if err != nil {
		syscall.Close(fd)
		return nil, nil, err
	}
	size, err := m.Size()
	if err == nil && size < 1 {
		err = errors.New("the reused file is empty")
	}
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	var view *memfile.Mapping
	if seals, _ := m.Seals(); seals.Has(memfile.SealFutureWrite) {
		view, err = m.MapSealed(0, int(size), memfile.SealFutureWrite)
	} else {
		view, err = m.Map(0, int(size), memfile.MapReadOnly)
	}
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, view, nil
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

// toMemfd sends a message (with fd unless it is negative) to the memfd child
// and returns its answer.
func (h *handoffChildren) toMemfd(kind byte, length int, fd int) (uint32, error) {
	var msg [9]byte
	msg[0] = kind
	binary.LittleEndian.PutUint64(msg[1:], uint64(length))
	var oob []byte
	if fd >= 0 {
		oob = syscall.UnixRights(fd)
	}
	if err := syscall.Sendmsg(h.sock, msg[:], oob, nil, 0); err != nil {
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

// copyCached copies src to dst in 64 KiB pieces. A single copy of 1 MiB
// or more makes Go's memmove (amd64, with AVX) stream the bytes past the
// cache with non-temporal stores, and whoever reads them next, here the
// consumer, waits for them to reach memory: copying 1 MiB and then reading
// it took 2 to 3 times as long as with this on the development machine.
// The kernel's copies (write(2) into a pipe or a file) use ordinary stores
// too.
func copyCached(dst, src []byte) {
	const piece = 64 << 10
	for len(src) > piece && len(dst) > piece {
		copy(dst[:piece], src[:piece])
		dst, src = dst[piece:], src[piece:]
	}
	copy(dst, src)
}

func mibName(n int) string { return fmt.Sprintf("%dMiB", n>>20) }

// freshHandoff hands payload over in a fresh sealed file: WriteAt with
// regular pages, or (huge) Truncate to whole huge pages, Map, copy, Unmap.
func freshHandoff(h *handoffChildren, payload []byte, huge bool) (uint32, error) {
	opts := memfile.Options{AllowSealing: true}
	if huge {
		opts.HugePages = memfile.Huge2MB
	}
	m, err := memfile.Create("handoff", opts)
	if err != nil {
		return 0, err
	}
	defer m.Close() // after the child's reply: it has its own descriptor
	if huge {
		const page = 2 << 20
		size := (len(payload) + page - 1) / page * page
		if err := m.Truncate(int64(size)); err != nil {
			return 0, err
		}
		mp, err := m.Map(0, size, memfile.MapReadWrite)
		if err != nil {
			return 0, err
		}
		copy(mp.Bytes(), payload)
		if err := mp.Unmap(); err != nil {
			return 0, err
		}
	} else if _, err := m.WriteAt(payload, 0); err != nil {
		return 0, err
	}
	if err := sealImmutable(m); err != nil {
		return 0, err
	}
	return h.toMemfd(handoffChecksum, len(payload), int(m.Fd()))
}

// reusedFile is the producer's side of the reused file: sized n, mapped
// writable, sealed, and adopted by the child.
type reusedFile struct {
	file *memfile.MemFile
	view *memfile.Mapping
}

func newReusedFile(b *testing.B, h *handoffChildren, n int) *reusedFile {
	b.Helper()
	m, err := memfile.CreateSealable("handoff-reused")
	if err != nil {
		b.Fatal(err)
	}
	r := &reusedFile{file: m}
	b.Cleanup(func() {
		h.toMemfd(handoffDrop, 0, -1)
		if r.view != nil {
			r.view.Unmap()
		}
		m.Close()
	})
	if err := m.Truncate(int64(n)); err != nil {
		b.Fatal(err)
	}
	if r.view, err = m.Map(0, n, memfile.MapReadWrite); err != nil {
		b.Fatal(err)
	}
	err = m.AddSeals(reusedSeals | memfile.SealFutureWrite)
	if errors.Is(err, memfile.ErrNotSupported) {
		err = m.AddSeals(reusedSeals) // Linux before 5.1
	}
	if err != nil {
		b.Fatal(err)
	}
	if _, err := h.toMemfd(handoffAdopt, n, int(m.Fd())); err != nil {
		b.Fatalf("the child did not adopt the reused file: %v", err)
	}
	return r
}

// send copies payload into the reused file and has the child checksum it.
func (r *reusedFile) send(h *handoffChildren, payload []byte) (uint32, error) {
	copyCached(r.view.Bytes(), payload)
	return h.toMemfd(handoffUse, len(payload), -1)
}

// sendInPieces copies payload into the reused file in up to 16 pieces of
// at least 256 KiB and tells the child after each, so that it checksums one
// piece while the producer writes the next; the child answers after the
// last.
func (r *reusedFile) sendInPieces(h *handoffChildren, payload []byte) (uint32, error) {
	piece := len(payload) / 16
	if piece < 256<<10 {
		piece = 256 << 10
	}
	mem := r.view.Bytes()
	var msg [9]byte
	for off := 0; off < len(payload); off += piece {
		end := off + piece
		msg[0] = handoffPiece
		if end >= len(payload) {
			end = len(payload)
			msg[0] = handoffLast
		}
		copyCached(mem[off:end], payload[off:end])
		binary.LittleEndian.PutUint64(msg[1:], uint64(end))
		if err := syscall.Sendmsg(h.sock, msg[:], nil, nil, 0); err != nil {
			return 0, fmt.Errorf("sendmsg: %v", err)
		}
	}
	return readReply(h.sock)
}

func BenchmarkHandoff(b *testing.B) {
	h := startHandoffChildren(b)
	for _, n := range handoffSizes(b) {
		b.Run(mibName(n), func(b *testing.B) {
			payload, want := handoffPayload(n)
			check := func(b *testing.B, got uint32, err error) {
				if err != nil || got != want {
					b.Fatalf("consumer's checksum %#x, %v; want %#x", got, err, want)
				}
			}
			b.Run("pipe", func(b *testing.B) {
				b.SetBytes(int64(n))
				for i := 0; i < b.N; i++ {
					got, err := h.viaPipe(payload, handoffChecksum)
					check(b, got, err)
				}
			})
			b.Run("memfd", func(b *testing.B) {
				b.SetBytes(int64(n))
				for i := 0; i < b.N; i++ {
					got, err := freshHandoff(h, payload, false)
					check(b, got, err)
				}
			})
			b.Run("memfd-huge", func(b *testing.B) {
				pages := (n + 2<<20 - 1) / (2 << 20)
				if free := free2MBHugePages(); free < pages {
					b.Skipf("needs %d free 2 MiB huge pages, have %d (-1: no 2 MiB pool); as root: echo %d > /proc/sys/vm/nr_hugepages, or run scripts/handoff.sh, which reserves them", pages, free, pages+8)
				}
				b.SetBytes(int64(n))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					got, err := freshHandoff(h, payload, true)
					check(b, got, err)
				}
			})
			// Set up once for all the rounds of b.N, and warmed up by one
			// message: the pages are allocated and mapped in both processes.
			r := newReusedFile(b, h, n)
			got, err := r.send(h, payload)
			check(b, got, err)
			b.Run("reused", func(b *testing.B) {
				b.SetBytes(int64(n))
				for i := 0; i < b.N; i++ {
					got, err := r.send(h, payload)
					check(b, got, err)
				}
			})
			b.Run("reused-pieces", func(b *testing.B) {
				b.SetBytes(int64(n))
				for i := 0; i < b.N; i++ {
					got, err := r.sendInPieces(h, payload)
					check(b, got, err)
				}
			})
			// The floor does the reused file's work in this process alone:
			// the same copy into the same pages, then the same checksum.
			dst := r.view.Bytes()
			b.Run("floor", func(b *testing.B) {
				b.SetBytes(int64(n))
				for i := 0; i < b.N; i++ {
					copyCached(dst, payload)
					check(b, crc32.Checksum(dst, castagnoli), nil)
				}
			})
		})
	}
}

func BenchmarkHandoffTransfer(b *testing.B) {
	h := startHandoffChildren(b)
	for _, n := range handoffSizes(b) {
		b.Run(mibName(n), func(b *testing.B) {
			payload, _ := handoffPayload(n)
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
					if _, err := h.toMemfd(handoffReceive, n, int(m.Fd())); err != nil {
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
