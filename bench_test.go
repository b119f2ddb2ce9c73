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

// benchPair is one operation measured two ways: wrap through the library,
// raw through syscall.Syscall with the same system calls. Each returns the
// failure, so the runner reports it from its own goroutine; both are
// closures, so both pay the same extra call.
type benchPair struct {
	name  string
	batch int   // calls per batch in TestPairedOverhead
	bytes int64 // bytes per call, for b.SetBytes; 0 for none
	wrap  func() error
	raw   func() error
}

// errnoErr0 turns a zero Errno into a nil error.
func errnoErr0(e syscall.Errno) error {
	if e != 0 {
		return e
	}
	return nil
}

// benchPairs returns every pair, on files that are closed when tb ends: f
// holds 1 MiB and has SealShrink, w is written by the write benchmarks.
func benchPairs(tb testing.TB) []benchPair {
	tb.Helper()
	// Let Create learn the kernel's answer to the exec flags first.
	for _, o := range []Options{{}, {AllowSealing: true}} {
		m, err := Create("bench", o)
		if err != nil {
			tb.Fatal(err)
		}
		m.Close()
	}
	f, err := Create("bench", Options{AllowSealing: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	if _, err := f.WriteAt(make([]byte, bench1M), 0); err != nil {
		tb.Fatal(err)
	}
	if err := f.AddSeals(SealShrink); err != nil {
		tb.Fatal(err)
	}
	w, err := Create("bench", Options{AllowSealing: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	fd, wfd := f.fd, w.fd
	buf4K, buf1M := make([]byte, bench4K), make([]byte, bench1M)
	p4K, p1M := uintptr(unsafe.Pointer(&buf4K[0])), uintptr(unsafe.Pointer(&buf1M[0]))

	readAt := func(buf []byte) func() error {
		return func() error { _, err := f.ReadAt(buf, 0); return err }
	}
	preadRaw := func(p uintptr, n int) func() error {
		return func() error {
			_, _, e := syscall.Syscall6(sysPreadNr, uintptr(fd), p, uintptr(n), 0, 0, 0)
			return errnoErr0(e)
		}
	}
	writeAt := func(buf []byte) func() error {
		return func() error { _, err := w.WriteAt(buf, 0); return err }
	}
	pwriteRaw := func(p uintptr, n int) func() error {
		return func() error {
			_, _, e := syscall.Syscall6(sysPwriteNr, uintptr(wfd), p, uintptr(n), 0, 0, 0)
			return errnoErr0(e)
		}
	}
	return []benchPair{
		{"CreateClose", 50, 0, func() error {
			m, err := Create("bench", Options{})
			if err != nil {
				return err
			}
			return m.Close()
		}, func() error {
			fd, e := rawCreateDefault()
			if e != 0 {
				return e
			}
			return errnoErr0(rawClose(fd))
		}},
		// The producer's side of a handoff: a sealable file, 4 KiB written
		// with write(2), SealImmutable, close.
		{"CreateWriteSealClose", 30, bench4K, func() error {
			m, err := Create("bench", Options{AllowSealing: true})
			if err != nil {
				return err
			}
			if _, err := m.Write(buf4K); err != nil {
				return err
			}
			if err := addSealsRetry(m, SealImmutable); err != nil {
				return err
			}
			return m.Close()
		}, func() error {
			fd, e := rawCreateSealable()
			if e != 0 {
				return e
			}
			if _, _, e := syscall.Syscall(_SYS_WRITE, uintptr(fd), p4K, bench4K); e != 0 {
				return e
			}
			if e := rawSealImmutable(fd); e != 0 {
				return e
			}
			return errnoErr0(rawClose(fd))
		}},
		{"Seals", 1000, 0, func() error {
			s, err := f.Seals()
			sinkInt += int(s)
			return err
		}, func() error {
			r, _, e := syscall.Syscall(_SYS_FCNTL, uintptr(fd), _F_GET_SEALS, 0)
			sinkInt += int(r)
			return errnoErr0(e)
		}},
		{"AddSeals", 1000, 0, func() error {
			return f.AddSeals(SealShrink)
		}, func() error {
			_, _, e := syscall.Syscall(_SYS_FCNTL, uintptr(fd), _F_ADD_SEALS, _F_SEAL_SHRINK)
			return errnoErr0(e)
		}},
		// Read4K and Write4K rewind with Seek after each call, on both sides
		// (lseek, or _llseek on 32-bit Linux, as the library does).
		{"Read4K", 300, bench4K, func() error {
			if _, err := f.Read(buf4K); err != nil {
				return err
			}
			_, err := f.Seek(0, io.SeekStart)
			return err
		}, func() error {
			if _, _, e := syscall.Syscall(_SYS_READ, uintptr(fd), p4K, bench4K); e != 0 {
				return e
			}
			return errnoErr0(rawSeek0(fd))
		}},
		{"Write4K", 300, bench4K, func() error {
			if _, err := w.Write(buf4K); err != nil {
				return err
			}
			_, err := w.Seek(0, io.SeekStart)
			return err
		}, func() error {
			if _, _, e := syscall.Syscall(_SYS_WRITE, uintptr(wfd), p4K, bench4K); e != 0 {
				return e
			}
			return errnoErr0(rawSeek0(wfd))
		}},
		{"ReadAt4K", 400, bench4K, readAt(buf4K), preadRaw(p4K, bench4K)},
		{"ReadAt1M", 4, bench1M, readAt(buf1M), preadRaw(p1M, bench1M)},
		{"WriteAt4K", 400, bench4K, writeAt(buf4K), pwriteRaw(p4K, bench4K)},
		{"WriteAt1M", 3, bench1M, writeAt(buf1M), pwriteRaw(p1M, bench1M)},
		// Map does fstat (the range check) and mmap.
		{"MapUnmap1M", 50, 0, func() error {
			mp, err := f.Map(0, bench1M, MapReadOnly)
			if err != nil {
				return err
			}
			return mp.Unmap()
		}, func() error {
			_, size, e := rawFstat(fd)
			if e != 0 {
				return e
			}
			if size < bench1M {
				return errors.New("file too small")
			}
			addr, e := rawMmap(fd, bench1M, _PROT_READ, _MAP_SHARED)
			if e != 0 {
				return e
			}
			_, _, e = syscall.Syscall(_SYS_MUNMAP, addr, bench1M, 0)
			return errnoErr0(e)
		}},
		// FromFd does fstat, F_GET_SEALS and F_SETFD; Release gives the
		// descriptor back without a system call.
		{"FromFd", 200, 0, func() error {
			a, err := FromFd(fd)
			if err != nil {
				return err
			}
			_, err = a.Release()
			return err
		}, func() error {
			mode, _, e := rawFstat(fd)
			if e != 0 {
				return e
			}
			if mode&_S_IFMT != _S_IFREG {
				return errors.New("not a regular file")
			}
			r, _, e := syscall.Syscall(_SYS_FCNTL, uintptr(fd), _F_GET_SEALS, 0)
			if e != 0 {
				return e
			}
			sinkInt += int(r)
			_, _, e = syscall.Syscall(_SYS_FCNTL, uintptr(fd), _F_SETFD, _FD_CLOEXEC)
			return errnoErr0(e)
		}},
	}
}

// runPair runs the pair called name as the sub-benchmarks "memfile" and
// "syscall", one after the other, so both see the same machine state.
func runPair(b *testing.B, name string) {
	for _, p := range benchPairs(b) {
		if p.name != name {
			continue
		}
		for _, side := range []struct {
			name string
			op   func() error
		}{{"memfile", p.wrap}, {"syscall", p.raw}} {
			op, bytes := side.op, p.bytes
			b.Run(side.name, func(b *testing.B) {
				b.ReportAllocs()
				if bytes > 0 {
					b.SetBytes(bytes)
				}
				for i := 0; i < b.N; i++ {
					if err := op(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		return
	}
	b.Fatalf("no benchmark pair %q", name)
}

func BenchmarkCreateClose(b *testing.B)          { runPair(b, "CreateClose") }
func BenchmarkCreateWriteSealClose(b *testing.B) { runPair(b, "CreateWriteSealClose") }
func BenchmarkSeals(b *testing.B)                { runPair(b, "Seals") }
func BenchmarkAddSeals(b *testing.B)             { runPair(b, "AddSeals") }
func BenchmarkRead4K(b *testing.B)               { runPair(b, "Read4K") }
func BenchmarkWrite4K(b *testing.B)              { runPair(b, "Write4K") }
func BenchmarkReadAt4K(b *testing.B)             { runPair(b, "ReadAt4K") }
func BenchmarkReadAt1M(b *testing.B)             { runPair(b, "ReadAt1M") }
func BenchmarkWriteAt4K(b *testing.B)            { runPair(b, "WriteAt4K") }
func BenchmarkWriteAt1M(b *testing.B)            { runPair(b, "WriteAt1M") }
func BenchmarkMapUnmap1M(b *testing.B)           { runPair(b, "MapUnmap1M") }
func BenchmarkFromFd(b *testing.B)               { runPair(b, "FromFd") }

// TestPairedOverhead is the noise-resistant twin of the benchmarks above,
// for shared or busy machines (scripts/bench.sh runs it): for each pair it
// alternates short batches of the wrapper and of its baseline, in turn
// starting with either, and reports the medians over the rounds of the
// per-op times and of the per-round ratio. A disturbance then hits one
// round of both sides rather than all of one side. It runs only when
// MEMFILE_BENCH_PAIRED is set (to the number of rounds, or 1 for the
// default 200).
func TestPairedOverhead(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv("MEMFILE_BENCH_PAIRED"))
	if rounds <= 0 {
		t.Skip("set MEMFILE_BENCH_PAIRED=1 (or a number of rounds) to measure; scripts/bench.sh does")
	}
	if rounds == 1 {
		rounds = 200
	}
	for _, p := range benchPairs(t) {
		batch := func(op func() error) time.Duration {
			t0 := time.Now()
			for i := 0; i < p.batch; i++ {
				if err := op(); err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
			}
			return time.Since(t0)
		}
		batch(p.wrap) // warm up
		batch(p.raw)
		wrapNs, rawNs, ratios := make([]float64, rounds), make([]float64, rounds), make([]float64, rounds)
		for r := 0; r < rounds; r++ {
			var dw, dr time.Duration
			if r%2 == 0 {
				dw, dr = batch(p.wrap), batch(p.raw)
			} else {
				dr, dw = batch(p.raw), batch(p.wrap)
			}
			wrapNs[r], rawNs[r], ratios[r] = float64(dw)/float64(p.batch), float64(dr)/float64(p.batch), float64(dw)/float64(dr)
		}
		sort.Float64s(wrapNs)
		sort.Float64s(rawNs)
		sort.Float64s(ratios)
		t.Logf("paired %s memfile=%.1f syscall=%.1f ratio=%.3f q1=%.3f q3=%.3f rounds=%d",
			p.name, wrapNs[rounds/2], rawNs[rounds/2], ratios[rounds/2], ratios[rounds/4], ratios[3*rounds/4], rounds)
	}
}
