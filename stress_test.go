//go:build linux

package memfile_test

// Stress (issue 5): many goroutines creating, writing, sealing, mapping,
// unmapping and closing files, while others read shared files that are
// closed under them. Run it under -race; it is bounded in time (1 s, 200 ms
// with -short). Afterwards the process must hold exactly the descriptors
// and memfd mappings it held before.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memfile-go/memfile"
)

func TestStress(t *testing.T) {
	dur := time.Second
	if testing.Short() {
		dur = 200 * time.Millisecond
	}
	fdsBefore := openFds(t)
	mapsBefore := memfdMaps(t, "")

	workers := 2 * runtime.GOMAXPROCS(0)
	if workers < 4 {
		workers = 4
	}
	deadline := time.Now().Add(dur)
	var lifecycles, sharedRounds, sharedReads, closedSeen int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for iter := 0; time.Now().Before(deadline); iter++ {
				if w%2 == 0 {
					if !stressLifecycle(t, w, iter) {
						return
					}
					atomic.AddInt64(&lifecycles, 1)
				} else {
					reads, closed, ok := stressSharedClose(t, w, iter)
					if !ok {
						return
					}
					atomic.AddInt64(&sharedRounds, 1)
					atomic.AddInt64(&sharedReads, reads)
					atomic.AddInt64(&closedSeen, closed)
				}
			}
		}(w)
	}
	wg.Wait()
	if lifecycles == 0 || sharedRounds == 0 {
		t.Errorf("no work done: %d lifecycles, %d shared rounds", lifecycles, sharedRounds)
	}

	var leaked []string
	for fd, target := range openFds(t) {
		if _, ok := fdsBefore[fd]; !ok {
			leaked = append(leaked, fd+" -> "+target)
		}
	}
	mapsAfter := memfdMaps(t, "")
	t.Logf("%d workers, %v: %d create/write/seal/map/unmap/dup/close cycles, %d shared files closed under %d reads (%d readers saw ErrClosed); descriptors %d before, %d leaked; memfd mappings %d before, %d after",
		workers, dur, lifecycles, sharedRounds, sharedReads, closedSeen, len(fdsBefore), len(leaked), mapsBefore, mapsAfter)
	if len(leaked) != 0 {
		t.Errorf("descriptors leaked: %s", strings.Join(leaked, ", "))
	}
	if mapsAfter != mapsBefore {
		t.Errorf("memfd mappings: %d before, %d after (%d stress-*)", mapsBefore, mapsAfter, memfdMaps(t, "stress-"))
	}
}

// stressPayload is a page of bytes unique to (w, iter).
func stressPayload(w, iter, size int) []byte {
	p := make([]byte, size)
	for i := 0; i+16 <= size; i += 16 {
		binary.LittleEndian.PutUint64(p[i:], uint64(w))
		binary.LittleEndian.PutUint64(p[i+8:], uint64(iter))
	}
	return p
}

// stressLifecycle runs one full life of a file; it reports false after a
// failure.
func stressLifecycle(t *testing.T, w, iter int) bool {
	fail := func(format string, args ...interface{}) bool {
		t.Errorf("worker %d iteration %d: %s", w, iter, fmt.Sprintf(format, args...))
		return false
	}
	m, err := memfile.Create(fmt.Sprintf("stress-%d", w), memfile.Options{AllowSealing: true})
	if err != nil {
		return fail("Create: %v", err)
	}
	defer m.Close()
	p := stressPayload(w, iter, pageSize)
	if err := m.Truncate(int64(2 * pageSize)); err != nil {
		return fail("Truncate: %v", err)
	}
	rw, err := m.Map(0, 2*pageSize, memfile.MapReadWrite)
	if err != nil {
		return fail("Map read-write: %v", err)
	}
	copy(rw.Bytes()[pageSize:], p)
	if err := rw.Unmap(); err != nil {
		return fail("Unmap: %v", err)
	}
	if _, err := m.WriteAt(p, 0); err != nil {
		return fail("WriteAt: %v", err)
	}
	if err := m.AddSeals(memfile.SealImmutable); err != nil {
		return fail("AddSeals: %v", err)
	}
	if _, err := m.WriteAt(p[:1], 0); err == nil {
		return fail("WriteAt succeeded on a sealed file")
	}
	ro, err := m.Map(0, 2*pageSize, memfile.MapReadOnly)
	if err != nil {
		return fail("Map read-only: %v", err)
	}
	b := ro.Bytes()
	ok := bytes.Equal(b[:pageSize], p) && bytes.Equal(b[pageSize:], p)
	if err := ro.Unmap(); err != nil {
		return fail("Unmap read-only: %v", err)
	}
	if !ok {
		return fail("the read-only mapping does not show what was written")
	}
	d, err := m.Dup()
	if err != nil {
		return fail("Dup: %v", err)
	}
	got := make([]byte, pageSize)
	_, err = d.ReadAt(got, int64(pageSize))
	if cerr := d.Close(); cerr != nil {
		return fail("Close of the dup: %v", cerr)
	}
	if err != nil || !bytes.Equal(got, p) {
		return fail("ReadAt through the dup: %v", err)
	}
	if err := m.Close(); err != nil {
		return fail("Close: %v", err)
	}
	return true
}

// stressSharedClose shares one file between readers and closes it under
// them: every read must see this file's own bytes (never another file that
// reused the descriptor number) or ErrClosed.
func stressSharedClose(t *testing.T, w, iter int) (reads, closedSeen int64, ok bool) {
	m, err := memfile.Create("stress-shared", memfile.Options{})
	if err != nil {
		t.Errorf("worker %d: Create: %v", w, err)
		return 0, 0, false
	}
	p := stressPayload(w, iter, pageSize)
	if _, err := m.WriteAt(p, 0); err != nil {
		m.Close()
		t.Errorf("worker %d: WriteAt: %v", w, err)
		return 0, 0, false
	}
	const readers = 3
	var wg sync.WaitGroup
	var failed int32
	started := make(chan struct{}, readers)
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			buf := make([]byte, pageSize)
			signalled := false
			defer func() {
				if !signalled {
					started <- struct{}{}
				}
			}()
			for i := 0; ; i++ {
				if i == 1 {
					started <- struct{}{}
					signalled = true
				}
				var err error
				var n int
				switch i % 4 {
				case 0:
					n, err = m.ReadAt(buf, 0)
				case 1:
					if _, err = m.Seek(0, io.SeekStart); err == nil {
						n, err = io.ReadFull(m, buf)
						if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
							// Another reader moved the shared offset.
							n, err = len(buf), nil
							copy(buf, p)
						}
					}
				case 2:
					var mp *memfile.Mapping
					if mp, err = m.Map(0, pageSize, memfile.MapReadOnly); err == nil {
						n = copy(buf, mp.Bytes())
						if uerr := mp.Unmap(); uerr != nil {
							err = uerr
						}
					}
				case 3:
					var size int64
					if size, err = m.Size(); err == nil && size != int64(pageSize) {
						err = fmt.Errorf("Size() = %d, want %d", size, pageSize)
					}
					n = copy(buf, p)
				}
				if errors.Is(err, memfile.ErrClosed) {
					atomic.AddInt64(&closedSeen, 1)
					return
				}
				atomic.AddInt64(&reads, 1)
				runtime.Gosched() // let the closer in
				if err != nil || n != pageSize || !bytes.Equal(buf, p) {
					if atomic.AddInt32(&failed, 1) == 1 {
						t.Errorf("worker %d reader %d op %d on a file being closed: n=%d err=%v, contents match %v", w, r, i%4, n, err, bytes.Equal(buf, p))
					}
					return
				}
			}
		}(r)
	}
	for r := 0; r < readers; r++ {
		<-started
	}
	cerr := m.Close()
	wg.Wait()
	if cerr != nil {
		t.Errorf("worker %d: Close under readers: %v", w, cerr)
		return reads, closedSeen, false
	}
	if err := m.Close(); !errors.Is(err, memfile.ErrClosed) {
		t.Errorf("worker %d: second Close = %v, want ErrClosed", w, err)
	}
	return reads, closedSeen, failed == 0
}

// memfdMaps counts the lines of /proc/self/maps that map a memfd whose name
// starts with prefix.
func memfdMaps(t testing.TB, prefix string) int {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Fatalf("reading /proc/self/maps: %v", err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "/memfd:"+prefix) {
			n++
		}
	}
	return n
}
