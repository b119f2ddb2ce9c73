//go:build linux

package memfile_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/memfile-go/memfile"
)

func TestCreateWriteReadSeek(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "basic", memfile.Options{})
	if m.Name() != "basic" {
		t.Errorf("Name() = %q, want %q", m.Name(), "basic")
	}
	payload := []byte("Hello world!")
	if n, err := m.Write(payload); err != nil || n != len(payload) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if size, err := m.Size(); err != nil || size != int64(len(payload)) {
		t.Fatalf("Size = %d, %v; want %d", size, err, len(payload))
	}
	if off, err := m.Seek(0, io.SeekCurrent); err != nil || off != int64(len(payload)) {
		t.Fatalf("Seek(0, current) = %d, %v", off, err)
	}
	if off, err := m.Seek(6, io.SeekStart); err != nil || off != 6 {
		t.Fatalf("Seek(6, start) = %d, %v", off, err)
	}
	got, err := io.ReadAll(m)
	if err != nil || string(got) != "world!" {
		t.Fatalf("ReadAll after Seek(6) = %q, %v", got, err)
	}
	if n, err := m.Read(make([]byte, 4)); n != 0 || err != io.EOF {
		t.Fatalf("Read at EOF = %d, %v; want 0, io.EOF", n, err)
	}
	buf := make([]byte, 5)
	if n, err := m.ReadAt(buf, 0); err != nil || string(buf[:n]) != "Hello" {
		t.Fatalf("ReadAt(0) = %q, %v", buf[:n], err)
	}
	if n, err := m.ReadAt(buf, 10); n != 2 || err != io.EOF || string(buf[:n]) != "d!" {
		t.Fatalf("ReadAt(10) = %d %q, %v; want 2 \"d!\", io.EOF", n, buf[:n], err)
	}
	if _, err := m.WriteAt([]byte("J"), 0); err != nil {
		t.Fatalf("WriteAt: %v", err)
	}
	if n, err := m.ReadAt(buf, 0); err != nil || string(buf[:n]) != "Jello" {
		t.Fatalf("ReadAt after WriteAt = %q, %v", buf[:n], err)
	}
	if _, err := m.ReadAt(buf, -1); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("ReadAt(-1) error = %v, want EINVAL", err)
	}
	if _, err := m.WriteAt(buf, -1); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("WriteAt(-1) error = %v, want EINVAL", err)
	}
	if off, err := m.Seek(-100, io.SeekStart); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("Seek(-100) = %d, %v; want EINVAL", off, err)
	}
	if err := m.Truncate(-1); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("Truncate(-1) error = %v, want EINVAL", err)
	}
	if err := m.Truncate(3); err != nil {
		t.Fatalf("Truncate(3): %v", err)
	}
	if size, _ := m.Size(); size != 3 {
		t.Fatalf("Size after Truncate(3) = %d", size)
	}
}

func TestNameLimits(t *testing.T) {
	checkNoFdLeak(t)
	ok := strings.Repeat("n", memfile.MaxNameLen)
	m, err := memfile.Create(ok, memfile.Options{})
	if err != nil {
		t.Fatalf("Create with a %d-byte name: %v", len(ok), err)
	}
	m.Close()
	if m, err := memfile.Create("", memfile.Options{}); err != nil {
		t.Fatalf("Create with an empty name: %v", err)
	} else {
		m.Close()
	}
	for _, tc := range []struct{ name, want string }{
		{ok + "x", "250 bytes"},
		{"bad\x00name", "NUL byte at index 3"},
	} {
		m, err := memfile.Create(tc.name, memfile.Options{})
		if err == nil {
			m.Close()
			t.Fatalf("Create(%q) succeeded", tc.name)
		}
		if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Create(%q) error = %q; want EINVAL saying %q", tc.name, err, tc.want)
		}
	}
	if m, err := memfile.Create("x", memfile.Options{Exec: 9}); err == nil || !errors.Is(err, syscall.EINVAL) {
		if m != nil {
			m.Close()
		}
		t.Errorf("Create with ExecPolicy 9: %v, want EINVAL", err)
	}
	if m, err := memfile.Create("x", memfile.Options{HugePages: 64}); err == nil || !errors.Is(err, syscall.EINVAL) {
		if m != nil {
			m.Close()
		}
		t.Errorf("Create with HugePageSize 64: %v, want EINVAL", err)
	}
}

func TestCloseOnExec(t *testing.T) {
	checkNoFdLeak(t)
	for _, tc := range []struct {
		opts memfile.Options
		want bool
	}{{memfile.Options{}, true}, {memfile.Options{InheritOnExec: true}, false}} {
		m := mustCreate(t, "cloexec", tc.opts)
		flags, _, e := syscall.Syscall(syscall.SYS_FCNTL, m.Fd(), syscall.F_GETFD, 0)
		if e != 0 {
			t.Fatalf("F_GETFD: %v", e)
		}
		if got := flags&syscall.FD_CLOEXEC != 0; got != tc.want {
			t.Errorf("%+v: close-on-exec = %v, want %v", tc.opts, got, tc.want)
		}
		d, err := m.Dup()
		if err != nil {
			t.Fatalf("Dup: %v", err)
		}
		flags, _, _ = syscall.Syscall(syscall.SYS_FCNTL, d.Fd(), syscall.F_GETFD, 0)
		if flags&syscall.FD_CLOEXEC == 0 {
			t.Errorf("Dup: close-on-exec not set")
		}
		d.Close()
	}
}

func TestCloseReleaseAndUseAfterClose(t *testing.T) {
	checkNoFdLeak(t)
	m, err := memfile.Create("closing", memfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wantClosed(t, "second Close", m.Close(), "close")
	if m.Fd() != ^uintptr(0) {
		t.Errorf("Fd after Close = %d", m.Fd())
	}
	type call struct {
		err error
		op  string // the Op the error must name; "" for any; "-": not checked (Map is mapping code's)
	}
	calls := map[string]*call{}
	for _, c := range []struct{ name, op string }{
		{"Read", "read"}, {"Write", "write"}, {"ReadAt", "pread"}, {"WriteAt", "pwrite"},
		{"Seek", "lseek"}, {"Size", ""}, {"Truncate", "ftruncate"}, {"Seals", "fcntl(F_GET_SEALS)"},
		{"AddSeals", "fcntl(F_ADD_SEALS)"}, {"Dup", "fcntl(F_DUPFD_CLOEXEC)"}, {"Map", "-"}, {"Release", "release"},
	} {
		calls[c.name] = &call{op: c.op}
	}
	_, calls["Read"].err = m.Read(make([]byte, 1))
	_, calls["Write"].err = m.Write([]byte{1})
	_, calls["ReadAt"].err = m.ReadAt(make([]byte, 1), 0)
	_, calls["WriteAt"].err = m.WriteAt([]byte{1}, 0)
	_, calls["Seek"].err = m.Seek(0, 0)
	_, calls["Size"].err = m.Size()
	calls["Truncate"].err = m.Truncate(1)
	_, calls["Seals"].err = m.Seals()
	calls["AddSeals"].err = m.AddSeals(memfile.SealGrow)
	_, calls["Dup"].err = m.Dup()
	_, calls["Map"].err = m.Map(0, 1, memfile.MapReadOnly)
	_, calls["Release"].err = m.Release()
	for name, c := range calls {
		wantClosed(t, name+" after Close", c.err, c.op)
	}

	m2, err := memfile.Create("released", memfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, m2, []byte("kept"))
	fd, err := m2.Release()
	if err != nil {
		t.Fatalf("Release: %v", err)
	}
	_, err = m2.Size()
	wantClosed(t, "Size after Release", err, "")
	f := os.NewFile(fd, "released")
	got, err := io.ReadAll(f)
	f.Close()
	if err != nil || string(got) != "kept" {
		t.Fatalf("reading the released descriptor: %q, %v", got, err)
	}
}

func TestErrorsMatch(t *testing.T) {
	m := mustCreate(t, "errs", memfile.Options{AllowSealing: true})
	if err := m.AddSeals(memfile.SealWrite); err != nil {
		t.Fatal(err)
	}
	_, err := m.Write([]byte("x"))
	if !errors.Is(err, syscall.EPERM) || !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("write to a sealed file: %v; want EPERM and fs.ErrPermission", err)
	}
	var e *memfile.Error
	if !errors.As(err, &e) || e.Op != "write" || e.Name != "errs" {
		t.Fatalf("error %#v: want *memfile.Error with Op write, Name errs", err)
	}
	if !strings.Contains(err.Error(), "sealed") {
		t.Errorf("message %q does not say the file is sealed", err)
	}
}

func TestDupSharesSealsSizeAndOffset(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "dup", memfile.Options{AllowSealing: true})
	d, err := m.Dup()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Fd() == m.Fd() {
		t.Fatalf("Dup returned the same descriptor")
	}
	if _, err := m.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	if size, _ := d.Size(); size != 3 {
		t.Errorf("dup's Size = %d, want 3", size)
	}
	if off, _ := d.Seek(0, io.SeekCurrent); off != 3 {
		t.Errorf("dup's offset = %d, want the shared 3", off)
	}
	if err := d.AddSeals(memfile.SealGrow | memfile.SealShrink); err != nil {
		t.Fatal(err)
	}
	seals, err := m.Seals()
	if err != nil || !seals.Has(memfile.SealGrow|memfile.SealShrink) {
		t.Fatalf("original's seals = %v, %v; want grow and shrink", seals, err)
	}
	wantErrno(t, "Truncate through the original", m.Truncate(100), syscall.EPERM)
}

func TestFromFd(t *testing.T) {
	checkNoFdLeak(t)
	// A pipe and /dev/null are refused, and stay open.
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	devnull, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	for _, tc := range []struct {
		name string
		fd   int
		want string
	}{{"pipe", p[0], "is a pipe"}, {"/dev/null", int(devnull.Fd()), "character device"}} {
		m, err := memfile.FromFd(tc.fd)
		if err == nil {
			m.Release()
			t.Fatalf("FromFd(%s) succeeded", tc.name)
		}
		if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FromFd(%s) = %q; want EINVAL saying %q", tc.name, err, tc.want)
		}
		if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(tc.fd), syscall.F_GETFD, 0); e != 0 {
			t.Errorf("FromFd(%s) closed the descriptor: F_GETFD = %v", tc.name, e)
		}
	}
	if _, err := memfile.FromFd(-1); !errors.Is(err, syscall.EBADF) {
		t.Errorf("FromFd(-1) = %v, want EBADF", err)
	}
	// A regular file on a file system without seals is refused too.
	f, err := os.CreateTemp(t.TempDir(), "plain")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if m, err := memfile.FromFd(int(f.Fd())); err == nil {
		// tmpfs files support seals: that is allowed, but release it.
		m.Release()
	} else if !strings.Contains(err.Error(), "does not support seals") {
		t.Errorf("FromFd(regular file) = %q", err)
	}

	// A real memfd is adopted; demanded seals are checked and named.
	src := mustCreate(t, "adopt", memfile.Options{AllowSealing: true, InheritOnExec: true})
	mustWrite(t, src, []byte("data"))
	if err := src.AddSeals(memfile.SealShrink); err != nil {
		t.Fatal(err)
	}
	dup, err := src.Dup()
	if err != nil {
		t.Fatal(err)
	}
	fd, _ := dup.Release()
	_, err = memfile.FromFdWithSeals(int(fd), memfile.SealShrink|memfile.SealWrite|memfile.SealGrow)
	if !errors.Is(err, memfile.ErrMissingSeals) || !strings.Contains(err.Error(), "grow|write") {
		t.Fatalf("FromFdWithSeals without write and grow = %v; want ErrMissingSeals naming grow|write", err)
	}
	syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFD, 0)
	m, err := memfile.FromFdWithSeals(int(fd), memfile.SealShrink)
	if err != nil {
		t.Fatalf("FromFdWithSeals(shrink): %v", err)
	}
	defer m.Close()
	if flags, _, _ := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFD, 0); flags&syscall.FD_CLOEXEC == 0 {
		t.Errorf("FromFd did not set close-on-exec")
	}
	buf := make([]byte, 4)
	if _, err := m.ReadAt(buf, 0); err != nil || string(buf) != "data" {
		t.Fatalf("ReadAt on the adopted file = %q, %v", buf, err)
	}
}

func TestConcurrentReadWriteClose(t *testing.T) {
	checkNoFdLeak(t)
	for round := 0; round < 20; round++ {
		m, err := memfile.Create("race", memfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Truncate(4096); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				buf := make([]byte, 64)
				for i := 0; i < 200; i++ {
					var err error
					switch (g + i) % 4 {
					case 0:
						_, err = m.ReadAt(buf, int64(i%64))
					case 1:
						_, err = m.WriteAt(buf, int64(i%64))
					case 2:
						_, err = m.Read(buf)
						if err == io.EOF {
							err = nil
						}
					case 3:
						_, err = m.Size()
					}
					if errors.Is(err, memfile.ErrClosed) {
						return
					}
					if err != nil {
						t.Errorf("goroutine %d: %v", g, err)
						return
					}
				}
			}(g)
		}
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		wg.Wait()
	}
}

func TestFinalizerClosesDescriptor(t *testing.T) {
	before := len(openFds(t))
	func() {
		for i := 0; i < 10; i++ {
			if _, err := memfile.Create("dropped", memfile.Options{}); err != nil {
				t.Fatal(err)
			}
		}
	}()
	for i := 0; i < 50 && len(openFds(t)) > before; i++ {
		runtimeGC()
	}
	if after := len(openFds(t)); after > before {
		t.Fatalf("%d descriptors still open after GC; the finalizer should close dropped MemFiles", after-before)
	}
}

func TestBytesRoundTripLarge(t *testing.T) {
	m := mustCreate(t, "large", memfile.Options{})
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	if _, err := m.Write(data); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(data))
	if _, err := m.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("1 MiB round trip differs")
	}
}
