//go:build linux

package memfile_test

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/memfile-go/memfile"
)

// meminfo reads one "Name: value" line of /proc/meminfo.
func meminfo(t *testing.T, name string) int {
	t.Helper()
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Skipf("no /proc/meminfo: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == name+":" {
			n, _ := strconv.Atoi(fields[1])
			return n
		}
	}
	return -1
}

func TestHugePages(t *testing.T) {
	checkNoFdLeak(t)
	sizeKB := meminfo(t, "Hugepagesize")
	free := meminfo(t, "HugePages_Free")
	if sizeKB <= 0 || free < 2 {
		t.Skipf("needs 2 free huge pages, have %d of %d kB (as root: echo 8 > /proc/sys/vm/nr_hugepages)", free, sizeKB)
	}
	pageBytes := int64(sizeKB) << 10
	sizes := []memfile.HugePageSize{memfile.HugeDefault}
	for _, h := range []memfile.HugePageSize{memfile.Huge2MB, memfile.Huge1GB, memfile.Huge64KB, memfile.Huge16MB} {
		if int64(h.Bytes()) == pageBytes {
			sizes = append(sizes, h)
		}
	}
	for _, h := range sizes {
		m, err := memfile.Create("huge", memfile.Options{HugePages: h, AllowSealing: true})
		if err != nil {
			t.Fatalf("Create(HugePages: %v): %v", h, err)
		}
		if err := m.Truncate(2 * pageBytes); err != nil {
			m.Close()
			t.Fatalf("%v: Truncate(2 huge pages): %v", h, err)
		}
		before := meminfo(t, "HugePages_Free")
		mp, err := m.Map(0, int(2*pageBytes), memfile.MapReadWrite)
		if err != nil && underQemu32(err) {
			m.Close()
			t.Skipf("%v: Map: %v: qemu-user cannot map hugetlbfs files for 32-bit guests (it places guest mappings at addresses that are not huge-page aligned; native 386 and 64-bit guests pass)", h, err)
		}
		if err != nil {
			m.Close()
			t.Fatalf("%v: Map: %v", h, err)
		}
		b := mp.Bytes()
		b[0], b[pageBytes] = 'h', 'p'
		if after := meminfo(t, "HugePages_Free"); before-after != 2 {
			t.Errorf("%v: HugePages_Free went from %d to %d; want 2 huge pages in use", h, before, after)
		}
		buf := make([]byte, 1)
		if _, err := m.ReadAt(buf, pageBytes); err != nil || buf[0] != 'p' {
			t.Errorf("%v: ReadAt(second huge page) = %q, %v", h, buf, err)
		}
		// Linux does not implement write(2) on hugetlbfs files.
		if _, err := m.WriteAt([]byte("x"), 0); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("%v: WriteAt on a huge-page file = %v, want EINVAL", h, err)
		}
		// Offsets must be multiples of the huge page size.
		if _, err := m.Map(int64(pageSize), pageSize, memfile.MapReadOnly); err == nil {
			t.Errorf("%v: Map at a small-page offset succeeded", h)
		}
		if err := m.AddSeals(memfile.SealShrink | memfile.SealGrow); err != nil {
			t.Errorf("%v: sealing a huge-page file: %v", h, err)
		}
		mp.Unmap()
		m.Close()
	}
}

// underQemu32 reports whether err is the EINVAL that qemu-user gives a
// 32-bit guest for a hugetlbfs mapping (scripts/qemu-test.sh sets
// MEMFILE_TEST_EXEC to the emulator).
func underQemu32(err error) bool {
	return os.Getenv("MEMFILE_TEST_EXEC") != "" && unsafe.Sizeof(uintptr(0)) == 4 && errors.Is(err, syscall.EINVAL)
}

func TestHugePageSizeNames(t *testing.T) {
	for _, tc := range []struct {
		h     memfile.HugePageSize
		name  string
		bytes uint64
	}{
		{memfile.NoHugePages, "none", 0},
		{memfile.HugeDefault, "default", 0},
		{memfile.Huge64KB, "64KB", 64 << 10},
		{memfile.Huge512KB, "512KB", 512 << 10},
		{memfile.Huge1MB, "1MB", 1 << 20},
		{memfile.Huge2MB, "2MB", 2 << 20},
		{memfile.Huge8MB, "8MB", 8 << 20},
		{memfile.Huge16MB, "16MB", 16 << 20},
		{memfile.Huge32MB, "32MB", 32 << 20},
		{memfile.Huge256MB, "256MB", 256 << 20},
		{memfile.Huge512MB, "512MB", 512 << 20},
		{memfile.Huge1GB, "1GB", 1 << 30},
		{memfile.Huge2GB, "2GB", 2 << 30},
		{memfile.Huge16GB, "16GB", 16 << 30},
	} {
		if tc.h.String() != tc.name || tc.h.Bytes() != tc.bytes {
			t.Errorf("HugePageSize %d: %q %d, want %q %d", uint8(tc.h), tc.h.String(), tc.h.Bytes(), tc.name, tc.bytes)
		}
	}
}
