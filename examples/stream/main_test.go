//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memfile-go/memfile"
)

// The test binary plays the consumer when the producer (run by the tests
// below) re-executes it, exactly as the example program re-executes itself.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(consumer(os.Stdout, 3))
	}
	os.Exit(m.Run())
}

// wantReport are the lines (as regular expressions) both processes print,
// in the order they print them; the last is the summary, matched exactly.
// The exec seal is there where the kernel adds it for MFD_NOEXEC_SEAL
// (Linux 6.3+); SealFutureWrite (Linux 5.1+) is demanded, since the tests
// run on Linux only.
func wantReport() []string {
	seals := `seal\|shrink\|grow\|future-write(\|exec)?`
	return []string{
		`^producer: one memory file "stream-example" of 2 halves of 2097152 bytes, mapped writable, sealed ` + seals + `$`,
		`^producer: started the consumer; sending it the file once, then 64 messages of 1048576 to 2097152 bytes$`,
		`^consumer: received the file once \(seals ` + seals + `\) and mapped its 4194304 bytes read-only \(MapSealed: no shrinking, no holes\)$`,
		`^consumer: received 64 messages in order, 97875981 bytes, every CRC-32C matched$`,
		`^` + regexp.QuoteMeta("summary: 64 messages, 97875981 bytes, through one reused memory file of 4194304 bytes; the consumer verified every one") + `$`,
	}
}

func checkReport(t *testing.T, out string) {
	t.Helper()
	want := wantReport()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want) {
		t.Errorf("got %d lines, want %d", len(lines), len(want))
	}
	for i, re := range want {
		if i >= len(lines) {
			break
		}
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("line %d = %q\n      want %s", i+1, lines[i], re)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// TestTotal pins the message lengths the report counts.
func TestTotal(t *testing.T) {
	if got := totalBytes(); got != 97875981 {
		t.Errorf("totalBytes() = %d, want 97875981", got)
	}
	for seq := 1; seq <= messages; seq++ {
		if n := messageLen(seq); n < half/2 || n > half {
			t.Errorf("messageLen(%d) = %d, outside [%d, %d]", seq, n, half/2, half)
		}
	}
}

// openFds and memfdMappings count this process's descriptors and its
// mappings of the example's memory file.
func openFds(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func memfdMappings(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("memfd:stream-example"))
}

// TestStream runs the producer in this process and the consumer as a
// re-executed test binary (through MEMFILE_TEST_EXEC's emulator under
// qemu-user), and checks that the producer leaves no descriptor or mapping
// behind.
func TestStream(t *testing.T) {
	// A consumer built with -race would otherwise sleep a second at exit.
	t.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	self, err := selfCommand()
	if err != nil {
		t.Fatal(err)
	}
	// os/exec starts the runtime's poller (two descriptors it keeps) the
	// first time; do that before counting.
	if out, err := exec.Command(self[0], append(self[1:], "-test.run=^$")...).CombinedOutput(); err != nil {
		t.Fatalf("running the test binary: %v\n%s", err, out)
	}
	fds, maps := openFds(t), memfdMappings(t)
	var out bytes.Buffer
	if status := producer(&out, self); status != 0 {
		t.Fatalf("producer returned %d:\n%s", status, out.String())
	}
	checkReport(t, out.String())
	if got := openFds(t); got != fds {
		t.Errorf("%d descriptors open after the producer returned, %d before", got, fds)
	}
	if got := memfdMappings(t); got != maps {
		t.Errorf("%d mappings of the memory file after the producer returned, %d before", got, maps)
	}
	t.Logf("report:\n%s", out.String())
}

// TestConsumerRefusesBadMessages feeds the consumer, in this process, a
// file and then messages that break the protocol, and checks that it fails
// with the reason instead of reading out of range or waiting for ever.
func TestConsumerRefusesBadMessages(t *testing.T) {
	for _, tc := range []struct{ msg, want string }{
		{"ready 0 2 100 0", "out of order or out of range"},
		{"ready 2 1 100 0", "out of order or out of range"},
		{fmt.Sprintf("ready 0 1 %d 0", half+1), "out of order or out of range"},
		{"ready 1 1 100 0", "half 1 starts with message 0, not 1"},
		{"ready 0 1 100 0", "has CRC-32C"},
		{"end 3", "the producer sent 3 messages, 0 arrived"},
		{"hello", "is neither"},
	} {
		t.Run(tc.msg, func(t *testing.T) {
			out := runConsumer(t, tc.msg)
			if !strings.Contains(out, tc.want) {
				t.Errorf("consumer said:\n%s\nwant it to contain %q", out, tc.want)
			}
		})
	}
}

// runConsumer runs consumer() on one end of a socket pair, sends it a file
// whose half 0 holds message 1, then msg, and returns what it printed.
func runConsumer(t *testing.T, msg string) string {
	t.Helper()
	file, view, err := newStreamFile()
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	defer view.Unmap()
	fill(view.Bytes()[:100], 1)
	ours, theirs, err := socketPair()
	if err != nil {
		t.Fatal(err)
	}
	defer closeSocket(ours)
	var out bytes.Buffer
	done := make(chan int)
	go func() { done <- consumer(&out, theirs) }()
	if err := memfile.SendFiles(ours, []byte(fmt.Sprintf("file 2 %d", half)), file); err != nil {
		t.Fatal(err)
	}
	if err := send(ours, msg); err != nil {
		t.Fatal(err)
	}
	if status := <-done; status != 1 {
		t.Errorf("consumer returned %d, want 1", status)
	}
	return out.String()
}

// TestProgram builds the example with the go command and runs it, as
// "go run ./examples/stream" does. It needs the go command and the host's
// architecture, so it is skipped under emulation and with -short.
func TestProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example with the go command; skipped with -short")
	}
	if os.Getenv("MEMFILE_TEST_EXEC") != "" {
		t.Skip("running under an emulator: the go command would build for the host")
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	bin := filepath.Join(t.TempDir(), "stream")
	build := exec.Command(gocmd, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, out)
	}
	checkReport(t, string(out))
}

// TestProducerKeepsTurns runs the producer's side of the protocol against a
// slow consumer in this process that keeps both halves for a while before
// answering and then checks them again: had the producer written into a
// half before the consumer's "done", the check after the wait would fail.
// It also checks that never more than two messages are in flight.
func TestProducerKeepsTurns(t *testing.T) {
	file, view, err := newStreamFile()
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	defer view.Unmap()
	ours, theirs, err := socketPair()
	if err != nil {
		t.Fatal(err)
	}
	defer closeSocket(ours)
	errc := make(chan error, 1)
	go func() { errc <- slowConsumer(theirs) }()
	if err := stream(ours, file, view.Bytes()); err != nil {
		t.Errorf("producer: %v", err)
	}
	if err := <-errc; err != nil {
		t.Errorf("consumer: %v", err)
	}
}

func slowConsumer(sock int) error {
	defer closeSocket(sock)
	buf := make([]byte, 128)
	_, files, err := memfile.ReceiveFiles(sock, buf, 1, baseSeals)
	if err != nil {
		return err
	}
	defer files[0].Close()
	view, err := files[0].Map(0, 2*half, memfile.MapReadOnly)
	if err != nil {
		return err
	}
	defer view.Unmap()
	type ready struct {
		k, seq, length int
		sum            uint32
	}
	var pending []ready
	var count int
	var total int64
	release := func() error {
		r := pending[0]
		pending = pending[1:]
		time.Sleep(2 * time.Millisecond) // the producer may be busy with the other half
		p := view.Bytes()[r.k*half : r.k*half+r.length]
		if got := crc32.Checksum(p, castagnoli); got != r.sum {
			return fmt.Errorf("message %d in half %d changed before its done: CRC-32C %08x, want %08x", r.seq, r.k, got, r.sum)
		}
		count++
		total += int64(r.length)
		return send(sock, fmt.Sprintf("done %d %d", r.k, r.seq))
	}
	for {
		msg, err := receive(sock, buf)
		if err != nil {
			return err
		}
		var end int
		if _, err := fmt.Sscanf(msg, "end %d", &end); err == nil {
			return send(sock, fmt.Sprintf("bye %d %d", count, total))
		}
		var r ready
		if _, err := fmt.Sscanf(msg, "ready %d %d %d %x", &r.k, &r.seq, &r.length, &r.sum); err != nil {
			return fmt.Errorf("%q: %v", msg, err)
		}
		if pending = append(pending, r); len(pending) > 2 {
			return fmt.Errorf("%d messages in flight: %v", len(pending), pending)
		}
		for len(pending) == 2 || (len(pending) > 0 && r.seq == messages) {
			if err := release(); err != nil {
				return err
			}
		}
	}
}

// TestFutureWriteSeal checks what the consumer relies on when the file
// carries SealFutureWrite: the producer's mapping, made before the seal,
// still writes; nobody can write(2), map the file writable again or punch a
// hole into it (fallocate PUNCH_HOLE, which would make a later read of the
// hole allocate a page, and fault with SIGBUS where that fails).
func TestFutureWriteSeal(t *testing.T) {
	t.Run("4KiB", func(t *testing.T) {
		file, view, err := newStreamFile()
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		defer view.Unmap()
		checkFutureWrite(t, file, view)
	})
	t.Run("2MiB", func(t *testing.T) {
		b, _ := os.ReadFile("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages")
		if free, _ := strconv.Atoi(strings.TrimSpace(string(b))); free < 2 {
			t.Skipf("needs 2 free 2 MiB huge pages, have %q (as root: echo 2 > /proc/sys/vm/nr_hugepages)", b)
		}
		file, err := memfile.Create("stream-huge", memfile.Options{AllowSealing: true, HugePages: memfile.Huge2MB})
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		if err := file.Truncate(2 * half); err != nil {
			t.Fatal(err)
		}
		view, err := file.Map(0, 2*half, memfile.MapReadWrite)
		if err != nil && os.Getenv("MEMFILE_TEST_EXEC") != "" && errors.Is(err, syscall.EINVAL) {
			t.Skipf("Map: %v: qemu-user cannot map hugetlbfs files for 32-bit guests (it places guest mappings at addresses that are not huge-page aligned)", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer view.Unmap()
		if err := file.AddSeals(baseSeals | memfile.SealFutureWrite); err != nil {
			t.Skipf("cannot seal a huge-page file with SealFutureWrite: %v", err)
		}
		if !kernelAtLeast(5, 13) {
			// Upstream hugetlbfs ignored the future-write seal before 5.13,
			// so MapSealed refuses it there (a backport cannot be seen).
			ro, err := file.MapSealed(0, 2*half, memfile.SealFutureWrite)
			if err == nil {
				ro.Unmap()
			}
			if !errors.Is(err, memfile.ErrMissingSeals) || !strings.Contains(err.Error(), "5.13") {
				t.Errorf("MapSealed of a future-write-sealed huge-page file before Linux 5.13: %v; want ErrMissingSeals naming 5.13", err)
			}
			return
		}
		checkFutureWrite(t, file, view)
	})
}

func checkFutureWrite(t *testing.T, file *memfile.MemFile, view *memfile.Mapping) {
	const punchHole = 0x2 | 0x1 // FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
	if seals, _ := file.Seals(); !seals.Has(memfile.SealFutureWrite) {
		t.Skipf("the kernel has no SealFutureWrite (Linux 5.1+): seals %v", seals)
	}
	view.Bytes()[half+1] = 42
	ro, err := file.MapSealed(0, 2*half, memfile.SealFutureWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Unmap()
	if got := ro.Bytes()[half+1]; got != 42 {
		t.Errorf("the producer's mapping no longer writes: a read-only view shows %d", got)
	}
	// A huge-page file has no write(2) at all (EINVAL).
	if _, err := file.WriteAt([]byte{1}, 0); err == nil {
		t.Errorf("WriteAt succeeded")
	}
	if m, err := file.Map(0, half, memfile.MapReadWrite); !errors.Is(err, syscall.EPERM) {
		if m != nil {
			m.Unmap()
		}
		t.Errorf("Map(MapReadWrite): %v, want EPERM", err)
	}
	if err := syscall.Fallocate(int(file.Fd()), punchHole, 0, half); err != syscall.EPERM {
		t.Errorf("fallocate(PUNCH_HOLE): %v, want EPERM", err)
	}
}

// kernelAtLeast reports whether the running kernel's release (uname) is at
// least major.minor.
func kernelAtLeast(major, minor int) bool {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return true
	}
	var rel []byte
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		rel = append(rel, byte(c))
	}
	var maj, min int
	fmt.Sscanf(string(rel), "%d.%d", &maj, &min)
	return maj > major || maj == major && min >= minor
}
