// Command stream shows the fast way to hand many large messages from one
// process to another with package memfile (Linux, Android, FreeBSD 13+):
//
//	go run ./examples/stream
//
// The producer creates ONE memory file of two halves, maps it writable and
// keeps that mapping, seals the file against shrinking, growing and further
// sealing (and, on Linux 5.1+, against new writers: SealFutureWrite leaves
// the producer's existing mapping working), and sends it once to the
// consumer, a copy of this program, over a Unix SOCK_SEQPACKET socket. The
// consumer maps it read-only once. From then on no page is allocated, zeroed,
// faulted in or freed again: a message costs the producer's writes, the
// consumer's reads and two small messages on the socket.
//
// The protocol, in text messages on the same socket:
//
//	producer → consumer   "file 2 <half>" + the descriptor (SCM_RIGHTS), once
//	producer → consumer   "ready <k> <seq> <len> <crc>"  half k holds message seq:
//	                      len bytes whose CRC-32C is crc (hex)
//	consumer → producer   "done <k> <seq>"               the consumer is finished with half k
//	producer → consumer   "end <count>"                  no more messages
//	consumer → producer   "bye <count> <bytes>"          what it received and verified
//
// The producer writes message seq into half (seq-1)%2, and only once the
// consumer has answered "done" for the message that half held before; the
// consumer reads half k only between "ready k" and its "done k". So the two
// never touch the same half at the same time, the consumer never sees a
// half-written message, and the producer fills one half while the consumer
// reads the other (double buffering). The consumer checks that the messages
// arrive in order, that each starts with its sequence number and that its
// CRC-32C matches, and prints a summary.
//
// What the consumer may rely on: with SealShrink the file can never become
// shorter than the consumer's mapping, so no read can fault with SIGBUS
// because of a shrink. With SealFutureWrite nobody can make a new writable
// mapping, write(2) to the file or punch a hole into it (fallocate
// PUNCH_HOLE fails with EPERM), so every page stays allocated and the read
// can fault neither on a shrink nor on a hole; the consumer then maps with
// MapSealed. Where SealFutureWrite is missing (FreeBSD, Linux before 5.1)
// the consumer maps with Map and relies on SealShrink alone: it is then safe
// against SIGBUS only as long as the producer does not punch holes into the
// file (with huge pages, reading a hole faults with SIGBUS when the pool is
// empty). Either way the producer can change a half while the consumer reads
// it, which is what the protocol's turn-taking prevents for a producer that
// keeps to it: this is the fast pattern for a producer you trust to keep the
// protocol. For a producer or consumer you do not trust, or for one-shot
// data, send a fresh file sealed with SealImmutable instead (see
// examples/share).
//
// The consumer is this program again, selected by the environment variable
// MEMFILE_STREAM_EXAMPLE_CHILD=1, with its end of the socket as descriptor 3.
// Under qemu-user without binfmt_misc, set MEMFILE_TEST_EXEC to the emulator
// (for example qemu-aarch64-static) so that the consumer is started through
// it.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/memfile-go/memfile"
)

const childEnv = "MEMFILE_STREAM_EXAMPLE_CHILD"

const (
	messages = 64      // how many messages the producer sends
	half     = 2 << 20 // bytes in each half of the file: the largest message
	// ioTimeout bounds every wait for the other process.
	ioTimeout = 60 * time.Second
)

// baseSeals are what the producer adds and the consumer demands everywhere;
// the producer adds SealFutureWrite too where the kernel has it.
const baseSeals = memfile.SealSeal | memfile.SealShrink | memfile.SealGrow

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var errTimeout = errors.New("the other process did not answer within " + ioTimeout.String())

func main() {
	if os.Getenv(childEnv) == "1" {
		os.Exit(consumer(os.Stdout, 3))
	}
	self, err := selfCommand()
	if err != nil {
		fmt.Fprintln(os.Stderr, "stream:", err)
		os.Exit(1)
	}
	os.Exit(producer(os.Stdout, self))
}

// selfCommand returns the command line that runs this program again: its
// own executable, behind the emulator named by MEMFILE_TEST_EXEC if set.
func selfCommand() ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return append(strings.Fields(os.Getenv("MEMFILE_TEST_EXEC")), exe), nil
}

// messageLen is the length of message seq: between half/2 and half bytes,
// rarely a multiple of 8.
func messageLen(seq int) int {
	return half/2 + (seq*104729+seq*seq*7)%(half/2+1)
}

// totalBytes is the sum of all message lengths.
func totalBytes() int64 {
	var n int64
	for seq := 1; seq <= messages; seq++ {
		n += int64(messageLen(seq))
	}
	return n
}

// fill writes message seq into p: its sequence number (little-endian
// uint64), then xorshift64 noise seeded by it.
func fill(p []byte, seq int) {
	binary.LittleEndian.PutUint64(p, uint64(seq))
	x := uint64(seq)*0x9E3779B97F4A7C15 | 1
	i := 8
	for ; i+8 <= len(p); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(p[i:], x)
	}
	for ; i < len(p); i++ {
		p[i] = byte(x >> (8 * uint(i&7)))
	}
}

// producer streams the messages to a consumer started from the command line
// self and returns the exit status.
func producer(w io.Writer, self []string) int {
	// The consumer's output goes to w too, copied by os/exec.
	w = &lockedWriter{w: w}
	say := func(format string, args ...interface{}) { fmt.Fprintf(w, "producer: "+format+"\n", args...) }
	fail := func(what string, err error) int { say("%s: %v", what, err); return 1 }

	file, view, err := newStreamFile()
	if err != nil {
		return fail("creating the memory file", err)
	}
	defer file.Close()
	defer view.Unmap()
	seals, _ := file.Seals()
	say("one memory file %q of 2 halves of %d bytes, mapped writable, sealed %v", file.Name(), half, seals)

	ours, theirs, err := socketPair()
	if err != nil {
		return fail("socketpair", err)
	}
	defer closeSocket(ours)
	if err := setReadTimeout(ours, ioTimeout); err != nil {
		closeSocket(theirs)
		return fail("setting the read timeout", err)
	}
	cmd := exec.Command(self[0], self[1:]...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdout, cmd.Stderr = w, w
	cmd.ExtraFiles = []*os.File{os.NewFile(uintptr(theirs), "consumer-end")}
	err = cmd.Start()
	cmd.ExtraFiles[0].Close() // the consumer has its own copy
	if err != nil {
		return fail("starting the consumer", err)
	}
	say("started the consumer; sending it the file once, then %d messages of %d to %d bytes", messages, half/2, half)

	// On any failure below, the consumer is killed, and waited for, before
	// the file and the socket are closed.
	if err := stream(ours, file, view.Bytes()); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fail("streaming", err)
	}
	if err := cmd.Wait(); err != nil {
		return fail("consumer", err)
	}
	fmt.Fprintf(w, "summary: %d messages, %d bytes, through one reused memory file of %d bytes; the consumer verified every one\n",
		messages, totalBytes(), 2*half)
	return 0
}

// newStreamFile creates the memory file of two halves, maps it writable and
// seals it: SealShrink|SealGrow|SealSeal, and SealFutureWrite where the
// kernel has it.
func newStreamFile() (*memfile.MemFile, *memfile.Mapping, error) {
	file, err := memfile.CreateSealable("stream-example")
	if err != nil {
		return nil, nil, err
	}
	if err := file.Truncate(2 * half); err != nil {
		file.Close()
		return nil, nil, err
	}
	// Map before sealing: SealFutureWrite refuses new writable mappings
	// but leaves this one working.
	view, err := file.Map(0, 2*half, memfile.MapReadWrite)
	if err != nil {
		file.Close()
		return nil, nil, err
	}
	err = file.AddSeals(baseSeals | memfile.SealFutureWrite)
	if errors.Is(err, memfile.ErrNotSupported) {
		err = file.AddSeals(baseSeals) // FreeBSD, Linux before 5.1
	}
	if err != nil {
		view.Unmap()
		file.Close()
		return nil, nil, err
	}
	return file, view, nil
}

// stream runs the producer's side of the protocol on sock.
func stream(sock int, file *memfile.MemFile, mem []byte) error {
	if err := memfile.SendFiles(sock, []byte(fmt.Sprintf("file 2 %d", half)), file); err != nil {
		return err
	}
	buf := make([]byte, 128)
	// inFlight[k] is the message half k holds until the consumer is done
	// with it, 0 when the half is free.
	var inFlight [2]int
	// awaitDone reads one "done" and frees its half.
	awaitDone := func() error {
		msg, err := receive(sock, buf)
		if err != nil {
			return fmt.Errorf("waiting for the consumer: %v", err)
		}
		var k, seq int
		if _, err := fmt.Sscanf(msg, "done %d %d", &k, &seq); err != nil || k < 0 || k > 1 || inFlight[k] != seq || seq == 0 {
			return fmt.Errorf("unexpected answer %q (half 0 holds %d, half 1 holds %d)", msg, inFlight[0], inFlight[1])
		}
		inFlight[k] = 0
		return nil
	}
	for seq := 1; seq <= messages; seq++ {
		k := (seq - 1) % 2
		for inFlight[k] != 0 {
			if err := awaitDone(); err != nil {
				return err
			}
		}
		p := mem[k*half : k*half+messageLen(seq)]
		fill(p, seq)
		sum := crc32.Checksum(p, castagnoli)
		if err := send(sock, fmt.Sprintf("ready %d %d %d %08x", k, seq, len(p), sum)); err != nil {
			return fmt.Errorf("sending message %d: %v", seq, err)
		}
		inFlight[k] = seq
	}
	for inFlight[0] != 0 || inFlight[1] != 0 {
		if err := awaitDone(); err != nil {
			return err
		}
	}
	if err := send(sock, fmt.Sprintf("end %d", messages)); err != nil {
		return err
	}
	msg, err := receive(sock, buf)
	if err != nil {
		return fmt.Errorf("waiting for the consumer's summary: %v", err)
	}
	if want := fmt.Sprintf("bye %d %d", messages, totalBytes()); msg != want {
		return fmt.Errorf("the consumer says %q, want %q", msg, want)
	}
	return nil
}

// consumer receives the file and the messages on sock and returns the exit
// status.
func consumer(w io.Writer, sock int) int {
	say := func(format string, args ...interface{}) { fmt.Fprintf(w, "consumer: "+format+"\n", args...) }
	fail := func(what string, err error) int { say("%s: %v", what, err); return 1 }
	defer closeSocket(sock)
	if err := setReadTimeout(sock, ioTimeout); err != nil {
		return fail("setting the read timeout", err)
	}

	buf := make([]byte, 128)
	n, files, err := memfile.ReceiveFiles(sock, buf, 1, baseSeals)
	if err != nil {
		return fail("receiving the file", err)
	}
	file := files[0]
	defer file.Close()
	var slots, size int
	if _, err := fmt.Sscanf(string(buf[:n]), "file %d %d", &slots, &size); err != nil || slots != 2 || size <= 0 {
		return fail("the first message", fmt.Errorf("%q is not \"file 2 <half>\"", buf[:n]))
	}
	if got, err := file.Size(); err != nil || got != int64(slots*size) {
		return fail("the file's size", fmt.Errorf("%d bytes (%v), want %d", got, err, slots*size))
	}
	seals, _ := file.Seals()
	var view *memfile.Mapping
	how := "MapSealed: no shrinking, no holes"
	if seals.Has(memfile.SealFutureWrite) {
		view, err = file.MapSealed(0, slots*size, memfile.SealFutureWrite)
	} else {
		// SealShrink alone: safe as long as the producer punches no holes.
		how = "Map: no shrinking"
		view, err = file.Map(0, slots*size, memfile.MapReadOnly)
	}
	if err != nil {
		return fail("mapping", err)
	}
	defer view.Unmap()
	mem := view.Bytes()
	say("received the file once (seals %v) and mapped its %d bytes read-only (%s)", seals, len(mem), how)

	var count int
	var total int64
	for {
		msg, err := receive(sock, buf)
		if err != nil {
			return fail("waiting for the producer", err)
		}
		var k, seq, length int
		var sum uint32
		if _, err := fmt.Sscanf(msg, "end %d", &seq); err == nil {
			if seq != count {
				return fail("end", fmt.Errorf("the producer sent %d messages, %d arrived", seq, count))
			}
			break
		}
		if _, err := fmt.Sscanf(msg, "ready %d %d %d %x", &k, &seq, &length, &sum); err != nil {
			return fail("reading a message", fmt.Errorf("%q is neither \"ready k seq len crc\" nor \"end count\"", msg))
		}
		if seq != count+1 || k < 0 || k >= slots || length < 8 || length > size {
			return fail("message", fmt.Errorf("%q after message %d: out of order or out of range", msg, count))
		}
		p := mem[k*size : k*size+length]
		if got := binary.LittleEndian.Uint64(p); got != uint64(seq) {
			return fail("message", fmt.Errorf("half %d starts with message %d, not %d", k, got, seq))
		}
		if got := crc32.Checksum(p, castagnoli); got != sum {
			return fail("message", fmt.Errorf("message %d has CRC-32C %08x, the producer's is %08x", seq, got, sum))
		}
		count++
		total += int64(length)
		if err := send(sock, fmt.Sprintf("done %d %d", k, seq)); err != nil {
			return fail("answering", err)
		}
	}
	say("received %d messages in order, %d bytes, every CRC-32C matched", count, total)
	if err := send(sock, fmt.Sprintf("bye %d %d", count, total)); err != nil {
		return fail("answering", err)
	}
	return 0
}

// lockedWriter serialises the writes of the producer and of the goroutine
// os/exec runs to copy the consumer's output.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
