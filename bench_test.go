//go:build linux

package memfile

// Benchmarks of the hot paths, each paired with a baseline that makes exactly
// the same system calls directly through syscall.Syscall, with the same
// generated numbers and constants the library uses: the baseline is the floor
// the wrapper is measured against. Every benchmark has two sub-benchmarks,
// "memfile" (the library) and "syscall" (the baseline), which run one after
// the other so that both see the same machine state; scripts/bench.sh runs
// them several times and prints the medians and their ratio.
//
// The per-architecture pieces of the baselines (mmap, lseek, fstat) are in
// bench_linux*_test.go. TestPairedOverhead, at the end, measures the same
// pairs by alternating short batches, which resists a busy machine better.

import (
	"errors"
	"io"
	"os"
	"sort"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

const (
	bench4K = 4 << 10
	bench1M = 1 << 20
)

// benchCName is the name both sides pass to memfd_create.
var benchCName = [...]byte{'b', 'e', 'n', 'c', 'h', 0}

// sinkInt keeps results alive so the compiler cannot drop the calls.
var sinkInt int

// rawCreateDefault is what Create(name, Options{}) does on this kernel:
// memfd_create(MFD_CLOEXEC|MFD_NOEXEC_SEAL) and fcntl(F_ADD_SEALS,
// F_SEAL_SEAL) since Linux 6.3; before, memfd_create(MFD_CLOEXEC) and
// fchmod(0666) (the library learns which on its first call, and so must
// have been called once before).
func rawCreateDefault() (int, syscall.Errno) {
	name := uintptr(unsafe.Pointer(&benchCName[0]))
	if atomic.LoadInt32(&execFlagsRejected) != 0 {
		fd, _, e := syscall.Syscall(_SYS_MEMFD_CREATE, name, _MFD_CLOEXEC, 0)
		if e != 0 {
			return -1, e
		}
		_, _, e = syscall.Syscall(_SYS_FCHMOD, fd, 0666, 0)
		return int(fd), e
	}
	fd, _, e := syscall.Syscall(_SYS_MEMFD_CREATE, name, _MFD_CLOEXEC|_MFD_NOEXEC_SEAL, 0)
	if e != 0 {
		return -1, e
	}
	_, _, e = syscall.Syscall(_SYS_FCNTL, fd, _F_ADD_SEALS, _F_SEAL_SEAL)
	return int(fd), e
}

// rawCreateSealable is what Create(name, Options{AllowSealing: true}) does
// on this kernel (with the pre-6.3 fallback as above).
func rawCreateSealable() (int, syscall.Errno) {
	name := uintptr(unsafe.Pointer(&benchCName[0]))
	if atomic.LoadInt32(&execFlagsRejected) != 0 {
		fd, _, e := syscall.Syscall(_SYS_MEMFD_CREATE, name, _MFD_CLOEXEC|_MFD_ALLOW_SEALING, 0)
		if e != 0 {
			return -1, e
		}
		_, _, e = syscall.Syscall(_SYS_FCHMOD, fd, 0666, 0)
		return int(fd), e
	}
	fd, _, e := syscall.Syscall(_SYS_MEMFD_CREATE, name, _MFD_CLOEXEC|_MFD_ALLOW_SEALING|_MFD_NOEXEC_SEAL, 0)
	return int(fd), e
}

func rawClose(fd int) syscall.Errno {
	_, _, e := syscall.Syscall(_SYS_CLOSE, uintptr(fd), 0, 0)
	return e
}

// addSealsRetry and rawSealImmutable retry the write seal a few times on
// EBUSY, on both sides alike. Besides a shared mapping (there is none here)
// the kernel refuses it when a page of the file still has an extra
// reference after it has waited a while for it to go (mm/memfd.c,
// memfd_wait_for_pins): seen once in a six-run scripts/bench.sh on a loaded
// 2-CPU VM whose kernel runs DAMON's physical-page monitor. The retry costs
// nothing otherwise.
func addSealsRetry(m *MemFile, s Seals) error {
	var err error
	for try := 0; try < 5; try++ {
		if err = m.AddSeals(s); !errors.Is(err, syscall.EBUSY) {
			return err
		}
	}
	return err
}

func rawSealImmutable(fd int) syscall.Errno {
	var e syscall.Errno
	for try := 0; try < 5; try++ {
		_, _, e = syscall.Syscall(_SYS_FCNTL, uintptr(fd), _F_ADD_SEALS, _F_SEAL_SEAL|_F_SEAL_SHRINK|_F_SEAL_GROW|_F_SEAL_WRITE)
		if e != syscall.EBUSY {
			return e
		}
	}
	return e
}

// benchFile returns a sealable MemFile of size bytes, closed when b ends.
func benchFile(b *testing.B, size int) *MemFile {
	b.Helper()
	m, err := Create("bench", Options{AllowSealing: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	if size > 0 {
		if _, err := m.WriteAt(make([]byte, size), 0); err != nil {
			b.Fatal(err)
		}
	}
	return m
}

func BenchmarkCreateClose(b *testing.B) {
	// Let Create learn the kernel's answer to the exec flags first.
	m, err := Create("bench", Options{})
	if err != nil {
		b.Fatal(err)
	}
	m.Close()
	b.Run("memfile", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			m, err := Create("bench", Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := m.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("syscall", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			fd, e := rawCreateDefault()
			if e != 0 {
				b.Fatal(e)
			}
			if e := rawClose(fd); e != 0 {
				b.Fatal(e)
			}
		}
	})
}

// BenchmarkCreateWriteSealClose is the producer's side of a handoff: a
// sealable file, 4 KiB written with write(2), SealImmutable, close.
func BenchmarkCreateWriteSealClose(b *testing.B) {
	m, err := Create("bench", Options{AllowSealing: true})
	if err != nil {
		b.Fatal(err)
	}
	m.Close()
	data := make([]byte, bench4K)
	b.Run("memfile", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(bench4K)
		for i := 0; i < b.N; i++ {
			m, err := Create("bench", Options{AllowSealing: true})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.Write(data); err != nil {
				b.Fatal(err)
			}
			if err := addSealsRetry(m, SealImmutable); err != nil {
				b.Fatal(err)
			}
			if err := m.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("syscall", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(bench4K)
		for i := 0; i < b.N; i++ {
			fd, e := rawCreateSealable()
			if e != 0 {
				b.Fatal(e)
			}
			n, _, e := syscall.Syscall(_SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&data[0])), uintptr(len(data)))
			if e != 0 || int(n) != len(data) {
				b.Fatal(n, e)
			}
			if e := rawSealImmutable(fd); e != 0 {
				b.Fatal(e)
			}
			if e := rawClose(fd); e != 0 {
				b.Fatal(e)
			}
		}
	})
}

func BenchmarkSeals(b *testing.B) {
	m := benchFile(b, 0)
	b.Run("memfile", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			s, err := m.Seals()
			if err != nil {
				b.Fatal(err)
			}
			sinkInt += int(s)
		}
	})
	fd := uintptr(m.fd)
	b.Run("syscall", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			r, _, e := syscall.Syscall(_SYS_FCNTL, fd, _F_GET_SEALS, 0)
			if e != 0 {
				b.Fatal(e)
			}
			sinkInt += int(r)
		}
	})
}

// BenchmarkAddSeals adds a seal the file already has: the kernel does the
// full F_ADD_SEALS path, and the call can be repeated.
func BenchmarkAddSeals(b *testing.B) {
	m := benchFile(b, 0)
	if err := m.AddSeals(SealShrink); err != nil {
		b.Fatal(err)
	}
	b.Run("memfile", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := m.AddSeals(SealShrink); err != nil {
				b.Fatal(err)
			}
		}
	})
	fd := uintptr(m.fd)
	b.Run("syscall", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, _, e := syscall.Syscall(_SYS_FCNTL, fd, _F_ADD_SEALS, _F_SEAL_SHRINK); e != 0 {
				b.Fatal(e)
			}
		}
	})
}

// BenchmarkRead4K and BenchmarkWrite4K rewind with Seek after each call, on
// both sides (lseek, or _llseek on 32-bit Linux, as the library does).
func BenchmarkRead4K(b *testing.B) {
	m := benchFile(b, bench4K)
	buf := make([]byte, bench4K)
	b.Run("memfile", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(bench4K)
		for i := 0; i < b.N; i++ {
			if n, err := m.Read(buf); err != nil || n != len(buf) {
				b.Fatal(n, err)
			}
			if _, err := m.Seek(0, io.SeekStart); err != nil {
				b.Fatal(err)
			}
		}
	})
	fd := m.fd
	b.Run("syscall", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(bench4K)
		for i := 0; i < b.N; i++ {
			n, _, e := syscall.Syscall(_SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
			if e != 0 || int(n) != len(buf) {
				b.Fatal(n, e)
			}
			if e := rawSeek0(fd); e != 0 {
				b.Fatal(e)
			}
		}
	})
}

func BenchmarkWrite4K(b *testing.B) {
	m := benchFile(b, 0)
	buf := make([]byte, bench4K)
	b.Run("memfile", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(bench4K)
		for i := 0; i < b.N; i++ {
			if n, err := m.Write(buf); err != nil || n != len(buf) {
				b.Fatal(n, err)
			}
			if _, err := m.Seek(0, io.SeekStart); err != nil {
				b.Fatal(err)
			}
		}
	})
	fd := m.fd
	b.Run("syscall", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(bench4K)
		for i := 0; i < b.N; i++ {
			n, _, e := syscall.Syscall(_SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
			if e != 0 || int(n) != len(buf) {
				b.Fatal(n, e)
			}
			if e := rawSeek0(fd); e != 0 {
				b.Fatal(e)
			}
		}
	})
}

// benchReadAt and benchWriteAt use offset 0, whose argument words are zero
// in every ABI's encoding, so the baseline needs no per-architecture split.
func benchReadAt(b *testing.B, size int) {
	m := benchFile(b, size)
	buf := make([]byte, size)
	b.Run("memfile", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size))
		for i := 0; i < b.N; i++ {
			if n, err := m.ReadAt(buf, 0); err != nil || n != len(buf) {
				b.Fatal(n, err)
			}
		}
	})
	fd := uintptr(m.fd)
	b.Run("syscall", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size))
		for i := 0; i < b.N; i++ {
			n, _, e := syscall.Syscall6(sysPreadNr, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0, 0)
			if e != 0 || int(n) != len(buf) {
				b.Fatal(n, e)
			}
		}
	})
}

func benchWriteAt(b *testing.B, size int) {
	m := benchFile(b, size)
	buf := make([]byte, size)
	b.Run("memfile", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size))
		for i := 0; i < b.N; i++ {
			if n, err := m.WriteAt(buf, 0); err != nil || n != len(buf) {
				b.Fatal(n, err)
			}
		}
	})
	fd := uintptr(m.fd)
	b.Run("syscall", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size))
		for i := 0; i < b.N; i++ {
			n, _, e := syscall.Syscall6(sysPwriteNr, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0, 0)
			if e != 0 || int(n) != len(buf) {
				b.Fatal(n, e)
			}
		}
	})
}

func BenchmarkReadAt4K(b *testing.B)  { benchReadAt(b, bench4K) }
func BenchmarkReadAt1M(b *testing.B)  { benchReadAt(b, bench1M) }
func BenchmarkWriteAt4K(b *testing.B) { benchWriteAt(b, bench4K) }
func BenchmarkWriteAt1M(b *testing.B) { benchWriteAt(b, bench1M) }

// BenchmarkMapUnmap1M maps 1 MiB read-only and unmaps it without touching
// it: fstat (the size check), mmap and munmap on both sides.
func BenchmarkMapUnmap1M(b *testing.B) {
	m := benchFile(b, bench1M)
	b.Run("memfile", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			mp, err := m.Map(0, bench1M, MapReadOnly)
			if err != nil {
				b.Fatal(err)
			}
			if err := mp.Unmap(); err != nil {
				b.Fatal(err)
			}
		}
	})
	fd := m.fd
	b.Run("syscall", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_, size, e := rawFstat(fd)
			if e != 0 || size < bench1M {
				b.Fatal(size, e)
			}
			addr, e := rawMmap(fd, bench1M, _PROT_READ, _MAP_SHARED)
			if e != 0 {
				b.Fatal(e)
			}
			if _, _, e := syscall.Syscall(_SYS_MUNMAP, addr, bench1M, 0); e != 0 {
				b.Fatal(e)
			}
		}
	})
}

// BenchmarkFromFd adopts a descriptor and gives it back with Release (which
// makes no system call): fstat, fcntl(F_GET_SEALS), fcntl(F_SETFD) on both
// sides.
func BenchmarkFromFd(b *testing.B) {
	m := benchFile(b, 0)
	fd := m.fd
	b.Run("memfile", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			a, err := FromFd(fd)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := a.Release(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("syscall", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			mode, _, e := rawFstat(fd)
			if e != 0 || mode&_S_IFMT != _S_IFREG {
				b.Fatal(mode, e)
			}
			r, _, e := syscall.Syscall(_SYS_FCNTL, uintptr(fd), _F_GET_SEALS, 0)
			if e != 0 {
				b.Fatal(e)
			}
			sinkInt += int(r)
			if _, _, e := syscall.Syscall(_SYS_FCNTL, uintptr(fd), _F_SETFD, _FD_CLOEXEC); e != 0 {
				b.Fatal(e)
			}
		}
	})
}

// TestPairedOverhead is the noise-resistant twin of the benchmarks above,
// for shared or busy machines (scripts/bench.sh runs it): for each pair it
// alternates short batches of the wrapper and of its baseline, in turn
// starting with either, and reports the medians over the rounds of the
// per-op times and of the per-round ratio. A disturbance then hits one
// round of both sides rather than all of one side. Both sides are closures,
// so both pay the same extra call. It runs only when MEMFILE_BENCH_PAIRED is
// set (to the number of rounds, or 1 for the default 200).
func TestPairedOverhead(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv("MEMFILE_BENCH_PAIRED"))
	if rounds <= 0 {
		t.Skip("set MEMFILE_BENCH_PAIRED=1 (or a number of rounds) to measure; scripts/bench.sh does")
	}
	if rounds == 1 {
		rounds = 200
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	mustErrno := func(e syscall.Errno) {
		if e != 0 {
			t.Fatal(e)
		}
	}
	f, err := Create("bench", Options{AllowSealing: true})
	must(err)
	defer f.Close()
	_, err = f.WriteAt(make([]byte, bench1M), 0)
	must(err)
	must(f.AddSeals(SealShrink))
	fd := f.fd
	w, err := Create("bench", Options{AllowSealing: true}) // for Write/WriteAt
	must(err)
	defer w.Close()
	wfd := w.fd
	buf4K, buf1M := make([]byte, bench4K), make([]byte, bench1M)
	p4K, p1M := uintptr(unsafe.Pointer(&buf4K[0])), uintptr(unsafe.Pointer(&buf1M[0]))

	pairs := []struct {
		name      string
		batch     int
		wrap, raw func()
	}{
		{"CreateClose", 50, func() {
			m, err := Create("bench", Options{})
			must(err)
			must(m.Close())
		}, func() {
			fd, e := rawCreateDefault()
			mustErrno(e)
			mustErrno(rawClose(fd))
		}},
		{"CreateWriteSealClose", 30, func() {
			m, err := Create("bench", Options{AllowSealing: true})
			must(err)
			_, err = m.Write(buf4K)
			must(err)
			must(addSealsRetry(m, SealImmutable))
			must(m.Close())
		}, func() {
			fd, e := rawCreateSealable()
			mustErrno(e)
			_, _, e = syscall.Syscall(_SYS_WRITE, uintptr(fd), p4K, bench4K)
			mustErrno(e)
			mustErrno(rawSealImmutable(fd))
			mustErrno(rawClose(fd))
		}},
		{"Seals", 1000, func() {
			s, err := f.Seals()
			must(err)
			sinkInt += int(s)
		}, func() {
			r, _, e := syscall.Syscall(_SYS_FCNTL, uintptr(fd), _F_GET_SEALS, 0)
			mustErrno(e)
			sinkInt += int(r)
		}},
		{"AddSeals", 1000, func() {
			must(f.AddSeals(SealShrink))
		}, func() {
			_, _, e := syscall.Syscall(_SYS_FCNTL, uintptr(fd), _F_ADD_SEALS, _F_SEAL_SHRINK)
			mustErrno(e)
		}},
		{"Read4K", 300, func() {
			_, err := f.Read(buf4K)
			must(err)
			_, err = f.Seek(0, io.SeekStart)
			must(err)
		}, func() {
			_, _, e := syscall.Syscall(_SYS_READ, uintptr(fd), p4K, bench4K)
			mustErrno(e)
			mustErrno(rawSeek0(fd))
		}},
		{"Write4K", 300, func() {
			_, err := w.Write(buf4K)
			must(err)
			_, err = w.Seek(0, io.SeekStart)
			must(err)
		}, func() {
			_, _, e := syscall.Syscall(_SYS_WRITE, uintptr(wfd), p4K, bench4K)
			mustErrno(e)
			mustErrno(rawSeek0(wfd))
		}},
		{"ReadAt4K", 400, func() {
			_, err := f.ReadAt(buf4K, 0)
			must(err)
		}, func() {
			_, _, e := syscall.Syscall6(sysPreadNr, uintptr(fd), p4K, bench4K, 0, 0, 0)
			mustErrno(e)
		}},
		{"ReadAt1M", 4, func() {
			_, err := f.ReadAt(buf1M, 0)
			must(err)
		}, func() {
			_, _, e := syscall.Syscall6(sysPreadNr, uintptr(fd), p1M, bench1M, 0, 0, 0)
			mustErrno(e)
		}},
		{"WriteAt4K", 400, func() {
			_, err := w.WriteAt(buf4K, 0)
			must(err)
		}, func() {
			_, _, e := syscall.Syscall6(sysPwriteNr, uintptr(wfd), p4K, bench4K, 0, 0, 0)
			mustErrno(e)
		}},
		{"WriteAt1M", 3, func() {
			_, err := w.WriteAt(buf1M, 0)
			must(err)
		}, func() {
			_, _, e := syscall.Syscall6(sysPwriteNr, uintptr(wfd), p1M, bench1M, 0, 0, 0)
			mustErrno(e)
		}},
		{"MapUnmap1M", 50, func() {
			mp, err := f.Map(0, bench1M, MapReadOnly)
			must(err)
			must(mp.Unmap())
		}, func() {
			_, size, e := rawFstat(fd)
			mustErrno(e)
			if size < bench1M {
				t.Fatal(size)
			}
			addr, e := rawMmap(fd, bench1M, _PROT_READ, _MAP_SHARED)
			mustErrno(e)
			_, _, e = syscall.Syscall(_SYS_MUNMAP, addr, bench1M, 0)
			mustErrno(e)
		}},
		{"FromFd", 200, func() {
			a, err := FromFd(fd)
			must(err)
			_, err = a.Release()
			must(err)
		}, func() {
			mode, _, e := rawFstat(fd)
			mustErrno(e)
			if mode&_S_IFMT != _S_IFREG {
				t.Fatal(mode)
			}
			r, _, e := syscall.Syscall(_SYS_FCNTL, uintptr(fd), _F_GET_SEALS, 0)
			mustErrno(e)
			sinkInt += int(r)
			_, _, e = syscall.Syscall(_SYS_FCNTL, uintptr(fd), _F_SETFD, _FD_CLOEXEC)
			mustErrno(e)
		}},
	}
	for _, p := range pairs {
		wrapNs, rawNs, ratios := make([]float64, rounds), make([]float64, rounds), make([]float64, rounds)
		for i := 0; i < p.batch; i++ { // warm up
			p.wrap()
			p.raw()
		}
		for r := 0; r < rounds; r++ {
			first, second := p.wrap, p.raw
			if r%2 == 1 {
				first, second = p.raw, p.wrap
			}
			t0 := time.Now()
			for i := 0; i < p.batch; i++ {
				first()
			}
			t1 := time.Now()
			for i := 0; i < p.batch; i++ {
				second()
			}
			d1, d2 := float64(t1.Sub(t0)), float64(time.Since(t1))
			if r%2 == 1 {
				d1, d2 = d2, d1
			}
			wrapNs[r], rawNs[r], ratios[r] = d1/float64(p.batch), d2/float64(p.batch), d1/d2
		}
		sort.Float64s(wrapNs)
		sort.Float64s(rawNs)
		sort.Float64s(ratios)
		t.Logf("paired %s memfile=%.1f syscall=%.1f ratio=%.3f q1=%.3f q3=%.3f rounds=%d",
			p.name, wrapNs[rounds/2], rawNs[rounds/2], ratios[rounds/2], ratios[rounds/4], ratios[3*rounds/4], rounds)
	}
}
