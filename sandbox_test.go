//go:build linux

package memfile_test

// Real sandboxes (issue 5): child processes (this test binary re-executed)
// that answer memfd_create with EPERM or ENOSYS through a seccomp filter, as
// container runtimes and old kernels do, or that run out of descriptors
// under a lowered RLIMIT_NOFILE. Each child reports what Create returned as
// one JSON line; the parent checks it.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/memfile-go/memfile"
)

func init() {
	childModes["seccomp-eperm"] = func() int { return childSeccomp(syscall.EPERM) }
	childModes["seccomp-enosys"] = func() int { return childSeccomp(syscall.ENOSYS) }
	childModes["rlimit-emfile"] = childRlimit
}

// seccompArch is what a filter needs to know about a GOARCH: its AUDIT_ARCH_*
// value (linux/audit.h: the ELF machine, |0x80000000 for 64-bit,
// |0x40000000 for little-endian), and the numbers of memfd_create and
// seccomp (the same as zsysnum_linux_<GOARCH>.go; package syscall lacks
// SYS_MEMFD_CREATE on most of them).
type seccompArch struct {
	auditArch      uint32
	memfd, seccomp uintptr
}

var seccompArches = map[string]seccompArch{
	"386":      {0x40000003, 356, 354},
	"amd64":    {0xc000003e, 319, 317},
	"arm":      {0x40000028, 385, 383},
	"arm64":    {0xc00000b7, 279, 277},
	"loong64":  {0xc0000102, 279, 277},
	"mips":     {0x00000008, 4354, 4352},
	"mipsle":   {0x40000008, 4354, 4352},
	"mips64":   {0x80000008, 5314, 5312},
	"mips64le": {0xc0000008, 5314, 5312},
	"ppc64":    {0x80000015, 360, 358},
	"ppc64le":  {0xc0000015, 360, 358},
	"riscv64":  {0xc00000f3, 279, 277},
	"s390x":    {0x80000016, 350, 348},
}

const (
	prSetNoNewPrivs        = 38
	seccompSetModeFilter   = 1
	seccompFilterFlagTsync = 1
	seccompRetAllow        = 0x7fff0000
	seccompRetErrno        = 0x00050000
)

// installMemfdFilter makes every thread of the process answer memfd_create
// with errno, and allows everything else.
func installMemfdFilter(errno syscall.Errno) error {
	a, ok := seccompArches[runtime.GOARCH]
	if !ok {
		return fmt.Errorf("no seccomp table for GOARCH %s", runtime.GOARCH)
	}
	return installErrnoFilter(a.memfd, errno)
}

// installErrnoFilter makes every thread of the process answer system call
// nr with errno, and allows everything else.
func installErrnoFilter(nr uintptr, errno syscall.Errno) error {
	a, ok := seccompArches[runtime.GOARCH]
	if !ok {
		return fmt.Errorf("no seccomp table for GOARCH %s", runtime.GOARCH)
	}
	// struct seccomp_data: int nr at offset 0, __u32 arch at offset 4.
	prog := []syscall.SockFilter{
		{Code: syscall.BPF_LD | syscall.BPF_W | syscall.BPF_ABS, K: 4},
		{Code: syscall.BPF_JMP | syscall.BPF_JEQ | syscall.BPF_K, K: a.auditArch, Jt: 0, Jf: 3},
		{Code: syscall.BPF_LD | syscall.BPF_W | syscall.BPF_ABS, K: 0},
		{Code: syscall.BPF_JMP | syscall.BPF_JEQ | syscall.BPF_K, K: uint32(nr), Jt: 0, Jf: 1},
		{Code: syscall.BPF_RET | syscall.BPF_K, K: seccompRetErrno | uint32(errno)},
		{Code: syscall.BPF_RET | syscall.BPF_K, K: seccompRetAllow},
	}
	fprog := syscall.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	// no_new_privs is per thread: set it on the thread that installs the
	// filter; TSYNC then gives both to every other thread of the process.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0, 0, 0, 0); e != 0 {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %v", e)
	}
	r, _, e := syscall.RawSyscall(a.seccomp, seccompSetModeFilter, seccompFilterFlagTsync, uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog)
	if e != 0 {
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): %v", e)
	}
	if r != 0 {
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): thread %d could not be synchronized", r)
	}
	return nil
}

// childReport is what a sandbox child prints, as JSON after "RESULT ".
type childReport struct {
	Skip         string // why the sandbox could not be set up
	Created      bool   // Create returned a file
	Err          string
	EPERM        bool // errors.Is(err, syscall.EPERM)
	Permission   bool // errors.Is(err, fs.ErrPermission)
	ENOSYS       bool
	EMFILE       bool
	NotSupported bool // errors.Is(err, memfile.ErrNotSupported)
	DupErr       string
	DupEMFILE    bool
	FdsBefore    []string
	FdsAfter     []string
}

func (r *childReport) setErr(err error) {
	if err == nil {
		return
	}
	r.Err = err.Error()
	r.EPERM = errors.Is(err, syscall.EPERM)
	r.Permission = errors.Is(err, fs.ErrPermission)
	r.ENOSYS = errors.Is(err, syscall.ENOSYS)
	r.EMFILE = errors.Is(err, syscall.EMFILE)
	r.NotSupported = errors.Is(err, memfile.ErrNotSupported)
}

func printReport(r *childReport) int {
	b, _ := json.Marshal(r)
	fmt.Printf("RESULT %s\n", b)
	return 0
}

// childFdList lists the open descriptors without testing.TB.
func childFdList() []string {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	var out []string
	for _, e := range ents {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			out = append(out, e.Name()+" -> "+target)
		}
	}
	return out
}

func childSeccomp(errno syscall.Errno) int {
	var r childReport
	if err := installMemfdFilter(errno); err != nil {
		r.Skip = "installing the seccomp filter failed: " + err.Error()
		return printReport(&r)
	}
	r.FdsBefore = childFdList()
	m, err := memfile.Create("sandboxed", memfile.Options{})
	r.FdsAfter = childFdList()
	r.setErr(err)
	if m != nil {
		r.Created = true
		m.Close()
	}
	return printReport(&r)
}

func childRlimit() int {
	var r childReport
	m0, err := memfile.Create("before-the-limit", memfile.Options{})
	if err != nil {
		r.Skip = "Create before lowering the limit: " + err.Error()
		return printReport(&r)
	}
	defer m0.Close()
	r.FdsBefore = childFdList()
	// The lowest free descriptor number becomes the limit: every new
	// descriptor would have to be at or above it.
	free := 0
	for {
		if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(free), syscall.F_GETFD, 0); e == syscall.EBADF {
			break
		}
		free++
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		r.Skip = "getrlimit: " + err.Error()
		return printReport(&r)
	}
	lim := old
	lim.Cur = uint64(free)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		r.Skip = "setrlimit: " + err.Error()
		return printReport(&r)
	}
	m, err := memfile.Create("over-the-limit", memfile.Options{})
	d, derr := m0.Dup()
	serr := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	r.FdsAfter = childFdList()
	if serr != nil {
		r.FdsAfter = append(r.FdsAfter, "restoring the limit failed: "+serr.Error())
	}
	r.setErr(err)
	if m != nil {
		r.Created = true
		m.Close()
	}
	if d != nil {
		d.Close()
		r.DupErr = "Dup succeeded"
	} else if derr != nil {
		r.DupErr = derr.Error()
		r.DupEMFILE = errors.Is(derr, syscall.EMFILE)
	}
	return printReport(&r)
}

// runSandboxChild runs a child mode and returns its report.
func runSandboxChild(t *testing.T, mode string) childReport {
	t.Helper()
	checkNoFdLeak(t)
	out, err := helperCommand(t, mode).CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", mode, err, out)
	}
	var r childReport
	found := false
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "RESULT ") {
			if err := json.Unmarshal([]byte(line[len("RESULT "):]), &r); err != nil {
				t.Fatalf("child %s: bad report %q: %v", mode, line, err)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("child %s printed no report:\n%s", mode, out)
	}
	if r.Skip != "" {
		t.Skipf("child %s: %s", mode, r.Skip)
	}
	if r.Created {
		t.Fatalf("child %s: Create succeeded inside the sandbox", mode)
	}
	if strings.Join(r.FdsBefore, "\n") != strings.Join(r.FdsAfter, "\n") {
		t.Errorf("child %s: the failed Create changed the descriptor table:\nbefore %q\nafter  %q", mode, r.FdsBefore, r.FdsAfter)
	}
	t.Logf("child %s: Create: %s", mode, r.Err)
	return r
}

// skipUnderQemu skips seccomp tests under qemu-user: qemu answers the
// guest's seccomp(2) with ENOSYS (observed with qemu 10.0), and a filter on
// qemu itself would see the host's system call numbers and architecture,
// not the guest's, so no filter can answer the guest's memfd_create as the
// guest expects.
func skipUnderQemu(t *testing.T) {
	if w := os.Getenv("MEMFILE_TEST_EXEC"); w != "" {
		t.Skipf("under qemu-user (MEMFILE_TEST_EXEC=%s) a seccomp filter cannot work as the guest expects: qemu answers the guest's seccomp(2) with ENOSYS, and a filter on qemu itself would see host syscall numbers", w)
	}
}

// A container runtime's seccomp profile answers memfd_create with EPERM.
func TestSandboxSeccompEPERM(t *testing.T) {
	skipUnderQemu(t)
	r := runSandboxChild(t, "seccomp-eperm")
	if !r.EPERM || !r.Permission || r.NotSupported {
		t.Errorf("error %q: EPERM %v, fs.ErrPermission %v, ErrNotSupported %v; want true, true, false", r.Err, r.EPERM, r.Permission, r.NotSupported)
	}
	// Android's hint names its own policies (SELinux, the app seccomp
	// filter); a real kernel runs this there (internal/kernels).
	policy := "container"
	if runtime.GOOS == "android" {
		policy = "SELinux"
	}
	if !strings.Contains(r.Err, "seccomp") || !strings.Contains(r.Err, policy) {
		t.Errorf("error %q does not name seccomp and %s policy", r.Err, policy)
	}
}

// A filter answering ENOSYS looks like a kernel before 3.17.
func TestSandboxSeccompENOSYS(t *testing.T) {
	skipUnderQemu(t)
	r := runSandboxChild(t, "seccomp-enosys")
	if !r.ENOSYS || !r.NotSupported || r.EPERM {
		t.Errorf("error %q: ENOSYS %v, ErrNotSupported %v, EPERM %v; want true, true, false", r.Err, r.ENOSYS, r.NotSupported, r.EPERM)
	}
	if !strings.Contains(r.Err, "3.17") {
		t.Errorf("error %q does not name Linux 3.17", r.Err)
	}
}

// With RLIMIT_NOFILE at the lowest free descriptor number, Create and Dup
// fail with EMFILE and leave the descriptor table as it was.
func TestSandboxRlimitEMFILE(t *testing.T) {
	r := runSandboxChild(t, "rlimit-emfile")
	if !r.EMFILE {
		t.Errorf("Create error %q does not match EMFILE", r.Err)
	}
	if !strings.Contains(r.Err, "RLIMIT_NOFILE") {
		t.Errorf("Create error %q does not say to raise RLIMIT_NOFILE", r.Err)
	}
	if !r.DupEMFILE {
		t.Errorf("Dup: %q; want EMFILE", r.DupErr)
	}
}
