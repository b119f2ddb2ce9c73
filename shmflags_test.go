//go:build linux || freebsd

package memfile

import (
	"errors"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// Host-run tests of the pure FreeBSD translation in shmflags.go. The
// expected values are written out from FreeBSD's sources, independently of
// the generated constants the code uses.

// libcMemfdFlags is FreeBSD's memfd_create(3) (lib/libc/gen/memfd_create.c)
// reduced to the flags it hands shm_open2: oflags = O_RDWR, | O_CLOEXEC for
// MFD_CLOEXEC; shmflags |= SHM_ALLOW_SEALING for MFD_ALLOW_SEALING, and
// SHM_LARGEPAGE for MFD_HUGETLB, else SHM_GROW_ON_WRITE. Values:
// O_RDWR 0x2, O_CLOEXEC 0x00100000 (sys/sys/fcntl.h); SHM_ALLOW_SEALING 1,
// SHM_GROW_ON_WRITE 2, SHM_LARGEPAGE 4, MFD_CLOEXEC 1, MFD_ALLOW_SEALING 2,
// MFD_HUGETLB 4 (sys/sys/mman.h).
func libcMemfdFlags(mfd uint32) (oflags, shmflags uintptr) {
	oflags = 0x2
	if mfd&0x1 != 0 {
		oflags |= 0x100000
	}
	if mfd&0x2 != 0 {
		shmflags |= 0x1
	}
	if mfd&0x4 != 0 {
		shmflags |= 0x4
	} else {
		shmflags |= 0x2
	}
	return oflags, shmflags
}

func TestShmFlagsMatchFreeBSDLibc(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		mfd  uint32 // the MFD_* flags a C program would pass for opts
	}{
		{"default", Options{}, 0x1},
		{"sealable", Options{AllowSealing: true}, 0x1 | 0x2},
		{"inherit", Options{InheritOnExec: true}, 0},
		{"inherit sealable", Options{InheritOnExec: true, AllowSealing: true}, 0x2},
		{"2MB", Options{HugePages: Huge2MB}, 0x1 | 0x4},
		{"2MB sealable inherit", Options{HugePages: Huge2MB, AllowSealing: true, InheritOnExec: true}, 0x2 | 0x4},
		{"1GB sealable", Options{HugePages: Huge1GB, AllowSealing: true}, 0x1 | 0x2 | 0x4},
		{"exec policy is ignored", Options{Exec: Executable}, 0x1},
	} {
		req, err := freebsdShmRequest(&tc.opts)
		if err != nil {
			t.Errorf("%s: freebsdShmRequest: %v", tc.name, err)
			continue
		}
		gotO, gotS := req.flags()
		wantO, wantS := libcMemfdFlags(tc.mfd)
		if gotO != wantO || gotS != wantS {
			t.Errorf("%s: flags %#x, shmflags %#x; libc passes %#x, %#x", tc.name, gotO, gotS, wantO, wantS)
		}
		if want := tc.opts.HugePages.Bytes(); req.largePage && req.pageSize != want {
			t.Errorf("%s: page size %d, want %d", tc.name, req.pageSize, want)
		}
	}
}

// libc computes a huge page size of 1<<((flags&MFD_HUGE_MASK)>>MFD_HUGE_SHIFT),
// 1 byte without a size code, which no machine lists: EOPNOTSUPP. The
// library refuses HugeDefault the same way, before any system call, with an
// error matching ErrNotSupported.
func TestShmRequestDefaultHugeIsNotSupported(t *testing.T) {
	_, err := freebsdShmRequest(&Options{HugePages: HugeDefault})
	if err != syscall.EOPNOTSUPP {
		t.Fatalf("HugeDefault: %v, want EOPNOTSUPP", err)
	}
	e := freebsdHugeError("memfd_create", "n", err)
	if !errors.Is(e, ErrNotSupported) || !errors.Is(e, syscall.EOPNOTSUPP) || !strings.Contains(e.Error(), "hw.pagesizes") {
		t.Errorf("HugeDefault error %q: want ErrNotSupported, EOPNOTSUPP and a hint naming hw.pagesizes", e)
	}
}

// pageSizeCount: sysctl_hw_pagesizes (sys/kern/kern_mib.c) copies out
// min(sizeof(pagesizes), buffer) bytes of u_long (4 bytes on 386 and arm).
func TestPageSizeCount(t *testing.T) {
	for _, tc := range []struct {
		nbytes, word uintptr
		slots, want  int
	}{
		{24, 8, 8, 3},  // three u_long entries on a 64-bit machine
		{12, 4, 8, 3},  // a 32-bit process: 3 u_int32 (SCTL_MASK32) or u_long
		{8, 4, 8, 2},   // two u_long entries on a 32-bit machine
		{20, 8, 8, 2},  // a partial trailing entry is not counted
		{3, 4, 8, 0},   // shorter than one entry
		{0, 8, 8, 0},   // nothing
		{64, 8, 8, 8},  // exactly full
		{200, 8, 8, 8}, // never more than the buffer
	} {
		if got := pageSizeCount(tc.nbytes, tc.word, tc.slots); got != tc.want {
			t.Errorf("pageSizeCount(%d, %d, %d) = %d, want %d", tc.nbytes, tc.word, tc.slots, got, tc.want)
		}
	}
}

// The hw.pagesizes sets are pagesizes[] as pmap_init fills it:
// amd64 (sys/amd64/amd64/pmap.c) {PAGE_SIZE, NBPDR 2M, NBPDP 1G when the CPU
// has AMDID_PAGE1GB}; arm64 (sys/arm64/arm64/pmap.c) {PAGE_SIZE, L2_SIZE 2M,
// L1_SIZE 1G when L1 blocks are supported}. These are the machines whose
// vmparam.h sets PMAP_HAS_LARGEPAGES; elsewhere shm_open2(SHM_LARGEPAGE) is
// ENOTTY before the sizes matter.
func TestPageSizeIndex(t *testing.T) {
	amd64 := []uint64{4 << 10, 2 << 20, 1 << 30}
	amd64No1G := []uint64{4 << 10, 2 << 20, 0}
	arm64 := []uint64{4 << 10, 2 << 20, 1 << 30}
	for _, tc := range []struct {
		name  string
		sizes []uint64
		h     HugePageSize
		idx   int // -1: EOPNOTSUPP
	}{
		{"amd64 2M", amd64, Huge2MB, 1},
		{"amd64 1G", amd64, Huge1GB, 2},
		{"amd64 64K", amd64, Huge64KB, -1},
		{"amd64 16G", amd64, Huge16GB, -1},
		{"amd64 without 1G pages", amd64No1G, Huge1GB, -1},
		{"amd64 without 1G pages, 2M", amd64No1G, Huge2MB, 1},
		{"arm64 2M", arm64, Huge2MB, 1},
		{"arm64 1G", arm64, Huge1GB, 2},
		{"arm64 64K", arm64, Huge64KB, -1},
		{"arm64 32M", arm64, Huge32MB, -1},
		{"zero slot keeps the index", []uint64{4 << 10, 0, 1 << 30}, Huge1GB, 2},
		{"empty", nil, Huge2MB, -1},
	} {
		idx, err := pageSizeIndex(tc.sizes, tc.h.Bytes())
		wantErr := error(nil)
		if tc.idx < 0 {
			wantErr = syscall.EOPNOTSUPP
		}
		if idx != tc.idx || err != wantErr {
			t.Errorf("%s: pageSizeIndex(%v, %v) = %d, %v; want %d, %v", tc.name, tc.sizes, tc.h, idx, err, tc.idx, wantErr)
		}
	}
	// Index 0 is the base page: shm_ioctl (sys/kern/uipc_shm.c) refuses
	// psind <= 0 with EINVAL, so it is never chosen.
	if idx, err := pageSizeIndex([]uint64{64 << 10, 2 << 20}, 64<<10); err != syscall.EOPNOTSUPP {
		t.Errorf("base page size: %d, %v; want EOPNOTSUPP", idx, err)
	}
}

func TestFreeBSDHugeErrors(t *testing.T) {
	e := freebsdHugeError("memfd_create", "n", syscall.EOPNOTSUPP)
	if !errors.Is(e, ErrNotSupported) || !strings.Contains(e.Error(), "memfd_create") {
		t.Errorf("unlisted page size: %q; want ErrNotSupported from memfd_create", e)
	}
	e = freebsdHugeError(opPageSizes, "n", syscall.EPERM)
	var me *Error
	if !errors.As(e, &me) || me.Op != "sysctl(hw.pagesizes)" || !errors.Is(e, syscall.EPERM) ||
		errors.Is(e, ErrNotSupported) || !strings.Contains(e.Error(), "capability mode") {
		t.Errorf("sysctl EPERM: %q; want op sysctl(hw.pagesizes), EPERM and a capability-mode hint", e)
	}
	e = freebsdHugeError(opLargePageConf, "n", syscall.EINVAL)
	if !errors.As(e, &me) || me.Op != "ioctl(FIOSSHMLPGCNF)" || !errors.Is(e, syscall.EINVAL) || errors.Is(e, ErrNotSupported) {
		t.Errorf("ioctl EINVAL: %q; want op ioctl(FIOSSHMLPGCNF) and EINVAL", e)
	}
}

func TestFreeBSDSealErrors(t *testing.T) {
	for _, tc := range []struct {
		errno       syscall.Errno
		unsupported bool
		hint        string
	}{
		{syscall.EOPNOTSUPP, true, "huge-page"}, // shm_add_seals: F_SEAL_WRITE on a large-page object
		{syscall.EBUSY, false, "read-only ones count"},
		{syscall.EPERM, false, "AllowSealing"},
		{syscall.EINVAL, false, ""},
	} {
		e := freebsdSealError("n", tc.errno)
		var me *Error
		if !errors.As(e, &me) || me.Op != "fcntl(F_ADD_SEALS)" || !errors.Is(e, tc.errno) ||
			errors.Is(e, ErrNotSupported) != tc.unsupported || !strings.Contains(e.Error(), tc.hint) {
			t.Errorf("%v: %q; want op fcntl(F_ADD_SEALS), the errno, ErrNotSupported %v, hint %q", tc.errno, e, tc.unsupported, tc.hint)
		}
	}
}

// 32-bit FreeBSD passes lseek's off_t in two words (after a padding word on
// arm) and returns the result in two registers; see lseekArgs32.
func TestLseek32(t *testing.T) {
	const off int64 = 0x1_0000_0002
	const seekCur = 1
	if got, want := lseekArgs32(3, off, seekCur, false), [5]uint32{3, 2, 1, seekCur, 0}; got != want {
		t.Errorf("i386 lseek(3, %#x, SEEK_CUR) words %#x, want %#x", off, got, want)
	}
	if got, want := lseekArgs32(3, off, seekCur, true), [5]uint32{3, 0, 2, 1, seekCur}; got != want {
		t.Errorf("arm lseek(3, %#x, SEEK_CUR) words %#x, want %#x", off, got, want)
	}
	if got, want := lseekArgs32(4, -2, seekCur, false), [5]uint32{4, 0xffff_fffe, 0xffff_ffff, seekCur, 0}; got != want {
		t.Errorf("i386 lseek(4, -2, SEEK_CUR) words %#x, want %#x", got, want)
	}
	for _, tc := range []struct {
		r0, r1 uint32
		want   int64
	}{
		{2, 1, off},
		{0, 0, 0},
		{0xffff_ffff, 0, 0xffff_ffff}, // the low word is not sign-extended
		{0xffff_ffff, 0x7fff_ffff, 1<<63 - 1},
	} {
		if got := lseekResult32(tc.r0, tc.r1); got != tc.want {
			t.Errorf("lseekResult32(%#x, %#x) = %#x, want %#x", tc.r0, tc.r1, got, tc.want)
		}
	}
}

// offArgs (sys_unix.go) is shared by Linux and FreeBSD on 386 and on arm,
// whose ABI constants agree: running this on linux/386 (natively) and linux/arm
// (under qemu) checks the words FreeBSD's ftruncate, pread, pwrite and mmap
// get, the same layout as lseekArgs32's offset words.
func TestOffArgs32(t *testing.T) {
	const off int64 = 0x1_0000_0002
	a, b, c := offArgs(off)
	var want [3]uintptr
	switch runtime.GOARCH {
	case "386":
		w := lseekArgs32(0, off, 0, false)
		want = [3]uintptr{uintptr(w[1]), uintptr(w[2]), 0}
	case "arm", "mipsle":
		w := lseekArgs32(0, off, 0, true)
		want = [3]uintptr{uintptr(w[1]), uintptr(w[2]), uintptr(w[3])}
	default:
		t.Skipf("GOARCH %s passes a 64-bit offset some other way (one register, or big-endian halves)", runtime.GOARCH)
	}
	if got := [3]uintptr{a, b, c}; got != want {
		t.Errorf("offArgs(%#x) = %#x, want %#x", off, got, want)
	}
}
