//go:build linux

package memfile_test

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/memfile-go/memfile"
)

// hugeBenchPages is how many 2 MiB pages BenchmarkHugePages256M needs free.
const hugeBenchPages = 128

// free2MBHugePages returns the number of free 2 MiB huge pages (-1 if the
// machine has no such pool).
func free2MBHugePages() int {
	b, err := os.ReadFile("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages")
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1
	}
	return n
}

// BenchmarkHugePages256M creates a 256 MiB file, maps it read-write, writes
// one byte in every base page (so both sides do the same stores: 65536 page
// faults with regular pages, 128 with 2 MiB pages), unmaps and closes it.
// The huge-page side needs 128 free 2 MiB pages and skips otherwise.
func BenchmarkHugePages256M(b *testing.B) {
	const size = 256 << 20
	run := func(b *testing.B, opts memfile.Options) {
		step := syscall.Getpagesize()
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			m, err := memfile.Create("huge-bench", opts)
			if err != nil {
				b.Fatal(err)
			}
			if err := m.Truncate(size); err != nil {
				b.Fatal(err)
			}
			mp, err := m.Map(0, size, memfile.MapReadWrite)
			if err != nil {
				b.Fatal(err)
			}
			p := mp.Bytes()
			for off := 0; off < len(p); off += step {
				p[off] = 1
			}
			if err := mp.Unmap(); err != nil {
				b.Fatal(err)
			}
			if err := m.Close(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("huge", func(b *testing.B) {
		if free := free2MBHugePages(); free < hugeBenchPages {
			b.Skipf("needs %d free 2 MiB huge pages (256 MiB), have %d (-1: no 2 MiB pool); as root: echo 160 > /proc/sys/vm/nr_hugepages, or run RESERVE_HUGEPAGES=160 scripts/bench.sh", hugeBenchPages, free)
		}
		run(b, memfile.Options{HugePages: memfile.Huge2MB})
	})
	b.Run("regular", func(b *testing.B) {
		run(b, memfile.Options{})
	})
}
