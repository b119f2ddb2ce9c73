//go:build linux

package memfile

import (
	"syscall"
	"testing"
)

// BenchmarkMapUnmapSealed measures Map+Unmap of 1 MiB of a file sealed
// against shrinking, which needs no fstat (the size cache, geomCache in mapping.go),
// against the bare mmap+munmap that golang.org/x/sys/unix.Mmap makes (x/sys
// adds its own bookkeeping on top). Run:
//
//	go test -run XXX -bench 'MapUnmapSealed' -benchmem -count 6 .
func BenchmarkMapUnmapSealed(b *testing.B) {
	const n = 1 << 20
	f, err := Create("bench-map", Options{AllowSealing: true})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(n); err != nil {
		b.Fatal(err)
	}
	if err := f.AddSeals(SealShrink); err != nil {
		b.Fatal(err)
	}
	fd := int(f.Fd())
	b.Run("memfile", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			mp, err := f.Map(0, n, MapReadOnly)
			if err != nil {
				b.Fatal(err)
			}
			if err := mp.Unmap(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mmap", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			addr, e := rawMmap(fd, n, _PROT_READ, _MAP_SHARED)
			if e != 0 {
				b.Fatal(e)
			}
			if _, _, e := syscall.Syscall(_SYS_MUNMAP, addr, n, 0); e != 0 {
				b.Fatal(e)
			}
		}
	})
}
