//go:build go1.18 && linux

package memfile_test

// Fuzz targets for issue 5: names, seal sets, map ranges and adopted
// descriptors. The seed corpora live in testdata/fuzz/<FuzzName>/ and run as
// ordinary tests with every `go test`; fuzz one target with
//
//	go test -run XXX -fuzz '^FuzzCreateName$' -fuzztime 15s .

import (
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/memfile-go/memfile"
)

// FuzzCreateName: Create succeeds exactly when the name has at most
// MaxNameLen bytes and no NUL byte (and the options are known), the kernel
// shows the name unchanged, the options take effect, and no descriptor is
// left behind either way.
func FuzzCreateName(f *testing.F) {
	f.Add("", uint8(0))
	f.Add("memfile", uint8(1))
	f.Add("nul\x00inside", uint8(0))
	f.Add("\x00", uint8(0))
	f.Add(strings.Repeat("a", memfile.MaxNameLen), uint8(0))
	f.Add(strings.Repeat("b", memfile.MaxNameLen+1), uint8(0))
	f.Add(strings.Repeat("c", memfile.MaxNameLen-1)+"\x00", uint8(0))
	f.Add(strings.Repeat("é", 124)+"x", uint8(3)) // 249 bytes of UTF-8
	f.Add(strings.Repeat("é", 125), uint8(3))     // 250 bytes
	f.Add("\xff\xfe not UTF-8 \x80", uint8(8))    // InheritOnExec
	f.Add("slash/and space\nnewline", uint8(4))   // Executable
	f.Add("bad exec policy", uint8(6))            // ExecPolicy(3)
	f.Add("bad huge page size", uint8(0x10))      // HugePageSize(64)
	f.Fuzz(func(t *testing.T, name string, flags uint8) {
		checkNoFdLeak(t)
		opts := memfile.Options{
			AllowSealing:  flags&1 != 0,
			Exec:          memfile.ExecPolicy(flags >> 1 & 3),
			InheritOnExec: flags&8 != 0,
		}
		if h := flags >> 4; h != 0 {
			opts.HugePages = memfile.HugePageSize(63 + h) // all invalid: 64..78
		}
		valid := len(name) <= memfile.MaxNameLen && strings.IndexByte(name, 0) < 0 &&
			opts.Exec <= memfile.KernelDefault && opts.HugePages == memfile.NoHugePages
		m, err := memfile.Create(name, opts)
		if !valid {
			if m != nil {
				m.Close()
				t.Fatalf("Create(%q (%d bytes), %+v) succeeded; the rules forbid it", name, len(name), opts)
			}
			if !errors.Is(err, syscall.EINVAL) {
				t.Fatalf("Create(%q, %+v) = %v; want EINVAL", name, opts, err)
			}
			return
		}
		if err != nil {
			if errors.Is(err, syscall.EACCES) && opts.Exec == memfile.Executable {
				t.Skipf("vm.memfd_noexec=2 forbids Executable: %v", err)
			}
			t.Fatalf("Create(%q (%d bytes, UTF-8 %v), %+v): %v", name, len(name), utf8.ValidString(name), opts, err)
		}
		defer func() {
			if err := m.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
		if m.Name() != name {
			t.Errorf("Name() = %q, want %q", m.Name(), name)
		}
		fd := int(m.Fd())
		link, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
		if want := "/memfd:" + name + " (deleted)"; err != nil || link != want {
			t.Errorf("/proc/self/fd/%d -> %q, %v; want %q", fd, link, err, want)
		}
		fdFlags, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
		if e != 0 || (fdFlags&syscall.FD_CLOEXEC != 0) == opts.InheritOnExec {
			t.Errorf("F_GETFD = %#x, %v; want close-on-exec %v", fdFlags, e, !opts.InheritOnExec)
		}
		seals, err := m.Seals()
		if err != nil || seals.Has(memfile.SealSeal) == opts.AllowSealing {
			t.Errorf("Seals() = %v, %v with AllowSealing %v", seals, err, opts.AllowSealing)
		}
		if opts.Exec == memfile.NoExec {
			var st syscall.Stat_t
			if err := syscall.Fstat(fd, &st); err != nil || st.Mode&0o111 != 0 {
				t.Errorf("NoExec file has mode %#o (%v); want no execute bits", st.Mode&0o7777, err)
			}
		}
	})
}

// parseSeals is the inverse of Seals.String, for the round-trip check.
func parseSeals(s string) (memfile.Seals, bool) {
	if s == "none" {
		return 0, true
	}
	names := map[string]memfile.Seals{
		"seal": memfile.SealSeal, "shrink": memfile.SealShrink, "grow": memfile.SealGrow,
		"write": memfile.SealWrite, "future-write": memfile.SealFutureWrite, "exec": memfile.SealExec,
	}
	var out memfile.Seals
	for _, part := range strings.Split(s, "|") {
		if v, ok := names[part]; ok && out&v == 0 {
			out |= v
			continue
		}
		if !strings.HasPrefix(part, "0x") {
			return 0, false
		}
		v, err := strconv.ParseUint(part[2:], 16, 32)
		if err != nil || v == 0 || memfile.Seals(v)&memfile.SealAll != 0 || out&^memfile.SealAll != 0 {
			return 0, false
		}
		out |= memfile.Seals(v)
	}
	return out, true
}

// FuzzSeals: Seals.String never panics, shows every bit (a known name or the
// hex remainder) and parses back to the same set; Has and Missing agree; and
// AddSeals on a real file adds exactly a known set (or refuses unknown bits
// without a system call) and the kernel then enforces it.
func FuzzSeals(f *testing.F) {
	f.Add(uint32(0), uint32(0))
	f.Add(uint32(memfile.SealAll), uint32(memfile.SealImmutable))
	f.Add(uint32(memfile.SealWrite|0x400), uint32(memfile.SealWrite|0x400))
	f.Add(uint32(0xffffffff), uint32(memfile.SealShrink|memfile.SealGrow))
	f.Add(uint32(0x80000000), uint32(memfile.SealFutureWrite))
	f.Add(uint32(memfile.SealExec), uint32(memfile.SealExec|memfile.SealSeal))
	f.Fuzz(func(t *testing.T, bits, add uint32) {
		s := memfile.Seals(bits)
		str := s.String()
		back, ok := parseSeals(str)
		if !ok || back != s {
			t.Fatalf("Seals(%#x).String() = %q, which parses back to %#x (ok %v)", bits, str, uint32(back), ok)
		}
		if (s == 0) != (str == "none") {
			t.Errorf("Seals(%#x).String() = %q", bits, str)
		}
		a := memfile.Seals(add)
		if s.Missing(a) != a&^s || s.Has(a) != (s.Missing(a) == 0) {
			t.Errorf("Seals(%#x): Missing(%#x) = %#x, Has = %v", bits, add, uint32(s.Missing(a)), s.Has(a))
		}

		checkNoFdLeak(t)
		m := mustCreate(t, "fuzz-seals", memfile.Options{AllowSealing: true})
		mustWrite(t, m, []byte("sealed"))
		before, err := m.Seals()
		if err != nil {
			t.Fatal(err)
		}
		err = m.AddSeals(a)
		after, _ := m.Seals()
		switch {
		case a&^memfile.SealAll != 0:
			if !errors.Is(err, syscall.EINVAL) || after != before {
				t.Fatalf("AddSeals(%v) = %v (seals %v -> %v); want EINVAL and no change", a, err, before, after)
			}
			return
		case errors.Is(err, memfile.ErrNotSupported) && a&(memfile.SealFutureWrite|memfile.SealExec) != 0:
			t.Skipf("the kernel lacks a seal in %v: %v", a, err)
		case err != nil:
			t.Fatalf("AddSeals(%v) on a sealable file: %v", a, err)
		}
		if !after.Has(a | before) {
			t.Fatalf("after AddSeals(%v) the file has %v, was %v", a, after, before)
		}
		_, werr := m.WriteAt([]byte("x"), 0)
		if wantRefused := after&(memfile.SealWrite|memfile.SealFutureWrite) != 0; (werr != nil) != wantRefused {
			t.Errorf("seals %v: WriteAt error %v", after, werr)
		}
		terr := m.Truncate(1)
		if wantRefused := after.Has(memfile.SealShrink); (terr != nil) != wantRefused {
			t.Errorf("seals %v: Truncate(1) error %v", after, terr)
		}
		err = m.AddSeals(memfile.SealGrow)
		if wantRefused := after.Has(memfile.SealSeal); (err != nil) != wantRefused {
			t.Errorf("seals %v: a further AddSeals error %v", after, err)
		}
	})
}

// FuzzMapRange: Map succeeds only for a valid range (positive length, page
// aligned non-negative offset, offset+length within the file, no overflow)
// and a known mode; a mapping shows the file's bytes at the right offset,
// touching its first and last byte never faults, and every mapping is gone
// after Unmap.
func FuzzMapRange(f *testing.F) {
	ps := int64(os.Getpagesize())
	f.Add(int64(0), int64(1), int64(1), uint8(0))
	f.Add(int64(0), ps, ps, uint8(1))
	f.Add(ps, ps, 2*ps, uint8(2))
	f.Add(ps, ps+1, 2*ps, uint8(0))                    // one byte past the end
	f.Add(ps/2, int64(1), 2*ps, uint8(0))              // unaligned offset
	f.Add(-ps, ps, 2*ps, uint8(0))                     // negative offset
	f.Add(int64(0), int64(0), ps, uint8(0))            // empty
	f.Add(int64(0), int64(-1), ps, uint8(0))           // negative length
	f.Add(int64(0), ps, int64(-1), uint8(0))           // negative size
	f.Add(int64(0), ps, ps, uint8(3))                  // unknown mode
	f.Add(int64(5<<30), ps, int64(5<<30)+ps, uint8(1)) // above 4 GiB
	f.Add(int64(1<<62), int64(1<<62), int64(1<<62), uint8(0))
	f.Add(int64(1<<62), int64(1<<62)+1<<61, int64(1<<62), uint8(0))
	f.Add(int64(0x7fffffffffffffff)&^(ps-1), int64(0x7fffffffffffffff), int64(0x7fffffffffffffff), uint8(0)) // end overflows
	f.Add(int64(0), int64(1<<31), int64(1<<31), uint8(0))                                                    // 2 GiB
	f.Add(int64(0), int64(1<<32)+1, int64(1<<33), uint8(2))                                                  // > int32 on 32-bit
	f.Fuzz(func(t *testing.T, offset, length64, size int64, mode uint8) {
		length := int(length64)
		if int64(length) != length64 {
			t.Skipf("length %d does not fit in an int on %s", length64, runtime.GOARCH)
		}
		checkNoFdLeak(t)
		m := mustCreate(t, "fuzz-map", memfile.Options{AllowSealing: true})
		if err := m.Truncate(size); err != nil {
			if size >= 0 && !errors.Is(err, syscall.EFBIG) && !errors.Is(err, syscall.EINVAL) {
				t.Fatalf("Truncate(%d): %v", size, err)
			}
			if size < 0 && !errors.Is(err, syscall.EINVAL) {
				t.Fatalf("Truncate(%d) = %v, want EINVAL", size, err)
			}
		}
		size, err := m.Size()
		if err != nil {
			t.Fatal(err)
		}
		end := offset + int64(length)
		valid := mode <= 2 && length > 0 && offset >= 0 && offset%ps == 0 && end >= offset && end <= size
		if valid {
			// Markers at both ends of the range, to check the mapping's offset.
			if _, err := m.WriteAt([]byte{'A'}, offset); err != nil {
				t.Fatal(err)
			}
			if _, err := m.WriteAt([]byte{'Z'}, end-1); err != nil {
				t.Fatal(err)
			}
		}
		mp, err := m.Map(offset, length, memfile.MapMode(mode))
		if !valid {
			if mp != nil {
				mp.Unmap()
				t.Fatalf("Map(%d, %d, %d) of a %d-byte file succeeded; the range or mode is invalid", offset, length, mode, size)
			}
			if !errors.Is(err, syscall.EINVAL) {
				t.Fatalf("Map(%d, %d, %d) of a %d-byte file = %v; want EINVAL", offset, length, mode, size, err)
			}
			return
		}
		if err != nil {
			if errors.Is(err, syscall.ENOMEM) && length > 64<<20 {
				return // out of address space for a huge range: allowed
			}
			if errors.Is(err, syscall.EOVERFLOW) && mmapOverflows(offset, int64(length), ps) {
				return // past the largest offset the kernel or mmap2 can express
			}
			t.Fatalf("Map(%d, %d, %v) of a %d-byte file: %v", offset, length, memfile.MapMode(mode), size, err)
		}
		b := mp.Bytes()
		if len(b) != length || mp.Len() != length {
			t.Errorf("mapping has %d bytes (Len %d), want %d", len(b), mp.Len(), length)
		}
		first, last := touch(t, b)
		wantFirst := byte('A')
		if length == 1 {
			wantFirst = 'Z'
		}
		if first != wantFirst || last != 'Z' {
			t.Errorf("mapping of [%d, %d) shows %q...%q, want %q...'Z'", offset, end, first, last, wantFirst)
		}
		if memfile.MapMode(mode) != memfile.MapReadOnly {
			b[0] = 'w'
			got := make([]byte, 1)
			if _, err := m.ReadAt(got, offset); err != nil {
				t.Fatal(err)
			}
			if shared := memfile.MapMode(mode) == memfile.MapReadWrite; (got[0] == 'w') != shared {
				t.Errorf("%v mapping: file byte after writing the mapping = %q", memfile.MapMode(mode), got[0])
			}
		}
		if err := mp.Unmap(); err != nil {
			t.Fatalf("Unmap: %v", err)
		}
		if mp.Bytes() != nil || mp.Len() != 0 {
			t.Errorf("after Unmap: Bytes has %d bytes", len(mp.Bytes()))
		}
		if n := memfdMaps(t, "fuzz-map"); n != 0 {
			t.Errorf("%d memfd:fuzz-map mappings remain after Unmap", n)
		}
	})
}

// mmapOverflows reports whether a range within the file is still beyond
// what mmap can express: the kernel refuses (EOVERFLOW) a range whose end,
// rounded up to a page, passes the largest file offset (2^63-1), and the
// 32-bit mmap2 call takes the offset in 4096-byte units in one 32-bit word.
func mmapOverflows(offset, length, ps int64) bool {
	const maxOff = int64(^uint64(0) >> 1)
	if length > maxOff-(ps-1) {
		return true
	}
	aligned := (length + ps - 1) / ps * ps
	if offset > maxOff-aligned {
		return true
	}
	return strconv.IntSize == 32 && offset/4096 > int64(^uint32(0))
}

// touch reads the first and last byte of b, turning a fault into a test
// failure instead of a crash.
func touch(t *testing.T, b []byte) (first, last byte) {
	t.Helper()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("touching a %d-byte mapping faulted: %v", len(b), r)
		}
	}()
	return b[0], b[len(b)-1]
}

// Kinds of descriptor FuzzFromFd offers to FromFd.
const (
	fdMemfd = iota
	fdMemfdUnsealable
	fdMemfdReadOnly
	fdMemfdPath // O_PATH
	fdPipeRead
	fdPipeWrite
	fdSocket
	fdDir
	fdDevNull
	fdTempFile // a regular file in os.TempDir(): sealable only on tmpfs
	fdShmFile  // a regular file in /dev/shm (tmpfs)
	fdEventfd
	fdClosed // a number that is not open
	fdRaw    // the fuzzed number itself, which may be anything
	fdAlias  // a memfd's number plus a multiple of 2^32 (64-bit only)
	fdKinds
)

const (
	tmpfsMagic     = 0x01021994
	hugetlbfsMagic = 0x958458f6
	oPath          = 0x200000 // O_PATH on every Linux GOARCH
	fGetSeals      = 1034     // F_GET_SEALS
)

// fdState is what the test knows about a descriptor before FromFd.
type fdState struct {
	open      bool
	flags     uintptr // F_GETFD
	dev, ino  uint64
	adoptable bool // a regular tmpfs/hugetlbfs file, not O_PATH
	seals     memfile.Seals
}

func describeFd(fd int) fdState {
	var s fdState
	if fd < 0 || int64(fd) != int64(int32(fd)) {
		return s
	}
	flags, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	if e != 0 {
		return s
	}
	s.open, s.flags = true, flags
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil {
		return s
	}
	s.dev, s.ino = uint64(st.Dev), uint64(st.Ino)
	var sfs syscall.Statfs_t
	fl, _, e1 := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || e1 != 0 || fl&oPath != 0 || syscall.Fstatfs(fd, &sfs) != nil {
		return s
	}
	magic := uint32(sfs.Type)
	s.adoptable = magic == tmpfsMagic || magic == hugetlbfsMagic
	if r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), fGetSeals, 0); e == 0 {
		s.seals = memfile.Seals(r)
	}
	return s
}

// FuzzFromFd: FromFdWithSeals never panics, accepts only regular tmpfs or
// hugetlbfs files (memfds) that carry the required seals, takes ownership
// only then, and never closes or alters a descriptor it refused.
func FuzzFromFd(f *testing.F) {
	for k := uint8(0); k < fdKinds; k++ {
		f.Add(k, int64(0), uint32(0))
	}
	f.Add(uint8(fdMemfd), int64(0), uint32(memfile.SealImmutable))
	f.Add(uint8(fdMemfdUnsealable), int64(0), uint32(memfile.SealSeal))
	f.Add(uint8(fdMemfd), int64(0), uint32(0x400))
	f.Add(uint8(fdRaw), int64(-1), uint32(0))
	f.Add(uint8(fdRaw), int64(1), uint32(0))
	f.Add(uint8(fdRaw), int64(0x7fffffff), uint32(0))
	f.Add(uint8(fdRaw), int64(1<<32), uint32(0))
	f.Add(uint8(fdRaw), int64(-1<<63), uint32(0))
	f.Add(uint8(fdClosed), int64(123456), uint32(0))
	f.Add(uint8(fdAlias), int64(1), uint32(0))
	f.Add(uint8(fdAlias), int64(0x7fffffff), uint32(0))
	f.Fuzz(func(t *testing.T, kind uint8, n int64, required uint32) {
		checkNoFdLeak(t)
		kind %= fdKinds
		own := true // the test owns fd and must close it unless adopted
		var fd int
		var err error
		switch kind {
		case fdMemfd, fdMemfdUnsealable, fdAlias:
			var m *memfile.MemFile
			m, err = memfile.Create("fuzz-fromfd", memfile.Options{AllowSealing: kind != fdMemfdUnsealable})
			if err == nil {
				if kind == fdMemfd {
					m.AddSeals(memfile.Seals(n) & memfile.SealImmutable)
				}
				p, _ := m.Release()
				fd = int(p)
			}
		case fdMemfdReadOnly, fdMemfdPath:
			var m *memfile.MemFile
			m, err = memfile.Create("fuzz-fromfd", memfile.Options{AllowSealing: true})
			if err == nil {
				mode := syscall.O_RDONLY
				if kind == fdMemfdPath {
					mode = oPath
				}
				fd, err = syscall.Open("/proc/self/fd/"+strconv.Itoa(int(m.Fd())), mode|syscall.O_CLOEXEC, 0)
				m.Close()
			}
		case fdPipeRead, fdPipeWrite:
			p := make([]int, 2)
			if err = syscall.Pipe2(p, syscall.O_CLOEXEC); err == nil {
				fd = p[kind-fdPipeRead]
				syscall.Close(p[1-(kind-fdPipeRead)])
			}
		case fdSocket:
			var p [2]int
			if p, err = syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0); err == nil {
				fd = p[0]
				syscall.Close(p[1])
			}
		case fdDir:
			fd, err = syscall.Open("/", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		case fdDevNull:
			fd, err = syscall.Open("/dev/null", syscall.O_RDWR|syscall.O_CLOEXEC, 0)
		case fdTempFile, fdShmFile:
			dir := os.TempDir()
			if kind == fdShmFile {
				dir = "/dev/shm"
			}
			var tf *os.File
			if tf, err = os.CreateTemp(dir, "memfile-fuzz-"); err == nil {
				os.Remove(tf.Name())
				fd, err = syscall.Dup(int(tf.Fd()))
				tf.Close()
				syscall.CloseOnExec(fd)
			} else if kind == fdShmFile {
				t.Skipf("no /dev/shm to make a tmpfs file in: %v", err)
			}
		case fdEventfd:
			r, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC, 0)
			fd = int(r)
			if e != 0 {
				err = e
			}
		case fdClosed:
			fd = 64 + int(uint64(n)%100000)
			for describeFd(fd).open {
				fd++
			}
		case fdRaw:
			fd = int(n)
			if int64(fd) != n {
				t.Skipf("%d is not an int on %s", n, runtime.GOARCH)
			}
			own = false
		}
		if err != nil {
			t.Fatalf("making a descriptor of kind %d: %v", kind, err)
		}
		target := fd
		if kind == fdAlias {
			if strconv.IntSize == 32 {
				syscall.Close(fd)
				t.Skipf("int is 32 bits on %s: no descriptor number aliases another", runtime.GOARCH)
			}
			target = int(int64(fd) + int64(1+uint64(n)%0x7fffffff)<<32) // same low 32 bits
		}
		if own && kind != fdClosed {
			defer func() {
				if own {
					syscall.Close(fd)
				}
			}()
		}
		before := describeFd(target)
		held := describeFd(fd) // what the real descriptor is, for fdAlias

		m, err := memfile.FromFdWithSeals(target, memfile.Seals(required))
		after := describeFd(fd)
		if after.open != held.open || after.dev != held.dev || after.ino != held.ino {
			t.Fatalf("FromFd(%d) (kind %d) changed descriptor %d: %+v -> %+v", target, kind, fd, held, after)
		}
		wantAccept := before.open && before.adoptable && before.seals.Has(memfile.Seals(required))
		if m == nil {
			if err == nil {
				t.Fatalf("FromFd(%d) returned neither a file nor an error", target)
			}
			if wantAccept {
				t.Fatalf("FromFd(%d) (kind %d, %+v) refused an adoptable descriptor: %v", target, kind, before, err)
			}
			if after.flags != held.flags {
				t.Errorf("FromFd(%d) refused it but changed its flags %#x -> %#x", target, held.flags, after.flags)
			}
			switch {
			case !before.open:
				if !errors.Is(err, syscall.EBADF) {
					t.Errorf("FromFd(%d) of a number that is not open = %v; want EBADF", target, err)
				}
			case before.adoptable:
				if !errors.Is(err, memfile.ErrMissingSeals) {
					t.Errorf("FromFdWithSeals(%d, %v) of a file with %v = %v; want ErrMissingSeals", target, memfile.Seals(required), before.seals, err)
				}
			case !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.EBADF):
				t.Errorf("FromFd(%d) (kind %d) = %v; want EINVAL or EBADF", target, kind, err)
			}
			return
		}
		// Accepted: the MemFile owns the descriptor now.
		if !wantAccept {
			m.Release()
			t.Fatalf("FromFd(%d) (kind %d, %+v) accepted a descriptor it must refuse", target, kind, before)
		}
		if int(m.Fd()) != target || m.Name() != "" {
			t.Errorf("adopted file: Fd %d, Name %q; want %d, \"\"", m.Fd(), m.Name(), target)
		}
		if after.flags&syscall.FD_CLOEXEC == 0 {
			t.Errorf("adopted descriptor %d has no close-on-exec", target)
		}
		if !own {
			m.Release() // not the test's to close
			return
		}
		own = false
		if err := m.Close(); err != nil {
			t.Errorf("Close of the adopted file: %v", err)
		}
		if describeFd(fd).open {
			t.Errorf("descriptor %d still open after Close of the adopted file", fd)
		}
	})
}
