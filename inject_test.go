//go:build linux && memfile_inject

package memfile

// Errno-injection tests (issue 5): every failure a hostile or old kernel can
// answer, forced through the inject seam (inject_on.go), with the error the
// library must return, its fallbacks, and no descriptor or mapping left
// behind. Run with: go test -tags memfile_inject -run Inject .

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"unsafe"
)

// injFds returns the process's open descriptors and what each refers to.
func injFds(t *testing.T) map[string]string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("listing /proc/self/fd: %v", err)
	}
	fds := make(map[string]string, len(ents))
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err == nil { // the directory's own descriptor is gone by now
			fds[e.Name()] = target
		}
	}
	return fds
}

// injMemfdMaps counts the lines of /proc/self/maps that map a memfd whose
// name starts with prefix.
func injMemfdMaps(t *testing.T, prefix string) int {
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

// injMapsLine returns the /proc/self/maps line of the mapping that starts at
// addr, or "".
func injMapsLine(t *testing.T, addr uintptr) string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatalf("reading /proc/self/maps: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		dash := strings.IndexByte(line, '-')
		if dash < 0 {
			continue
		}
		start, err := strconv.ParseUint(line[:dash], 16, 64)
		if err == nil && uintptr(start) == addr {
			return line
		}
	}
	return ""
}

// injSetup resets the injection state and the cached exec-flag probe, and
// fails the test if it leaves a descriptor open or a memfd named "inj-..."
// mapped.
func injSetup(t *testing.T) {
	t.Helper()
	injClear()
	before := injFds(t)
	maps := injMemfdMaps(t, "inj-")
	t.Cleanup(func() {
		injClear()
		for fd, target := range injFds(t) {
			if _, ok := before[fd]; !ok {
				t.Errorf("descriptor leak: fd %s (%s) left open", fd, target)
			}
		}
		if n := injMemfdMaps(t, "inj-"); n != maps {
			t.Errorf("mapping leak: %d memfd:inj-* mappings, %d before", n, maps)
		}
	})
}

func injClear() {
	injectMu.Lock()
	injectRules = map[uintptr]*injectRule{}
	injectTrace = nil
	injectMu.Unlock()
	atomic.StoreInt32(&execFlagsRejected, 0)
}

// injNr returns the number of the one system call f makes on this GOARCH.
func injNr(t *testing.T, what string, f func()) uintptr {
	t.Helper()
	stop := traceSyscalls()
	f()
	nrs := stop()
	if len(nrs) != 1 {
		t.Fatalf("%s made system calls %v, want exactly one", what, nrs)
	}
	return nrs[0]
}

func injMmapNr(t *testing.T) uintptr {
	return injNr(t, "sysMmap", func() { sysMmap(-1, 0, 1, _PROT_READ, _MAP_PRIVATE) })
}

func injFstatNr(t *testing.T) uintptr {
	return injNr(t, "sysFstat", func() { sysFstat(-1) })
}

// injCheckErr checks an error's type, Op, errno, ErrNotSupported match and
// message hints.
func injCheckErr(t *testing.T, err error, op string, errno syscall.Errno, unsupported bool, hints ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("succeeded, want %s failing with %v", op, errno)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is a %T, want *memfile.Error", err, err)
	}
	if e.Op != op {
		t.Errorf("Op = %q, want %q (%v)", e.Op, op, err)
	}
	if !errors.Is(err, errno) {
		t.Errorf("error %v does not match %v", err, errno)
	}
	if errors.Is(err, ErrNotSupported) != unsupported {
		t.Errorf("errors.Is(%v, ErrNotSupported) = %v, want %v", err, !unsupported, unsupported)
	}
	for _, h := range hints {
		if !strings.Contains(err.Error(), h) {
			t.Errorf("error %q does not mention %q", err, h)
		}
	}
}

// injMode returns the permission bits of fd.
func injMode(t *testing.T, fd uintptr) uint32 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(fd), &st); err != nil {
		t.Fatalf("fstat: %v", err)
	}
	return uint32(st.Mode) & 0o7777
}

// injNoexecSysctl returns vm.memfd_noexec, or -1 where it does not exist.
func injNoexecSysctl() int {
	b, err := os.ReadFile("/proc/sys/vm/memfd_noexec")
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1
	}
	return n
}

func TestInjectCreateErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      Options
		errno     syscall.Errno
		count     int // memfd_create calls that fail (-1: all)
		wantCalls int // memfd_create calls made
		unsupp    bool
		also      error // another error the result must match
		hints     []string
	}{
		{"ENOSYS", Options{}, syscall.ENOSYS, -1, 1, true, nil, []string{"3.17", "CONFIG_MEMFD_CREATE"}},
		{"ENOSYS/kernel-default", Options{Exec: KernelDefault}, syscall.ENOSYS, -1, 1, true, nil, []string{"3.17"}},
		{"EPERM", Options{}, syscall.EPERM, -1, 1, false, fs.ErrPermission, []string{"seccomp", "container"}},
		{"EPERM/sealable", Options{AllowSealing: true}, syscall.EPERM, -1, 1, false, nil, []string{"seccomp", "container"}},
		{"EPERM/huge", Options{HugePages: Huge2MB}, syscall.EPERM, -1, 1, false, nil, []string{"CAP_IPC_LOCK", "seccomp"}},
		{"EACCES/exec", Options{Exec: Executable}, syscall.EACCES, -1, 1, false, fs.ErrPermission, []string{"vm.memfd_noexec=2", "NoExec"}},
		{"EACCES/noexec", Options{}, syscall.EACCES, -1, 1, false, nil, []string{"seccomp"}},
		// EINVAL with an exec flag: retried once without it; failing again
		// means the flag was not the cause, so nothing is cached.
		{"EINVAL/both-calls", Options{}, syscall.EINVAL, -1, 2, false, nil, nil},
		{"EINVAL/exec-both-calls", Options{Exec: Executable}, syscall.EINVAL, -1, 2, false, nil, nil},
		// No exec flag was passed: nothing to retry.
		{"EINVAL/kernel-default", Options{Exec: KernelDefault}, syscall.EINVAL, -1, 1, false, nil, nil},
		{"EINVAL/huge", Options{HugePages: Huge1GB}, syscall.EINVAL, -1, 2, false, nil, []string{"1GB huge pages", "4.14"}},
		// An unsupported huge page size (TestCreateUnsupportedHugePageSize
		// gets it from the real kernel).
		{"ENODEV/huge", Options{HugePages: Huge16GB}, syscall.ENODEV, -1, 1, false, nil, []string{"no 16GB huge pages", "/sys/kernel/mm/hugepages"}},
		{"EMFILE", Options{}, syscall.EMFILE, -1, 1, false, nil, []string{"out of file descriptors", "RLIMIT_NOFILE"}},
		{"ENFILE", Options{}, syscall.ENFILE, -1, 1, false, nil, []string{"out of file descriptors"}},
		{"ENOMEM", Options{}, syscall.ENOMEM, -1, 1, false, nil, nil},
		{"ENOSPC/huge", Options{HugePages: Huge2MB}, syscall.ENOSPC, -1, 1, false, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			injSetup(t)
			stop := failSyscall(_SYS_MEMFD_CREATE, tc.errno, tc.count)
			m, err := Create("inj-create", tc.opts)
			calls := stop()
			if m != nil {
				m.Close()
				t.Fatalf("Create returned a file with error %v", err)
			}
			injCheckErr(t, err, "memfd_create", tc.errno, tc.unsupp, tc.hints...)
			if tc.also != nil && !errors.Is(err, tc.also) {
				t.Errorf("error %v does not match %v", err, tc.also)
			}
			if e := err.(*Error); e.Name != "inj-create" {
				t.Errorf("Name = %q, want %q", e.Name, "inj-create")
			}
			if calls != tc.wantCalls {
				t.Errorf("memfd_create called %d times, want %d", calls, tc.wantCalls)
			}
			if atomic.LoadInt32(&execFlagsRejected) != 0 {
				t.Errorf("the exec-flag probe was cached after a failed Create")
			}
		})
	}
}

// Before Linux 6.3 MFD_NOEXEC_SEAL is an unknown flag (EINVAL): Create must
// retry without it, clear the execute bits with fchmod(0666) instead, and
// remember the answer so the next Create makes a single call.
func TestInjectExecFlagFallback(t *testing.T) {
	injSetup(t)
	stopCreate := failSyscall(_SYS_MEMFD_CREATE, syscall.EINVAL, 1)
	stopChmod := countSyscall(_SYS_FCHMOD)
	m, err := Create("inj-fallback", Options{})
	creates, chmods := stopCreate(), stopChmod()
	if err != nil {
		t.Fatalf("Create with the first memfd_create failing EINVAL: %v", err)
	}
	defer m.Close()
	if creates != 2 || chmods != 1 {
		t.Errorf("memfd_create called %d times, fchmod %d; want 2 and 1", creates, chmods)
	}
	if mode := injMode(t, m.Fd()); mode != 0o666 {
		t.Errorf("mode %#o after the fallback, want 0666 (execute bits cleared)", mode)
	}
	if atomic.LoadInt32(&execFlagsRejected) != 1 {
		t.Fatalf("the rejection of the exec flags was not cached")
	}

	// The cached probe: one memfd_create call, and the bits cleared again.
	stopCreate = countSyscall(_SYS_MEMFD_CREATE)
	stopChmod = countSyscall(_SYS_FCHMOD)
	m2, err := Create("inj-fallback-2", Options{})
	creates, chmods = stopCreate(), stopChmod()
	if err != nil {
		t.Fatalf("second Create: %v", err)
	}
	defer m2.Close()
	if creates != 1 || chmods != 1 {
		t.Errorf("second Create: memfd_create called %d times, fchmod %d; want 1 and 1", creates, chmods)
	}
	if mode := injMode(t, m2.Fd()); mode != 0o666 {
		t.Errorf("second file: mode %#o, want 0666", mode)
	}

	// Executable with the cached probe: one call, no fchmod.
	stopCreate = countSyscall(_SYS_MEMFD_CREATE)
	stopChmod = countSyscall(_SYS_FCHMOD)
	m3, err := Create("inj-fallback-3", Options{Exec: Executable})
	creates, chmods = stopCreate(), stopChmod()
	if err != nil {
		t.Fatalf("Executable Create: %v", err)
	}
	defer m3.Close()
	if creates != 1 || chmods != 0 {
		t.Errorf("Executable Create: memfd_create called %d times, fchmod %d; want 1 and 0", creates, chmods)
	}
	if injNoexecSysctl() <= 0 {
		if mode := injMode(t, m3.Fd()); mode != 0o777 {
			t.Errorf("Executable file: mode %#o, want 0777", mode)
		}
	}
}

// The fallback for Executable on a pre-6.3 kernel: retry without MFD_EXEC,
// and leave the mode alone.
func TestInjectExecFlagFallbackExecutable(t *testing.T) {
	injSetup(t)
	stopCreate := failSyscall(_SYS_MEMFD_CREATE, syscall.EINVAL, 1)
	stopChmod := countSyscall(_SYS_FCHMOD)
	m, err := Create("inj-fallback-exec", Options{Exec: Executable})
	creates, chmods := stopCreate(), stopChmod()
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	defer m.Close()
	if creates != 2 || chmods != 0 {
		t.Errorf("memfd_create called %d times, fchmod %d; want 2 and 0", creates, chmods)
	}
	if atomic.LoadInt32(&execFlagsRejected) != 1 {
		t.Errorf("the rejection of the exec flags was not cached")
	}
	if injNoexecSysctl() <= 0 {
		if mode := injMode(t, m.Fd()); mode != 0o777 {
			t.Errorf("mode %#o, want 0777", mode)
		}
	}
}

// A failure in the steps after memfd_create must close the new descriptor.
func TestInjectCreateFollowUpFailures(t *testing.T) {
	t.Run("fchmod", func(t *testing.T) {
		injSetup(t)
		stopCreate := failSyscall(_SYS_MEMFD_CREATE, syscall.EINVAL, 1)
		stopChmod := failSyscall(_SYS_FCHMOD, syscall.EPERM, -1)
		stopClose := countSyscall(_SYS_CLOSE)
		m, err := Create("inj-fchmod", Options{})
		creates, chmods, closes := stopCreate(), stopChmod(), stopClose()
		if m != nil {
			m.Close()
		}
		injCheckErr(t, err, "fchmod", syscall.EPERM, false, "execute bits")
		if creates != 2 || chmods != 1 || closes != 1 {
			t.Errorf("memfd_create %d, fchmod %d, close %d calls; want 2, 1, 1", creates, chmods, closes)
		}
	})
	for _, tc := range []struct {
		name string
		exec ExecPolicy
	}{{"F_SEAL_SEAL/kernel-default", KernelDefault}, {"F_SEAL_SEAL/noexec", NoExec}} {
		t.Run(tc.name, func(t *testing.T) {
			injSetup(t)
			if tc.exec == NoExec {
				// The F_SEAL_SEAL step follows an applied MFD_NOEXEC_SEAL.
				m, err := Create("inj-probe", Options{})
				if err != nil {
					t.Fatal(err)
				}
				m.Close()
				if atomic.LoadInt32(&execFlagsRejected) != 0 {
					t.Skipf("the kernel rejects MFD_NOEXEC_SEAL (before Linux 6.3): Create takes the fchmod path, not F_SEAL_SEAL")
				}
			}
			stopFcntl := failSyscall(_SYS_FCNTL, syscall.ENOMEM, -1)
			stopClose := countSyscall(_SYS_CLOSE)
			m, err := Create("inj-sealseal", Options{Exec: tc.exec})
			fcntls, closes := stopFcntl(), stopClose()
			if m != nil {
				m.Close()
			}
			injCheckErr(t, err, "fcntl(F_ADD_SEALS)", syscall.ENOMEM, false, "unsealable")
			if fcntls != 1 || closes != 1 {
				t.Errorf("fcntl %d, close %d calls; want 1, 1", fcntls, closes)
			}
		})
	}
	t.Run("F_SEAL_SEAL/EPERM-tolerated", func(t *testing.T) {
		injSetup(t)
		// EPERM means the file already has SealSeal: not an error.
		stop := failSyscall(_SYS_FCNTL, syscall.EPERM, -1)
		m, err := Create("inj-sealseal-eperm", Options{Exec: KernelDefault})
		calls := stop()
		if err != nil {
			t.Fatalf("Create with F_ADD_SEALS answering EPERM: %v", err)
		}
		m.Close()
		if calls != 1 {
			t.Errorf("fcntl called %d times, want 1", calls)
		}
	})
}

func TestInjectAddSeals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		seals  Seals
		errno  syscall.Errno
		unsupp bool
		hints  []string
	}{
		{"EPERM", SealWrite, syscall.EPERM, false, []string{"sealed against new seals", "AllowSealing"}},
		{"EBUSY", SealWrite, syscall.EBUSY, false, []string{"shared mapping", "unmap"}},
		{"EINVAL/exec", SealExec, syscall.EINVAL, true, []string{"6.3"}},
		{"EINVAL/exec+write", SealExec | SealWrite, syscall.EINVAL, true, []string{"6.3"}},
		{"EINVAL/future-write", SealFutureWrite, syscall.EINVAL, true, []string{"5.1"}},
		{"EINVAL/write", SealWrite | SealShrink, syscall.EINVAL, false, nil},
		{"EIO", SealGrow, syscall.EIO, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			injSetup(t)
			m, err := Create("inj-seals", Options{AllowSealing: true})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			before, err := m.Seals()
			if err != nil {
				t.Fatal(err)
			}
			stop := failSyscall(_SYS_FCNTL, tc.errno, 1)
			err = m.AddSeals(tc.seals)
			calls := stop()
			injCheckErr(t, err, "fcntl(F_ADD_SEALS)", tc.errno, tc.unsupp, tc.hints...)
			if calls != 1 {
				t.Errorf("fcntl called %d times, want 1", calls)
			}
			if after, err := m.Seals(); err != nil || after != before {
				t.Errorf("after the failed AddSeals the file has seals %v (%v), want %v as before", after, err, before)
			}
		})
	}
	t.Run("unknown-bits", func(t *testing.T) {
		injSetup(t)
		m, err := Create("inj-seals", Options{AllowSealing: true})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		stop := countSyscall(_SYS_FCNTL)
		err = m.AddSeals(SealWrite | 0x400)
		if calls := stop(); calls != 0 {
			t.Errorf("fcntl called %d times for unknown bits, want 0 (checked before any call)", calls)
		}
		injCheckErr(t, err, "fcntl(F_ADD_SEALS)", syscall.EINVAL, false, "unknown seal bits 400")
	})
}

func TestInjectMap(t *testing.T) {
	ps := syscall.Getpagesize()
	mmapNr := injMmapNr(t)
	fstatNr := injFstatNr(t)
	newFile := func(t *testing.T) *MemFile {
		m, err := Create("inj-map", Options{AllowSealing: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		if _, err := m.WriteAt([]byte("mapped contents"), 0); err != nil {
			t.Fatal(err)
		}
		if err := m.Truncate(int64(2 * ps)); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, tc := range []struct {
		name      string
		mode      MapMode
		errno     syscall.Errno
		count     int
		wantCalls int
		hints     []string
		seal      Seals // added before the call
	}{
		{"ENOMEM", MapReadWrite, syscall.ENOMEM, -1, 1, []string{"out of address space", "vm.nr_hugepages"}, 0},
		{"ENOMEM/read-only", MapReadOnly, syscall.ENOMEM, -1, 1, []string{"out of address space"}, 0},
		{"EACCES", MapReadWrite, syscall.EACCES, -1, 1, []string{"not open for writing", "MapReadOnly"}, 0},
		// On Linux EACCES means the descriptor, even for a write-sealed
		// file (FreeBSD's shm_mmap also answers EACCES for a write seal,
		// and there mapHint reads the seals: eaccesMaySeal).
		{"EACCES/write-sealed", MapReadWrite, syscall.EACCES, -1, 1, []string{"not open for writing"}, SealWrite},
		{"EPERM/read-write", MapReadWrite, syscall.EPERM, -1, 1, []string{"sealed against writing", "MapCopyOnWrite"}, SealWrite},
		{"EPERM/read-write-future-write", MapReadWrite, syscall.EPERM, -1, 1, []string{"sealed against writing"}, SealFutureWrite},
		{"EPERM/copy-on-write", MapCopyOnWrite, syscall.EPERM, -1, 1, nil, 0},
		// The private fallback failing too: its error is returned.
		{"EPERM/read-only-both-calls", MapReadOnly, syscall.EPERM, 2, 2, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			injSetup(t)
			m := newFile(t)
			if tc.seal != 0 {
				if err := m.AddSeals(tc.seal); err != nil {
					t.Fatal(err)
				}
			}
			stop := failSyscall(mmapNr, tc.errno, tc.count)
			mp, err := m.Map(0, 2*ps, tc.mode)
			calls := stop()
			if mp != nil {
				mp.Unmap()
			}
			injCheckErr(t, err, "mmap", tc.errno, false, tc.hints...)
			if calls != tc.wantCalls {
				t.Errorf("mmap called %d times, want %d", calls, tc.wantCalls)
			}
		})
	}
	// A write-sealed file on a kernel that refuses shared read-only mappings
	// of it: Map must retry with MAP_PRIVATE and return a working mapping.
	t.Run("EPERM/read-only-falls-back-to-private", func(t *testing.T) {
		injSetup(t)
		m := newFile(t)
		if err := m.AddSeals(SealImmutable); err != nil {
			t.Fatal(err)
		}
		stop := failSyscall(mmapNr, syscall.EPERM, 1)
		mp, err := m.Map(0, 2*ps, MapReadOnly)
		calls := stop()
		if err != nil {
			t.Fatalf("Map(MapReadOnly) with the shared mmap failing EPERM: %v", err)
		}
		defer mp.Unmap()
		if calls != 2 {
			t.Errorf("mmap called %d times, want 2 (shared, then the private fallback)", calls)
		}
		b := mp.Bytes()
		if len(b) != 2*ps || string(b[:15]) != "mapped contents" || b[2*ps-1] != 0 {
			t.Errorf("fallback mapping: %d bytes starting %q", len(b), b[:15])
		}
		line := injMapsLine(t, uintptr(unsafe.Pointer(&b[0])))
		if f := strings.Fields(line); len(f) < 2 || f[1] != "r--p" {
			t.Errorf("fallback mapping in /proc/self/maps: %q; want a private read-only (r--p) mapping", line)
		}
		if err := mp.Unmap(); err != nil {
			t.Errorf("Unmap: %v", err)
		}
	})
	t.Run("fstat-EIO", func(t *testing.T) {
		injSetup(t)
		m := newFile(t)
		stopFstat := failSyscall(fstatNr, syscall.EIO, -1)
		stopMmap := countSyscall(mmapNr)
		mp, err := m.Map(0, ps, MapReadOnly)
		stopFstat()
		if mmaps := stopMmap(); mmaps != 0 {
			t.Errorf("mmap called %d times after fstat failed, want 0", mmaps)
		}
		if mp != nil {
			mp.Unmap()
		}
		injCheckErr(t, err, fstatOp, syscall.EIO, false)
	})
	t.Run("munmap-EINVAL", func(t *testing.T) {
		injSetup(t)
		m := newFile(t)
		mp, err := m.Map(0, ps, MapReadOnly)
		if err != nil {
			t.Fatal(err)
		}
		b := mp.Bytes()
		stop := failSyscall(_SYS_MUNMAP, syscall.EINVAL, 1)
		err = mp.Unmap()
		stop()
		injCheckErr(t, err, "munmap", syscall.EINVAL, false)
		// The mapping is still there and still known: Bytes works, and a
		// second Unmap really unmaps it (the kernel then has no mapping
		// at that address, so munmap by hand of it is a no-op and a
		// read through mincore fails with ENOMEM).
		if got := mp.Bytes(); len(got) != len(b) || &got[0] != &b[0] {
			t.Fatalf("after a failed Unmap Bytes is %d bytes at %p, want the same %d bytes at %p", len(got), got, len(b), b)
		}
		if b[0] != 'm' { // still mapped: no fault
			t.Errorf("the mapping shows %q", b[:1])
		}
		if err := mp.Unmap(); err != nil {
			t.Fatalf("retrying Unmap: %v", err)
		}
		if mp.Bytes() != nil {
			t.Errorf("Bytes after the retried Unmap is not nil")
		}
		vec := make([]byte, 1)
		if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(ps), uintptr(unsafe.Pointer(&vec[0]))); e != syscall.ENOMEM {
			t.Errorf("mincore after the retried Unmap: %v, want ENOMEM (nothing mapped there)", e)
		}
	})
}

// injRawMemfd returns a descriptor of a sealable memfd that the test owns.
func injRawMemfd(t *testing.T) int {
	t.Helper()
	m, err := Create("inj-fromfd", Options{AllowSealing: true})
	if err != nil {
		t.Fatal(err)
	}
	fd, _ := m.Release()
	t.Cleanup(func() { syscall.Close(int(fd)) })
	return int(fd)
}

// injStillOpen fails unless fd is open with the descriptor flags it had.
func injStillOpen(t *testing.T, fd int, flags uintptr) {
	t.Helper()
	got, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	if e != 0 {
		t.Fatalf("fd %d was closed by the failed FromFd: fcntl(F_GETFD): %v", fd, e)
	}
	if got != flags {
		t.Errorf("fd %d flags changed from %#x to %#x by the failed FromFd", fd, flags, got)
	}
}

func TestInjectFromFd(t *testing.T) {
	fstatNr := injFstatNr(t)
	for _, tc := range []struct {
		name  string
		nr    uintptr
		nth   int
		errno syscall.Errno
		op    string
		hints []string
		opts  *AdoptOptions // FromFdWithOptions with these; nil: FromFd
	}{
		// FromFd makes fcntl(F_GETFL), fcntl(F_GET_SEALS), fcntl(F_SETFD);
		// fstat only after F_GET_SEALS fails with EINVAL, or for the limits
		// of FromFdWithOptions (opts).
		{"F_GETFL-EBADF", _SYS_FCNTL, 1, syscall.EBADF, "fcntl(F_GETFL)", []string{"descriptor"}, nil},
		{"F_GET_SEALS-EINVAL", _SYS_FCNTL, 2, syscall.EINVAL, "fcntl(F_GET_SEALS)", []string{"does not support seals"}, nil},
		{"F_GET_SEALS-EINVAL-fstat-EIO", fstatNr, 1, syscall.EIO, fstatOp, []string{"descriptor"}, nil},
		{"F_GET_SEALS-EBADF", _SYS_FCNTL, 2, syscall.EBADF, "fcntl(F_GET_SEALS)", nil, nil},
		{"F_SETFD-EIO", _SYS_FCNTL, 3, syscall.EIO, "fcntl(F_SETFD)", nil, nil},
		{"fstat-EBADF", fstatNr, 1, syscall.EBADF, fstatOp, []string{"descriptor"}, &AdoptOptions{MaxSize: 1 << 40}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			injSetup(t)
			fd := injRawMemfd(t)
			// Start without close-on-exec so a change would show.
			syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFD, 0)
			if tc.name == "F_GET_SEALS-EINVAL-fstat-EIO" {
				defer failSyscallNth(_SYS_FCNTL, syscall.EINVAL, 2, 1)()
			}
			stop := failSyscallNth(tc.nr, tc.errno, tc.nth, 1)
			var m *MemFile
			var err error
			if tc.opts != nil {
				m, err = FromFdWithOptions(fd, *tc.opts)
			} else {
				m, err = FromFd(fd)
			}
			stop()
			if m != nil {
				m.Release()
				t.Fatalf("FromFd accepted fd %d with an injected %v", fd, tc.errno)
			}
			injCheckErr(t, err, tc.op, tc.errno, false, tc.hints...)
			injStillOpen(t, fd, 0)
		})
	}
	t.Run("closed-descriptor", func(t *testing.T) {
		injSetup(t)
		fd := injRawMemfd(t)
		syscall.Close(fd)
		m, err := FromFd(fd)
		if m != nil {
			m.Release()
		}
		injCheckErr(t, err, "fcntl(F_GETFL)", syscall.EBADF, false)
	})
}

// A close(2) that fails (EIO from NFS, EINTR from a signal, or anything
// else) still releases the descriptor on Linux; the MemFile must count as
// closed and never retry, not even on EINTR (issue 9 item 12): the number
// may already be another file's.
func TestInjectCloseFails(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EIO, syscall.EINTR} {
		t.Run(errno.Error(), func(t *testing.T) {
			injSetup(t)
			m, err := Create("inj-close", Options{})
			if err != nil {
				t.Fatal(err)
			}
			fd := m.Fd()
			stop := failSyscall(_SYS_CLOSE, errno, 1)
			err = m.Close()
			calls := stop()
			// The injected failure kept the kernel from closing it: do that here.
			defer syscall.Close(int(fd))
			injCheckErr(t, err, "close", errno, false)
			if e := err.(*Error); e.Name != "inj-close" {
				t.Errorf("Name = %q, want inj-close", e.Name)
			}
			if calls != 1 {
				t.Errorf("close called %d times, want 1", calls)
			}
			if err := m.Close(); !errors.Is(err, ErrClosed) {
				t.Errorf("second Close = %v, want ErrClosed", err)
			}
			if m.Fd() != ^uintptr(0) {
				t.Errorf("Fd() = %d after the failed Close, want ^uintptr(0)", m.Fd())
			}
			if _, err := m.Read(make([]byte, 1)); !errors.Is(err, ErrClosed) {
				t.Errorf("Read after the failed Close = %v, want ErrClosed", err)
			}
		})
	}
}

func TestInjectDupEMFILE(t *testing.T) {
	injSetup(t)
	m, err := Create("inj-dup", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	stop := failSyscall(_SYS_FCNTL, syscall.EMFILE, 1)
	d, err := m.Dup()
	stop()
	if d != nil {
		d.Close()
	}
	injCheckErr(t, err, "fcntl(F_DUPFD_CLOEXEC)", syscall.EMFILE, false)
}

func TestInjectWriteTruncateHints(t *testing.T) {
	injSetup(t)
	m, err := Create("inj-io", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	stop := failSyscall(_SYS_WRITE, syscall.EPERM, 1)
	_, err = m.Write([]byte("x"))
	stop()
	injCheckErr(t, err, "write", syscall.EPERM, false, "sealed against writing")
	stop = failSyscall(sysPwriteNr, syscall.ENOSPC, 1)
	_, err = m.WriteAt([]byte("x"), 0)
	stop()
	injCheckErr(t, err, "pwrite", syscall.ENOSPC, false)
	stop = failSyscall(sysFtruncateNr, syscall.EPERM, 1)
	err = m.Truncate(1)
	stop()
	injCheckErr(t, err, "ftruncate", syscall.EPERM, false, "sealed against shrinking or growing")
}
