//go:build linux

package memfile_test

// Issue 13: what the docs say about huge pages, the exec seal and error
// texts, checked against the real kernel (not by injection).

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/memfile-go/memfile"
)

// hugePageSizes returns the huge page sizes this machine has, from
// /sys/kernel/mm/hugepages, with each size's free pages; nil if the kernel
// has no hugetlbfs.
func hugePageSizes(t *testing.T) map[memfile.HugePageSize]int {
	t.Helper()
	ents, err := os.ReadDir("/sys/kernel/mm/hugepages")
	if err != nil {
		return nil
	}
	sizes := map[memfile.HugePageSize]int{}
	for _, e := range ents {
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(e.Name(), "hugepages-"), "kB"), 10, 64)
		if err != nil {
			continue
		}
		shift := memfile.HugePageSize(0)
		for b := kb << 10; b > 1; b >>= 1 {
			shift++
		}
		data, err := os.ReadFile("/sys/kernel/mm/hugepages/" + e.Name() + "/free_hugepages")
		if err != nil {
			t.Fatal(err)
		}
		free, _ := strconv.Atoi(strings.TrimSpace(string(data)))
		sizes[shift] = free
	}
	return sizes
}

// TestCreateUnsupportedHugePageSize: a huge page size the machine lacks
// gives ENODEV (Linux 6.18; hugetlb_file_setup finds no hstate for it) with
// a hint naming the size, or EINVAL on kernels that reject it earlier.
func TestCreateUnsupportedHugePageSize(t *testing.T) {
	checkNoFdLeak(t)
	have := hugePageSizes(t)
	if len(have) == 0 {
		t.Skip("no /sys/kernel/mm/hugepages: the kernel has no hugetlbfs")
	}
	var missing memfile.HugePageSize
	for _, h := range []memfile.HugePageSize{memfile.Huge16GB, memfile.Huge64KB, memfile.Huge512KB, memfile.Huge2GB, memfile.Huge256MB} {
		if _, ok := have[h]; !ok {
			missing = h
			break
		}
	}
	if missing == 0 {
		t.Skipf("this machine has every candidate huge page size: %v", have)
	}
	for _, sealable := range []bool{false, true} {
		m, err := memfile.Create("truth-huge", memfile.Options{HugePages: missing, AllowSealing: sealable})
		if err == nil {
			m.Close()
			t.Fatalf("Create(HugePages: %v) succeeded on a machine without that size (%v)", missing, have)
		}
		var e *memfile.Error
		if !errors.As(err, &e) || e.Op != "memfd_create" {
			t.Fatalf("Create(HugePages: %v): %v, want *memfile.Error naming memfd_create", missing, err)
		}
		switch {
		case errors.Is(err, syscall.ENODEV):
			if !strings.Contains(err.Error(), "no "+missing.String()+" huge pages") || !strings.Contains(err.Error(), "/sys/kernel/mm/hugepages") {
				t.Errorf("ENODEV without the hint: %v", err)
			}
		case errors.Is(err, syscall.EINVAL):
			if !strings.Contains(err.Error(), missing.String()) {
				t.Errorf("EINVAL without the hint: %v", err)
			}
		default:
			t.Errorf("Create(HugePages: %v) = %v, want ENODEV (or EINVAL on older kernels)", missing, err)
		}
		t.Logf("sealable=%v: %v", sealable, err)
	}
}

// freeHugeSize returns a huge page size that has no free page, or skips.
func freeHugeSize(t *testing.T, wantFree bool) memfile.HugePageSize {
	t.Helper()
	have := hugePageSizes(t)
	if len(have) == 0 {
		t.Skip("no /sys/kernel/mm/hugepages: the kernel has no hugetlbfs")
	}
	// Prefer the largest size: nothing else on the machine uses 1 GiB pages.
	best := memfile.HugePageSize(0)
	for h, free := range have {
		if (free > 0) == wantFree && h > best {
			best = h
		}
	}
	if best == 0 {
		t.Skipf("every huge page size has free pages (%v)", have)
	}
	return best
}

// TestHugePagesWithoutReservedPages: what Options.HugePages says. With no
// free page of the size, Create and Truncate succeed (ftruncate reserves
// nothing) and Map fails with ENOMEM (mmap reserves the pages) with the
// huge-page hint.
func TestHugePagesWithoutReservedPages(t *testing.T) {
	checkNoFdLeak(t)
	h := freeHugeSize(t, false)
	m, err := memfile.Create("truth-nores", memfile.Options{HugePages: h})
	if err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skipf("huge pages not allowed here: %v", err)
		}
		t.Fatalf("Create(HugePages: %v) with no free page: %v", h, err)
	}
	defer m.Close()
	if err := m.Truncate(int64(h.Bytes())); err != nil {
		t.Fatalf("Truncate(one %v page) with no free page: %v, want success", h, err)
	}
	if underEmulator() {
		// qemu-user maps huge-page files itself, at addresses that are
		// not huge-page aligned, and answers EINVAL (qemu 10.0).
		t.Skip("Create and Truncate checked; Map runs natively only: qemu-user answers EINVAL for huge-page mappings")
	}
	mp, err := m.Map(0, int(h.Bytes()), memfile.MapReadWrite)
	if err == nil {
		mp.Unmap()
		t.Fatalf("Map of a %v file with no free page succeeded", h)
	}
	if !errors.Is(err, syscall.ENOMEM) || !strings.Contains(err.Error(), "huge pages") {
		t.Errorf("Map with no free page = %v, want ENOMEM with the huge-page hint", err)
	}
}

// TestWriteHugePageFileHint: hugetlbfs has no write(2); Write and WriteAt
// fail with EINVAL and a hint that says to Map the file.
func TestWriteHugePageFileHint(t *testing.T) {
	checkNoFdLeak(t)
	if len(hugePageSizes(t)) == 0 {
		t.Skip("no /sys/kernel/mm/hugepages: the kernel has no hugetlbfs")
	}
	m, err := memfile.Create("truth-hugewrite", memfile.Options{HugePages: memfile.HugeDefault})
	if err != nil {
		t.Skipf("cannot create a huge-page file here: %v", err)
	}
	defer m.Close()
	_, err = m.Write([]byte("x"))
	_, err2 := m.WriteAt([]byte("x"), 0)
	for i, err := range []error{err, err2} {
		op := []string{"write", "pwrite"}[i]
		var e *memfile.Error
		if !errors.Is(err, syscall.EINVAL) || !errors.As(err, &e) || e.Op != op || !strings.Contains(err.Error(), "Map") {
			t.Errorf("%s on a huge-page file = %v, want EINVAL from %s with a hint to use Map", op, err, op)
		}
	}
}

// TestSealExecOnExecutableFile: on an executable file (mode 0777) the kernel
// adds shrink, grow, write and future-write along with the exec seal
// (mm/memfd.c, Linux 6.3+), as AddSeals's doc says; with a shared writable
// mapping alive that fails with EBUSY and the exec seal's own hint.
func TestSealExecOnExecutableFile(t *testing.T) {
	checkNoFdLeak(t)
	if !kernelAtLeast(6, 3) {
		t.Skip("the exec seal needs Linux 6.3")
	}
	create := func(name string) *memfile.MemFile {
		m, err := memfile.Create(name, memfile.Options{Exec: memfile.Executable, AllowSealing: true})
		if err != nil {
			if errors.Is(err, syscall.EACCES) {
				t.Skipf("Executable refused (vm.memfd_noexec=2): %v", err)
			}
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		if err := m.Truncate(4096); err != nil {
			t.Fatal(err)
		}
		return m
	}

	busy := create("truth-execbusy")
	mp, err := busy.Map(0, 4096, memfile.MapReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	err = busy.AddSeals(memfile.SealExec)
	mp.Unmap()
	if !errors.Is(err, syscall.EBUSY) || !strings.Contains(err.Error(), "execute bits") || strings.Contains(err.Error(), "before adding the write seal") {
		t.Errorf("AddSeals(SealExec) with a shared writable mapping = %v, want EBUSY with the exec-seal hint", err)
	}

	m := create("truth-exec")
	if err := m.AddSeals(memfile.SealExec); err != nil {
		t.Fatalf("AddSeals(SealExec): %v", err)
	}
	s, err := m.Seals()
	if err != nil {
		t.Fatal(err)
	}
	want := memfile.SealExec | memfile.SealShrink | memfile.SealGrow | memfile.SealWrite | memfile.SealFutureWrite
	if s != want {
		t.Errorf("seals after AddSeals(SealExec) on an executable file = %v, want %v", s, want)
	}
	if _, err := m.Write([]byte("x")); !errors.Is(err, syscall.EPERM) {
		t.Errorf("Write after the exec seal = %v, want EPERM", err)
	}
}

// TestErrorTextNoStutter: a sentinel inside an *Error is shown without its
// own "memfile: " prefix, and still matches with errors.Is.
func TestErrorTextNoStutter(t *testing.T) {
	m := mustCreate(t, "truth-seals", memfile.Options{AllowSealing: true})
	d, err := m.Dup()
	if err != nil {
		t.Fatal(err)
	}
	fd, err := d.Release()
	if err != nil {
		t.Fatal(err)
	}
	a, err := memfile.FromFdWithSeals(int(fd), memfile.SealImmutable)
	if err == nil {
		a.Close()
		t.Fatal("FromFdWithSeals of an unsealed file succeeded")
	}
	syscall.Close(int(fd))
	if !errors.Is(err, memfile.ErrMissingSeals) {
		t.Errorf("%v does not match ErrMissingSeals", err)
	}
	if s := err.Error(); strings.Count(s, "memfile:") != 1 || !strings.Contains(s, "required seals missing") {
		t.Errorf("message %q: want one \"memfile:\" and the sentinel's text", s)
	}
	for _, s := range []error{memfile.ErrClosed, memfile.ErrNotSupported, memfile.ErrMissingSeals} {
		if !strings.HasPrefix(s.Error(), "memfile: ") || strings.Count(s.Error(), "memfile:") != 1 {
			t.Errorf("sentinel text %q, want one \"memfile: \" prefix", s)
		}
	}
}
