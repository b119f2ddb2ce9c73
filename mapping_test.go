//go:build linux

package memfile_test

import (
	"bytes"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/memfile-go/memfile"
)

func TestMapModes(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "maps", memfile.Options{AllowSealing: true})
	if err := m.Truncate(int64(2 * pageSize)); err != nil {
		t.Fatal(err)
	}
	rw, err := m.Map(0, 2*pageSize, memfile.MapReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	if rw.Len() != 2*pageSize {
		t.Fatalf("Len = %d", rw.Len())
	}
	copy(rw.Bytes()[pageSize:], "shared write")
	got := make([]byte, 12)
	if _, err := m.ReadAt(got, int64(pageSize)); err != nil || string(got) != "shared write" {
		t.Fatalf("write through MapReadWrite not in the file: %q, %v", got, err)
	}
	ro, err := m.Map(int64(pageSize), pageSize, memfile.MapReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	if string(ro.Bytes()[:12]) != "shared write" {
		t.Fatalf("MapReadOnly at offset one page shows %q", ro.Bytes()[:12])
	}
	if _, err := m.WriteAt([]byte("later"), int64(pageSize)); err != nil {
		t.Fatal(err)
	}
	if string(ro.Bytes()[:5]) != "later" {
		t.Errorf("MapReadOnly does not see a later write: %q", ro.Bytes()[:5])
	}
	cow, err := m.Map(0, pageSize, memfile.MapCopyOnWrite)
	if err != nil {
		t.Fatal(err)
	}
	copy(cow.Bytes(), "private")
	if _, err := m.ReadAt(got[:7], 0); err != nil || string(got[:7]) == "private" {
		t.Errorf("MapCopyOnWrite write reached the file: %q, %v", got[:7], err)
	}
	for _, mp := range []*memfile.Mapping{rw, ro, cow} {
		if err := mp.Unmap(); err != nil {
			t.Fatalf("Unmap: %v", err)
		}
		if err := mp.Unmap(); err != nil {
			t.Fatalf("second Unmap: %v", err)
		}
		if mp.Bytes() != nil || mp.Len() != 0 {
			t.Errorf("Bytes after Unmap is not nil")
		}
	}
}

func TestMapRangeChecks(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "ranges", memfile.Options{})
	if err := m.Truncate(int64(2 * pageSize)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		off  int64
		n    int
		mode memfile.MapMode
		want string
	}{
		{0, 0, memfile.MapReadOnly, "must be positive"},
		{0, -1, memfile.MapReadOnly, "must be positive"},
		{-int64(pageSize), 1, memfile.MapReadOnly, "negative"},
		{1, 1, memfile.MapReadOnly, "not a multiple of the file's page size"},
		{int64(pageSize) / 2, 1, memfile.MapReadOnly, "not a multiple of the file's page size"},
		{0, 2*pageSize + 1, memfile.MapReadOnly, "passes the end of the file"},
		{int64(2 * pageSize), 1, memfile.MapReadOnly, "passes the end of the file"},
		{1 << 62, 1 << 30, memfile.MapReadOnly, "passes the end of the file"},
		{0, 1, memfile.MapMode(7), "unknown MapMode"},
	} {
		mp, err := m.Map(tc.off, tc.n, tc.mode)
		if err == nil {
			mp.Unmap()
			t.Errorf("Map(%d, %d, %v) succeeded", tc.off, tc.n, tc.mode)
			continue
		}
		if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Map(%d, %d, %v) = %q; want EINVAL saying %q", tc.off, tc.n, tc.mode, err, tc.want)
		}
	}
	// A length that is not a multiple of the page size is fine.
	mp, err := m.Map(int64(pageSize), pageSize-1, memfile.MapReadOnly)
	if err != nil {
		t.Fatalf("Map of a partial page: %v", err)
	}
	mp.Unmap()
}

func TestMapWriteSealedReadOnly(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "ro-sealed", memfile.Options{AllowSealing: true})
	mustWrite(t, m, []byte("immutable"))
	if err := m.AddSeals(memfile.SealImmutable); err != nil {
		t.Fatal(err)
	}
	mp, err := m.Map(0, 9, memfile.MapReadOnly)
	if err != nil {
		t.Fatalf("MapReadOnly of a write-sealed file: %v", err)
	}
	if string(mp.Bytes()) != "immutable" {
		t.Errorf("mapping shows %q", mp.Bytes())
	}
	mp.Unmap()
	cow, err := m.Map(0, 9, memfile.MapCopyOnWrite)
	if err != nil {
		t.Fatalf("MapCopyOnWrite of a write-sealed file: %v", err)
	}
	cow.Bytes()[0] = 'I'
	cow.Unmap()
	_, err = m.Map(0, 9, memfile.MapReadWrite)
	wantErrno(t, "MapReadWrite of a write-sealed file", err, syscall.EPERM)
}

// TestLargeOffsets exercises the 64-bit argument passing that 32-bit ABIs
// split across registers (and mips orders by endianness): ftruncate64,
// pread64/pwrite64, _llseek and mmap2 at offsets above 4 GiB.
func TestLargeOffsets(t *testing.T) {
	checkNoFdLeak(t)
	m := mustCreate(t, "large-offsets", memfile.Options{})
	const big = 20 << 30 // 20 GiB, sparse
	if err := m.Truncate(big); err != nil {
		t.Fatalf("Truncate(20 GiB): %v", err)
	}
	if size, err := m.Size(); err != nil || size != big {
		t.Fatalf("Size after Truncate(20 GiB) = %d, %v", size, err)
	}
	off := int64(5<<30) + int64(3*pageSize) // above 4 GiB, page aligned
	msg := []byte("beyond four gigabytes")
	if _, err := m.WriteAt(msg, off+7); err != nil {
		t.Fatalf("WriteAt(5 GiB): %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := m.ReadAt(got, off+7); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("ReadAt(5 GiB) = %q, %v", got, err)
	}
	// The low 32 bits of off+7 land elsewhere: nothing may be there.
	if _, err := m.ReadAt(got, int64(uint32(off+7))); err != nil || !bytes.Equal(got, make([]byte, len(msg))) {
		t.Fatalf("data also appeared at the truncated 32-bit offset: %q, %v", got, err)
	}
	if pos, err := m.Seek(off, 0); err != nil || pos != off {
		t.Fatalf("Seek(5 GiB) = %d, %v", pos, err)
	}
	head := make([]byte, 7+len(msg))
	if _, err := m.Read(head); err != nil || !bytes.Equal(head[7:], msg) {
		t.Fatalf("Read after Seek(5 GiB) = %q, %v", head, err)
	}
	mp, err := m.Map(off, pageSize, memfile.MapReadWrite)
	if err != nil {
		t.Fatalf("Map at 5 GiB: %v", err)
	}
	if !bytes.Equal(mp.Bytes()[7:7+len(msg)], msg) {
		t.Fatalf("mapping at 5 GiB shows %q", mp.Bytes()[7:7+len(msg)])
	}
	copy(mp.Bytes()[100:], "mapped")
	mp.Unmap()
	if _, err := m.ReadAt(got[:6], off+100); err != nil || string(got[:6]) != "mapped" {
		t.Fatalf("write through the 5 GiB mapping = %q, %v", got[:6], err)
	}
	if err := m.Truncate(int64(pageSize)); err != nil {
		t.Fatalf("Truncate back: %v", err)
	}
	if size, err := m.Size(); err != nil || size != int64(pageSize) {
		t.Fatalf("Size after Truncate back = %d, %v", size, err)
	}
}

func TestMapAtPageSizeOffset(t *testing.T) {
	m := mustCreate(t, "page-offset", memfile.Options{})
	if err := m.Truncate(int64(3 * pageSize)); err != nil {
		t.Fatal(err)
	}
	if _, err := m.WriteAt([]byte("second page"), int64(pageSize)); err != nil {
		t.Fatal(err)
	}
	mp, err := m.Map(int64(pageSize), pageSize, memfile.MapReadOnly)
	if err != nil {
		t.Fatalf("Map at offset %d (the runtime page size): %v", pageSize, err)
	}
	defer mp.Unmap()
	if string(mp.Bytes()[:11]) != "second page" {
		t.Fatalf("mapping shows %q", mp.Bytes()[:11])
	}
	if pageSize > 4096 {
		// mmap2 counts 4096-byte units; a 4096 offset is still not a page.
		_, err := m.Map(4096, 4096, memfile.MapReadOnly)
		if !errors.Is(err, syscall.EINVAL) {
			t.Fatalf("Map at 4096 with %d-byte pages: %v, want EINVAL", pageSize, err)
		}
	}
	t.Logf("page size %d", pageSize)
}
