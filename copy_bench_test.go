//go:build linux

package memfile_test

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/memfile-go/memfile"
)

// Benchmarks of io.Copy out of and into a MemFile: the kernel routes of
// WriteTo and ReadFrom against the plain 32 KiB loop that io.Copy ran before
// MemFile had them (readerOnly/writerOnly hide the methods), and against an
// *os.File of the same memfd, which gets the standard library's sendfile.
// TestCopyRatios runs the pairs interleaved and prints medians:
//
//	MEMFILE_COPY_ROUNDS=5 go test -run TestCopyRatios -v -count=1 .

const copyBenchSize = 16 << 20

// onlyReader and onlyWriter hide every method but Read and Write.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// copyPairs are the measured pairs: a name, the new way and its baseline.
var copyPairs = []struct {
	name      string
	new, base string
	run       func(b *testing.B, variant string)
}{
	{"CopyToPipe16M", "memfile", "loop", benchCopyToPipe},
	{"CopyToTCP16M", "memfile", "osfile", benchCopyToTCP},
	{"CopyToDisk16M", "memfile", "loop", benchCopyToDisk},
	{"CopyFromDisk16M", "memfile", "loop", benchCopyFromDisk},
}

func BenchmarkCopy(b *testing.B) {
	for _, p := range copyPairs {
		p := p
		for _, v := range []string{p.new, p.base} {
			v := v
			b.Run(p.name+"/"+v, func(b *testing.B) { p.run(b, v) })
		}
	}
}

func benchFile(b *testing.B) *memfile.MemFile {
	m, err := memfile.Create("bench-copy", memfile.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	if err := m.Truncate(copyBenchSize); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, copyBenchSize)
	for i := range buf {
		buf[i] = byte(i)
	}
	if _, err := m.WriteAt(buf, 0); err != nil {
		b.Fatal(err)
	}
	return m
}

// copyOut copies the whole file into w, the way variant says.
func copyOut(b *testing.B, m *memfile.MemFile, w io.Writer, variant string, osf *os.File) {
	var n int64
	var err error
	switch variant {
	case "memfile":
		m.Seek(0, io.SeekStart)
		n, err = io.Copy(w, m)
	case "loop":
		m.Seek(0, io.SeekStart)
		n, err = io.Copy(w, onlyReader{m})
	case "osfile":
		osf.Seek(0, io.SeekStart)
		n, err = io.Copy(w, osf)
	}
	if err != nil || n != copyBenchSize {
		b.Fatalf("io.Copy: %d, %v", n, err)
	}
}

func osFileOf(b *testing.B, m *memfile.MemFile) *os.File {
	d, err := m.Dup()
	if err != nil {
		b.Fatal(err)
	}
	fd, _ := d.Release()
	f := os.NewFile(fd, "memfd")
	b.Cleanup(func() { f.Close() })
	return f
}

// drain reads r to the end in a goroutine and reports on done each time
// another size bytes have arrived.
func drainReader(r io.Reader, size int64) (done chan struct{}) {
	done = make(chan struct{}, 1)
	go func() {
		buf := make([]byte, 1<<20)
		var got int64
		for {
			k, err := r.Read(buf)
			got += int64(k)
			for got >= size {
				got -= size
				done <- struct{}{}
			}
			if err != nil {
				close(done)
				return
			}
		}
	}()
	return done
}

// benchCopyOut measures copying the file into dst, whose bytes come out of
// src (drained in another goroutine), until each copy has arrived.
func benchCopyOut(b *testing.B, m *memfile.MemFile, dst io.WriteCloser, src io.Reader, variant string, osf *os.File) {
	done := drainReader(src, copyBenchSize)
	b.SetBytes(copyBenchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		copyOut(b, m, dst, variant, osf)
		<-done
	}
	b.StopTimer()
	dst.Close()
}

func benchCopyToPipe(b *testing.B, variant string) {
	m := benchFile(b)
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	benchCopyOut(b, m, w, r, variant, nil)
}

func benchCopyToTCP(b *testing.B, variant string) {
	m := benchFile(b)
	osf := osFileOf(b, m)
	client, server := tcpPair(b)
	defer server.Close()
	benchCopyOut(b, m, client, server, variant, osf)
}

func diskFile(b *testing.B) *os.File {
	f, err := os.CreateTemp("", "memfile-bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close(); os.Remove(f.Name()) })
	return f
}

func benchCopyToDisk(b *testing.B, variant string) {
	m := benchFile(b)
	f := diskFile(b)
	b.SetBytes(copyBenchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.Seek(0, io.SeekStart)
		copyOut(b, m, f, variant, nil)
	}
}

func benchCopyFromDisk(b *testing.B, variant string) {
	m := benchFile(b)
	f := diskFile(b)
	if _, err := io.Copy(f, m); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(copyBenchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.Seek(0, io.SeekStart)
		m.Seek(0, io.SeekStart)
		var n int64
		var err error
		if variant == "memfile" {
			n, err = io.Copy(m, f)
		} else {
			n, err = io.Copy(onlyWriter{m}, onlyReader{f})
		}
		if err != nil || n != copyBenchSize {
			b.Fatalf("io.Copy: %d, %v", n, err)
		}
	}
}

// TestCopyRatios measures every pair of copyPairs in MEMFILE_COPY_ROUNDS
// interleaved rounds (each variant once per round, back to back) and prints
// the median ns/op of each and the median of the per-round speed-up
// baseline/new (above 1: the new way is faster).
func TestCopyRatios(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv("MEMFILE_COPY_ROUNDS"))
	if rounds <= 0 {
		t.Skip("set MEMFILE_COPY_ROUNDS (e.g. 5) to measure the copy speed-ups")
	}
	median := func(x []float64) float64 {
		s := append([]float64(nil), x...)
		sort.Float64s(s)
		if len(s)%2 == 1 {
			return s[len(s)/2]
		}
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	type result struct{ newNs, baseNs, ratio []float64 }
	results := make([]result, len(copyPairs))
	for r := 0; r < rounds; r++ {
		for i, p := range copyPairs {
			p := p
			nr := testing.Benchmark(func(b *testing.B) { p.run(b, p.new) })
			br := testing.Benchmark(func(b *testing.B) { p.run(b, p.base) })
			if nr.N == 0 || br.N == 0 {
				t.Fatalf("%s: a benchmark failed", p.name)
			}
			nn, bn := float64(nr.NsPerOp()), float64(br.NsPerOp())
			results[i].newNs = append(results[i].newNs, nn)
			results[i].baseNs = append(results[i].baseNs, bn)
			results[i].ratio = append(results[i].ratio, bn/nn)
		}
	}
	fmt.Printf("%-18s %-9s %12s %-9s %12s %9s   (%d rounds, medians)\n", "copy 16 MiB", "new", "ms/op", "baseline", "ms/op", "speed-up", rounds)
	for i, p := range copyPairs {
		res := results[i]
		fmt.Printf("%-18s %-9s %12.2f %-9s %12.2f %8.2fx\n", p.name, p.new, median(res.newNs)/1e6, p.base, median(res.baseNs)/1e6, median(res.ratio))
	}
}
