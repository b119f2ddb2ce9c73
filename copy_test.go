//go:build linux

package memfile_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memfile-go/memfile"
)

// pattern returns n bytes that differ at every offset modulo 251.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

func offsetOf(t *testing.T, m *memfile.MemFile) int64 {
	t.Helper()
	off, err := m.Seek(0, io.SeekCurrent)
	if err != nil {
		t.Fatal(err)
	}
	return off
}

// withDeadline fails the test with a goroutine dump if f has not returned
// within d.
func withDeadline(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	timer := time.AfterFunc(d, func() {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		panic("test did not finish in " + d.String() + ":\n" + string(buf))
	})
	defer timer.Stop()
	f()
}

// WriteTo starts at the file offset and leaves it at the end, whichever
// route it takes: sendfile to a socket and a disk file, sendfile or splice
// to a pipe, the plain loop to a bytes.Buffer.
func TestWriteToFromOffset(t *testing.T) {
	const size = 3<<20 + 12345
	const start = 1000
	data := pattern(size)
	want := data[start:]
	check := func(t *testing.T, m *memfile.MemFile, n int64, err error, got []byte) {
		t.Helper()
		if err != nil {
			t.Fatalf("WriteTo: %d, %v", n, err)
		}
		if n != int64(len(want)) || !bytes.Equal(got, want) {
			t.Fatalf("WriteTo wrote %d bytes (%d arrived), want %d; equal %v", n, len(got), len(want), bytes.Equal(got, want))
		}
		if off := offsetOf(t, m); off != size {
			t.Fatalf("offset after WriteTo: %d, want %d", off, size)
		}
	}
	newFile := func(t *testing.T) *memfile.MemFile {
		m := mustCreate(t, "writeto", memfile.Options{})
		mustWrite(t, m, data)
		if _, err := m.Seek(start, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		return m
	}
	t.Run("pipe", func(t *testing.T) {
		checkNoFdLeak(t)
		m := newFile(t)
		r, w := pipe(t)
		var err error
		got := make(chan []byte)
		go func() { b, _ := io.ReadAll(r); got <- b }()
		var n int64
		withDeadline(t, time.Minute, func() { n, err = io.Copy(w, m) })
		w.Close()
		check(t, m, n, err, <-got)
	})
	t.Run("tcp", func(t *testing.T) {
		checkNoFdLeak(t)
		m := newFile(t)
		client, server := tcpPair(t)
		got := make(chan []byte)
		go func() { b, _ := io.ReadAll(server); got <- b }()
		var n int64
		var err error
		withDeadline(t, time.Minute, func() { n, err = m.WriteTo(client) })
		client.Close()
		check(t, m, n, err, <-got)
		server.Close()
	})
	t.Run("unix", func(t *testing.T) {
		checkNoFdLeak(t)
		m := newFile(t)
		fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		a, b := fileConn(t, fds[0]), fileConn(t, fds[1])
		got := make(chan []byte)
		go func() { x, _ := io.ReadAll(b); got <- x }()
		var n int64
		withDeadline(t, time.Minute, func() { n, err = io.Copy(a, m) })
		a.Close()
		check(t, m, n, err, <-got)
		b.Close()
	})
	t.Run("disk", func(t *testing.T) {
		checkNoFdLeak(t)
		m := newFile(t)
		f, err := os.CreateTemp("", "memfile-writeto")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		f.Write([]byte("x")) // the destination's offset counts too
		n, err := io.Copy(f, m)
		got, _ := os.ReadFile(f.Name())
		if len(got) == 0 || got[0] != 'x' {
			t.Fatalf("disk file starts %q", got[:1])
		}
		check(t, m, n, err, got[1:])
	})
	t.Run("disk/O_APPEND", func(t *testing.T) {
		// sendfile and splice refuse an O_APPEND destination (EINVAL):
		// the plain loop appends.
		checkNoFdLeak(t)
		m := newFile(t)
		name := filepath.Join(t.TempDir(), "append")
		os.WriteFile(name, []byte("x"), 0o600)
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		n, err := io.Copy(f, m)
		got, _ := os.ReadFile(name)
		check(t, m, n, err, got[1:])
	})
	t.Run("not-fd-backed", func(t *testing.T) {
		// A syscall.Conn whose RawConn has no descriptor: the plain loop,
		// not an error.
		checkNoFdLeak(t)
		m := newFile(t)
		var buf fakeConn
		n, err := io.Copy(&buf, m)
		check(t, m, n, err, buf.Bytes())
		if buf.calls == 0 {
			t.Fatal("WriteTo did not ask for the RawConn")
		}
	})
	t.Run("buffer", func(t *testing.T) {
		checkNoFdLeak(t)
		m := newFile(t)
		var buf bytes.Buffer
		n, err := io.Copy(&buf, m)
		check(t, m, n, err, buf.Bytes())
	})
	t.Run("memfile", func(t *testing.T) {
		checkNoFdLeak(t)
		m := newFile(t)
		dst := mustCreate(t, "dst", memfile.Options{})
		n, err := io.Copy(dst, m)
		got := make([]byte, len(want)+1)
		k, _ := dst.ReadAt(got, 0)
		check(t, m, n, err, got[:k])
	})
}

// A slow reader on a non-blocking pipe: WriteTo waits in the poller (the
// pipe fills many times over) and still delivers every byte in order.
func TestWriteToWaitsForSlowReader(t *testing.T) {
	checkNoFdLeak(t)
	data := pattern(2 << 20)
	m := mustCreate(t, "slow", memfile.Options{})
	mustWrite(t, m, data)
	r, w := pipe(t)
	var err error
	got := make(chan []byte)
	go func() {
		var b []byte
		buf := make([]byte, 64<<10)
		for {
			time.Sleep(time.Millisecond)
			k, err := r.Read(buf)
			b = append(b, buf[:k]...)
			if err != nil {
				got <- b
				return
			}
		}
	}()
	var n int64
	withDeadline(t, time.Minute, func() { n, err = m.WriteTo(w) })
	w.Close()
	if b := <-got; err != nil || n != int64(len(data)) || !bytes.Equal(b, data) {
		t.Fatalf("WriteTo: %d, %v; %d bytes arrived, equal %v", n, err, len(b), bytes.Equal(b, data))
	}
}

// The write deadline of a socket holds while WriteTo waits for a peer that
// does not read; the bytes accepted so far are counted and the file offset
// stands after them.
func TestWriteToDeadlineAndPartialProgress(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "deadline", memfile.Options{})
	mustWrite(t, m, pattern(64<<20))
	client, server := tcpPair(t)
	defer server.Close()
	defer client.Close()
	client.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	var n int64
	var err error
	withDeadline(t, time.Minute, func() { n, err = m.WriteTo(client) })
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("WriteTo to a peer that does not read: %d, %v; want a deadline error", n, err)
	}
	if n <= 0 || n >= 64<<20 {
		t.Fatalf("WriteTo reported %d bytes, want some but not all", n)
	}
	if off := offsetOf(t, m); off != n {
		t.Fatalf("offset %d after writing %d", off, n)
	}
}

// A reader that goes away: EPIPE names the call, and n and the offset count
// what got through.
func TestWriteToBrokenPipe(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "epipe", memfile.Options{})
	mustWrite(t, m, pattern(16<<20))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	go func() {
		io.CopyN(io.Discard, r, 1<<20)
		r.Close()
	}()
	var n int64
	withDeadline(t, time.Minute, func() { n, err = m.WriteTo(w) })
	wantErrno(t, "WriteTo to a closed pipe", err, syscall.EPIPE)
	var e *memfile.Error
	if !errors.As(err, &e) || (e.Op != "sendfile" && e.Op != "splice") {
		t.Errorf("error %v: want an *Error naming sendfile or splice", err)
	}
	if n < 1<<20 || n >= 16<<20 {
		t.Errorf("WriteTo reported %d bytes, want at least the 1 MiB read", n)
	}
	if off := offsetOf(t, m); off != n {
		t.Errorf("offset %d after writing %d", off, n)
	}
}

// ReadFrom writes at the file offset and advances it, from every kind of
// source: a disk file (copy_file_range or sendfile), a pipe (splice), a
// socket and a bytes.Reader (the plain loop); io.CopyN bounds it.
func TestReadFromAtOffset(t *testing.T) {
	const size = 3<<20 + 999
	const start = 77
	data := pattern(size)
	check := func(t *testing.T, m *memfile.MemFile, n int64, err error, want []byte) {
		t.Helper()
		if err != nil || n != int64(len(want)) {
			t.Fatalf("ReadFrom: %d, %v; want %d", n, err, len(want))
		}
		got := make([]byte, start+len(want)+1)
		k, _ := m.ReadAt(got, 0)
		if k != start+len(want) || !bytes.Equal(got[start:k], want) || got[0] != 'h' {
			t.Fatalf("file holds %d bytes, want %d; equal %v", k, start+len(want), bytes.Equal(got[start:k], want))
		}
		if off := offsetOf(t, m); off != int64(start+len(want)) {
			t.Fatalf("offset after ReadFrom: %d, want %d", off, start+len(want))
		}
	}
	newFile := func(t *testing.T) *memfile.MemFile {
		m := mustCreate(t, "readfrom", memfile.Options{})
		mustWrite(t, m, bytes.Repeat([]byte("h"), start))
		if _, err := m.Seek(start, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		return m
	}
	diskFile := func(t *testing.T) *os.File {
		f, err := os.CreateTemp("", "memfile-readfrom")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close(); os.Remove(f.Name()) })
		if _, err := f.Write(data); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Seek(10, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Run("disk", func(t *testing.T) {
		checkNoFdLeak(t)
		m, f := newFile(t), diskFile(t)
		n, err := io.Copy(m, f)
		check(t, m, n, err, data[10:])
		if off, _ := f.Seek(0, io.SeekCurrent); off != size {
			t.Errorf("source offset %d after ReadFrom, want %d", off, size)
		}
	})
	t.Run("disk/CopyN", func(t *testing.T) {
		checkNoFdLeak(t)
		m, f := newFile(t), diskFile(t)
		n, err := io.CopyN(m, f, 1<<20)
		check(t, m, n, err, data[10:10+1<<20])
		if off, _ := f.Seek(0, io.SeekCurrent); off != 10+1<<20 {
			t.Errorf("source offset %d after CopyN, want %d", off, 10+1<<20)
		}
	})
	t.Run("memfile", func(t *testing.T) {
		checkNoFdLeak(t)
		m := newFile(t)
		src := mustCreate(t, "src", memfile.Options{})
		mustWrite(t, src, data)
		n, err := m.ReadFrom(src)
		check(t, m, n, err, data)
	})
	t.Run("pipe", func(t *testing.T) {
		checkNoFdLeak(t)
		m := newFile(t)
		r, w := pipe(t)
		var err error
		go func() {
			for i := 0; i < len(data); i += 100000 { // in pieces, with pauses: the pipe runs empty
				end := i + 100000
				if end > len(data) {
					end = len(data)
				}
				w.Write(data[i:end])
				time.Sleep(time.Millisecond)
			}
			w.Close()
		}()
		var n int64
		withDeadline(t, time.Minute, func() { n, err = io.Copy(m, r) })
		check(t, m, n, err, data)
	})
	t.Run("tcp", func(t *testing.T) {
		checkNoFdLeak(t)
		m := newFile(t)
		client, server := tcpPair(t)
		go func() { client.Write(data); client.Close() }()
		var n int64
		var err error
		withDeadline(t, time.Minute, func() { n, err = io.Copy(m, server) })
		server.Close()
		check(t, m, n, err, data)
	})
	t.Run("bytes.Reader", func(t *testing.T) {
		checkNoFdLeak(t)
		m := newFile(t)
		n, err := m.ReadFrom(bytes.NewReader(data))
		check(t, m, n, err, data)
	})
	t.Run("not-fd-backed", func(t *testing.T) {
		checkNoFdLeak(t)
		m := newFile(t)
		var src fakeConn
		src.Write(data)
		n, err := m.ReadFrom(&src)
		check(t, m, n, err, data)
	})
}

// A file sealed against writing refuses ReadFrom before reading anything,
// with EPERM and the hint; SealGrow stops it at the end of the file.
func TestReadFromSealed(t *testing.T) {
	checkNoFdLeak(t)
	for _, seal := range []memfile.Seals{memfile.SealWrite, memfile.SealFutureWrite} {
		m := mustCreate(t, "sealed", memfile.Options{AllowSealing: true})
		if err := m.AddSeals(seal); err != nil {
			t.Fatal(err)
		}
		src := strings.NewReader("never read")
		n, err := m.ReadFrom(src)
		wantErrno(t, "ReadFrom into a file with "+seal.String(), err, syscall.EPERM)
		if n != 0 || src.Len() != len("never read") || !strings.Contains(err.Error(), "sealed against writing") {
			t.Errorf("ReadFrom: %d, %v; source has %d bytes left", n, err, src.Len())
		}
	}
	m := mustCreate(t, "grow-sealed", memfile.Options{AllowSealing: true})
	mustWrite(t, m, make([]byte, 4096))
	if err := m.AddSeals(memfile.SealGrow); err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp("", "memfile-grow")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	f.Write(pattern(10000))
	f.Seek(0, io.SeekStart)
	n, err := m.ReadFrom(f)
	wantErrno(t, "ReadFrom past the end of a grow-sealed file", err, syscall.EPERM)
	if n > 4096 {
		t.Errorf("ReadFrom wrote %d bytes into a 4096-byte grow-sealed file", n)
	}
	if size, _ := m.Size(); size != 4096 {
		t.Errorf("size %d, want 4096", size)
	}
}

func TestWriteString(t *testing.T) {
	m := mustCreate(t, "ws", memfile.Options{})
	var sw io.StringWriter = m
	if n, err := sw.WriteString("hello, "); n != 7 || err != nil {
		t.Fatalf("WriteString: %d, %v", n, err)
	}
	io.WriteString(m, "world")
	if n, err := m.WriteString(""); n != 0 || err != nil {
		t.Fatalf("WriteString(\"\"): %d, %v", n, err)
	}
	got := make([]byte, 20)
	k, _ := m.ReadAt(got, 0)
	if string(got[:k]) != "hello, world" {
		t.Fatalf("file holds %q", got[:k])
	}
	if allocs := testing.AllocsPerRun(100, func() { m.WriteString("abc") }); allocs != 0 {
		t.Errorf("WriteString allocates %v times", allocs)
	}
}

func TestCopyClosed(t *testing.T) {
	m := mustCreate(t, "closed", memfile.Options{})
	m.Close()
	if _, err := m.WriteTo(io.Discard); !errors.Is(err, memfile.ErrClosed) {
		t.Errorf("WriteTo on a closed file: %v", err)
	}
	if _, err := m.ReadFrom(strings.NewReader("x")); !errors.Is(err, memfile.ErrClosed) {
		t.Errorf("ReadFrom on a closed file: %v", err)
	}
}

// fakeConn is a bytes.Buffer that claims to be a syscall.Conn but has no
// descriptor: its RawConn refuses every call without running the callback.
type fakeConn struct {
	bytes.Buffer
	calls int
}

func (c *fakeConn) SyscallConn() (syscall.RawConn, error) { c.calls++; return fakeRaw{}, nil }

type fakeRaw struct{}

func (fakeRaw) Control(func(uintptr)) error    { return errors.New("no descriptor") }
func (fakeRaw) Read(func(uintptr) bool) error  { return errors.New("no descriptor") }
func (fakeRaw) Write(func(uintptr) bool) error { return errors.New("no descriptor") }

// pipe returns an os.Pipe whose read end is closed when the test ends; the
// test closes the write end.
func pipe(t testing.TB) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, w
}

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t testing.TB) (client, server *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback TCP: %v", err)
	}
	defer ln.Close()
	acc := make(chan net.Conn)
	go func() { c, _ := ln.Accept(); acc <- c }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-acc
	if s == nil {
		t.Fatal("accept failed")
	}
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// fileConn turns a socket descriptor into a net.Conn (the descriptor is
// duplicated and closed).
func fileConn(t testing.TB, fd int) net.Conn {
	t.Helper()
	f := os.NewFile(uintptr(fd), "socket")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Past 2 GiB the file offset no longer fits a 32-bit off_t, and WriteTo
// still works from there on 32-bit architectures (the kernel keeps the
// 64-bit offset, _llseek sets it). The file is sparse: this takes no memory.
func TestWriteToPast2GiB(t *testing.T) {
	checkNoFdLeak(t)
	const at = 2<<30 + 4096
	m := mustCreate(t, "past-2g", memfile.Options{})
	if err := m.Truncate(at + 8192); err != nil {
		t.Fatal(err)
	}
	if _, err := m.WriteAt([]byte("tail"), at); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Seek(at, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	r, w := pipe(t)
	got := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); got <- b }()
	n, err := m.WriteTo(w)
	w.Close()
	b := <-got
	if err != nil || n != 8192 || len(b) != 8192 || string(b[:4]) != "tail" {
		t.Fatalf("WriteTo from offset %d: %d, %v; %d bytes arrived starting %q", int64(at), n, err, len(b), b[:4])
	}
}
