//go:build linux && (amd64 || arm64 || riscv64 || ppc64 || ppc64le)

package xsys

// Each operation three ways, making the same system calls: "memfile" (the
// library), "xsys" (golang.org/x/sys/unix, the usual way) and "syscall"
// (syscall.Syscall with x/sys's numbers: the floor). 64-bit ABIs with fstat
// and a plain mmap only, so that the raw side needs no per-arch code.
//
//	go test -run '^$' -bench . -benchmem          the benchmarks
//	MEMFILE_BENCH_PAIRED=400 go test -run Interleaved -v
//	                                              interleaved batches (scripts/bench.sh runs both)

import (
	"errors"
	"io"
	"os"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/memfile-go/memfile"
	"golang.org/x/sys/unix"
)

const (
	size4K = 4 << 10
	size1M = 1 << 20
)

var (
	sink  int
	cname = [...]byte{'b', 'e', 'n', 'c', 'h', 0}
)

func errno(e syscall.Errno) error {
	if e != 0 {
		return e
	}
	return nil
}

// op is one operation made three ways; batch is its calls per batch in
// TestInterleaved.
type op struct {
	name  string
	batch int
	sides [3]func() error // memfile, xsys, syscall
}

var sideNames = [3]string{"memfile", "xsys", "syscall"}

// ops returns every operation, on files closed when tb ends: f holds 1 MiB
// with SealShrink, w is written by Write4K.
func ops(tb testing.TB) []op {
	tb.Helper()
	// What Create(name, Options{}) does on Linux 6.3+: memfd_create with
	// MFD_NOEXEC_SEAL, then F_ADD_SEALS(F_SEAL_SEAL). Older kernels take
	// another path, which these baselines do not copy.
	if fd, err := unix.MemfdCreate("probe", unix.MFD_CLOEXEC|unix.MFD_NOEXEC_SEAL); err != nil {
		tb.Skipf("memfd_create(MFD_NOEXEC_SEAL): %v (these baselines need Linux 6.3+)", err)
	} else {
		unix.Close(fd)
	}
	f, err := memfile.Create("bench", memfile.Options{AllowSealing: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	if _, err := f.WriteAt(make([]byte, size1M), 0); err != nil {
		tb.Fatal(err)
	}
	if err := f.AddSeals(memfile.SealShrink); err != nil {
		tb.Fatal(err)
	}
	w, err := memfile.Create("bench", memfile.Options{AllowSealing: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	fd, wfd := int(f.Fd()), int(w.Fd())
	buf := make([]byte, size4K)
	p := uintptr(unsafe.Pointer(&buf[0]))

	return []op{
		{"Seals", 1000, [3]func() error{
			func() error { s, err := f.Seals(); sink += int(s); return err },
			func() error { r, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0); sink += r; return err },
			func() error {
				r, _, e := syscall.Syscall(unix.SYS_FCNTL, uintptr(fd), unix.F_GET_SEALS, 0)
				sink += int(r)
				return errno(e)
			},
		}},
		{"AddSeals", 1000, [3]func() error{
			func() error { return f.AddSeals(memfile.SealShrink) },
			func() error { _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK); return err },
			func() error {
				_, _, e := syscall.Syscall(unix.SYS_FCNTL, uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK)
				return errno(e)
			},
		}},
		{"ReadAt4K", 400, [3]func() error{
			func() error { _, err := f.ReadAt(buf, 0); return err },
			func() error { _, err := unix.Pread(fd, buf, 0); return err },
			func() error {
				_, _, e := syscall.Syscall6(unix.SYS_PREAD64, uintptr(fd), p, size4K, 0, 0, 0)
				return errno(e)
			},
		}},
		// Write4K rewinds with Seek after each write, on every side.
		{"Write4K", 300, [3]func() error{
			func() error {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				_, err := w.Seek(0, io.SeekStart)
				return err
			},
			func() error {
				if _, err := unix.Write(wfd, buf); err != nil {
					return err
				}
				_, err := unix.Seek(wfd, 0, io.SeekStart)
				return err
			},
			func() error {
				if _, _, e := syscall.Syscall(unix.SYS_WRITE, uintptr(wfd), p, size4K); e != 0 {
					return e
				}
				_, _, e := syscall.Syscall(unix.SYS_LSEEK, uintptr(wfd), 0, 0)
				return errno(e)
			},
		}},
		{"CreateClose", 50, [3]func() error{
			func() error {
				m, err := memfile.Create("bench", memfile.Options{})
				if err != nil {
					return err
				}
				return m.Close()
			},
			func() error {
				fd, err := unix.MemfdCreate("bench", unix.MFD_CLOEXEC|unix.MFD_NOEXEC_SEAL)
				if err != nil {
					return err
				}
				if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SEAL); err != nil {
					unix.Close(fd)
					return err
				}
				return unix.Close(fd)
			},
			func() error {
				fd, _, e := syscall.Syscall(unix.SYS_MEMFD_CREATE, uintptr(unsafe.Pointer(&cname[0])), unix.MFD_CLOEXEC|unix.MFD_NOEXEC_SEAL, 0)
				if e != 0 {
					return e
				}
				_, _, e = syscall.Syscall(unix.SYS_FCNTL, fd, unix.F_ADD_SEALS, unix.F_SEAL_SEAL)
				_, _, e2 := syscall.Syscall(unix.SYS_CLOSE, fd, 0, 0)
				if e == 0 {
					e = e2
				}
				return errno(e)
			},
		}},
		// FromFd: fstat, F_GET_SEALS and F_SETFD (Release gives the
		// descriptor back without a system call).
		{"FromFd", 200, [3]func() error{
			func() error {
				a, err := memfile.FromFd(fd)
				if err != nil {
					return err
				}
				_, err = a.Release()
				return err
			},
			func() error {
				var st unix.Stat_t
				if err := unix.Fstat(fd, &st); err != nil {
					return err
				}
				if st.Mode&unix.S_IFMT != unix.S_IFREG {
					return errors.New("not a regular file")
				}
				r, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
				if err != nil {
					return err
				}
				sink += r
				_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
				return err
			},
			func() error {
				var st syscall.Stat_t
				if _, _, e := syscall.Syscall(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(&st)), 0); e != 0 {
					return e
				}
				if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
					return errors.New("not a regular file")
				}
				r, _, e := syscall.Syscall(unix.SYS_FCNTL, uintptr(fd), unix.F_GET_SEALS, 0)
				if e != 0 {
					return e
				}
				sink += int(r)
				_, _, e = syscall.Syscall(unix.SYS_FCNTL, uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
				return errno(e)
			},
		}},
		// Map+Unmap of 1 MiB, read-only and shared. The x/sys and raw sides
		// make mmap and munmap only; the library also makes fstat (its range
		// check against the file's size), which this pair measures.
		{"MapUnmap1M", 50, [3]func() error{
			func() error {
				mp, err := f.Map(0, size1M, memfile.MapReadOnly)
				if err != nil {
					return err
				}
				return mp.Unmap()
			},
			func() error {
				b, err := unix.Mmap(fd, 0, size1M, unix.PROT_READ, unix.MAP_SHARED)
				if err != nil {
					return err
				}
				return unix.Munmap(b)
			},
			func() error {
				addr, _, e := syscall.Syscall6(unix.SYS_MMAP, 0, size1M, unix.PROT_READ, unix.MAP_SHARED, uintptr(fd), 0)
				if e != 0 {
					return e
				}
				_, _, e = syscall.Syscall(unix.SYS_MUNMAP, addr, size1M, 0)
				return errno(e)
			},
		}},
	}
}

func run(b *testing.B, name string) {
	for _, o := range ops(b) {
		if o.name != name {
			continue
		}
		for i, side := range o.sides {
			side := side
			b.Run(sideNames[i], func(b *testing.B) {
				b.ReportAllocs()
				for n := 0; n < b.N; n++ {
					if err := side(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		return
	}
	b.Fatalf("no operation %q", name)
}

func BenchmarkSeals(b *testing.B)       { run(b, "Seals") }
func BenchmarkAddSeals(b *testing.B)    { run(b, "AddSeals") }
func BenchmarkReadAt4K(b *testing.B)    { run(b, "ReadAt4K") }
func BenchmarkWrite4K(b *testing.B)     { run(b, "Write4K") }
func BenchmarkCreateClose(b *testing.B) { run(b, "CreateClose") }
func BenchmarkFromFd(b *testing.B)      { run(b, "FromFd") }
func BenchmarkMapUnmap1M(b *testing.B)  { run(b, "MapUnmap1M") }

// TestInterleaved alternates short batches of the three sides, in an order
// that turns every round, and reports per operation the median ns/op of
// each side and the medians (with quartiles) of the per-round ratios
// memfile/xsys and memfile/syscall. It runs only when MEMFILE_BENCH_PAIRED
// is set (to the number of rounds, or 1 for 200).
func TestInterleaved(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv("MEMFILE_BENCH_PAIRED"))
	if rounds <= 0 {
		t.Skip("set MEMFILE_BENCH_PAIRED=1 (or a number of rounds) to measure; scripts/bench.sh does")
	}
	if rounds == 1 {
		rounds = 200
	}
	perms := [...][3]int{{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}, {1, 0, 2}, {0, 2, 1}}
	for _, o := range ops(t) {
		batch := func(side func() error) float64 {
			t0 := time.Now()
			for i := 0; i < o.batch; i++ {
				if err := side(); err != nil {
					t.Fatalf("%s: %v", o.name, err)
				}
			}
			return float64(time.Since(t0)) / float64(o.batch)
		}
		for _, side := range o.sides {
			batch(side) // warm up
		}
		var ns [3][]float64
		var mx, ms []float64
		for r := 0; r < rounds; r++ {
			var d [3]float64
			for _, i := range perms[r%len(perms)] {
				d[i] = batch(o.sides[i])
			}
			for i := range d {
				ns[i] = append(ns[i], d[i])
			}
			mx, ms = append(mx, d[0]/d[1]), append(ms, d[0]/d[2])
		}
		med := func(v []float64) float64 { sort.Float64s(v); return v[len(v)/2] }
		q := func(v []float64, k int) float64 { return v[k*len(v)/4] } // v sorted by med
		t.Logf("interleaved %s memfile=%.1f xsys=%.1f syscall=%.1f m/x=%.3f q1x=%.3f q3x=%.3f m/s=%.3f q1s=%.3f q3s=%.3f rounds=%d",
			o.name, med(ns[0]), med(ns[1]), med(ns[2]), med(mx), q(mx, 1), q(mx, 3), med(ms), q(ms, 1), q(ms, 3), rounds)
	}
}
