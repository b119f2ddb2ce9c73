//go:build linux && memfile_inject

package memfile

import (
	"errors"
	"syscall"
	"testing"
)

// Map on a file known to be sealed against shrinking needs no fstat: its
// size can only grow, so a range within a size seen after the seal can never
// pass the end. A file without the seal pays one fstat per Map, and a seal
// seen later discards sizes seen before it.
func TestInjectMapSkipsFstatWhenShrinkSealed(t *testing.T) {
	injSetup(t)
	ps := syscall.Getpagesize()
	fstatNr := injFstatNr(t)
	m, err := Create("inj-geom", Options{AllowSealing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Truncate(int64(4 * ps)); err != nil {
		t.Fatal(err)
	}
	mapCount := func(length int) (int, error) {
		t.Helper()
		stop := countSyscall(fstatNr)
		mp, err := m.Map(0, length, MapReadOnly)
		n := stop()
		if err == nil {
			mp.Unmap()
		}
		return n, err
	}
	for i := 0; i < 2; i++ {
		if n, err := mapCount(4 * ps); err != nil || n != 1 {
			t.Fatalf("Map %d of an unsealed file: %d fstat calls, %v; want 1", i, n, err)
		}
	}
	// Shrink to 2 pages, then seal: the 4-page size seen before the seal
	// must not be trusted.
	if err := m.Truncate(int64(2 * ps)); err != nil {
		t.Fatal(err)
	}
	if err := m.AddSeals(SealShrink); err != nil {
		t.Fatal(err)
	}
	if n, err := mapCount(4 * ps); !errors.Is(err, syscall.EINVAL) || n != 1 {
		t.Fatalf("Map past the end after the seal: %d fstat calls, %v; want 1 and EINVAL", n, err)
	}
	if n, err := mapCount(2 * ps); err != nil || n != 0 {
		t.Fatalf("Map within the size seen after the seal: %d fstat calls, %v; want 0", n, err)
	}
	// The file grows: a larger range needs one fstat, then none.
	if err := m.Truncate(int64(8 * ps)); err != nil {
		t.Fatal(err)
	}
	if n, err := mapCount(8 * ps); err != nil || n != 1 {
		t.Fatalf("Map of the grown file: %d fstat calls, %v; want 1", n, err)
	}
	if n, err := mapCount(8 * ps); err != nil || n != 0 {
		t.Fatalf("Map of the grown file again: %d fstat calls, %v; want 0", n, err)
	}
}

// Without MADV_POPULATE_* (EINVAL, as before Linux 5.14) Populate touches
// the pages only where that cannot fault.
func TestInjectPopulateFallback(t *testing.T) {
	injSetup(t)
	ps := syscall.Getpagesize()
	m, err := Create("inj-populate", Options{AllowSealing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Truncate(int64(4 * ps)); err != nil {
		t.Fatal(err)
	}
	mp, err := m.Map(0, 4*ps, MapReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer mp.Unmap()
	stop := failSyscall(_SYS_MADVISE, syscall.EINVAL, -1)
	_, err = mp.Populate(true)
	stop()
	if !errors.Is(err, ErrNotSupported) || !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("Populate of an unsealed file without MADV_POPULATE: %v; want ErrNotSupported", err)
	}
	if got, _ := m.Allocated(); got != 0 {
		t.Fatalf("the refused Populate allocated %d bytes", got)
	}
	if err := m.AddSeals(SealShrink | SealFutureWrite); err != nil {
		t.Fatal(err)
	}
	stop = failSyscall(_SYS_MADVISE, syscall.EINVAL, -1)
	how, err := mp.Populate(true)
	stop()
	if err != nil || how != PopulatedByTouching {
		t.Fatalf("Populate of a sealed file without MADV_POPULATE: %v, %v; want by touching", how, err)
	}
	if got, _ := m.Allocated(); got != int64(4*ps) {
		t.Errorf("after touching, %d bytes are allocated, want %d", got, 4*ps)
	}
}

// Where mremap refuses, Remap maps the new range before it unmaps the old
// one (shared mappings), or refuses and leaves the mapping as it was
// (copy-on-write).
func TestInjectRemapFallback(t *testing.T) {
	injSetup(t)
	ps := syscall.Getpagesize()
	m, err := Create("inj-remap", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Truncate(int64(3 * ps)); err != nil {
		t.Fatal(err)
	}
	mp, err := m.Map(0, ps, MapReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer mp.Unmap()
	copy(mp.Bytes(), "kept")
	stop := failSyscall(_SYS_MREMAP, syscall.EINVAL, -1)
	err = mp.Remap(3 * ps)
	stop()
	if err != nil || mp.Len() != 3*ps || string(mp.Bytes()[:4]) != "kept" {
		t.Fatalf("Remap by mmap+munmap: %v, Len %d", err, mp.Len())
	}
	cow, err := m.Map(0, ps, MapCopyOnWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer cow.Unmap()
	copy(cow.Bytes(), "mine")
	stop = failSyscall(_SYS_MREMAP, syscall.EINVAL, -1)
	err = cow.Remap(2 * ps)
	stop()
	if !errors.Is(err, ErrNotSupported) || cow.Len() != ps || string(cow.Bytes()[:4]) != "mine" {
		t.Fatalf("Remap of a copy-on-write mapping without mremap: %v, Len %d; want ErrNotSupported and the mapping intact", err, cow.Len())
	}
	// mmap failing in the fallback leaves the old mapping.
	stopR := failSyscall(_SYS_MREMAP, syscall.EINVAL, -1)
	stopM := failSyscall(injMmapNr(t), syscall.ENOMEM, -1)
	err = mp.Remap(2 * ps)
	stopM()
	stopR()
	if !errors.Is(err, syscall.ENOMEM) || mp.Len() != 3*ps || string(mp.Bytes()[:4]) != "kept" {
		t.Fatalf("Remap whose mmap fails: %v, Len %d; want ENOMEM and the old mapping", err, mp.Len())
	}
}
